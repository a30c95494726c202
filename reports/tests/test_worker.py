"""A real Celery worker process on the real Redis: a job enqueued through the app is done by the worker."""

import os
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import quote

import pytest
import redis
from django.db import connection

from reports.models import OutboxMessage, ReportRun

from .jobs import broker_at, redis_is_up, redis_url
from .reportdata import PERIOD, build_program

ROOT = Path(__file__).resolve().parents[2]
# A Redis database of this test's own, so no other worker or test takes its messages.
BROKER = redis_url(11)
WAIT_SECONDS = 60


def database_url() -> str:
    """The test database, as the worker process must reach it."""
    db = connection.settings_dict
    password = f":{quote(db['PASSWORD'])}" if db.get("PASSWORD") else ""
    where = f"{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}"
    return f"postgres://{quote(db['USER'] or '')}{password}@{where}/{db['NAME']}"


@pytest.fixture
def worker(tmp_path, settings):
    """``celery -A mentorship worker`` against the test database and the tests' Redis, stopped afterwards."""
    if connection.vendor != "postgresql":
        pytest.skip("the worker process needs the PostgreSQL test database")
    if not redis_is_up(BROKER):
        pytest.skip("Redis is not running")
    redis.Redis.from_url(BROKER).flushdb()
    settings.MEDIA_ROOT = tmp_path / "media"
    environment = os.environ | {
        "DATABASE_URL": database_url(),
        "REDIS_URL": BROKER,
        "CELERY_TASK_ALWAYS_EAGER": "false",
        "MEDIA_ROOT": str(settings.MEDIA_ROOT),
        "DJANGO_SETTINGS_MODULE": "mentorship.settings",
    }
    log = tmp_path / "worker.log"
    command = [
        sys.executable,
        "-m",
        "celery",
        "-A",
        "mentorship",
        "worker",
        "--pool=solo",
        "--without-gossip",
        "--without-mingle",
        "--without-heartbeat",
        "--loglevel=INFO",
        f"--hostname=test-worker-{os.getpid()}@%h",
    ]
    with log.open("w") as output:
        process = subprocess.Popen(command, cwd=ROOT, env=environment, stdout=output, stderr=subprocess.STDOUT)
    try:
        yield log
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        redis.Redis.from_url(BROKER).flushdb()


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("seven_abilities")
def test_a_report_started_through_the_api_is_made_by_a_real_worker(api, organization, worker, settings):
    program = build_program(organization)

    with broker_at(BROKER):
        response = api.post("/api/v1/report-runs/", {"program": program.pk, "format": "csv", **PERIOD}, format="json")
    assert response.status_code == 202, response.content
    assert OutboxMessage.objects.get().published_at is not None  # handed to Redis, not run here

    run = ReportRun.objects.get(pk=response.json()["id"])
    deadline = time.monotonic() + WAIT_SECONDS
    while run.status not in ("succeeded", "failed") and time.monotonic() < deadline:
        time.sleep(0.5)
        run.refresh_from_db()

    assert run.status == "succeeded", worker.read_text()[-3000:]
    assert run.progress == 100 and run.file
    assert (Path(settings.MEDIA_ROOT) / run.file.name).read_text(encoding="utf-8-sig").strip()
    assert "reports.tasks.generate_report" in worker.read_text()
