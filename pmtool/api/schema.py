"""The OpenAPI schema, the whole truth: every operation's error answers with the one error body,
the If-Match header where a view reads it, bounds of ids and pages, `additionalProperties: false`
where unknown fields are refused, and OPTIONS. Plus the Bearer-token scheme.

Generated from what each view can raise (AutoSchema below), once for every app; and cached per
process (`cached_schema_view`), since generating it takes seconds."""

from __future__ import annotations

import re
import threading
from typing import Any

from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.openapi import AutoSchema as SpectacularAutoSchema
from drf_spectacular.plumbing import ResolvedComponent
from rest_framework.permissions import AllowAny

ERROR_SCHEMA = {
    "type": "object",
    "description": "The body of every error answer.",
    "properties": {
        "error": {
            "type": "object",
            "properties": {
                "code": {
                    "type": "string",
                    "description": "Stable, for programs: e.g. invalid, not_found, stale_version.",
                },
                "message": {"type": "string", "description": "For people."},
                "fields": {
                    "type": "object",
                    "description": "Messages per input field (or query parameter) that was refused.",
                    "additionalProperties": {},
                },
            },
            "required": ["code", "message", "fields"],
            "additionalProperties": False,
        }
    },
    "required": ["error"],
    "additionalProperties": False,
}

ERROR_DESCRIPTIONS = {
    400: "Invalid input: `fields` names what was refused (body fields, query parameters, `cursor`, If-Match).",
    401: "Not signed in: send `Authorization: Bearer <token>` or use a browser session.",
    403: "Not allowed: your role in the workspace, a read-only token, or a missing CSRF token (sessions).",
    404: "Not found, or not yours to see (other workspaces answer 404, never 403).",
    409: "Conflict: a stale `version`, a name or slug already taken, or a concurrent write; reload and retry.",
    412: "If-Match failed: the object changed since you read it (or the tag was weak).",
    413: "The request body is too large.",
    415: "Unsupported Content-Type: send application/json (or what the operation lists).",
    429: "Too many requests: wait for Retry-After seconds.",
}

MAX_ID = 10**18 - 1  # pmtool.converters.IdConverter: 1–18 digits
IF_MATCH_PATTERN = r'^\s*"?[0-9]{1,18}"?\s*$'
_WRITES = {"POST", "PUT", "PATCH", "DELETE"}


class AutoSchema(SpectacularAutoSchema):
    def _map_serializer(self, serializer: Any, direction: str, bypass_extensions: bool = False) -> dict[str, Any]:
        from .serializers import StrictSerializer

        result = super()._map_serializer(serializer, direction, bypass_extensions)
        if direction == "request" and isinstance(serializer, StrictSerializer):
            result["additionalProperties"] = False
        return result

    def _map_serializer_field(self, field: Any, direction: str, bypass_extensions: bool = False) -> dict[str, Any]:
        from rest_framework.serializers import ListSerializer

        result = super()._map_serializer_field(field, direction, bypass_extensions)
        if isinstance(field, ListSerializer) and result.get("type") == "array":  # many=True, with bounds
            min_length, max_length = getattr(field, "min_length", None), getattr(field, "max_length", None)
            if min_length is not None:
                result["minItems"] = min_length
            if max_length is not None:
                result["maxItems"] = max_length
        return result

    def get_operation(self, *args: Any, **kwargs: Any) -> dict[str, Any] | None:
        operation = super().get_operation(*args, **kwargs)
        if operation is None:
            return None
        self._bound_parameters(operation)
        for parameter in operation.get("parameters", []):
            if parameter["in"] == "header" and parameter["name"].lower() == "if-match":
                parameter["schema"] = {"type": "string", "pattern": IF_MATCH_PATTERN}
                parameter.setdefault("description", 'The version you read, as its ETag, e.g. "3".')
        responses = operation.setdefault("responses", {})
        error = self._error_component()
        for status_code in self._error_statuses(operation):
            responses.setdefault(
                str(status_code),
                {
                    "description": ERROR_DESCRIPTIONS[status_code],
                    "content": {"application/json": {"schema": error.ref}},
                },
            )
        return operation

    def _error_component(self) -> ResolvedComponent:
        component = ResolvedComponent(name="Error", type=ResolvedComponent.SCHEMA, object="Error", schema=ERROR_SCHEMA)
        self.registry.register_on_missing(component)
        return component

    def _error_statuses(self, operation: dict[str, Any]) -> list[int]:
        parameters = operation.get("parameters", [])
        has_body = "requestBody" in operation
        statuses = set()
        if has_body or self.method in _WRITES or any(p["in"] in ("query", "header") for p in parameters):
            statuses.add(400)
        if not all(isinstance(permission, AllowAny) for permission in self.view.get_permissions()):
            statuses |= {401, 403}
        if any(p["in"] == "path" for p in parameters):
            statuses.add(404)
        if self.method in _WRITES:
            statuses.add(409)
        if any(p["in"] == "header" and p["name"].lower() == "if-match" for p in parameters):
            statuses.add(412)
        if has_body or self.method in {"POST", "PUT", "PATCH"}:
            statuses |= {413, 415}
        if self.view.get_throttles():
            statuses.add(429)
        return sorted(statuses)

    def _bound_parameters(self, operation: dict[str, Any]) -> None:
        """Bounds that the code enforces but descriptions only told: ids, page sizes, cursors."""
        paginator = self._get_paginator()
        for parameter in operation.get("parameters", []):
            schema = parameter.setdefault("schema", {})
            if parameter["in"] == "path" and schema.get("type") in ("integer", "string"):
                schema.clear()
                schema.update({"type": "integer", "minimum": 1, "maximum": MAX_ID})
            elif parameter["in"] == "query" and parameter["name"] == "page_size" and paginator is not None:
                schema.update({"type": "integer", "minimum": 1, "maximum": paginator.max_page_size})
            elif parameter["in"] == "query" and parameter["name"] == "cursor":
                schema.update({"type": "string", "maxLength": 1000})


