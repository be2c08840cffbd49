"""Metrics API: metrics of a product, their samples (single, bulk up to 10,000, CSV) and their
rolled-up series. Thin: validate input → access_* → service or selector → serialize."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.files.uploadedfile import UploadedFile
from django.db.models import QuerySet
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, PolymorphicProxySerializer, extend_schema, extend_schema_field
from rest_framework import parsers, serializers, status
from rest_framework.request import Request
from rest_framework.response import Response

from pmtool.activity import Actor
from pmtool.api.pagination import DefaultCursorPagination, NameCursorPagination
from pmtool.api.parsers import BoundedJSONParser
from pmtool.api.serializers import StrictSerializer
from pmtool.api.versioned import (
    PRODUCT,
    VersionedDetailView,
    VersionedListView,
    no_content,
    version_field,
)
from pmtool.api.views import ApiView, validated
from pmtool.errors import ValidationError
from pmtool.models import Product
from pmtool.timeframes import DATE_MAX, DATE_MIN

from ..models import TEXT_MAX, Aggregation, Direction, Metric, MetricRollup, MetricSample, Period
from ..permissions import access_metric, access_sample
from ..selectors import metrics as selectors
from ..services import metrics as services

# --- serializers ----------------------------------------------------------------------


class LastSampleSerializer(serializers.Serializer):
    ts = serializers.DateTimeField()
    value = serializers.FloatField()


class MetricSerializer(serializers.ModelSerializer):
    product = serializers.IntegerField(source="product_id", read_only=True)
    pending = serializers.BooleanField(
        read_only=True, help_text="True while changed samples wait for the rollup (poll until false)."
    )
    last_sample = serializers.SerializerMethodField()

    class Meta:
        model = Metric
        fields = (
            "id",
            "product",
            "name",
            "description",
            "unit",
            "direction",
            "aggregation",
            "rolled_up_at",
            "pending",
            "last_sample",
            "version",
            "created_at",
            "updated_at",
        )
        extra_kwargs = {"rolled_up_at": {"help_text": "When the rollup last brought the buckets up to date."}}

    @extend_schema(responses=LastSampleSerializer(allow_null=True))
    def get_last_sample(self, metric: Metric) -> dict[str, Any] | None:
        ts = getattr(metric, "last_ts", None)
        if ts is None:
            return None
        return LastSampleSerializer({"ts": ts, "value": getattr(metric, "last_value", None)}).data


class MetricCreateSerializer(StrictSerializer):
    name = serializers.CharField(max_length=120)
    description = serializers.CharField(
        max_length=TEXT_MAX, required=False, allow_blank=True, default="", trim_whitespace=False
    )
    unit = serializers.CharField(max_length=40, required=False, allow_blank=True, default="")
    direction = serializers.ChoiceField(choices=Direction.choices, default=Direction.UP)
    aggregation = serializers.ChoiceField(
        choices=Aggregation.choices,
        default=Aggregation.SUM,
        help_text="How samples of one bucket combine: sum, average, last (latest sample) or count.",
    )


class MetricUpdateSerializer(StrictSerializer):
    version = version_field()
    name = serializers.CharField(max_length=120, required=False)
    description = serializers.CharField(max_length=TEXT_MAX, required=False, allow_blank=True, trim_whitespace=False)
    unit = serializers.CharField(max_length=40, required=False, allow_blank=True)
    direction = serializers.ChoiceField(choices=Direction.choices, required=False)
    aggregation = serializers.ChoiceField(choices=Aggregation.choices, required=False)


class SampleSerializer(serializers.ModelSerializer):
    class Meta:
        model = MetricSample
        fields = ("id", "ts", "value")


class SampleInputSerializer(serializers.Serializer):
    """Documentation only: the service validates (see SampleListView.post)."""

    ts = serializers.CharField(help_text='ISO 8601 with an offset or "Z"; a date alone is midnight UTC.')
    value = serializers.FloatField(
        min_value=-services.VALUE_MAX,
        max_value=services.VALUE_MAX,
        help_text=f"A finite number {services.VALUE_RANGE}, so every sum and average of a bucket can hold it.",
    )


class SampleBatchSerializer(serializers.Serializer):
    """Documentation only: the service validates (see SampleListView.post)."""

    samples = SampleInputSerializer(  # type: ignore[call-arg]  # many=True: a ListSerializer takes these
        many=True,
        min_length=1,
        max_length=services.MAX_SAMPLES,
        help_text="1–10,000 samples; a time sent twice: the last one wins.",
    )


class IngestSummarySerializer(serializers.Serializer):
    received = serializers.IntegerField(help_text="Samples in the request.")
    distinct = serializers.IntegerField(help_text="Distinct times stored (added or corrected).")
    first = serializers.DateTimeField()
    last = serializers.DateTimeField()
    pending = serializers.BooleanField(help_text="The rollup has yet to run: poll the metric's `pending`.")


@extend_schema_field(OpenApiTypes.STR)
class InstantField(serializers.Field):
    """A date (YYYY-MM-DD: a whole UTC day) or an ISO 8601 time with an offset."""

    def to_internal_value(self, data: Any) -> dt.date | dt.datetime:
        if not isinstance(data, str):
            raise serializers.ValidationError("Expected a date or an ISO 8601 time, as a string.")
        text = data.strip()
        if len(text) > 64:
            raise serializers.ValidationError("Ensure this field has no more than 64 characters.")
        if services._DATE_ONLY.match(text):
            try:
                day = dt.date.fromisoformat(text)
            except ValueError:
                raise serializers.ValidationError("Not a valid date.") from None
            try:
                return services.check_date(day)
            except services._Invalid as exc:
                raise serializers.ValidationError(str(exc)) from None
        try:
            return services.parse_timestamp(text)
        except services._Invalid as exc:
            raise serializers.ValidationError(str(exc)) from None

    def to_representation(self, value: dt.date) -> str:
        return value.isoformat()


DATE_RANGE = f"from {DATE_MIN} to {DATE_MAX}"
INSTANT_HELP = f"A date (YYYY-MM-DD, a whole UTC day) or an ISO 8601 time with an offset; {DATE_RANGE}"


class BoundedDateField(serializers.DateField):
    """A date within DATE_MIN..DATE_MAX (pmtool.timeframes; 400 naming the field otherwise)."""

    def to_internal_value(self, value: Any) -> dt.date:
        day = super().to_internal_value(value)
        try:
            return services.check_date(day)
        except services._Invalid as exc:
            raise serializers.ValidationError(str(exc)) from None


class SampleFilterSerializer(StrictSerializer):
    # "from" is a Python keyword: those two fields are added in get_fields().
    order = serializers.ChoiceField(choices=["asc", "desc"], required=False, default="asc")
    cursor = serializers.CharField(required=False, max_length=1000)
    page_size = serializers.IntegerField(required=False, min_value=1, max_value=1000)

    def get_fields(self) -> dict[str, serializers.Field]:
        fields = super().get_fields()
        fields["from"] = InstantField(required=False, help_text=f"From this day or time (inclusive); {DATE_RANGE}.")
        fields["to"] = InstantField(
            required=False, help_text=f"To this day (all of it) or time (inclusive); {DATE_RANGE}."
        )
        return fields

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        start, end = selectors.day_bounds(attrs.get("from"), attrs.get("to"))
        if start is not None and end is not None and start >= end:
            raise serializers.ValidationError({"to": ["Must not be before “from”."]})
        attrs["start"], attrs["end"] = start, end
        return attrs


class RangeDeleteSerializer(StrictSerializer):
    def get_fields(self) -> dict[str, serializers.Field]:
        fields = super().get_fields()
        fields["from"] = InstantField(help_text=f"From this day or time (inclusive); {DATE_RANGE}.")
        fields["to"] = InstantField(help_text=f"To this day (all of it) or time (inclusive); {DATE_RANGE}.")
        return fields

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        start, end = selectors.day_bounds(attrs["from"], attrs["to"])
        if start >= end:
            raise serializers.ValidationError({"to": ["Must not be before “from”."]})
        attrs["start"], attrs["end"] = start, end
        return attrs


class SeriesFilterSerializer(StrictSerializer):
    period = serializers.ChoiceField(choices=Period.choices, required=False, default=Period.DAY)

    def get_fields(self) -> dict[str, serializers.Field]:
        fields = super().get_fields()
        fields["from"] = BoundedDateField(required=False, help_text=f"First bucket (its day, inclusive); {DATE_RANGE}.")
        fields["to"] = BoundedDateField(required=False, help_text=f"Last bucket (its day, inclusive); {DATE_RANGE}.")
        return fields

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        period = attrs["period"]
        first, last = selectors.series_window(period, attrs.get("from"), attrs.get("to"))
        if first > last:
            raise serializers.ValidationError({"to": ["Must not be before “from”."]})
        if selectors.shift(first, period, selectors.MAX_BUCKETS[period]) <= last:
            raise serializers.ValidationError(
                {"from": [f"At most {selectors.MAX_BUCKETS[period]:,} {period} buckets per request."]}
            )
        attrs["first"], attrs["last"] = first, last
        return attrs


class RangeDeletedSerializer(serializers.Serializer):
    deleted = serializers.IntegerField(help_text="Samples deleted.")
    pending = serializers.BooleanField(help_text="The rollup has yet to run.")


class BucketSerializer(serializers.ModelSerializer):
    class Meta:
        model = MetricRollup
        fields = ("bucket", "value", "count", "min", "max")


class SeriesSerializer(serializers.Serializer):
    metric = serializers.IntegerField()
    # A plain string here: the Period choice set is a schema component of the key results already.
    period = serializers.CharField(help_text="day, week or month")
    aggregation = serializers.ChoiceField(choices=Aggregation.choices)
    unit = serializers.CharField()
    first = serializers.DateField(help_text="The first bucket of the range.")
    last = serializers.DateField(help_text="The last bucket of the range.")
    rolled_up_at = serializers.DateTimeField(allow_null=True)
    pending = serializers.BooleanField()
    buckets = BucketSerializer(many=True)


# --- parsers --------------------------------------------------------------------------


class CSVParser(parsers.BaseParser):
    """text/csv: the body is the file. Returns its bytes (read up to just past the size limit, so a
    huge body is refused without being held in memory)."""

    media_type = "text/csv"

    def parse(self, stream: Any, media_type: str | None = None, parser_context: Any = None) -> dict[str, bytes]:
        if stream is None:
            return {}
        return {"file": stream.read(services.CSV_MAX_BYTES + 1)}


# --- views ------------------------------------------------------------------------------


def _metric_status(metric: Metric) -> Metric:
    """The metric with its status annotations (read again after a write)."""
    return selectors.metric_status(metric.pk) or metric


class SampleCursorPagination(DefaultCursorPagination):
    ordering = ("ts",)  # type: ignore[assignment]  # a time identifies a metric's sample
    max_page_size = 1000


class MetricDetailView(VersionedDetailView):
    what = "metric"
    access = access_metric
    read = _metric_status
    output = MetricSerializer
    update_input = MetricUpdateSerializer
    update_service = services.metric_update
    delete_service = services.metric_delete
    target = "metric"
    delete_summary = (
        "Delete a metric with its samples (editor); needs `version` or If-Match; bound key results become unbound"
    )


def _metrics_of(product: Product) -> QuerySet[Metric]:
    return selectors.metrics_of_product(product.pk)


class MetricListView(VersionedListView):
    pagination_class = NameCursorPagination
    parent = PRODUCT
    plural = "metrics"
    detail = MetricDetailView
    output = MetricSerializer
    select = _metrics_of
    list_summary = "Metrics of a product, by name"
    create_input = MetricCreateSerializer
    create_service = services.metric_create
    read_created = False  # metric_create annotates the new metric (nothing pending)


def _unknown_fields(names: list[str], hint: str = "") -> ValidationError:
    names = [services.printable(str(n)) for n in names]
    return ValidationError(
        f"Unknown field{'s' if len(names) > 1 else ''}: {', '.join(names)}{hint}.",
        fields={name: ["Unknown field."] for name in names},
    )


def _sample_body(data: Any) -> tuple[str, Any]:
    """("one", {"ts", "value"}) or ("batch", [...]) from a request body; ValidationError otherwise."""
    if not isinstance(data, dict):
        raise ValidationError(
            'The body must be a JSON object: {"ts": …, "value": …} or {"samples": [...]}.', code="invalid"
        )
    if "samples" in data:
        unknown = sorted(set(data) - {"samples"})
        if unknown:
            raise _unknown_fields(unknown, ' (send either {"samples": [...]} or one {"ts", "value"})')
        if not isinstance(data["samples"], list):
            raise ValidationError("Samples must be a list.", fields={"samples": ["Expected a list."]})
        return "batch", data["samples"]
    unknown = sorted(set(data) - {"ts", "value"})
    if unknown:
        raise _unknown_fields(unknown)
    return "one", data


class SampleListView(ApiView):
    pagination_class = SampleCursorPagination

    @extend_schema(
        parameters=[
            OpenApiParameter("from", OpenApiTypes.STR, description=INSTANT_HELP),
            OpenApiParameter("to", OpenApiTypes.STR, description=INSTANT_HELP),
            OpenApiParameter("order", OpenApiTypes.STR, enum=["asc", "desc"], description="By time; default asc"),
            OpenApiParameter("page_size", OpenApiTypes.INT, description="1–1000, default 50"),
        ],
        responses=SampleSerializer(many=True),
        summary="Samples of a metric, by time (cursor-paginated)",
    )
    def get(self, request: Request, metric_id: int) -> Response:
        metric = access_metric(request.user, metric_id).obj
        params = validated(SampleFilterSerializer, request.query_params)
        if params["order"] == "desc" and isinstance(self.paginator, SampleCursorPagination):
            self.paginator.ordering = ("-ts",)  # type: ignore[assignment]
        return self.paginate(selectors.samples_of(metric, start=params["start"], end=params["end"]), SampleSerializer)

    @extend_schema(
        request=PolymorphicProxySerializer(
            component_name="SampleOrBatch",
            serializers=[SampleInputSerializer, SampleBatchSerializer],
            resource_type_field_name=None,
        ),
        responses={
            201: PolymorphicProxySerializer(
                component_name="SampleOrSummary",
                serializers=[SampleSerializer, IngestSummarySerializer],
                resource_type_field_name=None,
            )
        },
        summary="Add samples (editor): one {ts, value}, or {samples: [...]} with up to 10,000",
        description="A time identifies its sample: sending a time again replaces its value (a correction). "
        "Buckets follow once the rollup has run: poll the metric until `pending` is false.",
    )
    def post(self, request: Request, metric_id: int) -> Response:
        metric = access_metric(request.user, metric_id, write=True).obj
        kind, payload = _sample_body(request.data)
        actor = Actor.from_request(request)
        if kind == "one":
            sample = services.sample_add(
                actor=actor, metric=metric, ts=payload.get("ts", ""), value=payload.get("value")
            )
            return Response(SampleSerializer(sample).data, status=status.HTTP_201_CREATED)
        summary = services.samples_add(actor=actor, metric=metric, samples=payload)
        return Response(
            IngestSummarySerializer({**summary.as_dict(), "pending": True}).data, status=status.HTTP_201_CREATED
        )


class SampleRangeDeleteView(ApiView):
    @extend_schema(
        request=RangeDeleteSerializer,
        responses=RangeDeletedSerializer,
        summary="Delete the samples of a time range (editor); both ends inclusive",
        description=f"`from` and `to` are dates (a whole UTC day) or ISO 8601 times with an offset, {DATE_RANGE}.",
    )
    def post(self, request: Request, metric_id: int) -> Response:
        metric = access_metric(request.user, metric_id, write=True).obj
        params = validated(RangeDeleteSerializer, request.data)
        deleted = services.samples_delete_range(
            actor=Actor.from_request(request), metric=metric, start=params["start"], end=params["end"]
        )
        return Response(RangeDeletedSerializer({"deleted": deleted, "pending": bool(deleted)}).data)


class SampleUploadView(ApiView):
    parser_classes = (CSVParser, parsers.MultiPartParser, BoundedJSONParser)

    @extend_schema(
        request={
            "text/csv": OpenApiTypes.STR,
            "multipart/form-data": {
                "type": "object",
                "properties": {"file": {"type": "string", "format": "binary"}},
                "required": ["file"],
            },
            "application/json": {
                "type": "object",
                "properties": {"csv": {"type": "string", "description": "The CSV text"}},
                "required": ["csv"],
            },
        },
        responses={201: IngestSummarySerializer},
        summary="Upload samples as CSV (editor): header ts,value; ≤ 10,000 rows, ≤ 2 MB",
        description="The body is the CSV (Content-Type: text/csv), a multipart form with the file in `file`, "
        'or JSON `{"csv": "…"}`. '
        "Header row required: a time column (ts, time, date or timestamp) and `value`, any case, no other "
        "columns; comma or semicolon separated (with semicolons a decimal comma is accepted); UTF-8, with or "
        "without BOM. All or nothing: errors list their line numbers (the first 20) under `fields.file`.",
    )
    def post(self, request: Request, metric_id: int) -> Response:
        metric = access_metric(request.user, metric_id, write=True).obj
        content, field = _upload_bytes(request)
        try:
            summary = services.samples_import_csv(actor=Actor.from_request(request), metric=metric, content=content)
        except ValidationError as exc:
            if field != "file":  # errors name the field the CSV came in
                exc.fields = {field if k == "file" else k: v for k, v in exc.fields.items()}
            raise
        return Response(
            IngestSummarySerializer({**summary.as_dict(), "pending": True}).data, status=status.HTTP_201_CREATED
        )


def _upload_bytes(request: Request) -> tuple[bytes, str]:
    """The CSV of an upload and the field it came in: the text/csv body or the multipart file
    ("file"), or JSON {"csv": "…"} ("csv")."""
    data = request.data
    if not hasattr(data, "keys"):
        raise ValidationError('The body must be the CSV file, a multipart form, or a JSON object {"csv": "…"}.')
    unknown = sorted(set(data.keys()) - {"file", "csv"})
    if unknown:
        raise _unknown_fields(unknown)
    upload, text = data.get("file"), data.get("csv")
    if upload is not None and text is not None:
        raise ValidationError("Send the CSV once: as “file” or as “csv”.", fields={"csv": ["Send either file or csv."]})
    if isinstance(upload, UploadedFile):  # multipart
        return upload.read(services.CSV_MAX_BYTES + 1), "file"
    if isinstance(upload, bytes):  # text/csv body
        return upload, "file"
    if upload is not None:
        raise ValidationError("“file” must be an uploaded file.", fields={"file": ["Send the file as multipart."]})
    if isinstance(text, str):
        # A lone surrogate (valid JSON, not UTF-8) stays undecodable and is reported with its line.
        return text.encode("utf-8", "surrogatepass"), "csv"
    if text is not None:
        raise ValidationError("“csv” must be the CSV text.", fields={"csv": ["Expected a string."]})
    field = "csv" if request.content_type.startswith("application/json") else "file"
    raise ValidationError(
        'Send the CSV as the body (Content-Type: text/csv), as a multipart file named “file”, or as JSON {"csv": "…"}.',
        fields={field: ["A CSV file is required."]},
    )


class SampleDetailView(ApiView):
    @extend_schema(responses={204: None}, summary="Delete one sample (editor)")
    def delete(self, request: Request, metric_id: int, sample_id: int) -> Response:
        metric = access_metric(request.user, metric_id, write=True).obj
        sample = access_sample(metric, sample_id)
        services.sample_delete(actor=Actor.from_request(request), metric=metric, sample=sample)
        return no_content()


class SeriesView(ApiView):
    @extend_schema(
        parameters=[
            OpenApiParameter("period", OpenApiTypes.STR, enum=Period.values, description="Default day"),
            OpenApiParameter(
                "from",
                OpenApiTypes.DATE,
                description=f"First bucket (default: 90 days, 26 weeks or 24 months back); {DATE_RANGE}",
            ),
            OpenApiParameter(
                "to", OpenApiTypes.DATE, description=f"Last bucket (default: the current one); {DATE_RANGE}"
            ),
        ],
        responses=SeriesSerializer,
        summary="The rolled-up series of a metric: one bucket per day, week (Monday) or month (UTC)",
    )
    def get(self, request: Request, metric_id: int) -> Response:
        found = access_metric(request.user, metric_id).obj
        params = validated(SeriesFilterSerializer, request.query_params)
        metric = selectors.metric_status(metric_id) or found
        buckets = selectors.series(metric, params["period"], params["first"], params["last"])
        return Response(
            SeriesSerializer(
                {
                    "metric": metric.pk,
                    "period": params["period"],
                    "aggregation": metric.aggregation,
                    "unit": metric.unit,
                    "first": params["first"],
                    "last": params["last"],
                    "rolled_up_at": metric.rolled_up_at,
                    "pending": getattr(metric, "pending", False),
                    "buckets": buckets,
                }
            ).data
        )
