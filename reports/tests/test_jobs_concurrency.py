"""Jobs that run at the same time on PostgreSQL: the database's unique keys and row locks decide, not luck."""

import threading
from collections.abc import Callable

import pytest
from django.core import mail
from django.db import connection, connections

from reports import digests, reminders, services
from reports.models import Notification, ReportRun

from .jobs import TODAY, every_reminder

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL's row locks"),
]


def at_once(job: Callable[[], object], times: int = 4) -> list:
    """Run ``job`` in ``times`` threads released together; return what each returned or raised."""
    start = threading.Barrier(times)
    results: list = [None] * times

    def worker(index: int) -> None:
        try:
            start.wait()
            results[index] = job()
        except Exception as exc:  # reported to the test, which expects none
            results[index] = exc
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(times)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return results


def test_concurrent_scans_record_each_reminder_once(organization, hr_user):
    every_reminder(organization)
    reminders.record_reminders(TODAY)
    expected = set(Notification.objects.values_list("key", flat=True))
    Notification.objects.all().delete()

    results = at_once(lambda: reminders.record_reminders(TODAY))

    assert not [r for r in results if isinstance(r, Exception)]
    assert sorted(Notification.objects.values_list("key", flat=True)) == sorted(expected)
    assert sum(counts["new"] for r in results for counts in r.values()) == len(expected)


def test_concurrent_deliveries_email_each_notification_once(organization, hr_user):
    every_reminder(organization)
    reminders.record_reminders(TODAY)
    recorded = Notification.objects.count()

    results = at_once(reminders.deliver_notifications)

    assert not [r for r in results if isinstance(r, Exception)]
    assert sum(results) == recorded == len(mail.outbox)
    assert len({message.extra_headers["Message-ID"] for message in mail.outbox}) == recorded
    assert not Notification.objects.filter(sent_at__isnull=True).exists()


def test_beat_firing_the_weekly_digest_twice_at_once_records_one_per_hr_user(organization, hr_user):
    every_reminder(organization)

    results = at_once(lambda: digests.send_weekly_digests(TODAY), times=3)

    assert not [r for r in results if isinstance(r, Exception)]
    assert list(Notification.objects.filter(kind="digest").values_list("recipient", flat=True)) == [hr_user.pk]


def test_monthly_reports_started_twice_at_once_are_one_run_per_program(organization, hr_user):
    program = every_reminder(organization)["program"]

    results = at_once(lambda: services.start_monthly_reports(TODAY), times=3)

    assert not [r for r in results if isinstance(r, Exception)]
    runs = ReportRun.objects.filter(kind="monthly")
    assert list(runs.values_list("program", "period_start", "period_end")) == [
        (program.pk, TODAY.replace(month=5, day=1), TODAY.replace(month=5, day=31))
    ]
