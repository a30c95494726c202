"""Load test: gunicorn (2 workers) on 127.0.0.1 under wrk: HR's main reads, a mentor's own lists, activity creation.

    python benchmarks/load.py [--seconds 15] [--connections 8]

Prints throughput and p50/p95/p99 latency per endpoint and fails on any error answer. Needs Debian's
``wrk``; traffic goes to 127.0.0.1 only and every run is bounded in time. Activities created by the
test are deleted afterwards.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import ROOT, Result, province_hr_user, report, setup_django  # noqa: E402

PORT = 8765
LOAD_MARK = "load-test activity"
LUA = """
wrk.method = "{method}"
wrk.headers["Authorization"] = "Token {token}"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Accept-Language"] = "zh-hans"
{body}
done = function(summary, latency, requests)
  local errors = summary.errors.status + summary.errors.connect + summary.errors.read
    + summary.errors.write + summary.errors.timeout
  io.write(string.format(
    'WRK {{"requests": %d, "seconds": %.3f, "errors": %d, "p50": %.3f, "p95": %.3f, "p99": %.3f}}\\n',
    summary.requests, summary.duration / 1e6, errors,
    latency:percentile(50) / 1000, latency:percentile(95) / 1000, latency:percentile(99) / 1000))
end
"""


def free(port: int) -> bool:
    with socket.socket() as probe:
        return probe.connect_ex(("127.0.0.1", port)) != 0


def start_gunicorn(env: dict) -> subprocess.Popen:
    if not free(PORT):
        raise SystemExit(f"port {PORT} is busy")
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "mentorship.wsgi",
            "--bind",
            f"127.0.0.1:{PORT}",
            "--workers",
            "2",
            "--log-level",
            "warning",
        ],  # fmt: skip
        cwd=ROOT,
        env=env,
        start_new_session=True,
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{PORT}/healthz", timeout=2) as answer:
                if answer.status == 200:
                    return process
        except OSError:
            time.sleep(0.3)
    process.kill()
    raise SystemExit("gunicorn did not come up")


def run_wrk(path: str, token: str, *, seconds: int, connections: int, method: str = "GET", body: dict | None = None):
    # Lua (LuaJIT) has no \u escapes: the body goes in as raw UTF-8 inside an escaped Lua string.
    lua_body = f"wrk.body = {json.dumps(json.dumps(body, ensure_ascii=False), ensure_ascii=False)}" if body else ""
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
        script.write(LUA.format(method=method, token=token, body=lua_body))
    output = subprocess.run(
        [
            "wrk",
            "-t",
            "2",
            "-c",
            str(connections),
            "-d",
            f"{seconds}s",
            "--timeout",
            "10s",
            "-s",
            script.name,
            f"http://127.0.0.1:{PORT}{path}",
        ],  # fmt: skip
        capture_output=True,
        text=True,
        timeout=seconds + 60,
    ).stdout
    os.unlink(script.name)
    line = next(line for line in output.splitlines() if line.startswith("WRK "))
    return json.loads(line[4:])


def mentor_login(pairing):
    """The pairing's mentor with a login of their own (made once): the mentor's side is measured too."""
    from programs.models import Person, User

    person = pairing.mentor.person
    if person.user_id is None:
        user, _ = User.objects.get_or_create(username=f"bench_mentor_{person.pk}")
        Person.objects.filter(pk=person.pk).update(user=user)
        return user
    return person.user


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=int, default=15)
    parser.add_argument("--connections", type=int, default=8)
    options = parser.parse_args()
    if not shutil.which("wrk"):
        raise SystemExit("wrk is not installed: apt-get install wrk")

    setup_django()
    from rest_framework.authtoken.models import Token

    from pairings.models import Activity, Pairing

    user = province_hr_user()
    token, _ = Token.objects.get_or_create(user=user)
    organization = user.organization
    pairing = Pairing.objects.filter(status="active", program__organization__path__startswith=organization.path).first()
    program = pairing.program
    mentor_token, _ = Token.objects.get_or_create(user=mentor_login(pairing))

    env = {**os.environ, "THROTTLE_USER": "1000000/minute", "DEBUG": "false", "ALLOWED_HOSTS": "127.0.0.1"}
    server = start_gunicorn(env)
    results = []
    try:
        endpoints = [
            ("pairings list", "GET", f"/api/v1/pairings/?program={program.pk}&page_size=100", None, token),
            ("people list", "GET", "/api/v1/people/?page_size=50", None, token),
            ("program summary", "GET", f"/api/v1/programs/{program.pk}/summary/", None, token),
            ("pairing detail", "GET", f"/api/v1/pairings/{pairing.pk}/", None, token),
            ("mentor's own pairings", "GET", "/api/v1/pairings/", None, mentor_token),
            ("mentor's own activities", "GET", "/api/v1/activities/", None, mentor_token),
            (
                "activity create",
                "POST",
                "/api/v1/activities/",
                {
                    "pairing": pairing.pk,
                    "date": date.today().isoformat(),
                    "method": "onsite_teaching",
                    "dimensions": ["experience"],
                    "duration_minutes": 90,
                    "location": "村委会",
                    "summary": LOAD_MARK,
                    "cases": [],
                },
                token,
            ),
        ]
        for name, method, path, body, caller in endpoints:
            figures = run_wrk(
                path, caller.key, seconds=options.seconds, connections=options.connections, method=method, body=body
            )
            throughput = figures["requests"] / figures["seconds"]
            note = f"p50 {figures['p50']:.1f} ms, p99 {figures['p99']:.1f} ms, {figures['requests']} requests"
            results += [
                Result(f"load: {name} throughput", throughput, "req/s", 20, direction="min", note=note),
                Result(f"load: {name} p95 latency", figures["p95"], "ms", 1000),
                Result(f"load: {name} errors", figures["errors"], "", 0),
            ]
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)
        Activity.objects.filter(summary=LOAD_MARK).delete()
        from pairings.services import refresh_last_activity_date

        refresh_last_activity_date(pairing.pk)
    report(results)


if __name__ == "__main__":
    main()
