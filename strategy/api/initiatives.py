"""Initiative endpoints. Thin: validate input → access_* (authorise) → service or selector →
serialize. Writes need `version` or If-Match."""

from __future__ import annotations

from typing import Any

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema_field
from rest_framework import serializers

from pmtool.api.serializers import StrictSerializer
from pmtool.api.versioned import (
    PAGE_SIZE,
    WORKSPACE,
    PageFilterSerializer,
    VersionedDetailView,
    VersionedListView,
    version_field,
)
from pmtool.timeframes import quarter_of

from ..models import (
    TEXT_MAX,
    TITLE_MAX,
    Initiative,
    InitiativeStatus,
)
from ..permissions import access_initiative
from ..selectors import initiatives as selectors
from ..services import initiatives as services
from .goals import (
    TitlePagination,
    _arguments,
    _id_field,
    _product_arguments,
    _product_filter,
    _text_field,
)

# --- serializers: initiatives ----------------------------------------------------------


class InitiativeSerializer(serializers.ModelSerializer):
    workspace = serializers.IntegerField(source="workspace_id", read_only=True)
    product = serializers.IntegerField(source="product_id", read_only=True, allow_null=True)
    quarter = serializers.SerializerMethodField()
    goals = serializers.SerializerMethodField(help_text="Ids of the goals it serves.")
    progress = serializers.FloatField(
        read_only=True, allow_null=True, help_text="0–100: its features' done share; empty without counted features."
    )
    features_done = serializers.IntegerField(read_only=True, help_text="Its features in a done status.")
    features_counted = serializers.IntegerField(
        read_only=True, help_text="Its features counted (won't-do ones are not)."
    )

    class Meta:
        model = Initiative
        fields = (
            "id",
            "workspace",
            "product",
            "title",
            "description",
            "colour",
            "status",
            "start_date",
            "end_date",
            "quarter",
            "goals",
            "progress",
            "features_done",
            "features_counted",
            "version",
            "created_at",
            "updated_at",
        )

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_quarter(self, initiative: Initiative) -> str | None:
        return quarter_of(initiative.start_date, initiative.end_date)

    @extend_schema_field(serializers.ListField(child=serializers.IntegerField()))
    def get_goals(self, initiative: Initiative) -> list[int]:
        return [goal.pk for goal in initiative.goals.all()]


class _InitiativeFields(StrictSerializer):
    description = _text_field(TEXT_MAX, required=False, help_text="Markdown.")
    colour = serializers.RegexField(r"^#[0-9a-fA-F]{6}$", max_length=7, required=False, help_text="#rrggbb")
    status = serializers.ChoiceField(choices=InitiativeStatus.choices, required=False)
    quarter = serializers.CharField(max_length=10, required=False, allow_null=True, allow_blank=True)
    start_date = serializers.DateField(required=False, allow_null=True)
    end_date = serializers.DateField(required=False, allow_null=True)
    product = _id_field(required=False, allow_null=True, help_text="Empty: a workspace-wide initiative.")
    goals = serializers.ListField(
        child=_id_field(), required=False, max_length=services.MAX_GOALS_PER_INITIATIVE, help_text="Goal ids."
    )


class InitiativeCreateSerializer(_InitiativeFields):
    title = serializers.CharField(max_length=TITLE_MAX)


class InitiativeUpdateSerializer(_InitiativeFields):
    version = version_field()
    title = serializers.CharField(max_length=TITLE_MAX, required=False)


class InitiativeFilterSerializer(PageFilterSerializer):
    product = _product_filter()
    status = serializers.ChoiceField(choices=InitiativeStatus.choices, required=False)
    goal = _id_field(required=False)


class InitiativeDetailView(VersionedDetailView):
    what = "initiative"
    access = access_initiative
    read = selectors.initiative_detail
    output = InitiativeSerializer
    update_input = InitiativeUpdateSerializer
    update_service = services.initiative_update
    delete_service = services.initiative_delete
    arguments = _arguments
    update_description = "`goals` replaces the goals it serves."


def _initiative_filters(query: dict[str, Any]) -> dict[str, Any]:
    return {
        **_product_arguments(query.get("product")),
        "status": query.get("status"),
        "goal_id": query.get("goal"),
    }


class InitiativeListView(VersionedListView):
    pagination_class = TitlePagination
    parent = WORKSPACE
    plural = "initiatives"
    detail = InitiativeDetailView
    output = InitiativeSerializer
    select = selectors.initiatives_of
    filters = InitiativeFilterSerializer
    filter_arguments = _initiative_filters
    parameters = [
        OpenApiParameter("product", OpenApiTypes.STR, description="A product id, or 'company' (workspace-wide)"),
        OpenApiParameter("status", OpenApiTypes.STR, enum=InitiativeStatus.values),
        OpenApiParameter("goal", OpenApiTypes.INT, description="Initiatives serving this goal"),
        PAGE_SIZE,
    ]
    list_summary = "Initiatives of a workspace, by title"
    create_input = InitiativeCreateSerializer
    create_service = services.initiative_create
    arguments = _arguments
