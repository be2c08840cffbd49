"""Properties of the score formulas (hypothesis): RICE is monotone in each input and empty exactly
when an input is missing; the scorecard stays in [0, 100], a benefit's higher value never lowers it
and a cost's never raises it, and multiplying every weight by k changes nothing; and the set-based
SQL recompute equals the Python formula for random criteria and values."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from backlog.models import CriterionValue, Feature, ScoreCause
from backlog.scoring import Criterion, product_scores_recompute, rice_score, score_event, scorecard_score
from tests.factories import CriterionFactory, FeatureFactory, ProductFactory

reach = st.integers(min_value=0, max_value=1_000_000_000)
impact = st.sampled_from([Decimal("0.25"), Decimal("0.5"), Decimal("1"), Decimal("2"), Decimal("3")])
confidence = st.integers(min_value=0, max_value=100)
effort = st.decimals(min_value=Decimal("0.01"), max_value=Decimal("10000"), places=2)
maybe = st.one_of(st.none(), st.just(True))


@st.composite
def scale(draw: st.DrawFn) -> tuple[int, int]:
    low = draw(st.integers(min_value=-100, max_value=99))
    high = draw(st.integers(min_value=low + 1, max_value=100))
    return low, high


@st.composite
def scorecards(draw: st.DrawFn) -> tuple[list[Criterion], dict[int, int]]:
    """1–6 criteria, each with a value on its scale."""
    n = draw(st.integers(min_value=1, max_value=6))
    criteria, values = [], {}
    for i in range(n):
        low, high = draw(scale())
        direction = draw(st.sampled_from(["benefit", "cost"]))
        criteria.append(Criterion(i + 1, draw(st.integers(min_value=1, max_value=100)), direction, low, high))
        values[i + 1] = draw(st.integers(min_value=low, max_value=high))
    return criteria, values


@given(
    reach, impact, confidence, effort, st.integers(min_value=0, max_value=3), st.integers(min_value=1, max_value=1000)
)
def test_rice_is_monotone_in_each_input(r, i, c, e, which, step):
    base = rice_score(r, i, c, e)
    assert base is not None and base >= 0
    if which == 0:
        assert rice_score(r + step, i, c, e) >= base
    elif which == 1:
        assert rice_score(r, min(i * 2, Decimal(3)), c, e) >= base
    elif which == 2:
        assert rice_score(r, i, min(c + step, 100), e) >= base
    else:  # more effort never raises it
        assert rice_score(r, i, c, e + step) <= base


@given(reach, impact, confidence, effort, maybe, maybe, maybe, maybe)
def test_rice_is_empty_iff_an_input_is_missing(r, i, c, e, drop_r, drop_i, drop_c, drop_e):
    inputs = [None if drop_r else r, None if drop_i else i, None if drop_c else c, None if drop_e else e]
    score = rice_score(*inputs)
    assert (score is None) == any(v is None for v in inputs)


@given(scorecards())
def test_scorecard_is_within_0_and_100(card):
    criteria, values = card
    score = scorecard_score(criteria, values)
    assert score is not None
    assert -1e-9 <= score <= 100 + 1e-9


@given(scorecards(), st.data())
def test_a_better_value_never_lowers_the_score(card, data):
    criteria, values = card
    c = data.draw(st.sampled_from(criteria))
    before = scorecard_score(criteria, values)
    raised = {**values, c.id: data.draw(st.integers(min_value=values[c.id], max_value=c.scale_max))}
    after = scorecard_score(criteria, raised)
    assert before is not None and after is not None
    if c.direction == "benefit":
        assert after >= before - 1e-9  # a benefit's higher value never lowers it
    else:
        assert after <= before + 1e-9  # a cost's higher value never raises it


@given(scorecards(), st.integers(min_value=2, max_value=50))
def test_weights_are_scale_invariant(card, k):
    criteria, values = card
    scaled = [Criterion(c.id, c.weight * k, c.direction, c.scale_min, c.scale_max) for c in criteria]
    assert scorecard_score(scaled, values) == pytest.approx(scorecard_score(criteria, values), abs=1e-9)


@given(scorecards(), st.data())
def test_a_missing_value_leaves_the_score_empty(card, data):
    criteria, values = card
    dropped = data.draw(st.sampled_from(criteria))
    assert scorecard_score(criteria, {k: v for k, v in values.items() if k != dropped.id}) is None


@pytest.mark.django_db
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(scorecards(), min_size=1, max_size=4), st.data())
def test_the_sql_recompute_equals_the_python_formula(cards, data):
    """Features of one product share its criteria: the first card gives the criteria, every card a
    feature's values (some dropped, so some scores are empty)."""
    product = ProductFactory()
    criteria, _ = cards[0]
    rows = {
        c.id: CriterionFactory(
            product=product,
            weight=c.weight,
            direction=c.direction,
            scale_min=c.scale_min,
            scale_max=c.scale_max,
        )
        for c in criteria
    }
    real = [Criterion(rows[c.id].pk, c.weight, c.direction, c.scale_min, c.scale_max) for c in criteria]
    expected: dict[int, float | None] = {}
    for _ in cards:
        feature = FeatureFactory(product=product)
        values = {}
        for c in criteria:
            if data.draw(st.integers(min_value=0, max_value=9), label="drop it") == 0:
                continue  # one in ten values left out: that feature's score is empty
            values[rows[c.id].pk] = data.draw(st.integers(min_value=c.scale_min, max_value=c.scale_max))
        CriterionValue.objects.bulk_create(
            CriterionValue(feature=feature, criterion_id=pk, value=v) for pk, v in values.items()
        )
        expected[feature.pk] = scorecard_score(real, values)
    event = score_event(product_id=product.pk, actor=None, cause=ScoreCause.RECOMPUTE, detail={})
    product_scores_recompute(product_id=product.pk, event=event)
    stored = dict(Feature.objects.filter(product=product).values_list("id", "scorecard_score"))
    for pk, score in expected.items():
        if score is None:
            assert stored[pk] is None
        else:
            assert stored[pk] == pytest.approx(score, abs=1e-9)
