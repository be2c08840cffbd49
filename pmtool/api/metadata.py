"""What `OPTIONS` answers on every API URL: the methods it allows and the media types it reads and
writes. (DRF's SimpleMetadata calls get_serializer(), which these views do not have: a 500.) The
shapes of bodies are in the OpenAPI schema, which the answer points to."""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from rest_framework.metadata import BaseMetadata

OPTIONS_SCHEMA = {
    "type": "object",
    "properties": {
        "name": {"type": "string"},
        "methods": {"type": "array", "items": {"type": "string"}, "description": "Allowed methods."},
        "renders": {"type": "array", "items": {"type": "string"}},
        "parses": {"type": "array", "items": {"type": "string"}},
        "schema": {"type": "string", "description": "The OpenAPI schema, which describes every body."},
    },
    "required": ["name", "methods", "renders", "parses", "schema"],
    "additionalProperties": False,
}


class ApiMetadata(BaseMetadata):
    def determine_metadata(self, request: Any, view: Any) -> dict[str, Any]:
        return {
            "name": view.get_view_name(),
            "methods": list(view.allowed_methods),
            "renders": [renderer.media_type for renderer in view.renderer_classes],
            "parses": [parser.media_type for parser in view.parser_classes],
            "schema": reverse("api-schema"),
        }
