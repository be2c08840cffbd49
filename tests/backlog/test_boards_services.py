"""feature_moscow_set: the rules (a known column or "", the version checked, a no-op keeps the
version), the activity event, and the score-history row "why did this move" reads."""

from __future__ import annotations

from typing import Any

import pytest

from backlog.models import Feature, ScoreCause, ScoreEvent, ScoreHistory
from backlog.services.moscow import feature_moscow_set, moscow_label
from pmtool.errors import ValidationError
from pmtool.models import ActivityEvent
from pmtool.versioning import StaleVersion
from tests.factories import FeatureFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def feature(product: Any) -> Feature:
    return FeatureFactory(product=product, title="Offline maps", reach=1000, impact=2, confidence=80, effort=4)


def test_moves_to_a_column_bumps_the_version_and_records_who(team: Any, feature: Feature) -> None:
    moved = feature_moscow_set(actor=team.actor("editor"), feature_id=feature.pk, version=1, moscow="must")

    assert moved.moscow == "must"
    assert moved.version == 2
    stored = Feature.objects.get(pk=feature.pk)
    assert (stored.moscow, stored.version, stored.updated_by_id) == ("must", 2, team.editor.pk)
    assert stored.rank == feature.rank  # a category, not a position


def test_records_an_activity_event_with_the_columns_as_people_read_them(team: Any, feature: Feature) -> None:
    feature_moscow_set(actor=team.actor(), feature_id=feature.pk, version=1, moscow="should")

    event = ActivityEvent.objects.get(target_id=feature.pk, action="updated")
    assert event.changes == {"moscow": {"from": "Not yet sorted", "to": "Should have"}}
    assert event.product_id == feature.product_id
    assert event.workspace_id == team.workspace.pk


def test_records_the_move_in_the_score_history(team: Any, feature: Feature) -> None:
    feature_moscow_set(actor=team.actor(), feature_id=feature.pk, version=1, moscow="could")

    event = ScoreEvent.objects.get(product_id=feature.product_id)
    assert event.cause == ScoreCause.INPUT_EDITED
    assert event.detail == {"feature": feature.pk, "moscow": {"from": "", "to": "could"}}
    assert event.actor_user_id == team.admin.pk
    row = ScoreHistory.objects.get(event=event)
    assert row.feature_id == feature.pk
    assert row.rank == feature.rank
    assert row.rice_score == pytest.approx(400.0)  # 1000 × 2 × 0.8 ÷ 4


def test_back_to_not_yet_sorted(team: Any, feature: Feature) -> None:
    feature_moscow_set(actor=team.actor(), feature_id=feature.pk, version=1, moscow="wont")
    moved = feature_moscow_set(actor=team.actor(), feature_id=feature.pk, version=2, moscow="")
    assert (moved.moscow, moved.version) == ("", 3)
    assert ActivityEvent.objects.filter(target_id=feature.pk).count() == 2


def test_the_column_it_is_in_changes_nothing(team: Any, feature: Feature) -> None:
    feature_moscow_set(actor=team.actor(), feature_id=feature.pk, version=1, moscow="must")
    again = feature_moscow_set(actor=team.actor("editor"), feature_id=feature.pk, version=2, moscow="must")

    assert again.version == 2
    assert ActivityEvent.objects.filter(target_id=feature.pk).count() == 1
    assert ScoreEvent.objects.count() == 1


def test_a_stale_version_writes_nothing_and_carries_the_current_column(team: Any, feature: Feature) -> None:
    feature_moscow_set(actor=team.actor("editor"), feature_id=feature.pk, version=1, moscow="should")

    with pytest.raises(StaleVersion) as caught:
        feature_moscow_set(actor=team.actor(), feature_id=feature.pk, version=1, moscow="must")

    assert caught.value.current.moscow == "should"
    assert caught.value.current_version == 2
    assert Feature.objects.get(pk=feature.pk).moscow == "should"
    assert ActivityEvent.objects.filter(target_id=feature.pk).count() == 1


@pytest.mark.parametrize("bad", ["MUST", "later", " must", None, 3, "none"])
def test_refuses_an_unknown_column(team: Any, feature: Feature, bad: Any) -> None:
    with pytest.raises(ValidationError) as caught:
        feature_moscow_set(actor=team.actor(), feature_id=feature.pk, version=1, moscow=bad)
    assert "moscow" in caught.value.fields
    assert Feature.objects.get(pk=feature.pk).version == 1


def test_labels() -> None:
    assert moscow_label("must") == "Must have"
    assert moscow_label("") == "Not yet sorted"
