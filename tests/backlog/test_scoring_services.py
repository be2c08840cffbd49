"""Scorecard services: criteria changes request a recompute (coalesced), values rescore one feature,
the recompute's lock and bookkeeping, the explanation and "why did this move?"."""

from __future__ import annotations

import datetime as dt
import threading
from decimal import Decimal

import pytest
from django.db import connection, connections
from django.utils import timezone

from backlog.explain import explain_feature, number
from backlog.models import BacklogSettings, CriterionValue, ScoreCause, ScoreEvent, ScoreHistory
from backlog.scoring import RECOMPUTE_LOCK_NAMESPACE, scores_refresh
from backlog.selectors.scoring import criteria_with_shares, score_history_of, why_moved
from backlog.services import scorecard as services
from pmtool.activity import Actor
from pmtool.errors import Conflict, ValidationError
from pmtool.models import ActivityEvent
from pmtool.versioning import StaleVersion
from tests.factories import CriterionFactory, FeatureFactory, ProductFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def alice():
    return Actor(user=UserFactory(name="Alice"))


@pytest.fixture
def card(alice):
    """A product with two criteria (value 1–5 weight 3, risk 1–5 cost weight 1) and two scored features."""
    product = ProductFactory()
    value = services.criterion_create(actor=alice, product=product, name="Value", weight=3)
    risk = services.criterion_create(actor=alice, product=product, name="Risk", weight=1, direction="cost")
    a, b = FeatureFactory.create_batch(2, product=product)
    a = services.feature_values_set(actor=alice, feature_id=a.pk, version=a.version, values={value.pk: 5, risk.pk: 2})
    b = services.feature_values_set(actor=alice, feature_id=b.pk, version=b.version, values={value.pk: 3, risk.pk: 1})
    return product, value, risk, a, b


def test_values_set_rescores_in_the_same_transaction_and_bumps_the_version(card, alice):
    _product, _value, risk, a, _b = card
    assert a.scorecard_score == pytest.approx(93.75)  # (3 × 1 + 1 × 0.75) ÷ 4
    assert a.version == 2
    a = services.feature_values_set(actor=alice, feature_id=a.pk, version=2, values={risk.pk: None})
    assert a.scorecard_score is None  # a criterion without a value: empty, never zero
    assert a.version == 3
    assert not CriterionValue.objects.filter(feature=a, criterion=risk).exists()
    row = score_history_of(a).first()
    assert row.event.cause == ScoreCause.INPUT_EDITED
    assert row.event.detail == {"scorecard": {"Risk": {"from": 2, "to": None}}}
    assert ActivityEvent.objects.filter(target_id=a.pk, action="updated").exists()


@pytest.mark.parametrize(
    ("values", "field"),
    [({"value": 6}, "values.{value}"), ({"value": 0}, "values.{value}"), ({"other": 3}, "values.{other}")],
)
def test_values_outside_the_scale_or_of_another_product_are_refused(card, alice, values, field):
    _product, value, _risk, a, _b = card
    other = CriterionFactory()
    ids = {"value": value.pk, "other": other.pk}
    with pytest.raises(ValidationError) as caught:
        services.feature_values_set(
            actor=alice, feature_id=a.pk, version=a.version, values={ids[k]: v for k, v in values.items()}
        )
    assert list(caught.value.fields) == [field.format(**ids)]


def test_values_with_a_stale_version_change_nothing(card, alice):
    _product, value, _risk, a, _b = card
    with pytest.raises(StaleVersion):
        services.feature_values_set(actor=alice, feature_id=a.pk, version=1, values={value.pk: 1})
    assert CriterionValue.objects.get(feature=a, criterion=value).value == 5


