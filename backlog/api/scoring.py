"""Scorecard, scores, explanations and history endpoints. Thin: validate input → access_*
(authorise) → service or selector → serialize. Writes of versioned objects need `version` or If-Match."""

from __future__ import annotations

import datetime as dt
from functools import partial
from typing import Any

from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response

from pmtool.activity import Actor
from pmtool.api.pagination import DefaultCursorPagination
from pmtool.api.serializers import StrictSerializer
from pmtool.api.versioned import (
    IF_MATCH,
    PageFilterSerializer,
    VersionSerializer,
    body_of,
    version_field,
    versioned_delete,
    versioned_response,
    versioned_write,
    write_with_version,
)
from pmtool.api.views import ApiView, validated
from pmtool.permissions import product_access
from pmtool.timeframes import DATE_MAX, DATE_MIN

from ..explain import explain_feature
from ..models import NAME_MAX, TEXT_MAX, CriterionDirection, Feature, ScorecardCriterion
from ..permissions import access_criterion, access_feature
from ..selectors import scoring as selectors
from ..services import scorecard as services

PAGE_SIZE = OpenApiParameter("page_size", OpenApiTypes.INT, description="1–200, default 50")


class PositionPagination(DefaultCursorPagination):
    ordering = ("position", "id")


# --- criteria -------------------------------------------------------------------------------------


class CriterionSerializer(serializers.ModelSerializer):
    product = serializers.IntegerField(source="product_id", read_only=True)

    class Meta:
        model = ScorecardCriterion
        fields = (
            "id",
            "product",
            "name",
            "description",
            "weight",
            "direction",
            "scale_min",
            "scale_max",
            "position",
            "version",
            "created_at",
            "updated_at",
        )


class _CriterionFields(StrictSerializer):
    description = serializers.CharField(max_length=TEXT_MAX, allow_blank=True, trim_whitespace=False, required=False)
    weight = serializers.IntegerField(min_value=services.WEIGHT_MIN, max_value=services.WEIGHT_MAX, required=False)
    direction = serializers.ChoiceField(choices=CriterionDirection.choices, required=False)
    scale_min = serializers.IntegerField(min_value=services.SCALE_MIN, max_value=services.SCALE_MAX, required=False)
    scale_max = serializers.IntegerField(min_value=services.SCALE_MIN, max_value=services.SCALE_MAX, required=False)


class CriterionCreateSerializer(_CriterionFields):
    name = serializers.CharField(max_length=NAME_MAX)


class CriterionUpdateSerializer(_CriterionFields):
    version = version_field()
    name = serializers.CharField(max_length=NAME_MAX, required=False)


def _criterion_response(criterion: ScorecardCriterion, *, status_code: int = status.HTTP_200_OK) -> Response:
    return versioned_response(CriterionSerializer(criterion).data, criterion.version, status_code=status_code)


class CriterionListView(ApiView):
    pagination_class = PositionPagination

    @extend_schema(
        parameters=[PAGE_SIZE], responses=CriterionSerializer(many=True), summary="A product's scorecard criteria"
    )
    def get(self, request: Request, product_id: int) -> Response:
        product = product_access(request.user, product_id).obj
        validated(PageFilterSerializer, request.query_params)
        return self.paginate(ScorecardCriterion.objects.filter(product=product), CriterionSerializer)

    @extend_schema(
        request=CriterionCreateSerializer,
        responses={201: CriterionSerializer},
        summary="Add a criterion to a product's scorecard (editor); every score recomputes",
    )
    def post(self, request: Request, product_id: int) -> Response:
        product = product_access(request.user, product_id, write=True, action="change the scorecard").obj
        data = validated(CriterionCreateSerializer, request.data)
        criterion = services.criterion_create(actor=Actor.from_request(request), product=product, **data)
        return _criterion_response(criterion, status_code=status.HTTP_201_CREATED)


class CriterionDetailView(ApiView):
    @extend_schema(responses=CriterionSerializer, summary="A scorecard criterion (ETag carries its version)")
    def get(self, request: Request, criterion_id: int) -> Response:
        return _criterion_response(access_criterion(request.user, criterion_id).obj)

    @extend_schema(
        request=CriterionUpdateSerializer,
        parameters=[IF_MATCH],
        responses=CriterionSerializer,
        summary="Change a criterion (editor); needs `version` or If-Match",
        description="A new weight, direction or scale recomputes the product's scores in the background. "
        "A scale that leaves existing values outside answers 409 naming how many.",
    )
    def patch(self, request: Request, criterion_id: int) -> Response:
        criterion = access_criterion(request.user, criterion_id, write=True).obj
        return versioned_write(
            request,
            CriterionUpdateSerializer,
            partial(services.criterion_update, criterion_id=criterion.pk),
            _criterion_response,
        )

    @extend_schema(
        request=VersionSerializer,
        parameters=[IF_MATCH],
        responses={204: None},
        summary="Remove a criterion and its values (editor); needs `version` or If-Match",
    )
    def delete(self, request: Request, criterion_id: int) -> Response:
        criterion = access_criterion(request.user, criterion_id, write=True).obj
        return versioned_delete(request, partial(services.criterion_delete, criterion_id=criterion.pk))


