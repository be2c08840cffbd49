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