def test_a_criterion_change_records_its_event_and_requests_a_recompute(card, alice):
    product, value, _risk, _a, _b = card
    before = BacklogSettings.objects.get(product=product).scores_requested_at
    services.criterion_update(actor=alice, criterion_id=value.pk, version=value.version, weight=1)
    settings = BacklogSettings.objects.get(product=product)
    assert settings.scores_requested_at > before
    event = ScoreEvent.objects.filter(cause=ScoreCause.CRITERION_CHANGED).first()
    assert event.detail["weight"] == {"from": 3, "to": 1}
    assert event.detail["criterion"] == "Value"
    assert event.detail["by"] == "Alice"
    assert event.created_at == settings.scores_requested_at


def test_renaming_a_criterion_requests_no_recompute(card, alice):
    product, value, *_ = card
    before = BacklogSettings.objects.get(product=product).scores_requested_at
    services.criterion_update(actor=alice, criterion_id=value.pk, version=value.version, name="Customer value")
    assert BacklogSettings.objects.get(product=product).scores_requested_at == before


def test_a_scale_that_leaves_values_outside_is_refused_naming_how_many(card, alice):
    _product, value, *_ = card
    with pytest.raises(Conflict) as caught:
        services.criterion_update(actor=alice, criterion_id=value.pk, version=value.version, scale_max=4)
    assert "1 feature has a value" in caught.value.message
    assert caught.value.code == "values_outside_scale"
    services.criterion_update(actor=alice, criterion_id=value.pk, version=value.version, scale_max=10)


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"weight": 0}, "weight"),
        ({"weight": 101}, "weight"),
        ({"weight": 2.5}, "weight"),
        ({"scale_min": 5, "scale_max": 5}, "scale_max"),
        ({"scale_min": -101}, "scale_min"),
        ({"direction": "sideways"}, "direction"),
        ({"name": " "}, "name"),
        ({"name": "value"}, "name"),  # taken, whatever the case
    ],
)
def test_bad_criteria_are_refused(card, alice, kwargs, field):
    product, *_ = card
    with pytest.raises(ValidationError) as caught:
        services.criterion_create(actor=alice, product=product, **{"name": "Reach", **kwargs})
    assert field in caught.value.fields


def test_refresh_recomputes_once_per_burst_and_names_the_changes(card, alice):
    product, value, _risk, a, _b = card
    assert scores_refresh(product_id=product.pk).outcome == "done"  # answers the two creates
    for weight in (4, 5, 6):
        value.refresh_from_db()
        services.criterion_update(actor=alice, criterion_id=value.pk, version=value.version, weight=weight)
    result = scores_refresh(product_id=product.pk)
    assert result.outcome == "done"
    assert scores_refresh(product_id=product.pk).outcome == "current"
    event = ScoreEvent.objects.get(pk=result.event_id)
    assert [c["weight"]["to"] for c in event.detail["answers"]] == [4, 5, 6]
    a.refresh_from_db()
    assert a.scorecard_score == pytest.approx(100 * (6 + 0.75) / 7)
    assert ScoreHistory.objects.filter(event=event).count() == 2


@pytest.mark.django_db(transaction=True)
def test_refresh_is_busy_while_another_holds_the_products_lock(alice):
    if connection.vendor != "postgresql":
        pytest.skip("advisory locks are PostgreSQL's")
    product = ProductFactory()
    value = services.criterion_create(actor=alice, product=product, name="Value")  # recomputed in-process on commit
    services.criterion_update(actor=alice, criterion_id=value.pk, version=value.version, weight=2)
    runs = ScoreEvent.objects.filter(cause=ScoreCause.RECOMPUTE).count()
    held, release = threading.Event(), threading.Event()

    settings = BacklogSettings.objects.get(product=product)
    BacklogSettings.objects.filter(pk=settings.pk).update(
        scores_computed_at=None
    )  # as if the update's run had not come

    def hold() -> None:
        other = connections.create_connection("default")
        try:
            with other.cursor() as cursor:
                cursor.execute("BEGIN")
                cursor.execute("SELECT pg_advisory_xact_lock(%s, hashint8(%s))", [RECOMPUTE_LOCK_NAMESPACE, product.pk])
                held.set()
                release.wait(10)
                cursor.execute("COMMIT")
        finally:
            other.close()

    thread = threading.Thread(target=hold)
    thread.start()
    assert held.wait(10)
    try:
        assert scores_refresh(product_id=product.pk).outcome == "busy"
        assert ScoreEvent.objects.filter(cause=ScoreCause.RECOMPUTE).count() == runs
    finally:
        release.set()
        thread.join()
    assert scores_refresh(product_id=product.pk).outcome == "done"


