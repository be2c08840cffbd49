"""CSV endpoints of a product's backlog: the export of a view (streamed text/csv, the BacklogQuery
parameters of the list) and the import (a file, an optional column mapping, `dry_run`,
`clean_rows_only`). Thin: validate → product_access → selector or service → answer."""

from __future__ import annotations

import json
from typing import Any

from django.core.files.uploadedfile import UploadedFile
from django.http import StreamingHttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import parsers, renderers, serializers
from rest_framework.request import Request
from rest_framework.response import Response

from pmtool.activity import Actor
from pmtool.api.parsers import BoundedJSONParser
from pmtool.api.views import ApiView
from pmtool.errors import ValidationError
from pmtool.permissions import product_access

from ..filters import SORTS, BacklogQuery, parse_query
from ..models import FeatureType, MoSCoW, ScorecardCriterion, StatusCategory
from ..selectors.export import export_lines
from ..services import csv_import

_MANY = {"explode": True}


def query_from(request: Request, *, ignore: tuple[str, ...] = ()) -> BacklogQuery:
    """The BacklogQuery of an API request's query parameters (400 naming each bad one). An empty
    value is an error here: the page ignores empty filters (an untouched form field), the API asks
    for a value."""
    params = dict(request.query_params.lists())
    empty = sorted(name for name, values in params.items() if any(v == "" for v in values))
    if empty:
        raise ValidationError(
            "Empty parameter.", fields={name[:80]: ["Give a value or leave it out."] for name in empty}
        )
    return parse_query(params, ignore=ignore)


def backlog_query_parameters() -> list[OpenApiParameter]:
    """The BacklogQuery parameters (backlog.filters), as the schema documents them."""

    def many(name: str, kind: Any, description: str, **kwargs: Any) -> OpenApiParameter:
        return OpenApiParameter(name, kind, many=True, description=description + " (repeat for any of)", **kwargs)

    return [
        many("status", OpenApiTypes.INT, "A status id"),
        many("category", OpenApiTypes.STR, "A status category", enum=StatusCategory.values),
        many("type", OpenApiTypes.STR, "A feature type", enum=FeatureType.values),
        many("initiative", OpenApiTypes.STR, "An initiative id, or 'none'"),
        many("release", OpenApiTypes.STR, "A release id, or 'none'"),
        many("team", OpenApiTypes.STR, "A team id, or 'none'"),
        many("tag", OpenApiTypes.STR, "A tag name"),
        many("moscow", OpenApiTypes.STR, "A MoSCoW value, or 'none'", enum=[*MoSCoW.values, "none"]),
        many("owner", OpenApiTypes.STR, "An owner's user id, or 'none'"),
        OpenApiParameter("parent", OpenApiTypes.INT, description="An epic id: the epic and its children"),
        OpenApiParameter("q", OpenApiTypes.STR, description="Text search over title and description (≤ 200)"),
        OpenApiParameter("sort", OpenApiTypes.STR, enum=list(SORTS), description="Default rank (hand order)"),
        OpenApiParameter("archived", OpenApiTypes.STR, enum=["0", "1", "true", "false"], description="Archived only"),
    ]


class CSVRenderer(renderers.BaseRenderer):
    """Lets a client ask for text/csv (Accept or ?format=csv): the CSV itself is a streamed response
    that no renderer touches, and errors answer JSON (FeatureExportView.handle_exception)."""

    media_type = "text/csv"
    format = "csv"
    charset = "utf-8"

    def render(self, data: Any, accepted_media_type: str | None = None, renderer_context: Any = None) -> bytes:
        return json.dumps(data).encode("utf-8") if data is not None else b""


