"""The beat schedule as data (django-celery-beat), in Beijing time; operators change it in the admin.

Only creates what is missing, so a schedule an operator edited is left alone.
"""

from django.db import migrations

TIMEZONE = "Asia/Shanghai"
# name: (task, crontab (minute, hour, day of week, day of month) or an interval in seconds, description)
SCHEDULE = {
    "Daily reminders": (
        "reports.tasks.send_reminders",
        ("30", "7", "*", "*"),
        "Record and e-mail every reminder due today (each once per period).",
    ),
    "Weekly supervision digest": (
        "reports.tasks.send_weekly_digests",
        ("0", "8", "1", "*"),
        "Monday morning: each organization's HR staff get the figures of their subtree.",
    ),
    "Monthly program reports": (
        "reports.tasks.start_monthly_reports",
        ("0", "2", "*", "1"),
        "On the first of the month: last month's report of every active program.",
    ),
    "Outbox sweep": (
        "reports.tasks.sweep_outbox",
        60,
        "Publish jobs recorded while the broker was down.",
    ),
    "Resume report and import jobs": (
        "reports.tasks.resume_report_jobs",
        600,
        "Send again report and import jobs whose worker died.",
    ),
    "Deliver notifications": (
        "reports.tasks.deliver_notifications",
        900,
        "E-mail notifications recorded but not sent yet.",
    ),
}


def create_schedule(apps, schema_editor):
    CrontabSchedule = apps.get_model("django_celery_beat", "CrontabSchedule")
    IntervalSchedule = apps.get_model("django_celery_beat", "IntervalSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    for name, (task, when, description) in SCHEDULE.items():
        if PeriodicTask.objects.filter(name=name).exists():
            continue
        if isinstance(when, int):
            interval, _ = IntervalSchedule.objects.get_or_create(every=when, period="seconds")
            schedule = {"interval": interval}
        else:
            minute, hour, day_of_week, day_of_month = when
            crontab, _ = CrontabSchedule.objects.get_or_create(
                minute=minute,
                hour=hour,
                day_of_week=day_of_week,
                day_of_month=day_of_month,
                month_of_year="*",
                timezone=TIMEZONE,
            )
            schedule = {"crontab": crontab}
        PeriodicTask.objects.create(name=name, task=task, description=description, enabled=True, **schedule)


def remove_schedule(apps, schema_editor):
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    PeriodicTask.objects.filter(name__in=list(SCHEDULE)).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("reports", "0002_notification_delivery_and_outbox"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(create_schedule, remove_schedule)]
