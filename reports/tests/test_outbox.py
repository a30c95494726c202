"""The outbox: a job is published only once its transaction commits, and none is lost while Redis is down."""

import base64
import json
import time
from datetime import date, timedelta

import pytest
import redis
from django.db import transaction
from django.test import Client
from django.utils import timezone

from reports import outbox, services
from reports.models import OutboxMessage, ReportRun
from reports.tasks import generate_report, sweep_outbox

from .jobs import DEAD_BROKER, broker_at, redis_is_up, redis_url
from .reportdata import PERIOD, build_program

# A Redis database of these tests' own, emptied before and after.
BROKER = redis_url(12)
PERIOD_DATES = {"period_start": date(2024, 1, 1), "period_end": date(2024, 12, 31)}


@pytest.fixture
def queue():
    """The broker's default queue on the tests' own Redis database."""
    if not redis_is_up(BROKER):
        pytest.skip("Redis is not running")
    client = redis.Redis.from_url(BROKER)
    client.flushdb()
    yield client
    client.flushdb()


@pytest.fixture
def published(monkeypatch):
    """Every job handed to the broker (as task name and arguments), without a broker."""
    sent = []
    monkeypatch.setattr(outbox, "_eager", lambda: False)
    monkeypatch.setattr(
        generate_report._get_current_object(),
        "apply_async",
        lambda args=None, **options: sent.append(("generate_report", args)),
    )
    return sent


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("seven_abilities")
def test_a_job_of_a_transaction_that_rolls_back_is_never_published(organization, hr_user, published):
    program = build_program(organization)

    with pytest.raises(RuntimeError), transaction.atomic():
        services.start_report_run(by=hr_user, program=program, format="csv", **PERIOD_DATES)
        raise RuntimeError("something later in the request failed")

    assert not ReportRun.objects.exists() and not OutboxMessage.objects.exists()
    assert published == []

    with transaction.atomic():
        run = services.start_report_run(by=hr_user, program=program, format="csv", **PERIOD_DATES)
        assert published == []  # not before the commit
    assert published == [("generate_report", [run.pk])]
    assert OutboxMessage.objects.get().published_at is not None


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("seven_abilities")
def test_with_redis_down_starting_a_report_answers_at_once_and_the_job_waits_in_the_outbox(api, organization, queue):
    program = build_program(organization)

    with broker_at(DEAD_BROKER):
        began = time.monotonic()
        response = api.post("/api/v1/report-runs/", {"program": program.pk, "format": "csv", **PERIOD}, format="json")
        took = time.monotonic() - began

    assert response.status_code == 202, response.content
    assert took < 5
    run = ReportRun.objects.get(pk=response.json()["id"])
    assert run.status == "pending"
    waiting = OutboxMessage.objects.get()
    assert (waiting.task, waiting.args, waiting.published_at) == ("reports.tasks.generate_report", [run.pk], None)
    assert waiting.attempts == 1 and "127.0.0.1:1" in waiting.last_error

    # Still down a minute later: the sweep leaves it waiting.
    OutboxMessage.objects.update(created_at=timezone.now() - timedelta(minutes=1))
    with broker_at(DEAD_BROKER):
        assert sweep_outbox.apply().get() == 0
    assert OutboxMessage.objects.get().published_at is None

    # Redis is back: the sweep publishes the job, once.
    with broker_at(BROKER):
        assert sweep_outbox.apply().get() == 1
        assert sweep_outbox.apply().get() == 0
    assert OutboxMessage.objects.get().published_at is not None
    assert queue.llen("celery") == 1
    message = json.loads(queue.lindex("celery", 0))
    assert message["headers"]["task"] == "reports.tasks.generate_report"
    assert json.loads(base64.b64decode(message["body"]))[0] == [run.pk]


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("seven_abilities")
def test_with_redis_down_the_reports_page_still_starts_a_report(hr_client, organization):
    program = build_program(organization)

    with broker_at(DEAD_BROKER):
        response = hr_client.post("/reports/", {"program": program.pk, "format": "xlsx", **PERIOD})

    assert response.status_code == 302
    assert ReportRun.objects.get().status == "pending"
    assert OutboxMessage.objects.filter(published_at__isnull=True).count() == 1


@pytest.mark.django_db
def test_a_job_already_waiting_is_not_recorded_twice(organization, hr_user, monkeypatch):
    monkeypatch.setattr(outbox, "_eager", lambda: False)
    monkeypatch.setattr(outbox, "publish_pending", lambda **kwargs: 0)  # the broker is down

    outbox.enqueue("reports.tasks.generate_report", 7)
    outbox.enqueue("reports.tasks.generate_report", 7)
    outbox.enqueue("reports.tasks.generate_report", 8)

    assert sorted(OutboxMessage.objects.values_list("job", flat=True)) == [
        "reports.tasks.generate_report:[7]",
        "reports.tasks.generate_report:[8]",
    ]


@pytest.mark.django_db
def test_the_sweep_forgets_jobs_published_long_ago(organization):
    old = OutboxMessage.objects.create(task="t", job="t:[1]", published_at=timezone.now() - timedelta(days=8))
    recent = OutboxMessage.objects.create(task="t", job="t:[2]", published_at=timezone.now() - timedelta(days=1))

    outbox.sweep()

    assert list(OutboxMessage.objects.values_list("pk", flat=True)) == [recent.pk]
    assert not OutboxMessage.objects.filter(pk=old.pk).exists()


@pytest.mark.django_db
def test_program_officers_see_waiting_jobs_in_the_admin_and_can_publish_them(hr_client, superuser):
    waiting = OutboxMessage.objects.create(
        task="reports.tasks.resume_report_jobs", job="reports.tasks.resume_report_jobs:[]"
    )
    officer = Client()
    officer.force_login(superuser)

    page = officer.get("/admin/reports/outboxmessage/?published_at__isempty=1")
    assert page.status_code == 200 and "reports.tasks.resume_report_jobs:[]" in page.content.decode()
    assert officer.get("/admin/reports/notification/").status_code == 200
    assert hr_client.get("/admin/reports/outboxmessage/").status_code in (302, 403)

    response = officer.post(
        "/admin/reports/outboxmessage/", {"action": "publish_waiting", "_selected_action": [waiting.pk]}
    )
    assert response.status_code == 302
    waiting.refresh_from_db()
    assert waiting.published_at is not None
