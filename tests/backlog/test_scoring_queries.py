"""Query counts of the scorecard pages and endpoints: a constant number, whatever the number of
features, criteria or history rows (tests/harness/queries.py measures 5 rows, then 60)."""

from __future__ import annotations

from typing import Any

import pytest

from backlog.models import CriterionValue, Feature, ScoreCause, ScoreHistory
from backlog.scoring import score_event
from backlog.services.scorecard import criterion_create
from tests.factories import CriterionFactory, FeatureFactory
from tests.harness.queries import api, measure, ok, page

pytestmark = pytest.mark.django_db

# fmt: off
BOUNDS = {
    # surface                                   max queries (5 rows or 60)
    "page: scorecard":                          9,
    "page: feature scores":                     11,
    "api: criteria":                            4,
    "api: feature scores":                      6,
    "api: score history":                       4,
    "api: why moved":                           6,
}
# fmt: on


@pytest.fixture
def card(team: Any, product: Any) -> tuple[Any, Feature]:
    actor = team.actor()
    criterion_create(actor=actor, product=product, name="Value", weight=3)
    feature = FeatureFactory(product=product, title="Dark mode")
    return product, feature


def add_criteria(product: Any, feature: Feature, n: int) -> None:
    start = product.scorecard_criteria.count()
    for i in range(n):
        c = CriterionFactory(product=product, name=f"Criterion {start + i}", position=start + i)
        CriterionValue.objects.create(feature=feature, criterion=c, value=3)


def add_scored_features(product: Any, n: int) -> None:
    for i in range(n):
        FeatureFactory(product=product, scorecard_score=float(i))


def add_history(feature: Feature, n: int) -> None:
    for i in range(n):
        event = score_event(
            product_id=feature.product_id, actor=None, cause=ScoreCause.RECOMPUTE, detail={"answers": []}
        )
        ScoreHistory.objects.create(event=event, feature=feature, scorecard_score=float(i), rank=feature.rank)


def test_scorecard_page(team, card, django_assert_max_num_queries):
    product, feature = card
    client = page(team.viewer)
    measure(BOUNDS, django_assert_max_num_queries, "page: scorecard",
            lambda: ok(client.get("/w/acme/products/atlas/backlog/scorecard/")),
            lambda n: (add_criteria(product, feature, n), add_scored_features(product, n)),
            lambda r: len(r.context["criteria"]) + min(len(r.context["top"]), 1))  # fmt: skip


def test_feature_scores_page(team, card, django_assert_max_num_queries):
    product, feature = card
    client = page(team.viewer)
    measure(BOUNDS, django_assert_max_num_queries, "page: feature scores",
            lambda: ok(client.get(f"/w/acme/features/{feature.pk}/scores/")),
            lambda n: (add_criteria(product, feature, n), add_history(feature, n)),
            lambda r: len(r.context["explanation"].scorecard.parts))  # fmt: skip


def test_criteria_api(team, card, django_assert_max_num_queries):
    product, feature = card
    client = api(team.viewer)
    measure(BOUNDS, django_assert_max_num_queries, "api: criteria",
            lambda: ok(client.get(f"/api/v1/products/{product.pk}/criteria/?page_size=200")),
            lambda n: add_criteria(product, feature, n),
            lambda r: len(r.json()["results"]))  # fmt: skip


def test_feature_scores_api(team, card, django_assert_max_num_queries):
    product, feature = card
    client = api(team.viewer)
    measure(BOUNDS, django_assert_max_num_queries, "api: feature scores",
            lambda: ok(client.get(f"/api/v1/features/{feature.pk}/scores/")),
            lambda n: add_criteria(product, feature, n),
            lambda r: len(r.json()["explanation"]["scorecard"]["parts"]))  # fmt: skip


def test_score_history_api(team, card, django_assert_max_num_queries):
    _product, feature = card
    client = api(team.viewer)
    measure(BOUNDS, django_assert_max_num_queries, "api: score history",
            lambda: ok(client.get(f"/api/v1/features/{feature.pk}/score-history/?page_size=200")),
            lambda n: add_history(feature, n),
            lambda r: len(r.json()["results"]))  # fmt: skip


def test_why_moved_api(team, card, django_assert_max_num_queries):
    _product, feature = card
    client = api(team.viewer)
    measure(BOUNDS, django_assert_max_num_queries, "api: why moved",
            lambda: ok(client.get(f"/api/v1/features/{feature.pk}/why-moved/?from=2000-01-01T00:00:00Z")),
            lambda n: add_history(feature, n),
            lambda r: len(r.json()["reasons"]))  # fmt: skip
