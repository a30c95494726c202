"""A smoke test of the real stack: gunicorn with two workers, a Celery worker and celery beat, as separate
processes under the production profile, against PostgreSQL (this test's database) and Redis (db 5, flushed).

Over HTTP, as an API client would: get a token, enrol people, start a match run (large enough to go to the
worker) and wait for it, accept proposals, log an activity, start a report run and download its file.
Every process started here is stopped, whatever happens. Run with ``pytest -m worker``.
"""

from __future__ import annotations

import contextlib
import io
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
from datetime import date
from pathlib import Path
from urllib.parse import quote

import pytest
import requests
from django.db import connection
from django.utils import timezone

from pairings.models import Activity, JobStatus, MatchRun, Pairing, PairingStatus
from programs.models import Enrolment, Person, Role
from programs.tests.factories import (
    EnrolmentFactory,
    HRUserFactory,
    OrganizationFactory,
    PersonFactory,
    ProgramFactory,
)

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
REDIS_URL = "redis://127.0.0.1:6379/5"
PASSWORD = "correct-horse-battery"
# Above pairings.matching.runs.INLINE_CELLS (mentees × mentors), so the run goes to the Celery worker.
MENTEES, MENTORS = 150, 140

pytestmark = [
    pytest.mark.worker,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("seven_abilities"),
]


def redis_client():
    import redis

    return redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1, socket_timeout=2)


def redis_is_up() -> bool:
    try:
        return bool(redis_client().ping())
    except Exception:  # noqa: BLE001 - any failure means there is no Redis to test against
        return False


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def database_url() -> str:
    settings = connection.settings_dict
    credentials = quote(settings["USER"] or "", safe="")
    if settings["PASSWORD"]:
        credentials += ":" + quote(settings["PASSWORD"], safe="")
    host = settings["HOST"] or "127.0.0.1"
    port = settings["PORT"] or "5432"
    return f"postgres://{credentials}@{host}:{port}/{settings['NAME']}"


def stack_environment(media: Path) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if key != "DJANGO_ALLOW_ASYNC_UNSAFE"}
    env.update(
        {
            "MENTORSHIP_PROFILE": "production",
            "SECRET_KEY": secrets.token_urlsafe(50),
            "ALLOWED_HOSTS": "127.0.0.1",
            # No TLS terminator in front of the processes here.
            "SECURE_SSL_REDIRECT": "false",
            "DATABASE_URL": database_url(),
            "REDIS_URL": REDIS_URL,
            "CELERY_TASK_ALWAYS_EAGER": "false",
            "MEDIA_ROOT": str(media),
            "EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend",
            "DJANGO_SETTINGS_MODULE": "mentorship.settings",
            "PYTHONUNBUFFERED": "1",
        }
    )
    return env


class Stack:
    """The processes of the Procfile, each in its own process group so nothing outlives the test."""

    def __init__(self, env: dict[str, str], logs: Path):
        self.env = env
        self.logs = logs
        self.processes: dict[str, subprocess.Popen] = {}
        self.log_files: list = []

    def start(self, name: str, *command: str) -> None:
        log = open(self.logs / f"{name}.log", "wb")  # noqa: SIM115 - closed in stop()
        self.log_files.append(log)
        self.processes[name] = subprocess.Popen(
            command, cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )

    def alive(self, name: str) -> bool:
        return self.processes[name].poll() is None

    def log(self, name: str) -> str:
        path = self.logs / f"{name}.log"
        return path.read_text(errors="replace")[-4000:] if path.exists() else ""

    def logs_of_all(self) -> str:
        return "\n".join(f"--- {name} ---\n{self.log(name)}" for name in self.processes)

    def stop(self) -> None:
        """SIGTERM every process (a warm shutdown), then SIGKILL whatever is left of its group; bounded waits."""
        for process in self.processes.values():
            if process.poll() is None:
                with contextlib.suppress(ProcessLookupError):
                    process.terminate()
        deadline = time.monotonic() + 10
        for process in self.processes.values():
            with contextlib.suppress(subprocess.TimeoutExpired):
                process.wait(timeout=max(0.1, deadline - time.monotonic()))
        for process in self.processes.values():
            # The group holds gunicorn's and Celery's children; it is ours, made by start_new_session.
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(process.pid, signal.SIGKILL)
            with contextlib.suppress(subprocess.TimeoutExpired):
                process.wait(timeout=5)
        for log in self.log_files:
            log.close()


