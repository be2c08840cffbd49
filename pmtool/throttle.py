"""Sign-in throttle: counts failed attempts per e-mail address and per client IP in
the cache (Redis when configured), and refuses further attempts for the window."""

from __future__ import annotations

import hashlib

from django.conf import settings
from django.core.cache import cache


def _keys(email: str, ip: str) -> list[tuple[str, int]]:
    digest = hashlib.sha256(email.strip().lower().encode()).hexdigest()[:32]
    return [
        (f"login-fail:email:{digest}", settings.LOGIN_FAILURES_PER_EMAIL),
        (f"login-fail:ip:{ip}", settings.LOGIN_FAILURES_PER_IP),
    ]


def login_blocked(*, email: str, ip: str) -> bool:
    counts = cache.get_many([key for key, _ in _keys(email, ip)])
    return any(counts.get(key, 0) >= limit for key, limit in _keys(email, ip))


def login_failed(*, email: str, ip: str) -> None:
    for key, _limit in _keys(email, ip):
        if not cache.add(key, 1, timeout=settings.LOGIN_FAILURE_WINDOW):
            try:
                cache.incr(key)
            except ValueError:  # expired between add() and incr()
                cache.add(key, 1, timeout=settings.LOGIN_FAILURE_WINDOW)


def login_succeeded(*, email: str) -> None:
    cache.delete(_keys(email, "")[0][0])
