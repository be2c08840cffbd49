"""Persona and competitor endpoints. Thin: validate input → access_* (authorise) →
service or selector → serialize."""

from __future__ import annotations

from typing import Any

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response

from pmtool.activity import Actor
from pmtool.api.pagination import NameCursorPagination
from pmtool.api.serializers import MAX_ID, OptionalUrlField, StrictSerializer
from pmtool.api.views import ApiView, etag, if_match_version, required_version, validated
from pmtool.models import Role
from pmtool.permissions import access_product, require_role

from ..models import TEXT_MAX, Competitor, Persona, ThreatLevel
from ..permissions import access_competitor, access_persona
from ..selectors.research import competitors_of, personas_of
from ..services import research as services
from ..services.research import NAME_MAX, QUOTE_MAX, ROLE_MAX, WEBSITE_MAX
from .vision import TextField

IF_MATCH = OpenApiParameter(
    "If-Match", OpenApiTypes.STR, OpenApiParameter.HEADER, description='The version you read, e.g. "3"'
)
IF_MATCH_OPTIONAL = OpenApiParameter(
    "If-Match",
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    description='Optional: the version you read, e.g. "3"; a stale one answers 412 and deletes nothing',
)
VERSION_HELP = (
    "The version you read. Required unless an If-Match header carries it; "
    "a stale version answers 409 (412 for If-Match)."
)
PAGE_SIZE = OpenApiParameter("page_size", OpenApiTypes.INT, description="1–200, default 50")


def _text(max_length: int, *, required: bool = False, markdown: bool = False) -> serializers.CharField:
    return TextField(
        max_length=max_length,
        required=required,
        allow_blank=not required,
        trim_whitespace=False,
        help_text="Markdown." if markdown else "",
    )


class PageFilterSerializer(StrictSerializer):
    cursor = serializers.CharField(required=False, max_length=1000)
    page_size = serializers.IntegerField(required=False, min_value=1, max_value=200)


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
    version = serializers.IntegerField(min_value=1, max_value=MAX_ID, required=False, help_text=VERSION_HELP)
    name = _text(NAME_MAX)
    role = _text(ROLE_MAX)
    goals = _text(TEXT_MAX, markdown=True)
    pains = _text(TEXT_MAX, markdown=True)
    quote = _text(QUOTE_MAX)


def _persona_response(persona: Persona, *, status_code: int = status.HTTP_200_OK) -> Response:
    return Response(PersonaSerializer(persona).data, status=status_code, headers={"ETag": etag(persona.version)})


class PersonaListView(ApiView):
    pagination_class = NameCursorPagination

    @extend_schema(parameters=[PAGE_SIZE], responses=PersonaSerializer(many=True), summary="Personas of a product")
    def get(self, request: Request, product_id: int) -> Response:
        product = access_product(request.user, product_id)
        validated(PageFilterSerializer, request.query_params)
        return self.paginate(personas_of(product), PersonaSerializer)

    @extend_schema(
        request=PersonaCreateSerializer, responses={201: PersonaSerializer}, summary="Create a persona (editor)"
    )
    def post(self, request: Request, product_id: int) -> Response:
        product = access_product(request.user, product_id)
        require_role(product.my_role, Role.EDITOR, "create personas")
        data = validated(PersonaCreateSerializer, request.data)
        persona = services.persona_create(actor=Actor.from_request(request), product=product, **data)
        return _persona_response(persona, status_code=status.HTTP_201_CREATED)


class PersonaDetailView(ApiView):
    @extend_schema(responses=PersonaSerializer, summary="A persona (ETag carries its version)")
    def get(self, request: Request, persona_id: int) -> Response:
        return _persona_response(access_persona(request.user, persona_id))

    @extend_schema(
        request=PersonaUpdateSerializer,
        parameters=[IF_MATCH],
        responses=PersonaSerializer,
        summary="Change a persona (editor); needs `version` or If-Match",
    )
    def patch(self, request: Request, persona_id: int) -> Response:
        persona = access_persona(request.user, persona_id, write=True)
        data = validated(PersonaUpdateSerializer, request.data)
        version, precondition = required_version(request, data)
        persona = services.persona_update(
            actor=Actor.from_request(request), persona=persona, version=version, precondition=precondition, **data
        )
        return _persona_response(persona)

    @extend_schema(parameters=[IF_MATCH_OPTIONAL], responses={204: None}, summary="Delete a persona (editor)")
    def delete(self, request: Request, persona_id: int) -> Response:
        persona = access_persona(request.user, persona_id, write=True)
        version = if_match_version(request)
        services.persona_delete(
            actor=Actor.from_request(request), persona=persona, version=version, precondition=version is not None
        )
        return Response(status=status.HTTP_204_NO_CONTENT)


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
    version = serializers.IntegerField(min_value=1, max_value=MAX_ID, required=False, help_text=VERSION_HELP)
    name = _text(NAME_MAX)


class CompetitorFilterSerializer(PageFilterSerializer):
    threat_level = serializers.ChoiceField(choices=ThreatLevel.choices, required=False)


def _competitor_response(competitor: Competitor, *, status_code: int = status.HTTP_200_OK) -> Response:
    return Response(
        CompetitorSerializer(competitor).data, status=status_code, headers={"ETag": etag(competitor.version)}
    )


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
        product = access_product(request.user, product_id)
        params: dict[str, Any] = validated(CompetitorFilterSerializer, request.query_params)
        return self.paginate(competitors_of(product, threat_level=params.get("threat_level")), CompetitorSerializer)

    @extend_schema(
        request=CompetitorCreateSerializer,
        responses={201: CompetitorSerializer},
        summary="Create a competitor (editor)",
    )
    def post(self, request: Request, product_id: int) -> Response:
        product = access_product(request.user, product_id)
        require_role(product.my_role, Role.EDITOR, "create competitors")
        data = validated(CompetitorCreateSerializer, request.data)
        competitor = services.competitor_create(actor=Actor.from_request(request), product=product, **data)
        return _competitor_response(competitor, status_code=status.HTTP_201_CREATED)


class CompetitorDetailView(ApiView):
    @extend_schema(responses=CompetitorSerializer, summary="A competitor (ETag carries its version)")
    def get(self, request: Request, competitor_id: int) -> Response:
        return _competitor_response(access_competitor(request.user, competitor_id))

    @extend_schema(
        request=CompetitorUpdateSerializer,
        parameters=[IF_MATCH],
        responses=CompetitorSerializer,
        summary="Change a competitor (editor); needs `version` or If-Match",
    )
    def patch(self, request: Request, competitor_id: int) -> Response:
        competitor = access_competitor(request.user, competitor_id, write=True)
        data = validated(CompetitorUpdateSerializer, request.data)
        version, precondition = required_version(request, data)
        competitor = services.competitor_update(
            actor=Actor.from_request(request),
            competitor=competitor,
            version=version,
            precondition=precondition,
            **data,
        )
        return _competitor_response(competitor)

    @extend_schema(parameters=[IF_MATCH_OPTIONAL], responses={204: None}, summary="Delete a competitor (editor)")
    def delete(self, request: Request, competitor_id: int) -> Response:
        competitor = access_competitor(request.user, competitor_id, write=True)
        version = if_match_version(request)
        services.competitor_delete(
            actor=Actor.from_request(request),
            competitor=competitor,
            version=version,
            precondition=version is not None,
        )
        return Response(status=status.HTTP_204_NO_CONTENT)
