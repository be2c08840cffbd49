"""Endpoints of the plan: statuses (workspace), releases (product), teams (workspace) and a
product's backlog settings. Thin: validate input → access_* (authorise) → service or selector →
serialize. Updates and deletes need `version` or If-Match.

Statuses are the workspace's vocabulary: every member reads them, only admins change them."""

from __future__ import annotations

from functools import partial
from typing import Any

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response

from pmtool.activity import Actor
from pmtool.api.pagination import DefaultCursorPagination, NameCursorPagination
from pmtool.api.serializers import MAX_ID, StrictSerializer, UserBriefSerializer
from pmtool.api.versioned import (
    IF_MATCH,
    PAGE_SIZE,
    PRODUCT,
    WORKSPACE,
    PageFilterSerializer,
    VersionedDetailView,
    VersionedListView,
    VersionSerializer,
    version_field,
    versioned_response,
    versioned_write,
)
from pmtool.api.views import ApiView, validated
from pmtool.models import Role
from pmtool.permissions import access_workspace, product_access

from ..models import (
    CAPACITY_MAX,
    NAME_MAX,
    TEXT_MAX,
    BacklogSettings,
    FeatureStatus,
    Framework,
    Release,
    ReleaseStatus,
    StatusCategory,
    Team,
)
from ..permissions import access_release, access_status, access_team
from ..selectors import plan as selectors
from ..services import releases as release_services
from ..services import settings as settings_services
from ..services import statuses as status_services
from ..services import teams as team_services


def _id_field(**kwargs: Any) -> serializers.IntegerField:
    return serializers.IntegerField(min_value=1, max_value=MAX_ID, **kwargs)


def _text_field(max_length: int, **kwargs: Any) -> serializers.CharField:
    return serializers.CharField(max_length=max_length, allow_blank=True, trim_whitespace=False, **kwargs)


def _colour_field(**kwargs: Any) -> serializers.RegexField:
    return serializers.RegexField(r"^#[0-9a-fA-F]{6}\Z", max_length=7, help_text="#rrggbb", **kwargs)


def _renamed(renames: dict[str, str]) -> Any:
    def arguments(data: dict[str, Any]) -> dict[str, Any]:
        return {renames.get(key, key): value for key, value in data.items()}

    return arguments


# --- statuses ---------------------------------------------------------------------------


class StatusSerializer(serializers.ModelSerializer):
    workspace = serializers.IntegerField(source="workspace_id", read_only=True)
    feature_count = serializers.IntegerField(read_only=True, help_text="Features with this status.")

    class Meta:
        model = FeatureStatus
        fields = (
            "id",
            "workspace",
            "name",
            "colour",
            "category",
            "position",
            "feature_count",
            "version",
            "created_at",
            "updated_at",
        )


class StatusCreateSerializer(StrictSerializer):
    name = serializers.CharField(max_length=NAME_MAX)
    colour = _colour_field(required=False)
    category = serializers.ChoiceField(choices=StatusCategory.choices, required=False)


class StatusUpdateSerializer(StrictSerializer):
    version = version_field()
    name = serializers.CharField(max_length=NAME_MAX, required=False)
    colour = _colour_field(required=False)
    category = serializers.ChoiceField(choices=StatusCategory.choices, required=False)
    position = serializers.IntegerField(
        min_value=0, max_value=1000, required=False, help_text="Its 0-based place in the list (past the end: last)."
    )


class StatusDeleteSerializer(VersionSerializer):
    replacement = _id_field(
        required=False, allow_null=True, help_text="A status to move the features that use this one to."
    )


class PositionPagination(DefaultCursorPagination):
    ordering = ("position", "id")


def _status_response(found: FeatureStatus, *, status_code: int = status.HTTP_200_OK) -> Response:
    detailed = selectors.status_detail(found)
    return versioned_response(StatusSerializer(detailed).data, detailed.version, status_code=status_code)


class StatusListView(ApiView):
    pagination_class = PositionPagination

    @extend_schema(
        parameters=[PAGE_SIZE],
        responses=StatusSerializer(many=True),
        summary="Feature statuses of a workspace, in order",
    )
    def get(self, request: Request, workspace_id: int) -> Response:
        workspace = access_workspace(request.user, workspace_id=workspace_id)
        validated(PageFilterSerializer, request.query_params)
        return self.paginate(selectors.statuses_of(workspace), StatusSerializer)

    @extend_schema(
        request=StatusCreateSerializer,
        responses={201: StatusSerializer},
        summary="Create a status at the end of the list (admin)",
    )
    def post(self, request: Request, workspace_id: int) -> Response:
        workspace = access_workspace(
            request.user, workspace_id=workspace_id, minimum=Role.ADMIN, what="change statuses"
        )
        data = validated(StatusCreateSerializer, request.data)
        created = status_services.status_create(actor=Actor.from_request(request), workspace=workspace, **data)
        return _status_response(created, status_code=status.HTTP_201_CREATED)