class CriteriaOrderSerializer(StrictSerializer):
    criteria = serializers.ListField(
        child=serializers.IntegerField(min_value=1, max_value=10**18 - 1),
        max_length=services.MAX_CRITERIA,
        help_text="Every criterion id of the product, once, in the new order.",
    )


class CriteriaOrderView(ApiView):
    pagination_class = None

    @extend_schema(
        request=CriteriaOrderSerializer,
        responses=CriterionSerializer(many=True),
        summary="Reorder a product's scorecard criteria (editor)",
    )
    def put(self, request: Request, product_id: int) -> Response:
        product = product_access(request.user, product_id, write=True, action="change the scorecard").obj
        data = validated(CriteriaOrderSerializer, request.data)
        ordered = services.criteria_reorder(
            actor=Actor.from_request(request), product=product, criterion_ids=data["criteria"]
        )
        return Response(CriterionSerializer(ordered, many=True).data)


# --- a feature's scores -------------------------------------------------------------------------------


class RiceInputSerializer(serializers.Serializer):
    name = serializers.CharField()
    value = serializers.FloatField(allow_null=True)
    text = serializers.CharField()


class RiceExplanationSerializer(serializers.Serializer):
    score = serializers.FloatField(allow_null=True)
    inputs = RiceInputSerializer(many=True)
    missing = serializers.ListField(child=serializers.CharField())
    formula = serializers.CharField(help_text="e.g. 2,000 × 2 × 0.8 ÷ 4 = 800; empty without a score")
    text = serializers.CharField()


class CriterionPartSerializer(serializers.Serializer):
    criterion_id = serializers.IntegerField()
    name = serializers.CharField()
    value = serializers.IntegerField(allow_null=True)
    scale_min = serializers.IntegerField()
    scale_max = serializers.IntegerField()
    direction = serializers.ChoiceField(choices=CriterionDirection.choices)
    weight = serializers.IntegerField()
    normalised = serializers.FloatField(allow_null=True, help_text="0–1, 1 being best")
    points = serializers.FloatField(allow_null=True, help_text="Its weighted part of the 0–100 score")
    share = serializers.FloatField(allow_null=True, help_text="Its share of the total, 0–1")
    text = serializers.CharField()


class ScorecardExplanationSerializer(serializers.Serializer):
    score = serializers.FloatField(allow_null=True)
    parts = CriterionPartSerializer(many=True)
    missing = serializers.ListField(child=serializers.CharField())
    formula = serializers.CharField()
    text = serializers.CharField()


class ExplanationSerializer(serializers.Serializer):
    rice = RiceExplanationSerializer()
    scorecard = ScorecardExplanationSerializer()
    moscow = serializers.CharField(allow_null=True)
    lines = serializers.ListField(child=serializers.CharField())
    text = serializers.CharField()


class FeatureScoresSerializer(serializers.Serializer):
    feature = serializers.IntegerField()
    version = serializers.IntegerField()
    rice_score = serializers.FloatField(allow_null=True)
    scorecard_score = serializers.FloatField(allow_null=True)
    moscow = serializers.CharField(allow_blank=True)
    values = serializers.DictField(child=serializers.IntegerField(), help_text="Criterion id → value")
    explanation = ExplanationSerializer()


def _scores_response(feature: Feature) -> Response:
    feature.refresh_from_db(fields=["version", "rice_score", "scorecard_score", "moscow"])
    explanation = explain_feature(feature)
    values = {str(p.criterion_id): p.value for p in explanation.scorecard.parts if p.value is not None}
    data = {
        "feature": feature.pk,
        "version": feature.version,
        "rice_score": feature.rice_score,
        "scorecard_score": feature.scorecard_score,
        "moscow": feature.moscow,
        "values": values,
        "explanation": explanation.as_dict(),
    }
    return versioned_response(FeatureScoresSerializer(data).data, feature.version)


class FeatureScoresView(ApiView):
    @extend_schema(
        responses=FeatureScoresSerializer,
        summary="A feature's scores and how each is made (structured and as text)",
    )
    def get(self, request: Request, feature_id: int) -> Response:
        return _scores_response(access_feature(request.user, feature_id).obj)


