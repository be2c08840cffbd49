"""One error body for every 4xx of the API: {"error": {"code", "message", "fields"}}."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.db import DataError
from django.http import Http404, JsonResponse
from rest_framework import exceptions, status
from rest_framework.response import Response

from ..errors import ApplicationError, concurrency_conflict

_MESSAGES = {
    "parse_error": "The request body is not valid JSON.",
    "not_authenticated": "Authentication required: sign in, or send 'Authorization: Bearer <token>'.",
    "authentication_failed": "Authentication failed.",
    "not_found": "Not found.",
}


def error_body(code: str, message: str, fields: dict[str, Any] | None = None) -> dict[str, Any]:
    return {"error": {"code": code, "message": message, "fields": fields or {}}}


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


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    exc = concurrency_conflict(exc) or exc
    if isinstance(exc, ApplicationError):
        return Response(error_body(exc.code, exc.message, exc.fields), status=exc.status_code)
    if isinstance(exc, DataError):
        # A value the database cannot hold that slipped past validation.
        return Response(
            error_body("invalid", "A value is out of range or malformed."), status=status.HTTP_400_BAD_REQUEST
        )
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied()
    if not isinstance(exc, exceptions.APIException):
        return None
    headers: dict[str, str] = {}
    if getattr(exc, "auth_header", None):
        headers["WWW-Authenticate"] = exc.auth_header
    if getattr(exc, "wait", None):
        headers["Retry-After"] = str(int(exc.wait))
    if isinstance(exc, exceptions.ValidationError):
        body = _validation_error(exc)
    else:
        code = exc.get_codes() if isinstance(exc.get_codes(), str) else exc.default_code
        message = str(exc.detail) if not isinstance(exc, exceptions.ParseError) else _MESSAGES["parse_error"]
        if isinstance(exc, exceptions.ParseError):
            detail = str(exc.detail)
            message = f"{message} ({detail})" if "JSON parse error" in detail else detail
        body = error_body(code, message)
    return Response(body, status=exc.status_code, headers=headers)


def json_error_response(code: str, message: str, status_code: int) -> JsonResponse:
    return JsonResponse(error_body(code, message), status=status_code)
