"""Persona and competitor endpoints. Thin: validate input → access_* (authorise) →
service or selector → serialize; updates and deletes go through
pmtool.api.versioned.versioned_write/versioned_delete (the version from the body or If-Match, required)."""

from __future__ import annotations

from typing import Any

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter
from rest_framework import serializers

from pmtool.api.pagination import NameCursorPagination
from pmtool.api.serializers import OptionalUrlField, StrictSerializer
from pmtool.api.versioned import (
    PAGE_SIZE,
    PRODUCT,
    PageFilterSerializer,
    VersionedDetailView,
    VersionedListView,
    version_field,
)

from ..models import TEXT_MAX, Competitor, Persona, ThreatLevel
from ..permissions import access_competitor, access_persona
from ..selectors.research import competitors_of, personas_of
from ..services import research as services
from ..services.research import NAME_MAX, QUOTE_MAX, ROLE_MAX, WEBSITE_MAX
from .vision import TextField


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


class PersonaDetailView(VersionedDetailView):
    what = "persona"
    access = access_persona
    output = PersonaSerializer
    update_input = PersonaUpdateSerializer
    update_service = services.persona_update
    delete_service = services.persona_delete


class PersonaListView(VersionedListView):
    pagination_class = NameCursorPagination
    parent = PRODUCT
    plural = "personas"
    detail = PersonaDetailView
    output = PersonaSerializer
    select = personas_of
    list_summary = "Personas of a product"
    create_input = PersonaCreateSerializer
    create_service = services.persona_create


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


class CompetitorDetailView(VersionedDetailView):
    what = "competitor"
    access = access_competitor
    output = CompetitorSerializer
    update_input = CompetitorUpdateSerializer
    update_service = services.competitor_update
    delete_service = services.competitor_delete


def _competitor_filters(query: dict[str, Any]) -> dict[str, Any]:
    return {"threat_level": query.get("threat_level")}


class CompetitorListView(VersionedListView):
    pagination_class = NameCursorPagination
    parent = PRODUCT
    plural = "competitors"
    detail = CompetitorDetailView
    output = CompetitorSerializer
    select = competitors_of
    filters = CompetitorFilterSerializer
    filter_arguments = _competitor_filters
    parameters = [OpenApiParameter("threat_level", OpenApiTypes.STR, enum=ThreatLevel.values), PAGE_SIZE]
    list_summary = "Competitors of a product, by name"
    create_input = CompetitorCreateSerializer
    create_service = services.competitor_create
