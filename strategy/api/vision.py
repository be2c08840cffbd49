"""Vision endpoints: read and write a product's vision, read its revisions. Thin:
validate input → product_access (authorise) → service or selector → serialize; the write
goes through pmtool.api.versioned.versioned_write (version 0 creates the vision)."""

from __future__ import annotations

from functools import partial
from typing import Any

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response

from pmtool.api.pagination import DefaultCursorPagination
from pmtool.api.serializers import StrictSerializer, UserBriefSerializer
from pmtool.api.versioned import (
    IF_MATCH,
    PageFilterSerializer,
    version_field,
    versioned_response,
    versioned_write,
)
from pmtool.api.views import ApiView, validated
from pmtool.permissions import product_access

from ..models import TEXT_MAX, VISION_FIELDS, Vision, VisionRevision
from ..selectors.vision import changed_fields, vision_of, vision_revision, vision_revisions
from ..services.vision import vision_update

# --- serializers --------------------------------------------------------------------


class TextField(serializers.CharField):
    """A CharField that takes JSON strings only (DRF's would turn 5 or 1.5 into "5", "1.5")."""

    def to_internal_value(self, data: Any) -> str:
        if not isinstance(data, str):
            self.fail("invalid")
        return super().to_internal_value(data)


class VisionSerializer(serializers.ModelSerializer):
    product = serializers.IntegerField(source="product_id", read_only=True)
    updated_by = UserBriefSerializer(read_only=True, allow_null=True)
    updated_at = serializers.SerializerMethodField()

    class Meta:
        model = Vision
        fields = ("product", *VISION_FIELDS, "version", "updated_at", "updated_by")

    @extend_schema_field({"type": "string", "format": "date-time", "nullable": True})
    def get_updated_at(self, vision: Vision) -> str | None:
        # An unsaved vision (version 0) was never written.
        return serializers.DateTimeField().to_representation(vision.updated_at) if vision.pk else None


def _markdown_field() -> serializers.CharField:
    return TextField(
        max_length=TEXT_MAX, required=False, allow_blank=True, trim_whitespace=False, help_text="Markdown."
    )


class VisionUpdateSerializer(StrictSerializer):
    version = version_field(min_value=0)  # 0: the product has no vision yet
    statement = _markdown_field()
    target_customers = _markdown_field()
    problem = _markdown_field()
    differentiation = _markdown_field()
    business_model = _markdown_field()


class RevisionListSerializer(serializers.ModelSerializer):
    author = UserBriefSerializer(read_only=True, allow_null=True)
    changed_fields = serializers.SerializerMethodField(help_text="The fields this revision changed.")

    class Meta:
        model = VisionRevision
        fields: tuple[str, ...] = ("number", "author", "author_label", "created_at", "changed_fields")

    @extend_schema_field({"type": "array", "items": {"type": "string", "enum": list(VISION_FIELDS)}})
    def get_changed_fields(self, revision: VisionRevision) -> list[str]:
        return changed_fields(revision)


class RevisionSerializer(RevisionListSerializer):
    class Meta(RevisionListSerializer.Meta):
        fields = (*RevisionListSerializer.Meta.fields, *VISION_FIELDS)


class RevisionPagination(DefaultCursorPagination):
    ordering = ("-number", "-id")  # numbers are unique per vision: the id only keeps the base's shape


# --- views ---------------------------------------------------------------------------


def _vision_response(vision: Vision) -> Response:
    return versioned_response(VisionSerializer(vision).data, vision.version)


class VisionView(ApiView):
    @extend_schema(
        responses=VisionSerializer,
        summary="A product's vision (ETag carries its version; version 0: not written yet)",
    )
    def get(self, request: Request, product_id: int) -> Response:
        return _vision_response(vision_of(product_access(request.user, product_id).obj))

    @extend_schema(
        request=VisionUpdateSerializer,
        parameters=[IF_MATCH],
        responses=VisionSerializer,
        summary="Write a product's vision (editor); needs `version` (0 to create) or If-Match",
        description="Every field is optional: fields you leave out stay as they are. A save that "
        "changes something bumps the version and stores a full revision.",
    )
    def put(self, request: Request, product_id: int) -> Response:
        product = product_access(request.user, product_id, write=True).obj
        return versioned_write(
            request, VisionUpdateSerializer, partial(vision_update, product=product), _vision_response
        )


class VisionRevisionListView(ApiView):
    pagination_class = RevisionPagination

    @extend_schema(
        parameters=[OpenApiParameter("page_size", OpenApiTypes.INT, description="1–200, default 50")],
        responses=RevisionListSerializer(many=True),
        summary="Revisions of a product's vision, newest first (who, when, which fields)",
    )
    def get(self, request: Request, product_id: int) -> Response:
        product = product_access(request.user, product_id).obj
        validated(PageFilterSerializer, request.query_params)
        return self.paginate(vision_revisions(vision_of(product)), RevisionListSerializer)


class VisionRevisionDetailView(ApiView):
    @extend_schema(responses=RevisionSerializer, summary="One revision of a product's vision (full text)")
    def get(self, request: Request, product_id: int, number: int) -> Response:
        product = product_access(request.user, product_id).obj
        revision = vision_revision(vision_of(product), number)
        return Response(RevisionSerializer(revision).data)
