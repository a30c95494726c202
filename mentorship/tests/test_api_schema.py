"""The OpenAPI schema is valid, and schemathesis finds nothing wrong with the live API."""

import subprocess
import sys
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from rest_framework.authtoken.models import Token
from rest_framework.throttling import SimpleRateThrottle

from programs.models import User

ROOT = Path(__file__).resolve().parents[2]
CHECKS = "not_a_server_error,status_code_conformance,response_schema_conformance,negative_data_rejection,ignored_auth"


def test_the_openapi_schema_validates_without_warnings(tmp_path):
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(tmp_path / "schema.yaml"))

    schema = (tmp_path / "schema.yaml").read_text()
    assert "/api/v1/pairings/{id}/dissolve/" in schema
    assert "/api/v1/programs/{id}/summary/" in schema


@pytest.mark.schemathesis
@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("seven_abilities")
def test_schemathesis_finds_no_server_error_or_schema_violation(live_server, monkeypatch):
    call_command("generate_demo", scale="seed", stdout=StringIO())
    token = Token.objects.create(user=User.objects.get(username="hr_xianan"))
    monkeypatch.setattr(SimpleRateThrottle, "THROTTLE_RATES", {"anon": None, "user": None})
    report = ROOT / "artifacts" / "schemathesis"
    report.mkdir(parents=True, exist_ok=True)

    result = subprocess.run(
        [
            str(Path(sys.executable).parent / "schemathesis"),
            "run",
            f"{live_server.url}/api/schema/",
            "--header",
            f"Authorization: Token {token.key}",
            "--checks",
            CHECKS,
            "--max-examples",
            "100",
            "--generation-allow-x00",
            "true",
            "--workers",
            "2",
            "--seed",
            "2026",
            "--no-color",
            "--report",
            "junit",
            "--report-dir",
            str(report),
        ],
        cwd=report,
        capture_output=True,
        text=True,
        timeout=1500,
    )

    (report / "output.txt").write_text(result.stdout + result.stderr)
    summary = result.stdout[result.stdout.find("SUMMARY") :]
    assert result.returncode == 0, summary[-4000:] or result.stderr[-4000:]
