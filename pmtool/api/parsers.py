"""The API's JSON parser: every JSON body is bounded in size (413) and in nesting depth (400).

DRF's JSONParser reads the whole stream (Django's DATA_UPLOAD_MAX_MEMORY_SIZE does not apply to
it) and lets a deeply nested document hit Python's recursion limit (a 500). This one reads at most
one byte past the limit and refuses a document nested deeper than JSON_MAX_DEPTH."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from rest_framework import exceptions, status
from rest_framework.parsers import JSONParser
from rest_framework.utils import json

JSON_MAX_DEPTH = 32  # the deepest body of the API is 3 levels ({"samples": [{...}]})


class PayloadTooLarge(exceptions.APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_code = "too_large"
    default_detail = "The request body is too large."


def max_body_bytes() -> int:
    return int(settings.API_MAX_BODY_BYTES)


def too_large() -> PayloadTooLarge:
    limit = max_body_bytes()
    return PayloadTooLarge(f"The request body is too large: at most {limit:,} bytes ({limit / 2**20:.0f} MiB).")


def _depth_exceeds(data: Any, limit: int) -> bool:
    """Whether `data` nests arrays/objects deeper than `limit` (iterative: no recursion)."""
    stack = [(data, 1)]
    while stack:
        value, depth = stack.pop()
        if isinstance(value, dict):
            children: Any = value.values()
        elif isinstance(value, list):
            children = value
        else:
            continue
        if depth > limit:
            return True
        stack.extend((child, depth + 1) for child in children if isinstance(child, dict | list))
    return False


class BoundedJSONParser(JSONParser):
    def parse(self, stream: Any, media_type: str | None = None, parser_context: Any = None) -> Any:
        limit = max_body_bytes()
        request = (parser_context or {}).get("request")
        declared = request.META.get("CONTENT_LENGTH") if request is not None else None
        if declared and str(declared).isdigit() and int(declared) > limit:
            raise too_large()
        raw = stream.read(limit + 1) if stream is not None else b""
        if len(raw) > limit:
            raise too_large()
        encoding = (parser_context or {}).get("encoding", settings.DEFAULT_CHARSET)
        too_deep = exceptions.ParseError(
            f"The JSON is nested too deeply: at most {JSON_MAX_DEPTH} levels of arrays and objects."
        )
        try:
            text = raw.decode(encoding)
            parse_constant = json.strict_constant if self.strict else None  # type: ignore[attr-defined]
            data = json.loads(text, parse_constant=parse_constant)
        except RecursionError:
            raise too_deep from None
        except ValueError as exc:
            raise exceptions.ParseError(f"JSON parse error - {exc}") from None
        if _depth_exceeds(data, JSON_MAX_DEPTH):
            raise too_deep
        return data
