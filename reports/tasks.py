"""Celery tasks of the reports app: thin, idempotent, calling services.

Every task is ``acks_late`` (and the worker rejects a task whose process died, so it is delivered again).
Tasks that may safely run again retry with exponential backoff on database, broker and mail-server
trouble; their countdowns stay far below the Redis visibility timeout, so a retried task is never also
redelivered by Redis.
"""

from datetime import date
from smtplib import SMTPException

from celery import shared_task
from django.db import InterfaceError, OperationalError
from kombu.exceptions import OperationalError as BrokerError

from reports import digests, outbox, reminders, services

# Database or broker hiccups, a mail server that refuses: worth another try a little later.
TRANSIENT = (OperationalError, InterfaceError, BrokerError, SMTPException, ConnectionError, TimeoutError)
RETRY = {
    "autoretry_for": TRANSIENT,
    "retry_backoff": 15,
    "retry_backoff_max": 600,
    "retry_jitter": True,
    "max_retries": 6,
}


@shared_task(acks_late=True, **RETRY)
def generate_report(run_id: int) -> None:
    """Produce a report run's file; a run already taken or finished is left as it is."""
    services.execute_report_run(run_id)


@shared_task(acks_late=True, **RETRY)
def validate_import(run_id: int) -> None:
    """Check an uploaded file whole and record every bad row."""
    services.validate_import(run_id)


@shared_task(acks_late=True, **RETRY)
def execute_import(run_id: int) -> None:
    """Write a confirmed import in one transaction."""
    services.execute_import(run_id)


@shared_task(acks_late=True)
def resume_report_jobs() -> int:
    """Send again report and import jobs that could not be sent, or whose worker died."""
    return services.resume_stalled_runs()


@shared_task(acks_late=True, **RETRY)
def send_reminders(day: str | None = None) -> dict:
    """The daily scan (of ``day``, an ISO date, or today): record every reminder due, each once per period,
    then e-mail the unsent ones."""
    return reminders.send_reminders(date.fromisoformat(day) if day else None)


@shared_task(acks_late=True, **RETRY)
def deliver_notifications() -> int:
    """E-mail notifications recorded but not sent yet (after a crash, or a mail server that was down)."""
    return reminders.deliver_notifications()


@shared_task(acks_late=True, **RETRY)
def send_weekly_digests() -> int:
    """This week's supervision digest to the HR staff of each organization, once per week."""
    count = digests.send_weekly_digests()
    reminders.deliver_notifications()
    return count


@shared_task(acks_late=True, **RETRY)
def start_monthly_reports() -> int:
    """Last month's report of every active program, once per program and month."""
    return len(services.start_monthly_reports())


@shared_task(acks_late=True)
def sweep_outbox() -> int:
    """Publish the jobs that wait in the outbox because the broker was down when they were recorded."""
    return outbox.sweep()
