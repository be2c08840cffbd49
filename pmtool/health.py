"""Health of the parts /healthz reports: database, Redis, Celery worker."""

from __future__ import annotations

import time
from typing import Any

from django.conf import settings
from django.db import connection


def check_database() -> dict[str, Any]:
    started = time.perf_counter()
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as exc:  # noqa: BLE001 - a health check reports every failure
        return {"status": "down", "error": exc.__class__.__name__}
    return {"status": "ok", "vendor": connection.vendor, "ms": round((time.perf_counter() - started) * 1000, 1)}


def check_redis() -> dict[str, Any]:
    if not settings.REDIS_URL:
        return {"status": "not_configured", "detail": "REDIS_URL unset: tasks run in-process"}
    import redis

    started = time.perf_counter()
    try:
        client = redis.Redis.from_url(settings.REDIS_URL, socket_connect_timeout=1, socket_timeout=1)
        client.ping()
    except Exception as exc:  # noqa: BLE001
        return {"status": "down", "error": exc.__class__.__name__}
    return {"status": "ok", "ms": round((time.perf_counter() - started) * 1000, 1)}


def check_worker(timeout: float = 1.0) -> dict[str, Any]:
    if not settings.REDIS_URL:
        return {"status": "in_process"}
    from .celery import app

    try:
        replies = app.control.ping(timeout=timeout)
    except Exception as exc:  # noqa: BLE001
        return {"status": "down", "error": exc.__class__.__name__}
    if not replies:
        return {"status": "down", "workers": 0}
    return {"status": "ok", "workers": len(replies)}


def check_all() -> dict[str, Any]:
    database = check_database()
    redis_status = check_redis()
    worker = (
        check_worker()
        if redis_status["status"] == "ok"
        else {"status": "unknown" if settings.REDIS_URL else "in_process"}
    )
    healthy = database["status"] == "ok" and redis_status["status"] in {"ok", "not_configured"}
    # No worker is a degraded state (tasks queue up), not a reason to take web out of rotation.
    overall = "ok" if healthy else "down"
    if healthy and worker["status"] not in {"ok", "in_process"}:
        overall = "degraded"
    return {
        "status": "ok" if overall != "down" else "down",
        "overall": overall,
        "database": database,
        "redis": redis_status,
        "worker": worker,
    }
