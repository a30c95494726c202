"""The daily reminder scan over the province data (100,000 active pairings), end to end.

    python benchmarks/reminders.py [--with-accounts]

Times ``record_reminders`` as the daily job runs it: every kind of reminder found with set-based queries,
rendered in each recipient's language and inserted with ON CONFLICT DO NOTHING. Then the same scan again
(nothing new may be recorded: the scan is idempotent), then delivery of what was recorded (to Django's
in-memory mail backend). Bar (SPEC §11): ≤ 60 s for the scan.

The province data gives mentors and mentees no login accounts, so only HR staff are reminded there.
``--with-accounts`` also measures the worst case: every mentor and mentee of an active pairing gets an
account first, inside a transaction that is rolled back afterwards.

The notifications the benchmark records are deleted afterwards: the data stays as generated. The
database must be migrated (``benchmarks/run.py`` does it).
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import Result, report, setup_django  # noqa: E402

BAR_SECONDS = 60


class Rollback(Exception):
    pass


def timed(action):
    started = time.perf_counter()
    result = action()
    return time.perf_counter() - started, result


def give_everyone_an_account() -> int:
    """A login account (no password) for every mentor and mentee of an active pairing, in two statements."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            """
            WITH people AS (
                SELECT DISTINCT e.person_id FROM pairings_pairing p
                JOIN programs_enrolment e ON e.id IN (p.mentor_id, p.mentee_id)
                JOIN programs_person pe ON pe.id = e.person_id
                WHERE p.status = 'active' AND pe.user_id IS NULL
            )
            INSERT INTO programs_user (password, is_superuser, username, first_name, last_name, email,
                                       is_staff, is_active, date_joined, language)
            SELECT '!', false, 'bench-person-' || person_id, '', '', 'person' || person_id || '@example.org',
                   false, true, now(), CASE WHEN person_id % 4 = 0 THEN 'en' ELSE '' END
            FROM people
            """
        )
        cursor.execute(
            """
            UPDATE programs_person pe SET user_id = u.id FROM programs_user u
            WHERE u.username = 'bench-person-' || pe.id AND pe.user_id IS NULL
            """
        )
        return cursor.rowcount


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--with-accounts", action="store_true", help="also measure with every pair member reminded")
    options = parser.parse_args()
    setup_django()
    from django.core import mail
    from django.db import connection, transaction
    from django.db.migrations.executor import MigrationExecutor
    from django.db.models import Max
    from django.test.utils import override_settings
    from django.utils import timezone

    from pairings.models import Pairing
    from reports.models import Notification
    from reports.reminders import deliver_notifications, record_reminders

    if MigrationExecutor(connection).migration_plan(MigrationExecutor(connection).loader.graph.leaf_nodes()):
        sys.exit("The benchmark database needs `manage.py migrate` first (benchmarks/run.py does it).")
    today = timezone.localdate()
    active = Pairing.objects.filter(status="active").count()
    before = Notification.objects.aggregate(last=Max("id"))["last"] or 0
    ours = Notification.objects.filter(pk__gt=before)
    results = []
    try:
        first, recorded = timed(lambda: record_reminders(today))
        second, again = timed(lambda: record_reminders(today))
        new = sum(counts["new"] for counts in recorded.values())
        repeated = sum(counts["new"] for counts in again.values())
        kinds = ", ".join(f"{kind} {counts['due']:,}" for kind, counts in recorded.items())
        with override_settings(EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend"):
            mail.outbox = []
            delivery, emailed = timed(deliver_notifications)
        results += [
            Result(
                "Reminder scan, 100,000 active pairings",
                first,
                "s",
                BAR_SECONDS,
                note=f"{active:,} active pairings; {new:,} reminders recorded ({kinds})",
            ),
            Result(
                "Reminder scan again, same day (idempotent)",
                second,
                "s",
                BAR_SECONDS,
                note=f"{repeated} new reminders (must be 0); delivery of the first scan: {emailed:,} e-mails "
                f"in {delivery:.1f} s",
            ),
        ]
        assert repeated == 0, "the second scan recorded reminders again"
    finally:
        ours.delete()

    if options.with_accounts:
        try:
            with transaction.atomic():
                accounts = give_everyone_an_account()
                seconds, recorded = timed(lambda: record_reminders(today))
                new = sum(counts["new"] for counts in recorded.values())
                kinds = ", ".join(f"{kind} {counts['due']:,}" for kind, counts in recorded.items())
                results.append(
                    Result(
                        "Reminder scan, every mentor and mentee with an account",
                        seconds,
                        "s",
                        BAR_SECONDS,
                        note=f"{accounts:,} accounts (rolled back); {new:,} reminders recorded ({kinds})",
                    )
                )
                raise Rollback
        except Rollback:
            pass
    report(results)


if __name__ == "__main__":
    main()
