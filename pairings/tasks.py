"""Celery tasks of the pairings app: thin, idempotent, calling services."""

from celery import shared_task

from pairings.matching.runs import execute_match_run


@shared_task(acks_late=True)
def run_match(run_id: int) -> None:
    """Execute a match run; a run that already finished is left as it is."""
    execute_match_run(run_id)
