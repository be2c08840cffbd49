"""Goal, key result and initiative endpoints. Thin: validate input → access_* (authorise) →
service or selector → serialize. Writes of versioned objects need `version` or If-Match."""

from __future__ import annotations

import math
from typing import Any

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response

from pmtool.activity import Actor
from pmtool.api.pagination import DefaultCursorPagination
from pmtool.api.serializers import MAX_ID, StrictSerializer, UserBriefSerializer
from pmtool.api.versioned import (
    PAGE_SIZE,
    WORKSPACE,
    PageFilterSerializer,
    VersionedDetailView,
    VersionedListView,
    version_field,
)
from pmtool.api.views import ApiView, validated
from pmtool.cleaning import NUMBER_LIMIT
from pmtool.timeframes import quarter_of

from ..models import (
    TEXT_MAX,
    TITLE_MAX,
    Direction,
    Goal,
    GoalStatus,
    KeyResult,
    KeyResultKind,
    ManualGoalStatus,
    Period,
    StatusSource,
)
from ..permissions import access_goal, access_key_result
from ..selectors import goals as selectors
from ..services import goals as services

# --- fields ---------------------------------------------------------------------------


class NumberField(serializers.FloatField):
    """A JSON number (not a string, not a boolean), finite and within ±10^15."""

    default_error_messages = {
        **serializers.FloatField.default_error_messages,
        "invalid": "A number is required.",
        "range": "A finite number between -10^15 and 10^15.",
    }

    def to_internal_value(self, data: Any) -> float:
        if isinstance(data, bool) or not isinstance(data, int | float):
            self.fail("invalid")
        try:
            value = float(data)
        except OverflowError:
            self.fail("range")
        if not math.isfinite(value) or abs(value) > NUMBER_LIMIT:
            self.fail("range")
        return value


def _id_field(**kwargs: Any) -> serializers.IntegerField:
    return serializers.IntegerField(min_value=1, max_value=MAX_ID, **kwargs)


def _text_field(max_length: int, **kwargs: Any) -> serializers.CharField:
    return serializers.CharField(max_length=max_length, allow_blank=True, trim_whitespace=False, **kwargs)


def _product_filter() -> serializers.RegexField:
    """`product=<id>` or `product=company` (no product)."""
    return serializers.RegexField(
        r"^(?:company|[1-9][0-9]{0,17})\Z",
        max_length=30,
        required=False,
        error_messages={"invalid": "A product id, or 'company' for those without a product."},
    )


def _product_arguments(value: str | None) -> dict[str, Any]:
    if value == "company":
        return {"company": True}
    return {"product_id": int(value) if value else None}


# --- serializers: goals ----------------------------------------------------------------


class KeyResultSerializer(serializers.ModelSerializer):
    goal = serializers.IntegerField(source="goal_id", read_only=True)
    metric = serializers.IntegerField(source="metric_id", read_only=True, allow_null=True)
    metric_name = serializers.SerializerMethodField()
    progress = serializers.FloatField(read_only=True, allow_null=True, help_text="0–100; empty without values.")

    class Meta:
        model = KeyResult
        fields = (
            "id",
            "goal",
            "title",
            "kind",
            "unit",
            "direction",
            "baseline",
            "target",
            "current",
            "current_updated_at",
            "metric",
            "metric_name",
            "metric_period",
            "percent",
            "weight",
            "position",
            "progress",
            "version",
            "created_at",
            "updated_at",
        )

    def get_metric_name(self, key_result: KeyResult) -> str | None:
        return key_result.metric.name if key_result.metric else None