class CriterionValuesSerializer(StrictSerializer):
    version = version_field()
    values = serializers.DictField(
        child=serializers.IntegerField(allow_null=True, min_value=services.SCALE_MIN, max_value=services.SCALE_MAX),
        help_text='Criterion id → value on its scale; null removes it. E.g. {"12": 4, "13": null}.',
    )

    def validate_values(self, values: dict[str, int | None]) -> dict[int, int | None]:
        if len(values) > services.MAX_CRITERIA:
            raise serializers.ValidationError(f"At most {services.MAX_CRITERIA} criteria.")
        cleaned: dict[int, int | None] = {}
        for key, value in values.items():
            if not (key.isascii() and key.isdigit() and 0 < len(key) <= 18 and int(key) > 0):
                raise serializers.ValidationError(f"“{key[:20]}” is not a criterion id.")
            cleaned[int(key)] = value
        return cleaned


class FeatureCriterionValuesView(ApiView):
    @extend_schema(
        request=CriterionValuesSerializer,
        parameters=[IF_MATCH],
        responses=FeatureScoresSerializer,
        summary="Set a feature's scorecard values (editor); needs `version` or If-Match",
        description="The answer carries the feature's new scores and version.",
    )
    def put(self, request: Request, feature_id: int) -> Response:
        feature = access_feature(request.user, feature_id, write=True).obj
        data = body_of(validated(CriterionValuesSerializer, request.data))
        actor = Actor.from_request(request)
        return write_with_version(
            request,
            data,
            lambda version: services.feature_values_set(
                actor=actor, feature_id=feature.pk, version=version, values=data["values"]
            ),
            _scores_response,
        )


# --- history -------------------------------------------------------------------------------------------


class HistoryRowSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    at = serializers.DateTimeField(source="created_at")
    cause = serializers.CharField(source="event.cause")
    cause_label = serializers.CharField(source="event.get_cause_display")
    by = serializers.CharField(source="event.actor_label")
    detail = serializers.JSONField(source="event.detail")
    rice_score = serializers.FloatField(allow_null=True)
    scorecard_score = serializers.FloatField(allow_null=True)
    rank = serializers.CharField()


class FeatureScoreHistoryView(ApiView):
    @extend_schema(
        parameters=[PAGE_SIZE],
        responses=HistoryRowSerializer(many=True),
        summary="A feature's score and rank history, newest first: when, who or what, why, the scores after",
    )
    def get(self, request: Request, feature_id: int) -> Response:
        feature = access_feature(request.user, feature_id).obj
        validated(PageFilterSerializer, request.query_params)
        return self.paginate(selectors.score_history_of(feature), HistoryRowSerializer)


class WhyMovedQuerySerializer(StrictSerializer):
    # `from` is a keyword: declared through the fields mapping below
    to = serializers.DateTimeField(required=False, help_text="Default: now")

    def get_fields(self) -> dict[str, serializers.Field]:
        fields = super().get_fields()
        fields["from"] = serializers.DateTimeField(required=False, help_text="Default: a week before `to`")
        return fields

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        for name in ("from", "to"):
            value = attrs.get(name)
            if value is not None and not (DATE_MIN <= value.date() <= DATE_MAX):
                raise serializers.ValidationError({name: [f"A time between {DATE_MIN} and {DATE_MAX}."]})
        return attrs


class PointSerializer(serializers.Serializer):
    at = serializers.DateTimeField()
    recorded = serializers.BooleanField(help_text="False: nothing was recorded for it by then")
    rice_score = serializers.FloatField(allow_null=True)
    scorecard_score = serializers.FloatField(allow_null=True)
    rank = serializers.CharField(allow_null=True)


class ReasonSerializer(serializers.Serializer):
    at = serializers.DateTimeField()
    cause = serializers.CharField()
    text = serializers.CharField()


class WhyMovedSerializer(serializers.Serializer):
    start = PointSerializer()
    end = PointSerializer()
    reasons = ReasonSerializer(many=True)
    summary = serializers.CharField()


def why_window(params: dict[str, Any]) -> tuple[dt.datetime, dt.datetime]:
    """The two times of a "why did this move?" question: defaults a week ago and now."""
    end = params.get("to") or timezone.now()
    start = params.get("from") or end - dt.timedelta(days=7)
    return start, end


class FeatureWhyMovedView(ApiView):
    @extend_schema(
        parameters=[
            OpenApiParameter("from", OpenApiTypes.DATETIME, description="ISO 8601; default a week before `to`"),
            OpenApiParameter("to", OpenApiTypes.DATETIME, description="ISO 8601; default now"),
        ],
        responses=WhyMovedSerializer,
        summary="Why did this feature's scores or rank move between two times?",
    )
    def get(self, request: Request, feature_id: int) -> Response:
        feature = access_feature(request.user, feature_id).obj
        params = validated(WhyMovedQuerySerializer, request.query_params)
        start, end = why_window(params)
        answer = selectors.why_moved(feature, start, end)
        return Response(WhyMovedSerializer(answer).data)