def wait_for(check, *, timeout: float, what: str, stack: Stack, interval: float = 0.3):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = check()
        if result:
            return result
        time.sleep(interval)
    pytest.fail(f"timed out waiting for {what}\n{stack.logs_of_all()}")


def seed():
    """An HR user of a district and a program whose enrolled people make a run too big to match inline."""
    district = OrganizationFactory(name="咸安区", code="XA-SMOKE")
    HRUserFactory(username="hr_smoke", organization=district)
    program = ProgramFactory(organization=district, name="咸安区青蓝结对·导师帮带", start_date=date(2024, 1, 1))
    mentors = Person.objects.bulk_create(
        PersonFactory.build(
            organization=district, full_name=f"导师{n}", birth_date=date(1972, 3, 1), work_start_date=date(1993, 7, 1)
        )
        for n in range(MENTORS)
    )
    mentees = Person.objects.bulk_create(
        PersonFactory.build(organization=district, full_name=f"学员{n}") for n in range(MENTEES - 1)
    )
    Enrolment.objects.bulk_create(
        [EnrolmentFactory.build(program=program, person=p, role=Role.MENTOR) for p in mentors]
        + [EnrolmentFactory.build(program=program, person=p, role=Role.MENTEE) for p in mentees]
    )
    return district, program


@pytest.fixture
def redis_db5():
    if not redis_is_up():
        pytest.skip("no Redis on 127.0.0.1:6379")
    redis_client().flushdb()
    yield
    redis_client().flushdb()


