"""One error body for every 4xx of the API: {"error": {"code", "message", "fields"}}."""

from __future__ import annotations

import logging
from typing import Any

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent
from django.db import DataError
from django.http import Http404, JsonResponse
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import set_rollback

from ..errors import ApplicationError, concurrency_conflict
from ..middleware import current_request_id
from .parsers import too_large

logger = logging.getLogger("pmtool.api")

_MESSAGES = {
    "parse_error": "The request body is not valid JSON.",
    "not_authenticated": "Authentication required: sign in, or send 'Authorization: Bearer <token>'.",
    "authentication_failed": "Authentication failed.",
    "not_found": "Not found.",
}


def error_body(
    code: str, message: str, fields: dict[str, Any] | None = None, current: dict[str, Any] | None = None
) -> dict[str, Any]:
    error: dict[str, Any] = {"code": code, "message": message, "fields": fields or {}}
    if current is not None:  # only the errors that carry a state to retry from (ApplicationError.current_state)
        error["current"] = current
    return {"error": error}


def _text(value: Any) -> str:
    """A message as UTF-8 can carry it: messages that echo the input (e.g. '"…" is not a
    valid choice.') may hold a lone surrogate from a JSON "\\ud800" escape."""
    return str(value).encode("utf-8", "replace").decode("utf-8")


def _flatten(detail: Any) -> Any:
    if isinstance(detail, dict):
        return {_text(key): _flatten(value) for key, value in detail.items()}
    if isinstance(detail, list):
        if all(not isinstance(item, dict | list) for item in detail):
            return [_text(item) for item in detail]
        return [_flatten(item) for item in detail]
    return [_text(detail)]


def _validation_error(exc: exceptions.ValidationError) -> dict[str, Any]:
    detail = exc.detail
    if isinstance(detail, dict):
        fields = _flatten(detail)
        general = fields.pop("non_field_errors", None)
        if general:
            message = general[0]
        else:
            names = ", ".join(sorted(fields))
            message = f"Invalid input in: {names}." if names else "Invalid input."
        return error_body("invalid", message, fields)
    messages = _flatten(detail)
    if isinstance(messages, list) and messages and isinstance(messages[0], str):
        return error_body("invalid", messages[0])
    return error_body("invalid", "Invalid input: the body must be a JSON object.")


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | JsonResponse:
    exc = concurrency_conflict(exc) or exc
    if isinstance(exc, ApplicationError):
        return Response(error_body(exc.code, exc.message, exc.fields, exc.current_state), status=exc.status_code)
    if isinstance(exc, DataError):
        # A value the database cannot hold that slipped past validation.
        return Response(
            error_body("invalid", "A value is out of range or malformed."), status=status.HTTP_400_BAD_REQUEST
        )
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied()
    elif isinstance(exc, RequestDataTooBig):  # a form or multipart body past DATA_UPLOAD_MAX_MEMORY_SIZE
        exc = too_large()
    elif isinstance(exc, TooManyFieldsSent | TooManyFilesSent):
        exc = exceptions.ValidationError(str(exc) or "Too many fields or files in the form.")
    if not isinstance(exc, exceptions.APIException):
        request = context.get("request")
        return server_error_response(getattr(request, "_request", request), exc)
    headers: dict[str, str] = {}
    auth_header, wait = getattr(exc, "auth_header", None), getattr(exc, "wait", None)
    if auth_header:
        headers["WWW-Authenticate"] = str(auth_header)
    if wait:
        headers["Retry-After"] = str(int(wait))
    if isinstance(exc, exceptions.ValidationError):
        body = _validation_error(exc)
    else:
        codes = exc.get_codes()
        code = codes if isinstance(codes, str) else str(exc.default_code)
        message = str(exc.detail) if not isinstance(exc, exceptions.ParseError) else _MESSAGES["parse_error"]
        if isinstance(exc, exceptions.ParseError):
            detail = str(exc.detail)
            message = f"{message} ({detail})" if "JSON parse error" in detail else detail
        body = error_body(code, message)
    return Response(body, status=exc.status_code, headers=headers)


def server_error_response(request: Any, exc: BaseException) -> JsonResponse:
    """An unexpected exception: logged with its traceback and the request id, answered as the
    error body (never Django's HTML page, DEBUG or not)."""
    set_rollback()
    request_id = getattr(request, "request_id", None) or current_request_id()
    logger.error(
        "Unhandled %s on %s %s [request %s]",
        type(exc).__name__,
        getattr(request, "method", "?"),
        getattr(request, "path", "?"),
        request_id,
        exc_info=exc,
        extra={"request": request, "status_code": 500},
    )
    message = f"Something went wrong on our side; it was logged as request {request_id}. Please try again."
    response = JsonResponse(error_body("server_error", message), status=500)
    response.headers["X-Request-ID"] = request_id
    return response


def json_error_response(code: str, message: str, status_code: int) -> JsonResponse:
    return JsonResponse(error_body(code, message), status=status_code)
