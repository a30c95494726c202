"""The beat schedule is data, and every task is safe to deliver again."""

from importlib import import_module

import pytest
from django.apps import apps
from django.conf import settings
from django_celery_beat.models import PeriodicTask

from mentorship.celery import app

schedule = import_module("reports.migrations.0003_beat_schedule")

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def registered_tasks():
    """The tasks a worker registers when it starts (autodiscovered from every app)."""
    app.loader.import_default_modules()


def test_the_schedule_runs_every_job_of_the_product_in_beijing_time():
    schedule.create_schedule(apps, None)  # what the migration did (transactional tests empty the tables)
    schedule.create_schedule(apps, None)  # and running it again changes nothing

    tasks = {task.name: task for task in PeriodicTask.objects.select_related("crontab", "interval")}
    assert {name: task.task for name, task in tasks.items()} == {
        "Daily reminders": "reports.tasks.send_reminders",
        "Weekly supervision digest": "reports.tasks.send_weekly_digests",
        "Monthly program reports": "reports.tasks.start_monthly_reports",
        "Outbox sweep": "reports.tasks.sweep_outbox",
        "Resume report and import jobs": "reports.tasks.resume_report_jobs",
        "Deliver notifications": "reports.tasks.deliver_notifications",
    }
    daily = tasks["Daily reminders"].crontab
    assert (daily.minute, daily.hour, daily.day_of_week, str(daily.timezone)) == ("30", "7", "*", "Asia/Shanghai")
    assert tasks["Weekly supervision digest"].crontab.day_of_week == "1"
    assert tasks["Monthly program reports"].crontab.day_of_month == "1"
    assert tasks["Outbox sweep"].interval.every == 60
    for task in tasks.values():
        assert task.task in app.tasks, task.task


def test_an_operator_edited_schedule_is_left_alone():
    schedule.create_schedule(apps, None)
    PeriodicTask.objects.filter(name="Daily reminders").update(enabled=False)

    schedule.create_schedule(apps, None)

    assert PeriodicTask.objects.get(name="Daily reminders").enabled is False


def test_every_task_is_acknowledged_late_and_never_waits_as_long_as_the_visibility_timeout():
    visibility = settings.CELERY_BROKER_TRANSPORT_OPTIONS["visibility_timeout"]
    ours = [task for name, task in app.tasks.items() if name.startswith(("reports.", "pairings.", "programs."))]

    assert {task.name for task in ours} >= {"reports.tasks.send_reminders", "pairings.tasks.run_match"}
    for task in ours:
        assert task.acks_late, task.name
        if getattr(task, "autoretry_for", ()):
            assert task.retry_backoff and task.retry_backoff_max * 2 < visibility, task.name
    assert settings.CELERY_TASK_REJECT_ON_WORKER_LOST
