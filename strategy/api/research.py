"""Persona and competitor endpoints. Thin: validate input → access_* (authorise) →
service or selector → serialize; updates and deletes go through
pmtool.api.versioned.versioned_write/versioned_delete (the version from the body or If-Match, required)."""

from __future__ import annotations

from functools import partial
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
    IF_MATCH,
    PageFilterSerializer,
    VersionSerializer,
    version_field,
    versioned_delete,
    versioned_response,
    versioned_write,
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


def _persona_response(persona: Persona, *, status_code: int = status.HTTP_200_OK) -> Response:
    return versioned_response(PersonaSerializer(persona).data, persona.version, status_code=status_code)


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
        return _persona_response(persona, status_code=status.HTTP_201_CREATED)


class PersonaDetailView(ApiView):
    @extend_schema(responses=PersonaSerializer, summary="A persona (ETag carries its version)")
    def get(self, request: Request, persona_id: int) -> Response:
        return _persona_response(access_persona(request.user, persona_id).obj)

    @extend_schema(
        request=PersonaUpdateSerializer,
        parameters=[IF_MATCH],
        responses=PersonaSerializer,
        summary="Change a persona (editor); needs `version` or If-Match",
    )
    def patch(self, request: Request, persona_id: int) -> Response:
        pk = access_persona(request.user, persona_id, write=True).obj.pk
        return versioned_write(
            request, PersonaUpdateSerializer, partial(services.persona_update, persona_id=pk), _persona_response
        )

    @extend_schema(
        request=VersionSerializer,
        parameters=[IF_MATCH],
        responses={204: None},
        summary="Delete a persona (editor); needs `version` or If-Match",
    )
    def delete(self, request: Request, persona_id: int) -> Response:
        pk = access_persona(request.user, persona_id, write=True).obj.pk
        return versioned_delete(request, partial(services.persona_delete, persona_id=pk))


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


def _competitor_response(competitor: Competitor, *, status_code: int = status.HTTP_200_OK) -> Response:
    return versioned_response(CompetitorSerializer(competitor).data, competitor.version, status_code=status_code)


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
        return _competitor_response(competitor, status_code=status.HTTP_201_CREATED)


class CompetitorDetailView(ApiView):
    @extend_schema(responses=CompetitorSerializer, summary="A competitor (ETag carries its version)")
    def get(self, request: Request, competitor_id: int) -> Response:
        return _competitor_response(access_competitor(request.user, competitor_id).obj)

    @extend_schema(
        request=CompetitorUpdateSerializer,
        parameters=[IF_MATCH],
        responses=CompetitorSerializer,
        summary="Change a competitor (editor); needs `version` or If-Match",
    )
    def patch(self, request: Request, competitor_id: int) -> Response:
        pk = access_competitor(request.user, competitor_id, write=True).obj.pk
        return versioned_write(
            request,
            CompetitorUpdateSerializer,
            partial(services.competitor_update, competitor_id=pk),
            _competitor_response,
        )

    @extend_schema(
        request=VersionSerializer,
        parameters=[IF_MATCH],
        responses={204: None},
        summary="Delete a competitor (editor); needs `version` or If-Match",
    )
    def delete(self, request: Request, competitor_id: int) -> Response:
        pk = access_competitor(request.user, competitor_id, write=True).obj.pk
        return versioned_delete(request, partial(services.competitor_delete, competitor_id=pk))