EXPORT_DESCRIPTION = (
    "The features of the view (the same parameters as the backlog list) as CSV, streamed: UTF-8 with a byte "
    "order mark (for Excel), CRLF line ends, a header row. Columns: title, type, status, category, parent, "
    "owner email, tags (comma-separated in one cell), initiative, release, team, start, due, reach, impact, "
    "confidence, effort, rice_score, moscow, scorecard_score, one column per scorecard criterion "
    "('scorecard: <name>'), rank position (1 = top of the view in hand order), url. Cells starting with "
    "= + - @, tab or CR are prefixed with a single quote so spreadsheets do not run them as formulas."
)


def export_response(request: Any, product: Any, query: Any, *, feature_path: str) -> StreamingHttpResponse:
    """The streamed CSV of a view (shared by the API and the page)."""
    url = request.build_absolute_uri("/").rstrip("/") + feature_path
    lines = export_lines(product, query, feature_url=url)
    response = StreamingHttpResponse(lines, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{product.slug}-backlog.csv"'
    response["X-Content-Type-Options"] = "nosniff"
    return response


class FeatureExportView(ApiView):
    renderer_classes = (renderers.JSONRenderer, CSVRenderer)

    def handle_exception(self, exc: Exception) -> Response:
        """Errors answer the JSON error body, even to a client that asked for text/csv."""
        response = super().handle_exception(exc)
        self.request.accepted_renderer = renderers.JSONRenderer()
        self.request.accepted_media_type = "application/json"
        return response

    @extend_schema(
        parameters=backlog_query_parameters(),
        responses={(200, "text/csv"): OpenApiResponse(OpenApiTypes.STR, description="The CSV file")},
        summary="Export the backlog (a filtered, sorted view) as CSV",
        description=EXPORT_DESCRIPTION,
    )
    def get(self, request: Request, product_id: int) -> StreamingHttpResponse:
        product = product_access(request.user, product_id).obj
        query = query_from(request, ignore=("format",))
        path = f"/w/{product.workspace.slug}/features/{{id}}/"
        return export_response(request, product, query, feature_path=path)


class RowErrorSerializer(serializers.Serializer):
    line = serializers.IntegerField(help_text="The line of the file (the header is line 1).")
    fields = serializers.DictField(child=serializers.ListField(child=serializers.CharField()))  # type: ignore[assignment]


class ImportResultSerializer(serializers.Serializer):
    created = serializers.IntegerField(help_text="Features created (0 for a dry run).")
    would_create = serializers.IntegerField(help_text="Clean rows (what a real run creates).")
    total = serializers.IntegerField(help_text="Rows in the file.")
    dry_run = serializers.BooleanField()
    errors = RowErrorSerializer(many=True, help_text="Every bad row, with its line and field errors.")  # type: ignore[assignment]
    mapping = serializers.DictField(child=serializers.CharField(allow_blank=True), help_text="Header → field used.")


_FIELDS_HELP = ", ".join(csv_import.FIELDS) + ", criterion:<id>, or '' (ignore)"
_IMPORT_BODY = {
    "type": "object",
    "properties": {
        "file": {"type": "string", "format": "binary", "description": "The CSV (≤ 5 MB, ≤ 10,000 rows)."},
        "mapping": {
            "type": "string",
            "description": f"JSON object {{header or column index: field}}; fields: {_FIELDS_HELP}. Default: guessed.",
        },
        "dry_run": {"type": "boolean", "description": "Validate only."},
        "clean_rows_only": {"type": "boolean", "description": "Import the clean rows even if some are bad."},
    },
    "required": ["file"],
}
_IMPORT_JSON = {
    "type": "object",
    "properties": {
        "csv": {"type": "string", "description": "The CSV text."},
        "mapping": {"type": "object", "additionalProperties": {"type": "string"}},
        "dry_run": {"type": "boolean"},
        "clean_rows_only": {"type": "boolean"},
    },
    "required": ["csv"],
    "additionalProperties": False,
}
_BOOLEANS = {"true": True, "1": True, "on": True, "false": False, "0": False, "off": False, "": False}


def _flag(data: Any, name: str) -> bool:
    value = data.get(name, False)
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().casefold() in _BOOLEANS:
        return _BOOLEANS[value.strip().casefold()]
    raise ValidationError(f"“{name}” must be true or false.", fields={name: ["Must be a valid boolean."]})


def _mapping(data: Any) -> dict[str, Any] | None:
    raw = data.get("mapping")
    if raw is None or raw == "":
        return None
    if isinstance(raw, str):
        try:
            raw = json.loads(raw)
        except ValueError:
            raise ValidationError("The mapping must be JSON.", fields={"mapping": ["Not valid JSON."]}) from None
    if not isinstance(raw, dict):
        raise ValidationError("The mapping must be an object.", fields={"mapping": ["Expected an object."]})
    return raw


def _content(data: Any) -> bytes:
    if not hasattr(data, "keys"):
        raise ValidationError('Send a multipart form with the file, or JSON {"csv": "…"}.')
    unknown = sorted(set(data.keys()) - {"file", "csv", "mapping", "dry_run", "clean_rows_only"})
    if unknown:
        raise ValidationError(
            f"Unknown field: {', '.join(unknown)[:200]}.", fields={n[:80]: ["Unknown field."] for n in unknown[:20]}
        )
    upload, text = data.get("file"), data.get("csv")
    if isinstance(upload, UploadedFile):
        if upload.size and upload.size > csv_import.MAX_BYTES:
            raise ValidationError("The file is too large.", fields={"file": ["At most 5 MB."]})
        return upload.read(csv_import.MAX_BYTES + 1)
    if isinstance(text, str) and upload is None:
        return text.encode("utf-8", "surrogatepass")
    field = "csv" if "csv" in data else "file"
    raise ValidationError("Send the CSV file.", fields={field: ["A CSV file is required (multipart “file”)."]})


class FeatureImportView(ApiView):
    parser_classes = (parsers.MultiPartParser, BoundedJSONParser)

    @extend_schema(
        request={"multipart/form-data": _IMPORT_BODY, "application/json": _IMPORT_JSON},
        responses={200: ImportResultSerializer},
        summary="Import features from CSV (editor)",
        description=(
            "Encoding detected (UTF-8 with or without BOM, else Latin-1), delimiter sniffed (comma, semicolon, "
            "tab). Every bad row is reported with its line. While any row is bad nothing is imported (400, "
            "`fields` keyed 'line N'), unless `clean_rows_only`; `dry_run` validates and answers 200 with the "
            "errors. Features are appended at the bottom of the backlog, scored, in one transaction."
        ),
    )
    def post(self, request: Request, product_id: int) -> Response:
        product = product_access(request.user, product_id, write=True, action="import features").obj
        data = request.data
        content = _content(data)
        dry_run, clean_only, mapping = _flag(data, "dry_run"), _flag(data, "clean_rows_only"), _mapping(data)
        parsed = csv_import.read_csv(content)
        criteria = list(ScorecardCriterion.objects.filter(product_id=product.pk).order_by("position", "id"))
        columns = (
            csv_import.clean_mapping(mapping, parsed.headers, criteria)
            if mapping is not None
            else csv_import.guess_mapping(parsed.headers, criteria)
        )
        if "title" not in columns.values():
            raise ValidationError("No column holds the title.", fields={"mapping": ["Map a column to title."]})
        result = csv_import.features_import(
            actor=Actor.from_request(request), product=product, parsed=parsed, mapping=columns,
            clean_rows_only=clean_only, dry_run=dry_run,
        )  # fmt: skip
        body = {
            "created": result.created,
            "would_create": result.would_create if dry_run else result.created,
            "total": result.total,
            "dry_run": dry_run,
            "errors": [e.as_dict() for e in result.errors],
            "mapping": {parsed.headers[i] or str(i): f for i, f in columns.items()},
        }
        return Response(ImportResultSerializer(body).data)
