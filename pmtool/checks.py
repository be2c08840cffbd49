"""System checks and start-up guards of pmtool."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.checks import Warning, register
from django.core.exceptions import ImproperlyConfigured

NO_SECRET_KEY_MESSAGE = "SECRET_KEY must be set when DEBUG is off: a long random string, kept secret."  # noqa: S105 - a message, not a secret


def require_secret_key() -> None:
    """Called where the app starts serving (wsgi.py, the Celery worker): fail fast."""
    if not settings.DEBUG and not _secret_key():
        raise ImproperlyConfigured(NO_SECRET_KEY_MESSAGE)


def _secret_key() -> str:
    try:
        return settings.SECRET_KEY
    except ImproperlyConfigured:
        return ""


@register()
def secret_key_check(app_configs: Any, **kwargs: Any) -> list[Warning]:
    if settings.DEBUG or _secret_key():
        return []
    return [Warning(NO_SECRET_KEY_MESSAGE, hint="Set the SECRET_KEY environment variable.", id="pmtool.W001")]
