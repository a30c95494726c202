"""Operational endpoints."""

from __future__ import annotations

import time

from django.conf import settings
from django.db import connection
from django.http import JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET


def database_status() -> str:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        return "ok"
    except Exception as exc:  # noqa: BLE001 - any failure means "down" to a health check
        return f"down: {type(exc).__name__}"


def broker_status() -> str:
    """Ping the broker with a short timeout; a dead Redis is reported, never waited on."""
    if not settings.REDIS_URL:
        return "inline"
    import redis

    try:
        client = redis.Redis.from_url(settings.REDIS_URL, socket_connect_timeout=1, socket_timeout=1)
        client.ping()
        return "ok"
    except Exception as exc:  # noqa: BLE001
        return f"down: {type(exc).__name__}"


@never_cache
@require_GET
def healthz(request):
    """200 while the database answers (the app can serve); the broker's state is reported, not required."""
    started = time.monotonic()
    database = database_status()
    broker = broker_status()
    healthy = database == "ok"
    return JsonResponse(
        {
            "status": "ok" if healthy else "down",
            "database": database,
            "broker": broker,
            "elapsed_ms": round((time.monotonic() - started) * 1000, 1),
        },
        status=200 if healthy else 503,
    )