class StatusDetailView(ApiView):
    @extend_schema(responses=StatusSerializer, summary="A feature status (ETag carries its version)")
    def get(self, request: Request, status_id: int) -> Response:
        return _status_response(access_status(request.user, status_id).obj)

    @extend_schema(
        request=StatusUpdateSerializer,
        parameters=[IF_MATCH],
        responses=StatusSerializer,
        summary="Rename, recolour, re-categorise or move a status (admin); needs `version` or If-Match",
        description="The last status in the backlog category keeps its category.",
    )
    def patch(self, request: Request, status_id: int) -> Response:
        found = access_status(request.user, status_id, write=True).obj
        return versioned_write(
            request,
            StatusUpdateSerializer,
            partial(status_services.status_update, status_id=found.pk),
            _status_response,
        )

    @extend_schema(
        request=StatusDeleteSerializer,
        parameters=[IF_MATCH],
        responses={204: None},
        summary="Delete a status (admin); needs `version` or If-Match",
        description=(
            "A status that features use is refused (409, code `status_in_use`) unless `replacement` names "
            "another status of the workspace: its features move there in one update. The last backlog "
            "status is never deleted (409)."
        ),
    )
    def delete(self, request: Request, status_id: int) -> Response:
        found = access_status(request.user, status_id, write=True).obj
        return versioned_write(
            request,
            StatusDeleteSerializer,
            partial(status_services.status_delete, status_id=found.pk),
            lambda _: Response(status=status.HTTP_204_NO_CONTENT),
            arguments=_renamed({"replacement": "replacement_id"}),
        )


# --- releases -----------------------------------------------------------------------------


class ReleaseSerializer(serializers.ModelSerializer):
    product = serializers.IntegerField(source="product_id", read_only=True)
    feature_counts = serializers.SerializerMethodField(
        help_text="Its features (not archived) per status category, and `total`."
    )

    class Meta:
        model = Release
        fields = (
            "id",
            "product",
            "name",
            "description",
            "status",
            "start_date",
            "release_date",
            "feature_counts",
            "version",
            "created_at",
            "updated_at",
        )

    @extend_schema_field(serializers.DictField(child=serializers.IntegerField()))
    def get_feature_counts(self, release: Release) -> dict[str, int]:
        counts = {category: getattr(release, name, 0) for name, category in selectors.CATEGORY_COUNTS.items()}
        return {**counts, "total": getattr(release, "features_total", 0)}


class _ReleaseFields(StrictSerializer):
    description = _text_field(TEXT_MAX, required=False, help_text="Markdown.")
    status = serializers.ChoiceField(choices=ReleaseStatus.choices, required=False)
    start_date = serializers.DateField(required=False, allow_null=True)
    release_date = serializers.DateField(required=False, allow_null=True, help_text="On or after the start date.")


class ReleaseCreateSerializer(_ReleaseFields):
    name = serializers.CharField(max_length=NAME_MAX)


class ReleaseUpdateSerializer(_ReleaseFields):
    version = version_field()
    name = serializers.CharField(max_length=NAME_MAX, required=False)


class ReleaseFilterSerializer(PageFilterSerializer):
    status = serializers.ChoiceField(choices=ReleaseStatus.choices, required=False)


class ReleaseDetailView(VersionedDetailView):
    what = "release"
    access = access_release
    output = ReleaseSerializer
    read = selectors.release_detail
    update_input = ReleaseUpdateSerializer
    update_service = release_services.release_update
    delete_service = release_services.release_delete
    delete_summary = "Delete a release (editor); needs `version` or If-Match. Its features stay, without a release."


def _release_filters(query: dict[str, Any]) -> dict[str, Any]:
    return {"status": query.get("status")}


class ReleaseListView(VersionedListView):
    pagination_class = NameCursorPagination
    parent = PRODUCT
    plural = "releases"
    detail = ReleaseDetailView
    output = ReleaseSerializer
    select = selectors.releases_of
    filters = ReleaseFilterSerializer
    filter_arguments = _release_filters
    parameters = [OpenApiParameter("status", OpenApiTypes.STR, enum=ReleaseStatus.values), PAGE_SIZE]
    list_summary = "Releases of a product, by name, with feature counts per status category"
    create_input = ReleaseCreateSerializer
    create_service = release_services.release_create