class GoalSerializer(serializers.ModelSerializer):
    workspace = serializers.IntegerField(source="workspace_id", read_only=True)
    product = serializers.IntegerField(source="product_id", read_only=True, allow_null=True)
    parent = serializers.IntegerField(source="parent_id", read_only=True, allow_null=True)  # type: ignore[assignment]  # the stubs type Field.parent (a field's serializer)
    owner = UserBriefSerializer(read_only=True, allow_null=True)
    quarter = serializers.SerializerMethodField(help_text="The quarter the dates span exactly, e.g. 2026-Q4.")
    expected_progress = serializers.SerializerMethodField(
        help_text="Where progress should be by today from the time frame (0–100), empty without dates."
    )

    class Meta:
        model = Goal
        fields: tuple[str, ...] = (
            "id",
            "workspace",
            "product",
            "parent",
            "title",
            "description",
            "owner",
            "start_date",
            "end_date",
            "quarter",
            "status",
            "status_source",
            "progress",
            "expected_progress",
            "progress_updated_at",
            "version",
            "created_at",
            "updated_at",
        )

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_quarter(self, goal: Goal) -> str | None:
        return quarter_of(goal.start_date, goal.end_date)

    @extend_schema_field(serializers.FloatField(allow_null=True))
    def get_expected_progress(self, goal: Goal) -> float | None:
        expected = goal.expected_progress()
        return None if expected is None else round(expected, 2)


class GoalDetailSerializer(GoalSerializer):
    key_results = KeyResultSerializer(many=True, read_only=True)
    children = serializers.SerializerMethodField(help_text="Ids of the child goals.")
    initiatives = serializers.SerializerMethodField(help_text="Ids of the initiatives serving this goal.")

    class Meta(GoalSerializer.Meta):
        fields = (*GoalSerializer.Meta.fields, "key_results", "children", "initiatives")

    @extend_schema_field(serializers.ListField(child=serializers.IntegerField()))
    def get_children(self, goal: Goal) -> list[int]:
        return [child.pk for child in goal.children.all()]

    @extend_schema_field(serializers.ListField(child=serializers.IntegerField()))
    def get_initiatives(self, goal: Goal) -> list[int]:
        return [initiative.pk for initiative in goal.initiatives.all()]


class _GoalFields(StrictSerializer):
    description = _text_field(TEXT_MAX, required=False, help_text="Markdown.")
    owner = _id_field(required=False, allow_null=True, help_text="A member's user id.")
    product = _id_field(required=False, allow_null=True, help_text="Empty: a company goal.")
    parent = _id_field(required=False, allow_null=True, help_text="A company goal that is not itself a child.")  # type: ignore[assignment]
    quarter = serializers.CharField(
        max_length=10, required=False, allow_null=True, allow_blank=True, help_text="e.g. 2026-Q4 (sets both dates)."
    )
    start_date = serializers.DateField(required=False, allow_null=True)
    end_date = serializers.DateField(required=False, allow_null=True)
    status = serializers.ChoiceField(
        choices=ManualGoalStatus.choices,
        required=False,
        help_text="Setting a status by hand makes status_source manual ('nothing measured' statuses are derived only).",
    )
    status_source = serializers.ChoiceField(choices=StatusSource.choices, required=False)


class GoalCreateSerializer(_GoalFields):
    title = serializers.CharField(max_length=TITLE_MAX)


class GoalUpdateSerializer(_GoalFields):
    version = version_field()
    title = serializers.CharField(max_length=TITLE_MAX, required=False)


class _KeyResultFields(StrictSerializer):
    unit = _text_field(40, required=False)
    direction = serializers.ChoiceField(choices=Direction.choices, required=False)
    baseline = NumberField(required=False, allow_null=True)
    target = NumberField(required=False, allow_null=True)
    current = NumberField(required=False, allow_null=True, help_text="Read-only while bound to a metric.")
    metric = _id_field(
        required=False, allow_null=True, help_text="A metric of the goal's product (company goals: any)."
    )
    metric_period = serializers.ChoiceField(choices=Period.choices, required=False)
    percent = NumberField(required=False, allow_null=True, help_text="Manual key results: 0–100.")
    weight = serializers.IntegerField(required=False, min_value=1, max_value=100)


class KeyResultCreateSerializer(_KeyResultFields):
    title = serializers.CharField(max_length=TITLE_MAX)
    kind = serializers.ChoiceField(choices=KeyResultKind.choices, default=KeyResultKind.METRIC)


class KeyResultUpdateSerializer(_KeyResultFields):
    version = version_field()
    title = serializers.CharField(max_length=TITLE_MAX, required=False)
    kind = serializers.ChoiceField(choices=KeyResultKind.choices, required=False)


