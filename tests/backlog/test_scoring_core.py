"""The score formulas and the set-based scorecard recompute (one statement, history for changed rows only)."""

from decimal import Decimal

import pytest

from backlog.models import CriterionValue, ScoreCause, ScoreHistory
from backlog.scoring import feature_rescore, product_scores_recompute, rice_score, score_event
from pmtool.activity import Actor
from tests.factories import CriterionFactory, FeatureFactory, ProductFactory

pytestmark = pytest.mark.django_db


def test_rice_is_reach_times_impact_times_confidence_over_effort():
    assert rice_score(1000, 2, 80, 4) == pytest.approx(400.0)
    assert rice_score(None, 2, 80, 4) is None
    assert rice_score(1000, 2, 80, 0) is None


def test_recompute_writes_changed_scores_and_their_history_only(django_assert_num_queries):
    product = ProductFactory()
    value = CriterionFactory(product=product, weight=3, scale_min=1, scale_max=5)
    risk = CriterionFactory(product=product, weight=1, scale_min=1, scale_max=5, direction="cost")
    full, partial, untouched = FeatureFactory.create_batch(3, product=product)
    CriterionValue.objects.bulk_create(
        [
            CriterionValue(feature=full, criterion=value, value=5),
            CriterionValue(feature=full, criterion=risk, value=2),
            CriterionValue(feature=partial, criterion=value, value=3),
        ]
    )
    event = score_event(product_id=product.pk, actor=Actor.for_system("test"), cause=ScoreCause.RECOMPUTE, detail={})
    with django_assert_num_queries(1):
        changed = product_scores_recompute(product_id=product.pk, event=event)
    assert changed == 1
    full.refresh_from_db()
    partial.refresh_from_db()
    # value: (5-1)/4 = 1 at weight 3; risk (cost): (5-2)/4 = 0.75 at weight 1 -> 100 * 3.75 / 4
    assert full.scorecard_score == pytest.approx(93.75)
    assert partial.scorecard_score is None  # a criterion without a value: empty, not zero
    assert list(ScoreHistory.objects.values_list("feature_id", "scorecard_score")) == [(full.pk, pytest.approx(93.75))]
    assert product_scores_recompute(product_id=product.pk, event=event) == 0  # nothing changed: no rows
    assert ScoreHistory.objects.count() == 1
    untouched.refresh_from_db()
    assert untouched.scorecard_score is None


def test_feature_rescore_stores_rice_in_the_same_transaction():
    feature = FeatureFactory(reach=500, impact=Decimal("1"), confidence=50, effort=Decimal("2.5"))
    assert feature_rescore(feature, actor=Actor.for_system("test")) is True
    feature.refresh_from_db()
    assert feature.rice_score == pytest.approx(100.0)
    assert ScoreHistory.objects.get().rice_score == pytest.approx(100.0)
    assert feature_rescore(feature, actor=None) is False