def test_reorder_changes_the_order_only(card, alice):
    product, value, risk, *_ = card
    before = BacklogSettings.objects.get(product=product).scores_requested_at
    ordered = services.criteria_reorder(actor=alice, product=product, criterion_ids=[risk.pk, value.pk])
    assert [c.name for c in ordered] == ["Risk", "Value"]
    assert BacklogSettings.objects.get(product=product).scores_requested_at == before
    with pytest.raises(ValidationError):
        services.criteria_reorder(actor=alice, product=product, criterion_ids=[risk.pk])
    assert [round(c.share, 2) for c in criteria_with_shares(product)] == [0.25, 0.75]


def test_delete_needs_the_version_and_requests_a_recompute(card, alice):
    product, _value, risk, a, _b = card
    with pytest.raises(StaleVersion):
        services.criterion_delete(actor=alice, criterion_id=risk.pk, version=risk.version + 1)
    services.criterion_delete(actor=alice, criterion_id=risk.pk, version=risk.version)
    assert scores_refresh(product_id=product.pk).outcome == "done"
    a.refresh_from_db()
    assert a.scorecard_score == pytest.approx(100.0)


def test_explanation_in_words(card):
    _product, _value, _risk, a, _b = card
    a.reach, a.impact, a.confidence, a.effort, a.moscow = 2000, Decimal("2"), 80, Decimal("4"), "must"
    explanation = explain_feature(a)
    assert explanation.rice.formula == "2,000 × 2 × 0.8 ÷ 4 = 800"
    assert [i.text for i in explanation.rice.inputs] == [
        "Reach: 2,000 people per quarter",
        "Impact: 2 (high)",
        "Confidence: 80%",
        "Effort: 4 person-months",
    ]
    value_part, risk_part = explanation.scorecard.parts
    assert value_part.text.startswith("Value: 5 on 1–5 → 1, weight 3 → 75 points")
    assert risk_part.text.startswith("Risk: 2 on 1–5, lower is better → 0.75, weight 1 → 18.75 points")
    assert explanation.scorecard.text == "Scorecard: 75 + 18.75 = 93.8 of 100"
    assert explanation.moscow == "Must have"
    a.effort = None
    assert explain_feature(a).rice.text == "RICE: no score yet: effort missing."


def test_explanation_names_missing_criteria(card, alice):
    _product, _value, risk, _a, b = card
    services.feature_values_set(actor=alice, feature_id=b.pk, version=b.version, values={risk.pk: None})
    assert explain_feature(b).scorecard.text == "Scorecard: no score yet: no value for Risk."
    assert number(1234567.891) == "1,234,567.89"
    assert number(0.5) == "0.5"


def test_why_moved_names_the_reweighting_and_its_recompute(card, alice):
    product, value, _risk, a, _b = card
    scores_refresh(product_id=product.pk)
    t1 = timezone.now()
    services.criterion_update(actor=alice, criterion_id=value.pk, version=value.version, weight=1)
    scores_refresh(product_id=product.pk)
    t2 = timezone.now()
    answer = why_moved(a, t1, t2)
    assert answer.start.scorecard_score == pytest.approx(93.75)
    assert answer.end.scorecard_score == pytest.approx(87.5)
    assert "its scorecard score went from 93.8 to 87.5" in answer.summary
    assert "Alice lowered the weight of Value from 3 to 1 (recomputed at" in answer.summary
    assert why_moved(a, t2, t2 + dt.timedelta(days=1)).summary.endswith("nothing changed its scores or rank.")
