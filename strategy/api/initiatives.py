"""Initiative endpoints. Thin: validate input → access_* (authorise) → service or selector →
serialize. Writes need `version` or If-Match."""

from __future__ import annotations

from functools import partial

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response

from pmtool.activity import Actor
from pmtool.api.serializers import StrictSerializer
from pmtool.api.versioned import (
    IF_MATCH,
    PageFilterSerializer,
    VersionSerializer,
    version_field,
    versioned_delete,
    versioned_response,
    versioned_write,
)
from pmtool.api.views import ApiView, validated
from pmtool.models import Role
from pmtool.permissions import access_workspace
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
    PAGE_SIZE,
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


def _initiative_response(initiative: Initiative, *, status_code: int = status.HTTP_200_OK) -> Response:
    detailed = selectors.initiative_detail(initiative)
    return versioned_response(InitiativeSerializer(detailed).data, detailed.version, status_code=status_code)


class InitiativeListView(ApiView):
    pagination_class = TitlePagination

    @extend_schema(
        parameters=[
            OpenApiParameter("product", OpenApiTypes.STR, description="A product id, or 'company' (workspace-wide)"),
            OpenApiParameter("status", OpenApiTypes.STR, enum=InitiativeStatus.values),
            OpenApiParameter("goal", OpenApiTypes.INT, description="Initiatives serving this goal"),
            PAGE_SIZE,
        ],
        responses=InitiativeSerializer(many=True),
        summary="Initiatives of a workspace, by title",
    )
    def get(self, request: Request, workspace_id: int) -> Response:
        workspace = access_workspace(request.user, workspace_id=workspace_id)
        params = validated(InitiativeFilterSerializer, request.query_params)
        initiatives = selectors.initiatives_of(
            workspace,
            **_product_arguments(params.get("product")),
            status=params.get("status"),
            goal_id=params.get("goal"),
        )
        return self.paginate(initiatives, InitiativeSerializer)

    @extend_schema(
        request=InitiativeCreateSerializer,
        responses={201: InitiativeSerializer},
        summary="Create an initiative (editor)",
    )
    def post(self, request: Request, workspace_id: int) -> Response:
        workspace = access_workspace(
            request.user, workspace_id=workspace_id, minimum=Role.EDITOR, what="create initiatives"
        )
        data = validated(InitiativeCreateSerializer, request.data)
        initiative = services.initiative_create(
            actor=Actor.from_request(request), workspace=workspace, **_arguments(data)
        )
        return _initiative_response(initiative, status_code=status.HTTP_201_CREATED)


class InitiativeDetailView(ApiView):
    @extend_schema(responses=InitiativeSerializer, summary="An initiative (ETag carries its version)")
    def get(self, request: Request, initiative_id: int) -> Response:
        return _initiative_response(access_initiative(request.user, initiative_id).obj)

    @extend_schema(
        request=InitiativeUpdateSerializer,
        parameters=[IF_MATCH],
        responses=InitiativeSerializer,
        summary="Change an initiative (editor); needs `version` or If-Match",
        description="`goals` replaces the goals it serves.",
    )
    def patch(self, request: Request, initiative_id: int) -> Response:
        initiative = access_initiative(request.user, initiative_id, write=True).obj
        return versioned_write(
            request,
            InitiativeUpdateSerializer,
            partial(services.initiative_update, initiative_id=initiative.pk),
            _initiative_response,
            arguments=_arguments,
        )

    @extend_schema(
        request=VersionSerializer,
        parameters=[IF_MATCH],
        responses={204: None},
        summary="Delete an initiative (editor); needs `version` or If-Match",
    )
    def delete(self, request: Request, initiative_id: int) -> Response:
        initiative = access_initiative(request.user, initiative_id, write=True).obj
        return versioned_delete(request, partial(services.initiative_delete, initiative_id=initiative.pk))
