"""Feature endpoints. Thin: validate input → access_* (authorise) → service or selector →
serialize. Writes need `version` or If-Match.

The list is the hot path: its rows come from `.values()` (backlog.selectors.features.feature_rows)
and are turned into JSON-ready dicts by `feature_json` here, not through a ModelSerializer; the
detail answers build the same dict from the model, so both have the one schema that
FeatureSerializer declares. Pages are keyset pages in every sort (the cursor carries the sort key
and rank of the last row), so a deep page costs what page 1 costs.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from decimal import Decimal
from functools import partial
from typing import Any

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.utils.urls import replace_query_param

from pmtool.activity import Actor
from pmtool.api.pagination import DefaultCursorPagination
from pmtool.api.serializers import MAX_ID, StrictSerializer
from pmtool.api.versioned import (
    IF_MATCH,
    VersionSerializer,
    version_field,
    versioned_delete,
    versioned_response,
    versioned_write,
)
from pmtool.api.views import ApiView, validated
from pmtool.errors import ValidationError
from pmtool.permissions import product_access
from strategy.api.goals import NumberField

from ..filters import PARAMS, SORTS, parse_query
from ..models import REACH_MAX, TEXT_MAX, TITLE_MAX, Feature, FeatureType, MoSCoW, StatusCategory
from ..permissions import access_feature
from ..selectors import features as selectors
from ..services import features as services

# --- output -----------------------------------------------------------------------------------


class StatusBriefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    category = serializers.ChoiceField(choices=StatusCategory.choices)
    colour = serializers.CharField(help_text="#rrggbb")


class FeatureSerializer(serializers.Serializer):
    """A feature as the API answers it (declared for the schema; `feature_json` builds it)."""

    id = serializers.IntegerField()
    product = serializers.IntegerField()
    title = serializers.CharField()
    description = serializers.CharField(help_text="Markdown.")
    type = serializers.ChoiceField(choices=FeatureType.choices)
    parent = serializers.IntegerField(allow_null=True, help_text="The epic it belongs to.")  # type: ignore[assignment]
    status = StatusBriefSerializer()
    owner = serializers.IntegerField(allow_null=True, help_text="A user id.")
    tags = serializers.ListField(child=serializers.CharField(), help_text="Tag names, in order.")
    initiative = serializers.IntegerField(allow_null=True)
    release = serializers.IntegerField(allow_null=True)
    team = serializers.IntegerField(allow_null=True)
    start_date = serializers.DateField(allow_null=True)
    due_date = serializers.DateField(allow_null=True)
    reach = serializers.IntegerField(allow_null=True, help_text="People per period.")
    impact = serializers.FloatField(allow_null=True, help_text="0.25, 0.5, 1, 2 or 3.")
    confidence = serializers.IntegerField(allow_null=True, help_text="Percent.")
    effort = serializers.FloatField(allow_null=True, help_text="Person-months.")
    rice_score = serializers.FloatField(allow_null=True, help_text="reach × impact × confidence% ÷ effort.")
    scorecard_score = serializers.FloatField(allow_null=True, help_text="0–100, from the product's scorecard.")
    moscow = serializers.ChoiceField(choices=[("", "None"), *MoSCoW.choices])
    rank = serializers.CharField(help_text="Its place in the hand-made order (compare byte-wise).")
    archived = serializers.BooleanField()
    archived_at = serializers.DateTimeField(allow_null=True)
    version = serializers.IntegerField()
    created_by = serializers.IntegerField(allow_null=True)
    updated_by = serializers.IntegerField(allow_null=True)
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()
    url = serializers.CharField(help_text="This feature in the API.")


def _datetime(value: dt.datetime | None) -> str | None:
    """As DRF writes a UTC datetime: ISO 8601 with Z."""
    if value is None:
        return None
    text = value.astimezone(dt.UTC).isoformat()
    return text[:-6] + "Z" if text.endswith("+00:00") else text


def _date(value: dt.date | None) -> str | None:
    return None if value is None else value.isoformat()


def _number(value: Decimal | None) -> float | None:
    return None if value is None else float(value)


def feature_json(row: Mapping[str, Any]) -> dict[str, Any]:
    """A feature row (selectors.ROW_FIELDS and `tags`) as the API answers it."""
    pk = row["id"]
    archived_at = row["archived_at"]
    return {
        "id": pk,
        "product": row["product_id"],
        "title": row["title"],
        "description": row["description"],
        "type": row["type"],
        "parent": row["parent_id"],
        "status": {
            "id": row["status_id"],
            "name": row["status__name"],
            "category": row["status__category"],
            "colour": row["status__colour"],
        },
        "owner": row["owner_id"],
        "tags": row["tags"],
        "initiative": row["initiative_id"],
        "release": row["release_id"],
        "team": row["team_id"],
        "start_date": _date(row["start_date"]),
        "due_date": _date(row["due_date"]),
        "reach": row["reach"],
        "impact": _number(row["impact"]),
        "confidence": row["confidence"],
        "effort": _number(row["effort"]),
        "rice_score": row["rice_score"],
        "scorecard_score": row["scorecard_score"],
        "moscow": row["moscow"],
        "rank": row["rank"],
        "archived": archived_at is not None,
        "archived_at": _datetime(archived_at),
        "version": row["version"],
        "created_by": row["created_by_id"],
        "updated_by": row["updated_by_id"],
        "created_at": _datetime(row["created_at"]),
        "updated_at": _datetime(row["updated_at"]),
        "url": f"/api/v1/features/{pk}/",
    }


def _model_row(feature: Feature) -> dict[str, Any]:
    """A loaded feature (selectors.feature_detail) as a row of the list's shape."""
    row: dict[str, Any] = {}
    for name in selectors.ROW_FIELDS:
        if name.startswith("status__"):
            row[name] = getattr(feature.status, name.removeprefix("status__"))
        else:
            row[name] = getattr(feature, name)
    row["tags"] = [t.name for t in feature.tags.all()]
    return row


