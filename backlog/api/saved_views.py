"""Saved view endpoints: a product's views (mine and shared), create; one view (get, change and
delete by its owner, with version). Thin: validate → access_* → service or selector → serialize."""

from __future__ import annotations

from functools import partial
from typing import Any

from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response

from pmtool.activity import Actor
from pmtool.api.pagination import NameCursorPagination
from pmtool.api.serializers import StrictSerializer, validated
from pmtool.api.versioned import (
    IF_MATCH,
    PageFilterSerializer,
    VersionSerializer,
    version_field,
    versioned_delete,
    versioned_response,
    versioned_write,
)
from pmtool.api.views import ApiView, signed_in
from pmtool.permissions import product_access

from ..filters import Q_MAX, VALUES_MAX
from ..models import NAME_MAX, SavedView
from ..permissions import access_saved_view
from ..selectors.saved_views import saved_views_for
from ..services import saved_views as services

QUERY_HELP = (
    "The backlog filter and sort, as query parameters: {name: [values]} with the names of the backlog "
    "list (status, category, type, initiative, release, team, tag, moscow, owner, parent, q, sort, archived)."
)


def query_field(**kwargs: Any) -> serializers.DictField:
    return serializers.DictField(
        child=serializers.ListField(
            child=serializers.CharField(max_length=Q_MAX, allow_blank=True, trim_whitespace=False),
            max_length=VALUES_MAX,
        ),
        help_text=QUERY_HELP,
        **kwargs,
    )


class SavedViewSerializer(serializers.ModelSerializer):
    product = serializers.IntegerField(source="product_id", read_only=True)
    owner = serializers.IntegerField(source="owner_id", read_only=True)
    owner_name = serializers.SerializerMethodField()
    query = serializers.SerializerMethodField()

    class Meta:
        model = SavedView
        fields = (
            "id",
            "product",
            "name",
            "shared",
            "owner",
            "owner_name",
            "query",
            "version",
            "created_at",
            "updated_at",
        )

    @extend_schema_field(serializers.CharField())
    def get_owner_name(self, view: SavedView) -> str:
        return view.owner.name or view.owner.email

    @extend_schema_field(query_field())
    def get_query(self, view: SavedView) -> dict[str, list[str]]:
        return dict(view.query)


class SavedViewCreateSerializer(StrictSerializer):
    name = serializers.CharField(max_length=NAME_MAX)
    shared = serializers.BooleanField(required=False, default=False, help_text="Shared with the workspace.")
    query = query_field(required=False, default=dict)


class SavedViewUpdateSerializer(StrictSerializer):
    version = version_field()
    name = serializers.CharField(max_length=NAME_MAX, required=False)
    shared = serializers.BooleanField(required=False)
    query = query_field(required=False)


def _view_response(view: SavedView, *, status_code: int = status.HTTP_200_OK) -> Response:
    fresh = SavedView.objects.select_related("owner").get(pk=view.pk)
    return versioned_response(SavedViewSerializer(fresh).data, fresh.version, status_code=status_code)


class SavedViewListView(ApiView):
    pagination_class = NameCursorPagination

    @extend_schema(responses=SavedViewSerializer(many=True), summary="Saved views of a product: yours and shared ones")
    def get(self, request: Request, product_id: int) -> Response:
        product = product_access(request.user, product_id).obj
        validated(PageFilterSerializer, request.query_params)
        return self.paginate(saved_views_for(product, signed_in(request)), SavedViewSerializer)

    @extend_schema(
        request=SavedViewCreateSerializer,
        responses={201: SavedViewSerializer},
        summary="Save a filter and sort of the backlog (editor)",
    )
    def post(self, request: Request, product_id: int) -> Response:
        product = product_access(request.user, product_id, write=True, action="save views").obj
        data = validated(SavedViewCreateSerializer, request.data)
        view = services.saved_view_create(actor=Actor.from_request(request), product=product, **data)
        return _view_response(view, status_code=status.HTTP_201_CREATED)


class SavedViewDetailView(ApiView):
    @extend_schema(responses=SavedViewSerializer, summary="A saved view (yours or shared; ETag carries its version)")
    def get(self, request: Request, view_id: int) -> Response:
        return _view_response(access_saved_view(request.user, view_id).obj)

    @extend_schema(
        request=SavedViewUpdateSerializer,
        parameters=[IF_MATCH],
        responses=SavedViewSerializer,
        summary="Rename, share or change a saved view (its owner); needs `version` or If-Match",
    )
    def patch(self, request: Request, view_id: int) -> Response:
        view = access_saved_view(request.user, view_id, write=True).obj
        return versioned_write(
            request, SavedViewUpdateSerializer, partial(services.saved_view_update, view_id=view.pk), _view_response
        )

    @extend_schema(
        request=VersionSerializer,
        parameters=[IF_MATCH],
        responses={204: None},
        summary="Delete a saved view (its owner); needs `version` or If-Match",
    )
    def delete(self, request: Request, view_id: int) -> Response:
        view = access_saved_view(request.user, view_id, write=True).obj
        return versioned_delete(request, partial(services.saved_view_delete, view_id=view.pk))
