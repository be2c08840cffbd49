"""Health of the parts /healthz reports: database, Redis, Celery worker, and the checks that apps
register (`register_check`, e.g. strategy's metric rollup): the core never imports an app above it.

A registered check returns a dict with a "status" of "ok" or "degraded" (plus its figures); a
degraded part makes the overall status "degraded" (HTTP 200: web stays in rotation)."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.db import connection

CHECKS: dict[str, Callable[[], dict[str, Any]]] = {}


def register_check(name: str, check: Callable[[], dict[str, Any]]) -> None:
    """Add a part to /healthz (an app's AppConfig.ready calls this); the same name replaces it."""
    CHECKS[name] = check


def _run_registered() -> dict[str, dict[str, Any]]:
    results: dict[str, dict[str, Any]] = {}
    for name, check in CHECKS.items():
        try:
            results[name] = check()
        except Exception as exc:  # noqa: BLE001 - a failing check is reported, never raised
            results[name] = {"status": "degraded", "error": exc.__class__.__name__}
    return results


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
    registered = _run_registered() if database["status"] == "ok" else {}
    if healthy and any(part.get("status") != "ok" for part in registered.values()):
        overall = "degraded"
    return {
        "status": "ok" if overall != "down" else "down",
        "overall": overall,
        "database": database,
        "redis": redis_status,
        "worker": worker,
        **registered,
    }
