"""Persona and competitor endpoints. Thin: validate input → access_* (authorise) →
service or selector → serialize; updates and deletes go through
pmtool.api.versioned.versioned_write/versioned_delete (the version from the body or If-Match, required)."""

from __future__ import annotations

from typing import Any

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response

from pmtool.activity import Actor
from pmtool.api.pagination import NameCursorPagination
from pmtool.api.serializers import OptionalUrlField, StrictSerializer
from pmtool.api.versioned import (
    PageFilterSerializer,
    VersionedDetailView,
    version_field,
)
from pmtool.api.views import ApiView, validated
from pmtool.permissions import product_access

from ..models import TEXT_MAX, Competitor, Persona, ThreatLevel
from ..permissions import access_competitor, access_persona
from ..selectors.research import competitors_of, personas_of
from ..services import research as services
from ..services.research import NAME_MAX, QUOTE_MAX, ROLE_MAX, WEBSITE_MAX
from .vision import TextField

PAGE_SIZE = OpenApiParameter("page_size", OpenApiTypes.INT, description="1–200, default 50")


def _text(max_length: int, *, required: bool = False, markdown: bool = False) -> serializers.CharField:
    return TextField(
        max_length=max_length,
        required=required,
        allow_blank=not required,
        trim_whitespace=False,
        help_text="Markdown." if markdown else "",
    )


# --- personas ----------------------------------------------------------------------


class PersonaSerializer(serializers.ModelSerializer):
    product = serializers.IntegerField(source="product_id", read_only=True)

    class Meta:
        model = Persona
        fields = ("id", "product", "name", "role", "goals", "pains", "quote", "version", "created_at", "updated_at")


class PersonaCreateSerializer(StrictSerializer):
    name = _text(NAME_MAX, required=True)
    role = _text(ROLE_MAX)
    goals = _text(TEXT_MAX, markdown=True)
    pains = _text(TEXT_MAX, markdown=True)
    quote = _text(QUOTE_MAX)


class PersonaUpdateSerializer(StrictSerializer):
    version = version_field()
    name = _text(NAME_MAX)
    role = _text(ROLE_MAX)
    goals = _text(TEXT_MAX, markdown=True)
    pains = _text(TEXT_MAX, markdown=True)
    quote = _text(QUOTE_MAX)


class PersonaListView(ApiView):
    pagination_class = NameCursorPagination

    @extend_schema(parameters=[PAGE_SIZE], responses=PersonaSerializer(many=True), summary="Personas of a product")
    def get(self, request: Request, product_id: int) -> Response:
        product = product_access(request.user, product_id).obj
        validated(PageFilterSerializer, request.query_params)
        return self.paginate(personas_of(product), PersonaSerializer)

    @extend_schema(
        request=PersonaCreateSerializer, responses={201: PersonaSerializer}, summary="Create a persona (editor)"
    )
    def post(self, request: Request, product_id: int) -> Response:
        product = product_access(request.user, product_id, write=True, action="create personas").obj
        data = validated(PersonaCreateSerializer, request.data)
        persona = services.persona_create(actor=Actor.from_request(request), product=product, **data)
        return PersonaDetailView.respond(persona, status_code=status.HTTP_201_CREATED)


class PersonaDetailView(VersionedDetailView):
    what = "persona"
    access = access_persona
    output = PersonaSerializer
    update_input = PersonaUpdateSerializer
    update_service = services.persona_update
    delete_service = services.persona_delete


# --- competitors -------------------------------------------------------------------


class CompetitorSerializer(serializers.ModelSerializer):
    product = serializers.IntegerField(source="product_id", read_only=True)
    website = OptionalUrlField(read_only=True, help_text="null when there is none.")

    class Meta:
        model = Competitor
        fields = (
            "id",
            "product",
            "name",
            "website",
            "positioning",
            "strengths",
            "weaknesses",
            "pricing_notes",
            "threat_level",
            "version",
            "created_at",
            "updated_at",
        )


class CompetitorCreateSerializer(StrictSerializer):
    name = _text(NAME_MAX, required=True)
    website = TextField(
        max_length=WEBSITE_MAX,
        required=False,
        allow_blank=True,
        help_text="An http:// or https:// address (or empty).",
    )
    positioning = _text(TEXT_MAX, markdown=True)
    strengths = _text(TEXT_MAX, markdown=True)
    weaknesses = _text(TEXT_MAX, markdown=True)
    pricing_notes = _text(TEXT_MAX, markdown=True)
    threat_level = serializers.ChoiceField(choices=ThreatLevel.choices, required=False)


class CompetitorUpdateSerializer(CompetitorCreateSerializer):
    version = version_field()
    name = _text(NAME_MAX)


class CompetitorFilterSerializer(PageFilterSerializer):
    threat_level = serializers.ChoiceField(choices=ThreatLevel.choices, required=False)


class CompetitorListView(ApiView):
    pagination_class = NameCursorPagination

    @extend_schema(
        parameters=[
            OpenApiParameter("threat_level", OpenApiTypes.STR, enum=ThreatLevel.values),
            PAGE_SIZE,
        ],
        responses=CompetitorSerializer(many=True),
        summary="Competitors of a product, by name",
    )
    def get(self, request: Request, product_id: int) -> Response:
        product = product_access(request.user, product_id).obj
        params: dict[str, Any] = validated(CompetitorFilterSerializer, request.query_params)
        return self.paginate(competitors_of(product, threat_level=params.get("threat_level")), CompetitorSerializer)

    @extend_schema(
        request=CompetitorCreateSerializer,
        responses={201: CompetitorSerializer},
        summary="Create a competitor (editor)",
    )
    def post(self, request: Request, product_id: int) -> Response:
        product = product_access(request.user, product_id, write=True, action="create competitors").obj
        data = validated(CompetitorCreateSerializer, request.data)
        competitor = services.competitor_create(actor=Actor.from_request(request), product=product, **data)
        return CompetitorDetailView.respond(competitor, status_code=status.HTTP_201_CREATED)


class CompetitorDetailView(VersionedDetailView):
    what = "competitor"
    access = access_competitor
    output = CompetitorSerializer
    update_input = CompetitorUpdateSerializer
    update_service = services.competitor_update
    delete_service = services.competitor_delete