class GoalFilterSerializer(PageFilterSerializer):
    product = _product_filter()
    status = serializers.ChoiceField(choices=GoalStatus.choices, required=False)
    parent = _id_field(required=False)  # type: ignore[assignment]


class TitlePagination(DefaultCursorPagination):
    ordering = ("title", "id")


# Request field → service argument.
_RENAMES = {
    "owner": "owner_id",
    "product": "product_id",
    "parent": "parent_id",
    "metric": "metric_id",
    "goals": "goal_ids",
}


def _arguments(data: dict[str, Any]) -> dict[str, Any]:
    return {_RENAMES.get(name, name): value for name, value in data.items()}


# --- goals --------------------------------------------------------------------------------


class GoalDetailView(VersionedDetailView):
    what = "goal"
    access = access_goal
    read = selectors.goal_detail
    output = GoalDetailSerializer
    update_input = GoalUpdateSerializer
    update_service = services.goal_update
    delete_service = services.goal_delete
    arguments = _arguments
    read_summary = "A goal with its key results (ETag carries its version)"
    update_description = (
        "Fields you leave out stay as they are; null clears owner, product, parent and dates. "
        "`progress` and a derived `status` are computed by the rollup and cannot be written."
    )
    delete_summary = "Delete a goal and its key results (editor); needs `version` or If-Match"


def _goal_filters(query: dict[str, Any]) -> dict[str, Any]:
    return {
        **_product_arguments(query.get("product")),
        "status": query.get("status"),
        "parent_id": query.get("parent"),
    }


class GoalListView(VersionedListView):
    pagination_class = TitlePagination
    parent = WORKSPACE
    plural = "goals"
    detail = GoalDetailView
    output = GoalSerializer
    select = selectors.goals_of
    filters = GoalFilterSerializer
    filter_arguments = _goal_filters
    parameters = [
        OpenApiParameter("product", OpenApiTypes.STR, description="A product id, or 'company'"),
        OpenApiParameter("status", OpenApiTypes.STR, enum=GoalStatus.values),
        OpenApiParameter("parent", OpenApiTypes.INT, description="Children of this goal"),
        PAGE_SIZE,
    ]
    list_summary = "Goals of a workspace, by title"
    create_input = GoalCreateSerializer
    create_service = services.goal_create
    arguments = _arguments
    create_summary = "Create a goal (editor): a company goal, or a product goal with `product`"


# --- key results -----------------------------------------------------------------------------


def _key_result_detail(key_result: KeyResult) -> KeyResult:
    return selectors.key_result_detail(key_result.pk)


class KeyResultListView(ApiView):
    pagination_class = None

    @extend_schema(responses=KeyResultSerializer(many=True), summary="Key results of a goal, in order")
    def get(self, request: Request, goal_id: int) -> Response:
        goal = access_goal(request.user, goal_id).obj
        return Response(KeyResultSerializer(selectors.key_results_of(goal), many=True).data)

    @extend_schema(
        request=KeyResultCreateSerializer,
        responses={201: KeyResultSerializer},
        summary="Add a key result to a goal (editor)",
        description="Measured (`kind` metric): baseline and target, moving up (target > baseline) or down "
        "(target < baseline); `current` typed, or read from a bound `metric` (its latest `metric_period` "
        "bucket). Manual: a `percent` from 0 to 100.",
    )
    def post(self, request: Request, goal_id: int) -> Response:
        goal = access_goal(request.user, goal_id, write=True).obj
        data = validated(KeyResultCreateSerializer, request.data)
        key_result = services.key_result_create(actor=Actor.from_request(request), goal=goal, **_arguments(data))
        return KeyResultDetailView.respond(key_result, status_code=status.HTTP_201_CREATED)


class KeyResultDetailView(VersionedDetailView):
    what = "key result"
    access = access_key_result
    read = _key_result_detail
    output = KeyResultSerializer
    update_input = KeyResultUpdateSerializer
    update_service = services.key_result_update
    delete_service = services.key_result_delete
    arguments = _arguments