def _feature_response(feature: Feature, *, status_code: int = status.HTTP_200_OK) -> Response:
    detailed = selectors.feature_detail(feature.pk)
    return versioned_response(feature_json(_model_row(detailed)), detailed.version, status_code=status_code)


# --- input ------------------------------------------------------------------------------------------


def _id_field(**kwargs: Any) -> serializers.IntegerField:
    return serializers.IntegerField(min_value=1, max_value=MAX_ID, **kwargs)


class _FeatureFields(StrictSerializer):
    description = serializers.CharField(
        max_length=TEXT_MAX, allow_blank=True, trim_whitespace=False, required=False, help_text="Markdown."
    )
    type = serializers.ChoiceField(choices=FeatureType.choices, required=False)
    parent = _id_field(required=False, allow_null=True, help_text="An epic of the same product.")  # type: ignore[assignment]
    status = _id_field(required=False, allow_null=True, help_text="A status of the workspace; empty: the default.")
    owner = _id_field(required=False, allow_null=True, help_text="A member of the workspace (user id).")
    tags = serializers.ListField(
        child=serializers.CharField(max_length=services.TAG_MAX),
        max_length=services.TAGS_MAX,
        required=False,
        help_text="Tag names: replaces the feature's tags (created in the workspace where new).",
    )
    initiative = _id_field(required=False, allow_null=True, help_text="Of this product, or workspace-wide.")
    release = _id_field(required=False, allow_null=True, help_text="A release of this product.")
    team = _id_field(required=False, allow_null=True, help_text="A team of the workspace.")
    start_date = serializers.DateField(required=False, allow_null=True)
    due_date = serializers.DateField(required=False, allow_null=True)
    reach = serializers.IntegerField(min_value=0, max_value=REACH_MAX, required=False, allow_null=True)
    impact = NumberField(required=False, allow_null=True, help_text="One of 0.25, 0.5, 1, 2, 3.")
    confidence = serializers.IntegerField(min_value=0, max_value=100, required=False, allow_null=True)
    effort = NumberField(required=False, allow_null=True, help_text="Person-months, more than 0.")
    moscow = serializers.ChoiceField(
        choices=[("", "None"), *MoSCoW.choices], required=False, allow_blank=True, allow_null=True
    )


class FeatureCreateSerializer(_FeatureFields):
    title = serializers.CharField(max_length=TITLE_MAX)


class FeatureUpdateSerializer(_FeatureFields):
    version = version_field()
    title = serializers.CharField(max_length=TITLE_MAX, required=False)


_RENAMED = {
    "parent": "parent_id",
    "status": "status_id",
    "owner": "owner_id",
    "initiative": "initiative_id",
    "release": "release_id",
    "team": "team_id",
}


def _arguments(data: dict[str, Any]) -> dict[str, Any]:
    return {_RENAMED.get(name, name): value for name, value in data.items()}


# --- the list ---------------------------------------------------------------------------------------


class FeaturePagination(DefaultCursorPagination):
    """The schema of the list's pages (the view pages by keyset itself, in any sort)."""

    ordering = ("rank", "id")


_FILTER_HELP = {
    "status": "A status id (repeat for any of several).",
    "category": "A status category (repeat for any of several).",
    "type": "A feature type (repeat for any of several).",
    "initiative": "An initiative id, or 'none' (repeat for any of several).",
    "release": "A release id, or 'none'.",
    "team": "A team id, or 'none'.",
    "tag": "A tag name (repeat for any of several).",
    "moscow": "A MoSCoW priority, or 'none'.",
    "owner": "A user id, or 'none'.",
    "parent": "An epic id: the epic and its features.",
    "q": "Text search over title and description (PostgreSQL full text, websearch syntax).",
    "sort": "The order: " + ", ".join(f"{k} ({label})" for k, (label, _) in SORTS.items()) + ".",
    "archived": "1: the archived features instead.",
}
_ENUMS: dict[str, list[str]] = {
    "category": list(StatusCategory.values),
    "type": list(FeatureType.values),
    "moscow": [*MoSCoW.values, "none"],
    "sort": list(SORTS),
    "archived": ["0", "1", "true", "false"],
}
FILTER_PARAMETERS = [
    OpenApiParameter(
        name,
        OpenApiTypes.STR,
        description=_FILTER_HELP[name],
        enum=_ENUMS.get(name),
        many=name not in ("parent", "q", "sort", "archived"),
        explode=True if name not in ("parent", "q", "sort", "archived") else None,
    )
    for name in PARAMS
]


