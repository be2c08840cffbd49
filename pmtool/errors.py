"""The one family of domain errors. Services raise these; pmtool.api.errors and
pmtool.views map them to HTTP (400/403/404/409/412) for API and pages alike."""

from __future__ import annotations

from typing import Any

from django.db import OperationalError


class ApplicationError(Exception):
    """`current_state` (optional): the state a client retries from, rendered as the error body's
    `current` object (e.g. a move's current neighbours); absent from every other error. (Not
    `current`: StaleVersion's `current` is the current row, for pages.)"""

    status_code = 400
    code = "invalid"

    def __init__(
        self,
        message: str,
        *,
        fields: dict[str, list[str]] | None = None,
        code: str | None = None,
        current_state: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.fields = fields or {}
        self.current_state = current_state
        if code:
            self.code = code


class ValidationError(ApplicationError):
    status_code = 400
    code = "invalid"


class PermissionDenied(ApplicationError):
    status_code = 403
    code = "permission_denied"


class NotFound(ApplicationError):
    status_code = 404
    code = "not_found"


class Conflict(ApplicationError):
    status_code = 409
    code = "conflict"


class PreconditionFailed(ApplicationError):
    status_code = 412
    code = "precondition_failed"


# PostgreSQL's "deadlock detected" and "could not serialize": two writes crossed; retrying works.
_CONCURRENCY_SQLSTATES = {"40P01", "40001"}


def concurrency_conflict(exc: BaseException) -> Conflict | None:
    """A Conflict (409) for a database error caused by concurrent writes, else None."""
    if isinstance(exc, OperationalError) and getattr(exc.__cause__, "pgcode", None) in _CONCURRENCY_SQLSTATES:
        return Conflict("Someone else changed this at the same moment. Reload and try again.", code="concurrent_write")
    return None
