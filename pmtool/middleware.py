import contextvars
import logging
import re
import uuid
from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse


class ContentSecurityPolicyMiddleware:
    """Send the Content-Security-Policy from settings, unless a view set its own."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        policy = getattr(response, "csp_override", None) or settings.CONTENT_SECURITY_POLICY
        response.headers.setdefault("Content-Security-Policy", policy)
        return response


class ApplicationErrorMiddleware:
    """Pages: a domain error a view did not handle becomes the matching error page.

    (The API maps the same errors in pmtool.api.errors.)
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        from .errors import ApplicationError, concurrency_conflict
        from .views import error_page

        exception = concurrency_conflict(exception) or exception
        if not isinstance(exception, ApplicationError):
            return None
        titles = {403: "Not allowed", 404: "Not found", 409: "Conflict", 412: "Out of date"}
        message = (
            exception.message
            if exception.status_code != 404
            else "There is nothing here, or you do not have access to it."
        )
        return error_page(
            request, exception.status_code, exception.code, titles.get(exception.status_code, "Cannot do that"), message
        )


# --- request ids ----------------------------------------------------------------

_REQUEST_ID: contextvars.ContextVar[str] = contextvars.ContextVar("request_id", default="-")
_INCOMING_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")


def current_request_id() -> str:
    return _REQUEST_ID.get()


class RequestIdMiddleware:
    """Every request gets an id: the caller's `X-Request-ID` when it is sane, else a new one. It is
    on every log line of the request (RequestIdLogFilter) and in the `X-Request-ID` response header,
    so an error a user reports can be found in the log."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        incoming = request.headers.get("X-Request-ID", "")
        request_id = incoming if _INCOMING_ID.match(incoming) else uuid.uuid4().hex
        request.request_id = request_id  # type: ignore[attr-defined]
        token = _REQUEST_ID.set(request_id)
        try:
            response = self.get_response(request)
        finally:
            _REQUEST_ID.reset(token)
        response.headers["X-Request-ID"] = request_id
        return response


class RequestIdLogFilter(logging.Filter):
    """Adds `request_id` to every log record (the request's, or that of the record's request)."""

    def filter(self, record: logging.LogRecord) -> bool:
        request = getattr(record, "request", None)
        record.request_id = getattr(request, "request_id", None) or current_request_id()
        return True


class ApiExceptionMiddleware:
    """Under /api/, an exception no view handled is logged with the request id and answered as
    the JSON error body, with DEBUG on too (Django would render its HTML debug page). DRF views
    do the same in pmtool.api.errors; this covers the rest."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not request.path.startswith("/api/"):
            return None
        from .errors import ApplicationError, concurrency_conflict

        if isinstance(concurrency_conflict(exception) or exception, ApplicationError):
            return None  # ApplicationErrorMiddleware answers these
        from django.core.exceptions import BadRequest, PermissionDenied, SuspiciousOperation
        from django.http import Http404

        if isinstance(exception, Http404 | PermissionDenied | SuspiciousOperation | BadRequest):
            return None  # Django's 4xx handlers answer these (JSON under /api/: pmtool.views.error_page)
        from .api.errors import server_error_response

        return server_error_response(request, exception)
