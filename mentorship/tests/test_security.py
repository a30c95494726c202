"""Production hardening: deploy checks, login lockout, caching, session lifetime, logged denials, health."""

import os
import secrets
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.contrib.sessions.models import Session
from django.urls import reverse
from rest_framework.authtoken.models import Token

from programs.tests.factories import HRUserFactory

pytestmark = pytest.mark.django_db
ROOT = Path(__file__).resolve().parents[2]


def test_check_deploy_reports_nothing_under_production_settings():
    env = {
        **os.environ,
        "MENTORSHIP_PROFILE": "production",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": "hr.example.org",
    }
    env.pop("DEBUG", None)
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)

    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "DEBUG"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )

    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_production_refuses_to_start_without_a_secret_key():
    env = {**os.environ, "MENTORSHIP_PROFILE": "production", "SECRET_KEY": ""}

    result = subprocess.run(
        [sys.executable, "manage.py", "check"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )

    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr


def test_repeated_failed_logins_lock_out_that_username_from_that_address(client):
    HRUserFactory(username="wang", is_staff=True)
    url = reverse("admin:login")
    for _ in range(5):
        client.post(url, {"username": "wang", "password": "wrong"}, REMOTE_ADDR="10.0.0.9")

    locked = client.post(url, {"username": "wang", "password": "correct-horse-battery"}, REMOTE_ADDR="10.0.0.9")
    elsewhere = client.post(url, {"username": "wang", "password": "correct-horse-battery"}, REMOTE_ADDR="10.0.0.10")

    assert locked.status_code == 429
    assert elsewhere.status_code == 302


def test_answers_with_personal_data_are_never_cached(admin_client):
    response = admin_client.get(reverse("admin:index"))

    assert response["Cache-Control"] == "no-store"


def test_pages_send_a_strict_content_security_policy(client):
    response = client.get(reverse("admin:login"))

    policy = response["Content-Security-Policy"]
    assert "script-src 'self'" in policy
    assert "unsafe-inline" not in policy.split("style-src-attr")[0]


def test_a_session_ends_at_its_absolute_lifetime_however_active(client, settings):
    user = HRUserFactory(is_staff=True, is_superuser=True)
    client.force_login(user)
    assert client.get(reverse("admin:index")).status_code == 200

    session = client.session
    session["_login_started_at"] = int(time.time()) - settings.SESSION_ABSOLUTE_AGE - 1
    session.save()

    assert client.get(reverse("admin:index")).status_code == 302


def test_activity_renews_the_inactivity_expiry_at_most_once_a_minute(client, settings):
    client.force_login(HRUserFactory())
    client.get(reverse("home"))
    row = Session.objects.get(session_key=client.session.session_key)
    first_expiry = row.expire_date

    client.get(reverse("home"))
    row.refresh_from_db()
    assert row.expire_date == first_expiry

    session = client.session
    session["_renewed_at"] = int(time.time()) - settings.SESSION_RENEW_AFTER
    session.save()
    time.sleep(1)
    client.get(reverse("home"))
    row.refresh_from_db()
    assert row.expire_date > first_expiry


def test_logging_out_ends_the_users_api_tokens(client):
    user = HRUserFactory(is_staff=True)
    Token.objects.create(user=user)
    client.force_login(user)

    client.post(reverse("admin:logout"))

    assert not Token.objects.filter(user=user).exists()


def test_deactivating_an_account_ends_its_sessions_and_tokens(client):
    user = HRUserFactory(is_staff=True, is_superuser=True)
    Token.objects.create(user=user)
    client.force_login(user)
    other = HRUserFactory()
    client_of_other = client.__class__()
    client_of_other.force_login(other)

    user.is_active = False
    user.save()

    assert not Token.objects.filter(user=user).exists()
    assert Session.objects.count() == 1
    assert client.get(reverse("admin:index")).status_code == 302


def test_denied_access_is_logged_with_who_and_what(client, caplog):
    user = HRUserFactory(username="probe")
    client.force_login(user)

    with caplog.at_level("WARNING", logger="mentorship.security"):
        client.get("/no/such/object/42/")

    assert any("user=probe" in r.getMessage() and "/no/such/object/42/" in r.getMessage() for r in caplog.records)


def test_health_reports_the_database_and_the_broker(client, settings):
    settings.REDIS_URL = "redis://127.0.0.1:1/0"

    started = time.monotonic()
    response = client.get("/healthz")

    assert response.status_code == 200
    body = response.json()
    assert body["database"] == "ok"
    assert body["broker"].startswith("down")
    assert time.monotonic() - started < 3
