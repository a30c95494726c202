"""Cross-cutting request rules: no caching of personal data, absolute session lifetime, logged denials."""

from __future__ import annotations

import logging
import time
from urllib.parse import unquote_to_bytes

from django.conf import settings
from django.contrib.auth import logout
from django.http import JsonResponse
from django.utils.translation import gettext as _

denied_log = logging.getLogger("mentorship.security")


class NoStoreMiddleware:
    """Pages and API answers for a signed-in user carry personal data: browsers and proxies must not keep them."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        user = getattr(request, "user", None)
        personal = request.path.startswith("/api/") or (user is not None and user.is_authenticated)
        if personal and not request.path.startswith(settings.STATIC_URL):
            response["Cache-Control"] = "no-store"
            response["Pragma"] = "no-cache"
        return response


class AbsoluteSessionLifetimeMiddleware:
    """Sessions end on inactivity (SESSION_COOKIE_AGE, renewed by activity) and, whatever the activity,
    SESSION_ABSOLUTE_AGE seconds after login.

    The inactivity clock is renewed at most once per SESSION_RENEW_AFTER seconds rather than on every
    request: writing the session row and committing on each API call would cost more than the call.
    """

    key = "_login_started_at"
    renewed_key = "_renewed_at"

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and hasattr(request, "session"):
            now = int(time.time())
            started = request.session.setdefault(self.key, now)
            if now - started > settings.SESSION_ABSOLUTE_AGE:
                logout(request)
            elif now - request.session.get(self.renewed_key, 0) >= settings.SESSION_RENEW_AFTER:
                request.session[self.renewed_key] = now  # marks the session modified: a new expiry is saved
        return self.get_response(request)


class DeniedAccessLogMiddleware:
    """Log who was refused what (403, and 404 for signed-in users probing objects outside their scope)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if response.status_code in (401, 403, 404):
            user = getattr(request, "user", None)
            if response.status_code != 404 or (user is not None and user.is_authenticated):
                denied_log.warning(
                    "denied status=%s user=%s method=%s path=%s address=%s",
                    response.status_code,
                    getattr(user, "username", "") or "-",
                    request.method,
                    request.get_full_path()[:300],
                    request.META.get("REMOTE_ADDR", "-"),
                )
        return response


class RejectNulCharactersMiddleware:
    """PostgreSQL cannot store NUL characters: a request carrying one in its address or JSON body is a 400."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        raw = unquote_to_bytes(request.META.get("QUERY_STRING", "")) + request.path.encode("utf-8", "replace")
        body_has_nul = request.content_type == "application/json" and (
            b"\\u0000" in request.body or b"\x00" in request.body
        )
        if b"\x00" in raw or body_has_nul:
            return JsonResponse({"detail": _("NUL characters are not allowed.")}, status=400)
        return self.get_response(request)