def _page_links(request: Request, sort: str, page: selectors.Page) -> tuple[str | None, str | None]:
    url = request.build_absolute_uri()
    nxt = (
        replace_query_param(url, "cursor", selectors.encode_cursor(sort, page.next)) if page.next is not None else None
    )
    prev = (
        replace_query_param(url, "cursor", selectors.encode_cursor(sort, page.previous, backward=True))
        if page.previous is not None
        else None
    )
    return nxt, prev


class FeatureListView(ApiView):
    pagination_class = FeaturePagination

    @extend_schema(
        parameters=FILTER_PARAMETERS,
        responses=FeatureSerializer(many=True),
        summary="Features of a product's backlog, filtered and sorted (keyset pages in every sort)",
    )
    def get(self, request: Request, product_id: int) -> Response:
        product = product_access(request.user, product_id).obj
        query = parse_query(dict(request.query_params.lists()), ignore=("cursor", "page_size", "format"))
        size = FeaturePagination().get_page_size(request)
        cursor = None
        token = request.query_params.get("cursor")
        if token is not None:
            cursor = selectors.decode_cursor(token, query.sort)
            if cursor is None:
                raise ValidationError(
                    "Invalid cursor: use the 'next' or 'previous' link (of the same sort).",
                    fields={"cursor": ["Invalid cursor: use the 'next' or 'previous' link."]},
                )
        page = selectors.feature_rows(
            product, query, size=size,
            position=cursor.position if cursor else None, backward=cursor.backward if cursor else False,
        )  # fmt: skip
        nxt, prev = _page_links(request, query.sort, page)
        return Response({"next": nxt, "previous": prev, "results": [feature_json(row) for row in page.rows]})

    @extend_schema(
        request=FeatureCreateSerializer,
        responses={201: FeatureSerializer},
        summary="Create a feature at the bottom of the backlog (editor)",
    )
    def post(self, request: Request, product_id: int) -> Response:
        product = product_access(request.user, product_id, write=True, action="create features").obj
        data = validated(FeatureCreateSerializer, request.data)
        feature = services.feature_create(actor=Actor.from_request(request), product=product, **_arguments(data))
        return _feature_response(feature, status_code=status.HTTP_201_CREATED)


class FeatureDetailView(ApiView):
    @extend_schema(responses=FeatureSerializer, summary="A feature (ETag carries its version)")
    def get(self, request: Request, feature_id: int) -> Response:
        return _feature_response(access_feature(request.user, feature_id).obj)

    @extend_schema(
        request=FeatureUpdateSerializer,
        parameters=[IF_MATCH],
        responses=FeatureSerializer,
        summary="Change a feature (editor); needs `version` or If-Match",
        description="`tags` replaces its tags. Changed RICE inputs rescore it in the same request.",
    )
    def patch(self, request: Request, feature_id: int) -> Response:
        feature = access_feature(request.user, feature_id, write=True).obj
        return versioned_write(
            request,
            FeatureUpdateSerializer,
            partial(services.feature_update, feature_id=feature.pk),
            _feature_response,
            arguments=_arguments,
        )

    @extend_schema(
        request=VersionSerializer,
        parameters=[IF_MATCH],
        responses={204: None},
        summary="Delete a feature (editor); needs `version` or If-Match",
    )
    def delete(self, request: Request, feature_id: int) -> Response:
        feature = access_feature(request.user, feature_id, write=True).obj
        return versioned_delete(request, partial(services.feature_delete, feature_id=feature.pk))


class FeatureArchiveView(ApiView):
    @extend_schema(
        request=VersionSerializer,
        parameters=[IF_MATCH],
        responses=FeatureSerializer,
        summary="Archive a feature (editor); needs `version` or If-Match",
    )
    def post(self, request: Request, feature_id: int) -> Response:
        feature = access_feature(request.user, feature_id, write=True).obj
        return versioned_write(
            request, VersionSerializer, partial(services.feature_archive, feature_id=feature.pk), _feature_response
        )


class FeatureRestoreView(ApiView):
    @extend_schema(
        request=VersionSerializer,
        parameters=[IF_MATCH],
        responses=FeatureSerializer,
        summary="Restore an archived feature (editor); needs `version` or If-Match",
    )
    def post(self, request: Request, feature_id: int) -> Response:
        feature = access_feature(request.user, feature_id, write=True).obj
        return versioned_write(
            request, VersionSerializer, partial(services.feature_restore, feature_id=feature.pk), _feature_response
        )
