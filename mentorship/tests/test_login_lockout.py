"""The sign-in page locks a username out from an address after repeated failures, like admin and the token
endpoint, and the lockout is logged (django-axes masks the username and the address in its message)."""

import pytest
from django.urls import reverse

from programs.tests.factories import HRUserFactory

pytestmark = pytest.mark.django_db


def test_the_sign_in_page_locks_out_a_username_from_an_address_and_logs_it(client, caplog, settings):
    HRUserFactory(username="li")
    url = reverse("login")

    with caplog.at_level("WARNING"):
        for _ in range(settings.AXES_FAILURE_LIMIT):
            client.post(url, {"username": "li", "password": "wrong"}, REMOTE_ADDR="10.0.0.7")
        locked = client.post(url, {"username": "li", "password": "correct-horse-battery"}, REMOTE_ADDR="10.0.0.7")
    elsewhere = client.post(url, {"username": "li", "password": "correct-horse-battery"}, REMOTE_ADDR="10.0.0.8")

    assert locked.status_code == 429
    assert elsewhere.status_code == 302
    lockouts = [r.getMessage() for r in caplog.records if r.name.startswith("axes") and "Locking out" in r.getMessage()]
    assert lockouts
    assert "/accounts/login/" in lockouts[0]