def test_the_real_stack_serves_a_whole_matching_and_reporting_scenario_over_http(redis_db5, tmp_path):
    district, program = seed()
    media, logs = tmp_path / "media", tmp_path / "logs"
    media.mkdir()
    logs.mkdir()
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    stack = Stack(stack_environment(media), logs)
    started = time.monotonic()
    try:
        stack.start(
            "web",
            str(BIN / "gunicorn"),
            "mentorship.wsgi",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            "2",
            "--timeout",
            "60",
        )
        stack.start(
            "worker",
            str(BIN / "celery"),
            "-A",
            "mentorship",
            "worker",
            "--loglevel",
            "info",
            "--concurrency",
            "2",
            "--hostname",
            f"smoke-{port}@%h",
            "--without-gossip",
            "--without-mingle",
        )
        stack.start("beat", str(BIN / "celery"), "-A", "mentorship", "beat", "--loglevel", "info")

        def healthy():
            with contextlib.suppress(requests.RequestException):
                answer = requests.get(f"{base}/healthz", timeout=2)
                return answer.json() if answer.status_code == 200 else None
            return None

        health = wait_for(healthy, timeout=30, what="gunicorn to answer /healthz", stack=stack)
        assert health["database"] == "ok"
        assert health["broker"] == "ok"

        http = requests.Session()
        token = http.post(f"{base}/api/v1/auth/token/", json={"username": "hr_smoke", "password": PASSWORD}, timeout=10)
        assert token.status_code == 200, token.text
        http.headers["Authorization"] = f"Token {token.json()['token']}"

        # Enrol two more people over the API: the mentee who makes the run too large to match inline, and a mentor.
        enrolled = []
        for full_name, role, born in (("韦新丽", "mentee", "1998-02-03"), ("张海辉", "mentor", "1970-05-06")):
            person = http.post(
                f"{base}/api/v1/people/",
                json={
                    "full_name": full_name,
                    "gender": "female" if role == "mentee" else "male",
                    "birth_date": born,
                    "education": "bachelor",
                    "organization": district.pk,
                    "category": "civil_servant",
                    "work_start_date": "2020-08-01" if role == "mentee" else "1992-08-01",
                },
                timeout=10,
            )
            assert person.status_code == 201, person.text
            enrolment = http.post(
                f"{base}/api/v1/enrolments/",
                json={"program": program.pk, "person": person.json()["id"], "role": role},
                timeout=10,
            )
            assert enrolment.status_code == 201, enrolment.text
            enrolled.append(enrolment.json()["id"])

        run = http.post(f"{base}/api/v1/programs/{program.pk}/match-runs/", json={}, timeout=30)
        assert run.status_code == 202, run.text
        run_id = run.json()["id"]

        def run_finished():
            answer = http.get(f"{base}/api/v1/match-runs/{run_id}/", timeout=10).json()
            return answer if answer["status"] in (JobStatus.SUCCEEDED, JobStatus.FAILED) else None

        finished = wait_for(run_finished, timeout=45, what="the match run", stack=stack)
        assert finished["status"] == JobStatus.SUCCEEDED, finished
        assert finished["progress"] == 100
        assert MatchRun.objects.get(pk=run_id).proposals.count() == MENTEES
        proposals = finished["proposals"]["results"]
        chosen = [p["id"] for p in proposals[:3]]

        accepted = http.post(f"{base}/api/v1/match-runs/{run_id}/accept/", json={"pairings": chosen}, timeout=30)
        assert accepted.status_code == 200, accepted.text
        assert sorted(accepted.json()["done"]) == sorted(chosen)
        assert accepted.json()["failed"] == []

        today = timezone.localdate().isoformat()
        activity = http.post(
            f"{base}/api/v1/activities/",
            json={
                "pairing": chosen[0],
                "date": today,
                "method": "onsite_teaching",
                "dimensions": ["experience", "style"],
                "duration_minutes": 120,
                "location": "双溪村",
                "summary": "师徒走村入户，会后召开小结会",
                "cases": [{"kind": "dispute_mediation", "description": "宅基地纠纷", "outcome": "调解成功"}],
            },
            timeout=10,
        )
        assert activity.status_code == 201, activity.text
        pairing = http.get(f"{base}/api/v1/pairings/{chosen[0]}/", timeout=10).json()
        assert pairing["status"] == PairingStatus.ACTIVE
        assert pairing["last_activity_date"] == today

        report = http.post(
            f"{base}/api/v1/report-runs/",
            json={"program": program.pk, "period_start": "2024-01-01", "period_end": today, "format": "xlsx"},
            timeout=10,
        )
        assert report.status_code == 202, report.text
        report_id = report.json()["id"]

        def report_finished():
            answer = http.get(f"{base}/api/v1/report-runs/{report_id}/", timeout=10).json()
            return answer if answer["status"] in (JobStatus.SUCCEEDED, JobStatus.FAILED) else None

        done = wait_for(report_finished, timeout=45, what="the report run", stack=stack)
        assert done["status"] == JobStatus.SUCCEEDED, done
        download = http.get(done["download_url"], timeout=30)
        assert download.status_code == 200
        assert download.headers["Content-Type"].startswith("application/vnd.openxmlformats")
        assert download.headers["Cache-Control"] == "no-store"

        from openpyxl import load_workbook

        workbook = load_workbook(io.BytesIO(download.content), read_only=True)
        assert len(workbook.sheetnames) > 1
        assert any(row for row in workbook.worksheets[0].iter_rows(values_only=True))

        # What the stack wrote is in the database the test reads.
        assert Pairing.objects.filter(program=program, status=PairingStatus.ACTIVE).count() == 3
        assert Activity.objects.get(pairing_id=chosen[0]).cases.get().outcome == "调解成功"
        assert set(Enrolment.objects.filter(pk__in=enrolled).values_list("program_id", flat=True)) == {program.pk}
        assert stack.alive("web") and stack.alive("worker") and stack.alive("beat"), stack.logs_of_all()
        assert "beat: Starting" in stack.log("beat")
        assert "run_match" in stack.log("worker")
        assert "generate_report" in stack.log("worker")
    finally:
        stack.stop()
    assert all(process.poll() is not None for process in stack.processes.values())
    assert time.monotonic() - started < 90
