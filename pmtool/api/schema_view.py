"""/api/v1/schema/, generated once per process (it takes seconds and only changes with a deploy,
which restarts the processes), then answered from memory with an ETag. This is what made
/api/docs/ show a blank spinner: Swagger UI waits for the schema."""

from __future__ import annotations

import hashlib
import logging
from typing import Any, ClassVar

from django.http import HttpResponse
from drf_spectacular.views import SpectacularAPIView
from rest_framework.request import Request

from .schema import GENERATING, documented_query_parameters


class CachedSchemaView(SpectacularAPIView):
    _cache: ClassVar[dict[tuple[Any, ...], tuple[bytes, str, str]]] = {}

    def _get_schema_response(self, request: Request) -> Any:
        version = self.api_version or request.version or self._get_version_parameter(request)
        renderer = request.accepted_renderer
        key = (version, request.GET.get("lang"), self.serve_public, renderer.format, request.accepted_media_type)
        if key not in self._cache:
            with GENERATING:
                if key not in self._cache:  # made by another thread while this one waited
                    generator = self.generator_class(urlconf=self.urlconf, api_version=version, patterns=self.patterns)
                    schema = generator.get_schema(request=request, public=self.serve_public)
                    body = renderer.render(schema, request.accepted_media_type, {"request": request, "view": self})
                    media_type = f"{request.accepted_media_type}; charset={renderer.charset or 'utf-8'}"
                    self._cache[key] = (body, hashlib.sha256(body).hexdigest()[:32], media_type)
        body, digest, media_type = self._cache[key]
        etag = f'"{digest}"'
        if etag in request.headers.get("If-None-Match", ""):
            response = HttpResponse(status=304)
        else:
            response = HttpResponse(body, content_type=media_type)
            response["Content-Disposition"] = f'inline; filename="{self._get_filename(request, version)}"'
        response["ETag"] = etag
        response["Cache-Control"] = "no-cache"
        return response


def warm_in_background() -> None:
    """Generate the schema (the API's documented query parameters, the YAML and the JSON that
    /api/docs/ reads) in a daemon thread at process start, so neither the first API request nor the
    first visitor of /api/docs/ after a deploy waits for it (a request that comes first waits for
    the warm-up to finish instead of generating beside it: see GENERATING)."""
    import threading

    def warm() -> None:
        from django.test import RequestFactory

        view = CachedSchemaView.as_view()
        factory = RequestFactory()
        try:
            documented_query_parameters("", "GET")  # what every API request checks its query against
            for query in ("", "?format=json"):
                view(factory.get("/api/v1/schema/" + query))
        except Exception:  # a warm-up must never stop the process; the first request generates it
            logging.getLogger("pmtool.api").exception("Warming the OpenAPI schema failed")

    threading.Thread(target=warm, name="schema-warm-up", daemon=True).start()