_QUERY_NAMES: dict[tuple[str, str], frozenset[str]] | None = None
_ROUTE_PARAMETER = re.compile(r"<(?:[^>:]+:)?([^>]+)>")

GENERATING = threading.RLock()
"""Held while this process generates a schema. drf-spectacular is not safe to run in two threads
at once (its extensions import their targets lazily, and a second thread reads a half-loaded one:
AttributeError), and a gthread worker's first requests meet the warm-up thread: one at a time."""


def documented_query_parameters(route: str, method: str) -> frozenset[str] | None:
    """The query parameters the schema documents for an operation (`route` as Django resolved it),
    or None when the schema has no such operation. The schema is generated once per process."""
    global _QUERY_NAMES
    if _QUERY_NAMES is None:
        with GENERATING:
            if _QUERY_NAMES is None:  # another thread may have made it while this one waited
                from drf_spectacular.generators import SchemaGenerator

                schema = SchemaGenerator().get_schema(request=None, public=True)
                _QUERY_NAMES = {
                    (path, verb.upper()): frozenset(p["name"] for p in op.get("parameters", []) if p["in"] == "query")
                    for path, item in schema["paths"].items()
                    for verb, op in item.items()
                }
    return _QUERY_NAMES.get(("/" + _ROUTE_PARAMETER.sub(r"{\1}", route), method.upper()))


def add_options_operations(result: dict[str, Any], generator: Any, request: Any, public: bool) -> dict[str, Any]:
    """drf-spectacular leaves OPTIONS out; every API URL answers it (pmtool.api.metadata)."""
    from .metadata import OPTIONS_SCHEMA

    schemas = result.setdefault("components", {}).setdefault("schemas", {})
    schemas.setdefault("Options", OPTIONS_SCHEMA)
    for path, item in result.get("paths", {}).items():
        first = next(iter(item.values()))
        parameters = [p for p in first.get("parameters", []) if p["in"] == "path"]
        tags = first.get("tags", [])
        responses: dict[str, Any] = {
            "200": {
                "description": "The methods this URL allows (also in the Allow header).",
                "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Options"}}},
            }
        }
        for status_code in (401, 403, *((404,) if parameters else ())):
            responses[str(status_code)] = {
                "description": ERROR_DESCRIPTIONS[status_code],
                "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
            }
        item["options"] = {
            "operationId": "options_" + path.strip("/").replace("/", "_").replace("{", "").replace("}", ""),
            "summary": "What this URL allows",
            "tags": tags,
            "parameters": parameters,
            "security": first.get("security", []),
            "responses": responses,
        }
    return result


class BearerTokenScheme(OpenApiAuthenticationExtension):
    target_class = "pmtool.api.authentication.BearerTokenAuthentication"
    name = "bearerAuth"

    def get_security_definition(self, auto_schema: object) -> dict:
        return {
            "type": "http",
            "scheme": "bearer",
            "description": "A personal API token from Settings → API tokens: `Authorization: Bearer pmt_…`",
        }
