"""API list of 100 pairings on province data against the same rows fetched by raw SQL and dumped to JSON.

    python benchmarks/api_list.py [--runs 21]

Both sides run in this process on the same database in the same run, timed turn about so that both
see the same machine: the API through Django's full stack (middleware, token authentication,
scoping, filters, serializers, pagination with its count), the baseline as one hand-written SQL
query plus ``json.dumps``. Bars (SPEC §11): the query count does not
grow with the page size, and the API takes at most 4 × the baseline.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import Result, paired_median_seconds, province_hr_user, report, setup_django  # noqa: E402

BASELINE_SQL = """
SELECT p.id, p.program_id, p.mentor_id, p.mentee_id, mp.full_name, ep.full_name, p.status,
       p.start_date, p.planned_end_date, p.end_date, p.end_reason, p.match_score,
       p.match_explanation, p.last_activity_date
FROM pairings_pairing p
JOIN programs_enrolment me ON me.id = p.mentor_id
JOIN programs_person mp ON mp.id = me.person_id
JOIN programs_enrolment ee ON ee.id = p.mentee_id
JOIN programs_person ep ON ep.id = ee.person_id
WHERE p.program_id = %s
ORDER BY p.created_at DESC, p.id DESC
LIMIT 100
"""


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=21)
    options = parser.parse_args()
    setup_django()
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from rest_framework.authtoken.models import Token

    from pairings.models import Pairing

    user = province_hr_user()
    program_id = (
        Pairing.objects.filter(program__organization__path__startswith=user.organization.path)
        .values_list("program_id", flat=True)
        .first()
    )
    # An API client: token authentication, as outside systems call it.
    token, _ = Token.objects.get_or_create(user=user)
    client = Client(HTTP_ACCEPT_LANGUAGE="en", HTTP_AUTHORIZATION=f"Token {token.key}")

    def api(page_size: int = 100) -> bytes:
        response = client.get("/api/v1/pairings/", {"program": program_id, "page_size": page_size})
        assert response.status_code == 200, response.content[:500]
        return response.content

    def baseline() -> str:
        with connection.cursor() as cursor:
            cursor.execute(BASELINE_SQL, [program_id])
            columns = [c.name for c in cursor.description]
            rows = [dict(zip(columns, row, strict=True)) for row in cursor.fetchall()]
        return json.dumps(rows, default=str, ensure_ascii=False)

    counts = {}
    for size in (10, 100):
        with CaptureQueriesContext(connection) as queries:
            api(size)
        counts[size] = len(queries)
    rows = len(json.loads(api())["results"])

    api_seconds, baseline_seconds = paired_median_seconds(api, baseline, runs=options.runs)
    ratio = api_seconds / baseline_seconds
    report(
        [
            Result(
                "API pairings list: queries, page of 100 minus page of 10",
                counts[100] - counts[10],
                "queries",
                0,
                note=f"{counts[10]} queries at 10, {counts[100]} at 100",
            ),
            Result(
                "API pairings list (100 rows) vs raw SQL + JSON",
                ratio,
                "×",
                4,
                note=f"API {api_seconds * 1000:.1f} ms, SQL+JSON {baseline_seconds * 1000:.1f} ms, {rows} rows",
            ),
        ]
    )


if __name__ == "__main__":
    main()
