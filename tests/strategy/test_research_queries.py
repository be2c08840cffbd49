"""Query counts of the persona and competitor lists (pages and endpoints) and the comparison page:
5 rows and 60 rows cost the same, tight bound, and more rows really are shown."""

from __future__ import annotations

from itertools import count
from typing import Any

import pytest
from django.utils import timezone

from strategy.models import Competitor, Persona, ThreatLevel
from strategy.services.vision import vision_update
from tests.harness.queries import api, measure, ok, page

pytestmark = pytest.mark.django_db

# fmt: off
BOUNDS = {
    # surface                                   max queries (5 rows or 60)
    "page: personas":                           6,
    "page: competitors":                        6,
    "page: competitor comparison":              7,
    "api: personas":                            2,
    "api: competitors":                         2,
}
# fmt: on

_seq = count(1)


def add_personas(product: Any, n: int) -> None:
    now = timezone.now()
    Persona.objects.bulk_create(
        Persona(
            product=product,
            name=f"Persona {i:04d}",
            role="Operations lead",
            goals="- One plan\n- Fewer meetings",
            pains="**Spreadsheets** everywhere.",
            quote="I just want one plan.",
            created_at=now,
            updated_at=now,
        )
        for i in (next(_seq) for _ in range(n))
    )


def add_competitors(product: Any, n: int) -> None:
    now = timezone.now()
    levels = ThreatLevel.values
    Competitor.objects.bulk_create(
        Competitor(
            product=product,
            name=f"Rival {i:04d}",
            website=f"https://rival{i}.example",
            positioning="Enterprise planning.",
            strengths="- Brand\n- Sales team",
            weaknesses="Slow setup.",
            pricing_notes="$40 per seat.",
            threat_level=levels[i % 3],
            created_at=now,
            updated_at=now,
        )
        for i in (next(_seq) for _ in range(n))
    )


def test_personas_page(team, product, django_assert_max_num_queries):
    client = page(team.viewer)
    measure(
        BOUNDS,
        django_assert_max_num_queries,
        "page: personas",
        lambda: ok(client.get("/w/acme/products/atlas/personas/")),
        lambda n: add_personas(product, n),
        lambda r: len(r.context["personas"]),
    )


def test_competitors_page(team, product, django_assert_max_num_queries):
    client = page(team.editor)
    measure(
        BOUNDS,
        django_assert_max_num_queries,
        "page: competitors",
        lambda: ok(client.get("/w/acme/products/atlas/competitors/")),
        lambda n: add_competitors(product, n),
        lambda r: len(r.context["competitors"]),
    )


def test_competitor_comparison_page(team, product, django_assert_max_num_queries):
    vision_update(actor=team.actor(), product=product, version=0, differentiation="Set up in a day.")
    client = page(team.viewer)
    measure(
        BOUNDS,
        django_assert_max_num_queries,
        "page: competitor comparison",
        lambda: ok(client.get("/w/acme/products/atlas/competitors/compare/")),
        lambda n: add_competitors(product, n),
        lambda r: len(r.context["competitors"]),
    )


def test_personas_api(team, product, django_assert_max_num_queries):
    client = api(team.viewer)
    measure(
        BOUNDS,
        django_assert_max_num_queries,
        "api: personas",
        lambda: ok(client.get(f"/api/v1/products/{product.pk}/personas/")),
        lambda n: add_personas(product, n),
        lambda r: len(r.json()["results"]),
    )


def test_competitors_api(team, product, django_assert_max_num_queries):
    client = api(team.viewer)
    measure(
        BOUNDS,
        django_assert_max_num_queries,
        "api: competitors",
        lambda: ok(client.get(f"/api/v1/products/{product.pk}/competitors/")),
        lambda n: add_competitors(product, n),
        lambda r: len(r.json()["results"]),
    )
