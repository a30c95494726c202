"""The outbox: how the web app hands jobs to Celery without ever losing one or hanging on a dead Redis.

``enqueue`` writes the job as a row in the transaction that needs it (a report run, an import, a match
run), so the job exists exactly when its run does. Once that transaction commits the row is published
at once; if the broker is unreachable, publishing fails within the broker's short timeouts, the request
still succeeds and the row waits. ``publish_pending`` (the outbox sweep, every minute, and the
``publish_outbox`` command) sends waiting rows when the broker is back.

A row is locked while it is published and marked published in the same transaction, so two sweeps never
send it twice; a crash after sending and before the mark can repeat a job, which the tasks' claims make
harmless.
"""

from __future__ import annotations

import json
import logging
from datetime import timedelta
from importlib import import_module

from django.db import transaction
from django.utils import timezone

from .models import OutboxMessage

logger = logging.getLogger(__name__)

# Rows younger than this are left to the publish that follows their own commit.
SWEEP_GRACE = timedelta(seconds=10)
# Published rows are kept this long for the record, then removed by the sweep.
KEEP_PUBLISHED = timedelta(days=7)
MAX_ERROR_LENGTH = 2000


def job_name(task: str, args: list) -> str:
    return f"{task}:{json.dumps(args, separators=(',', ':'))}"[:255]


def enqueue(task: str, *args) -> None:
    """Record a job (a task by dotted name, JSON arguments) in the current transaction; publish it after commit.

    A job already waiting with the same arguments is not recorded twice.
    """
    job = job_name(task, list(args))
    OutboxMessage.objects.bulk_create([OutboxMessage(task=task, args=list(args), job=job)], ignore_conflicts=True)
    transaction.on_commit(lambda: publish_pending(job=job, grace=timedelta(0)))


def _task(dotted: str):
    module, _, name = dotted.rpartition(".")
    return getattr(import_module(module), name)


def _eager() -> bool:
    from mentorship.celery import app

    return bool(app.conf.task_always_eager)


def publish_pending(*, job: str | None = None, limit: int = 500, grace: timedelta = SWEEP_GRACE) -> int:
    """Hand waiting jobs to the broker, oldest first; stop at the first broker failure. Returns how many went."""
    pending = OutboxMessage.objects.filter(published_at__isnull=True, created_at__lte=timezone.now() - grace)
    if job is not None:
        pending = pending.filter(job=job)
    if _eager():
        return _run_inline(pending, limit)
    published = 0
    while published < limit:
        with transaction.atomic():
            message = pending.select_for_update(skip_locked=True).order_by("created_at", "id").first()
            if message is None:
                break
            try:
                # No publish retries: a dead broker must fail within its connect timeout, not hold a request.
                _task(message.task).apply_async(args=message.args, retry=False)
            except Exception as exc:  # the broker is down (or the task is unknown): the row waits
                logger.warning("Outbox: could not publish %s; it stays in the outbox.", message.job, exc_info=True)
                message.attempts += 1
                message.last_error = (str(exc) or exc.__class__.__name__)[:MAX_ERROR_LENGTH]
                message.save(update_fields=["attempts", "last_error"])
                break
            message.published_at = timezone.now()
            message.attempts += 1
            message.last_error = ""
            message.save(update_fields=["published_at", "attempts", "last_error"])
            published += 1
    return published


def _run_inline(pending, limit: int) -> int:
    """Tasks run inline (the embedded default, tests): take each row, then run its task outside the lock."""
    done = 0
    while done < limit:
        with transaction.atomic():
            message = pending.select_for_update(skip_locked=True).order_by("created_at", "id").first()
            if message is None:
                break
            message.published_at = timezone.now()
            message.attempts += 1
            message.save(update_fields=["published_at", "attempts"])
        try:
            _task(message.task).apply_async(args=message.args)
        except Exception:  # as a worker would: the job's own record says what went wrong
            logger.exception("Outbox: job %s failed inline.", message.job)
        done += 1
    return done


def sweep() -> int:
    """Publish what waits in the outbox and forget what was published long ago."""
    published = publish_pending()
    OutboxMessage.objects.filter(published_at__lt=timezone.now() - KEEP_PUBLISHED).delete()
    return published
