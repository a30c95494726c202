"""Celery tasks of the reports app: thin, idempotent, calling services."""

from celery import shared_task

from reports import services


@shared_task(acks_late=True)
def generate_report(run_id: int) -> None:
    """Produce a report run's file; a run already taken or finished is left as it is."""
    services.execute_report_run(run_id)


@shared_task(acks_late=True)
def validate_import(run_id: int) -> None:
    """Check an uploaded file whole and record every bad row."""
    services.validate_import(run_id)


@shared_task(acks_late=True)
def execute_import(run_id: int) -> None:
    """Write a confirmed import in one transaction."""
    services.execute_import(run_id)


@shared_task(acks_late=True)
def resume_report_jobs() -> int:
    """Send again report and import jobs that could not be sent, or whose worker died."""
    return services.resume_stalled_runs()
