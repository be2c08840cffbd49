"""Query counts of the vision's list page and list endpoint (like tests/pmtool/test_queries.py):
5 rows and 60 rows cost the same, tight bound, and more rows really are shown."""

from __future__ import annotations

from typing import Any

import pytest

from pmtool.models import User
from strategy.models import VISION_FIELDS, Vision, VisionRevision
from strategy.services.vision import vision_update
from tests.factories import UserFactory
from tests.harness.queries import api, measure, ok, page

pytestmark = pytest.mark.django_db

# fmt: off
BOUNDS = {
    # surface                                   max queries (5 rows or 60)
    "page: vision history (with comparison)":   8,
    "api: vision revisions":                    3,
}
# fmt: on


def add_revisions(team: Any, product: Any, n: int) -> None:
    """`n` more revisions by different people (each a real save through the service)."""
    authors = [team.admin, team.editor, UserFactory()]
    for i in range(n):
        vision = Vision.objects.filter(product=product).first()
        version = vision.version if vision else 0
        field = VISION_FIELDS[i % len(VISION_FIELDS)]
        vision_update(
            actor=team.actor("admin") if i % 3 == 0 else _actor(authors[i % 3]),
            product=product,
            version=version,
            **{field: f"Text {version + 1} of the {field.replace('_', ' ')}."},
        )


def _actor(user: User) -> Any:
    from pmtool.activity import Actor

    return Actor(user=user)


def test_vision_history_page(team, product, django_assert_max_num_queries):
    client = page(team.viewer)
    measure(
        BOUNDS,
        django_assert_max_num_queries,
        "page: vision history (with comparison)",
        lambda: ok(client.get("/w/acme/products/atlas/vision/history/")),
        lambda n: add_revisions(team, product, n),
        lambda r: len(r.context["revisions"]),  # the page shows the latest 50
    )


def test_vision_revisions_api(team, product, django_assert_max_num_queries):
    client = api(team.viewer)
    measure(
        BOUNDS,
        django_assert_max_num_queries,
        "api: vision revisions",
        lambda: ok(client.get(f"/api/v1/products/{product.pk}/vision/revisions/")),
        lambda n: add_revisions(team, product, n),
        lambda r: len(r.json()["results"]),
    )
    assert VisionRevision.objects.count() == 60
