"""Query counts of the vision's list page and list endpoint (like tests/pmtool/test_queries.py):
5 rows and 60 rows cost the same, tight bound, and more rows really are shown."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client
from rest_framework.test import APIClient

from pmtool.models import User
from strategy.models import VISION_FIELDS, Vision, VisionRevision
from strategy.services.vision import vision_update
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

# fmt: off
BOUNDS = {
    # surface                                   max queries (5 rows or 60)
    "page: vision history (with comparison)":   8,
    "api: vision revisions":                    3,
}
# fmt: on


def measure(
    bounds: dict[str, int],
    assert_max: Any,
    surface: str,
    fetch: Callable[[], Any],
    grow: Callable[[int], None],
    rows: Callable[[Any], int],
) -> int:
    """5 rows, then 60: same bound, same count, and more rows really are on the page. Returns the count."""
    bound = bounds[surface]
    grow(5)
    fetch()  # warm per-process caches (content types) so both measurements see the same state
    with assert_max(bound) as small:
        response = fetch()
    shown = rows(response)
    assert shown >= 5
    grow(55)
    with assert_max(bound) as large:
        response = fetch()
    assert rows(response) > shown
    assert len(large) == len(small), f"{surface}: {len(small)} queries with 5 rows, {len(large)} with 60"
    return len(small)


def page(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def api(user: User) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def ok(response: Any) -> Any:
    assert response.status_code == 200, response.content[:500]
    return response


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
