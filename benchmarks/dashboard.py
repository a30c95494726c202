"""Program dashboard and the other daily pages at province scale: queries and server time.

    python benchmarks/dashboard.py [--runs 5]

The biggest program of the province data is rendered through Django's full stack (middleware, session,
scoping, selectors, templates) in this process, as an HR user of the province's root organization who
sees everything. Bars (SPEC §11): the program dashboard takes at most 20 queries and 500 ms; the
supervision page and a pairing page are measured beside it against the same bars, and the home
dashboard over the whole province is printed for information.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import Result, median_seconds, province_hr_user, province_root, report, setup_django  # noqa: E402

QUERY_BAR = 20
SECONDS_BAR = 0.5


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=5)
    options = parser.parse_args()
    setup_django()
    from django.db import connection
    from django.db.models import Count
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.urls import reverse

    from pairings.models import Pairing, PairingStatus
    from programs.models import Program
    from programs.services import create_hr_user

    root = province_root()
    program = (
        Program.objects.filter(organization__path__startswith=root.path)
        .annotate(size=Count("pairings"))
        .order_by("-size")
        .first()
    )
    user = province_hr_user() or create_hr_user(username="bench_hr", password=None, organization=root)
    pairing = Pairing.objects.filter(program=program, status=PairingStatus.ACTIVE).order_by("pk").first()

    client = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
    client.force_login(user)
    pages = [
        ("program dashboard", reverse("programs:detail", args=[program.pk])),
        ("supervision page", reverse("programs:supervision", args=[program.pk])),
        ("pairing page", reverse("pairings:detail", args=[pairing.pk])),
    ]
    pairs = Pairing.objects.filter(program=program).count()
    results = []
    for name, url in pages:

        def render(url: str = url) -> None:
            response = client.get(url)
            assert response.status_code == 200, (url, response.status_code)

        with CaptureQueriesContext(connection) as queries:
            render()
        count = len(queries)  # read now: every request clears the connection's query log
        seconds = median_seconds(render, runs=options.runs)
        note = f"{url}, program of {pairs:,} pairings"
        results.append(Result(f"{name}: queries", count, "queries", QUERY_BAR, note=note))
        results.append(Result(f"{name}: server time", seconds * 1000, "ms", SECONDS_BAR * 1000, note=note))
    # The home dashboard of the province's root user covers all 100,000 pairings: not a SPEC §11 bar, shown
    # beside the others for what it costs.
    client.get(reverse("home"))
    home = median_seconds(lambda: client.get(reverse("home")), runs=options.runs)
    print(f"home dashboard of the whole province (informational): {home * 1000:.0f} ms")
    report(results)


if __name__ == "__main__":
    main()
