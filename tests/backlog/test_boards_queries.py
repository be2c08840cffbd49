"""Query counts of the MoSCoW board and the value vs effort matrix: 5 features and 60 cost the
same, with a tight bound, and more features really are shown (tests/harness/queries.py)."""

from __future__ import annotations

from itertools import count
from typing import Any

import pytest

from backlog.models import FeatureStatus, MoSCoW
from tests.factories import CriterionFactory, FeatureFactory, ReleaseFactory
from tests.harness.queries import measure, ok, page

pytestmark = pytest.mark.django_db

# fmt: off
BOUNDS = {
    # surface                                   max queries (5 features or 60)
    "page: moscow board":                       9,
    "page: moscow board, filtered":             9,
    "page: value vs effort matrix":             9,
}
# fmt: on

_seq = count(1)
COLUMNS = ["", *MoSCoW.values]


def add_features(product: Any, n: int) -> None:
    statuses = list(FeatureStatus.objects.filter(workspace_id=product.workspace_id))
    for _ in range(n):
        i = next(_seq)
        FeatureFactory(
            product=product,
            title=f"Feature {i:04d}",
            status=statuses[i % 5],  # none done or won't do
            moscow=COLUMNS[i % len(COLUMNS)],
            effort=(i % 12) + 0.5,
            rice_score=float(i * 7 % 900),
            scorecard_score=float(i * 13 % 100),
        )


def cards(response: Any) -> int:
    return sum(len(c.cards) for c in response.context["columns"])


def test_moscow_board(team, product, django_assert_max_num_queries):
    client = page(team.editor)
    measure(
        BOUNDS,
        django_assert_max_num_queries,
        "page: moscow board",
        lambda: ok(client.get("/w/acme/products/atlas/backlog/moscow/")),
        lambda n: add_features(product, n),
        cards,
    )


def test_moscow_board_filtered_with_closed_shown(team, product, django_assert_max_num_queries):
    ReleaseFactory(product=product, name="2027.1")  # a choice of the release filter
    client = page(team.viewer)
    url = "/w/acme/products/atlas/backlog/moscow/?q=feature&closed=1&release=none&initiative=none&type=feature"
    measure(
        BOUNDS,
        django_assert_max_num_queries,
        "page: moscow board, filtered",
        lambda: ok(client.get(url)),
        lambda n: add_features(product, n),
        cards,
    )


def test_value_effort_matrix(team, product, django_assert_max_num_queries):
    CriterionFactory(product=product, name="Value")
    client = page(team.viewer)
    measure(
        BOUNDS,
        django_assert_max_num_queries,
        "page: value vs effort matrix",
        lambda: ok(client.get("/w/acme/products/atlas/backlog/matrix/")),
        lambda n: add_features(product, n),
        lambda r: len(r.context["placed"]),
    )