# --- teams ------------------------------------------------------------------------------------


class TeamSerializer(serializers.ModelSerializer):
    workspace = serializers.IntegerField(source="workspace_id", read_only=True)
    capacity = serializers.DecimalField(
        max_digits=7, decimal_places=2, coerce_to_string=False, allow_null=True, read_only=True,
        help_text="Person-months per month.",
    )  # fmt: skip
    members = UserBriefSerializer(many=True, read_only=True)
    feature_count = serializers.IntegerField(read_only=True, help_text="Its features (not archived).")

    class Meta:
        model = Team
        fields = (
            "id",
            "workspace",
            "name",
            "description",
            "capacity",
            "members",
            "feature_count",
            "version",
            "created_at",
            "updated_at",
        )


class _TeamFields(StrictSerializer):
    description = _text_field(TEXT_MAX, required=False, help_text="Markdown.")
    capacity = serializers.DecimalField(
        max_digits=7, decimal_places=2, min_value=0, max_value=CAPACITY_MAX, required=False, allow_null=True,
        coerce_to_string=False, help_text="Person-months per month, 0–10000, two decimals.",
    )  # fmt: skip
    members = serializers.ListField(
        child=_id_field(), required=False, max_length=team_services.MAX_MEMBERS, help_text="User ids of members."
    )


class TeamCreateSerializer(_TeamFields):
    name = serializers.CharField(max_length=NAME_MAX)


class TeamUpdateSerializer(_TeamFields):
    version = version_field()
    name = serializers.CharField(max_length=NAME_MAX, required=False)


_TEAM_ARGUMENTS = _renamed({"members": "member_ids"})


class TeamDetailView(VersionedDetailView):
    what = "team"
    access = access_team
    output = TeamSerializer
    read = selectors.team_detail
    update_input = TeamUpdateSerializer
    update_service = team_services.team_update
    delete_service = team_services.team_delete
    arguments = _TEAM_ARGUMENTS
    update_description = "`members` replaces the members (workspace members only)."
    delete_summary = "Delete a team (editor); needs `version` or If-Match. Its features stay, without a team."


class TeamListView(VersionedListView):
    pagination_class = NameCursorPagination
    parent = WORKSPACE
    plural = "teams"
    detail = TeamDetailView
    output = TeamSerializer
    select = selectors.teams_of
    list_summary = "Teams of a workspace, by name"
    create_input = TeamCreateSerializer
    create_service = team_services.team_create
    arguments = _TEAM_ARGUMENTS


# --- backlog settings ----------------------------------------------------------------------------


class BacklogSettingsSerializer(serializers.ModelSerializer):
    product = serializers.IntegerField(source="product_id", read_only=True)
    frameworks = serializers.ListField(
        child=serializers.ChoiceField(choices=Framework.choices), read_only=True, help_text="Shown, in order."
    )

    class Meta:
        model = BacklogSettings
        fields = ("product", "frameworks", "version", "updated_at")


class BacklogSettingsUpdateSerializer(StrictSerializer):
    version = version_field()
    frameworks = serializers.ListField(
        child=serializers.ChoiceField(choices=Framework.choices),
        required=False,
        min_length=1,
        max_length=10,
        help_text="The prioritization frameworks the backlog shows, in order (at least one).",
    )


class BacklogSettingsView(ApiView):
    @extend_schema(
        responses=BacklogSettingsSerializer,
        summary="A product's backlog settings (ETag carries their version; 1 until first changed)",
    )
    def get(self, request: Request, product_id: int) -> Response:
        product = product_access(request.user, product_id).obj
        found = selectors.backlog_settings_for(product)
        return versioned_response(BacklogSettingsSerializer(found).data, found.version)

    @extend_schema(
        request=BacklogSettingsUpdateSerializer,
        parameters=[IF_MATCH],
        responses=BacklogSettingsSerializer,
        summary="Change which frameworks a product's backlog shows (editor); needs `version` or If-Match",
    )
    def patch(self, request: Request, product_id: int) -> Response:
        product = product_access(request.user, product_id, write=True, action="change backlog settings").obj

        def respond(found: BacklogSettings) -> Response:
            return versioned_response(BacklogSettingsSerializer(found).data, found.version)

        return versioned_write(
            request,
            BacklogSettingsUpdateSerializer,
            partial(settings_services.backlog_settings_update, product=product),
            respond,
        )
