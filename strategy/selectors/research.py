"""Reads of a product's market research: personas, competitors, and the comparison of the
product against its competitors."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Case, IntegerField, QuerySet, Value, When

from pmtool.models import Product

from ..models import Competitor, Persona, ThreatLevel, Vision
from .vision import vision_of

# Highest threat first where a list is sorted by threat.
THREAT_RANK = {ThreatLevel.HIGH: 0, ThreatLevel.MEDIUM: 1, ThreatLevel.LOW: 2}


def personas_of(product: Product) -> QuerySet[Persona]:
    """The product's personas, by name."""
    return Persona.objects.filter(product_id=product.pk).order_by("name", "id")


def competitors_of(product: Product, *, threat_level: str | None = None) -> QuerySet[Competitor]:
    """The product's competitors, by name (optionally of one threat level)."""
    qs = Competitor.objects.filter(product_id=product.pk)
    if threat_level:
        qs = qs.filter(threat_level=threat_level)
    return qs.order_by("name", "id")


def competitors_by_threat(product: Product) -> QuerySet[Competitor]:
    """The product's competitors, the highest threat first, then by name."""
    rank = Case(
        *(When(threat_level=level, then=Value(n)) for level, n in THREAT_RANK.items()),
        default=Value(9),
        output_field=IntegerField(),
    )
    return competitors_of(product).annotate(threat_rank=rank).order_by("threat_rank", "name", "id")


@dataclass(frozen=True)
class Comparison:
    """The comparison page: the product (with its vision) and its competitors, highest threat first."""

    product: Product
    vision: Vision
    competitors: list[Competitor]


def competitor_comparison(product: Product) -> Comparison:
    return Comparison(product=product, vision=vision_of(product), competitors=list(competitors_by_threat(product)))
