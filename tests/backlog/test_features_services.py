"""Services of features: every rule and bad input, optimistic locking, scores rewritten with their
history, the activity log, ranks at the bottom (also under concurrent creates and moves)."""

from __future__ import annotations

import datetime as dt
import threading
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection, connections

from backlog.models import (
    Feature,
    FeatureStatus,
    ScoreEvent,
    ScoreHistory,
    StatusCategory,
    Tag,
)
from backlog.services.features import (
    feature_archive,
    feature_create,
    feature_delete,
    feature_restore,
    feature_update,
)
from pmtool.errors import ValidationError
from pmtool.models import ActivityEvent
from pmtool.versioning import StaleVersion
from strategy.models import Initiative
from tests.factories import CriterionFactory, ProductFactory, ReleaseFactory, TeamFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def actor(team: Any) -> Any:
    return team.actor("editor")


def make(team: Any, product: Any, title: str = "Dark mode", **kwargs: Any) -> Feature:
    return feature_create(actor=team.actor("editor"), product=product, title=title, **kwargs)


def fields_of(exc: pytest.ExceptionInfo[Any]) -> dict[str, list[str]]:
    return exc.value.fields


def update(feature: Feature, actor: Any, **kwargs: Any) -> Feature:
    feature.refresh_from_db()
    return feature_update(actor=actor, feature_id=feature.pk, version=feature.version, **kwargs)


# --- create ----------------------------------------------------------------------------------


def test_create_defaults_and_bottom_rank(team: Any, product: Any, actor: Any) -> None:
    first = make(team, product, "One")
    second = make(team, product, "Two")
    assert first.rank < second.rank
    assert first.status.category == StatusCategory.BACKLOG
    assert first.status == FeatureStatus.objects.filter(workspace=team.workspace).order_by("position").first()
    assert first.created_by == team.editor and first.updated_by == team.editor
    assert first.version == 1 and first.type == "feature" and first.moscow == ""
    event = ActivityEvent.objects.get(target_id=first.pk, action="created")
    assert event.changes["title"] == {"from": None, "to": "One"}


def test_create_with_everything_scores_and_records_history(team: Any, product: Any) -> None:
    initiative = Initiative.objects.create(workspace=team.workspace, title="Retention")
    release = ReleaseFactory(product=product)
    squad = TeamFactory(workspace=team.workspace)
    status = FeatureStatus.objects.get(workspace=team.workspace, name="Planned")
    feature = make(
        team, product, "  Export  ", description="**bold**\n\n", type="improvement", status_id=status.pk,
        owner_id=team.viewer.pk, tags=["UX", "ux", " api "], initiative_id=initiative.pk, release_id=release.pk,
        team_id=squad.pk, start_date=dt.date(2026, 1, 1), due_date=dt.date(2026, 2, 1),
        reach=1000, impact="2", confidence=80, effort=Decimal("4"), moscow="must",
    )  # fmt: skip
    feature.refresh_from_db()
    assert feature.title == "Export" and feature.description == "**bold**"
    assert sorted(t.name for t in feature.tags.all()) == ["UX", "api"]
    assert feature.rice_score == pytest.approx(1000 * 2 * 0.8 / 4)
    assert (feature.status, feature.owner, feature.initiative, feature.release, feature.team) == (
        status, team.viewer, initiative, release, squad
    )  # fmt: skip
    history = ScoreHistory.objects.get(feature=feature)
    assert history.event.cause == "created" and history.rice_score == pytest.approx(400)
    changes = ActivityEvent.objects.get(target_id=feature.pk, action="created").changes
    assert changes["status"]["to"] == "Planned" and changes["owner"]["to"] == team.viewer.display_name
    assert changes["impact"]["to"] == 2 and changes["tags"]["to"] == "api, UX"


def test_missing_rice_input_leaves_score_empty(team: Any, product: Any) -> None:
    feature = make(team, product, reach=10, impact=1, confidence=50)
    assert feature.rice_score is None


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"title": ""}, "title"),
        ({"title": "   "}, "title"),
        ({"title": "x" * 201}, "title"),
        ({"title": "a\x00b"}, "title"),
        ({"description": "x" * 10_001}, "description"),
        ({"description": "\x00"}, "description"),
        ({"type": "story"}, "type"),
        ({"moscow": "maybe"}, "moscow"),
        ({"reach": -1}, "reach"),
        ({"reach": 1_000_000_001}, "reach"),
        ({"reach": 1.5}, "reach"),
        ({"reach": "10"}, "reach"),
        ({"reach": True}, "reach"),
        ({"impact": "4"}, "impact"),
        ({"impact": 0}, "impact"),
        ({"impact": "lots"}, "impact"),
        ({"impact": float("nan")}, "impact"),
        ({"confidence": 101}, "confidence"),
        ({"confidence": -5}, "confidence"),
        ({"effort": 0}, "effort"),
        ({"effort": -1}, "effort"),
        ({"effort": 0.001}, "effort"),
        ({"effort": 10_001}, "effort"),
        ({"effort": float("inf")}, "effort"),
        ({"tags": ["x" * 41]}, "tags"),
        ({"tags": [f"t{i}" for i in range(21)]}, "tags"),
        ({"tags": ["a\x00"]}, "tags"),
        ({"tags": [3]}, "tags"),
        ({"start_date": dt.date(2026, 3, 1), "due_date": dt.date(2026, 2, 1)}, "due_date"),
        ({"due_date": dt.date(1800, 1, 1)}, "due_date"),
        ({"start_date": dt.date(3000, 1, 1)}, "start_date"),
        ({"status_id": 10**9}, "status"),
        ({"owner_id": 10**9}, "owner"),
        ({"initiative_id": 10**9}, "initiative"),
        ({"release_id": 10**9}, "release"),
        ({"team_id": 10**9}, "team"),
        ({"parent_id": 10**9}, "parent"),
    ],
)
def test_create_refuses_bad_input(team: Any, product: Any, kwargs: dict[str, Any], field: str) -> None:
    values = {"title": "Dark mode", **kwargs}
    with pytest.raises(ValidationError) as exc:
        feature_create(actor=team.actor("editor"), product=product, **values)
    assert field in fields_of(exc)
    assert not Feature.objects.exists()


def test_effort_zero_message(team: Any, product: Any) -> None:
    with pytest.raises(ValidationError) as exc:
        make(team, product, effort=0)
    assert fields_of(exc) == {"effort": ["Effort must be more than 0 person-months."]}


def test_links_must_be_of_the_workspace_or_product(team: Any, product: Any) -> None:
    other_product = ProductFactory(workspace=team.workspace)
    foreign = ProductFactory(workspace=team.other_workspace)
    cases = {
        "status": FeatureStatus.objects.filter(workspace=team.other_workspace).first().pk,
        "owner": team.outsider.pk,
        "initiative": Initiative.objects.create(workspace=team.workspace, product=other_product, title="B").pk,
        "release": ReleaseFactory(product=other_product).pk,
        "team": TeamFactory(workspace=team.other_workspace).pk,
        "parent": make(team, foreign, "Epic elsewhere", type="epic").pk,
    }
    for field, pk in cases.items():
        with pytest.raises(ValidationError) as exc:
            make(team, product, **{f"{field}_id": pk})
        assert field in fields_of(exc), field
    # a workspace-wide initiative and a non-member's absence: fine
    wide = Initiative.objects.create(workspace=team.workspace, title="Wide")
    assert make(team, product, initiative_id=wide.pk).initiative == wide


def test_tags_are_shared_per_workspace_case_insensitively(team: Any, product: Any) -> None:
    make(team, product, "A", tags=["Mobile"])
    make(team, product, "B", tags=["mobile", "New"])
    assert sorted(Tag.objects.filter(workspace=team.workspace).values_list("name", flat=True)) == ["Mobile", "New"]


# --- the epic rules -------------------------------------------------------------------------


def test_parent_rules(team: Any, product: Any, actor: Any) -> None:
    epic = make(team, product, "Epic", type="epic")
    plain = make(team, product, "Plain")
    child = make(team, product, "Child", parent_id=epic.pk)
    assert child.parent == epic
    with pytest.raises(ValidationError, match="not an epic"):
        make(team, product, "Under plain", parent_id=plain.pk)
    with pytest.raises(ValidationError, match="epic cannot have a parent"):
        make(team, product, "Epic child", type="epic", parent_id=epic.pk)
    with pytest.raises(ValidationError) as exc:
        update(epic, actor, type="feature")
    assert "type" in fields_of(exc)
    other_epic = make(team, product, "Other epic", type="epic")
    with pytest.raises(ValidationError, match="epic cannot have a parent"):
        update(epic, actor, parent_id=other_epic.pk)
    with pytest.raises(ValidationError, match="own parent"):
        update(other_epic, actor, parent_id=other_epic.pk)
    with pytest.raises(ValidationError, match="epic cannot have a parent"):
        update(child, actor, type="epic")
    # moving the child out lets the epic stop being one; a child can then become an epic if it leaves
    update(child, actor, parent_id=None, type="epic")
    assert update(epic, actor, type="feature").type == "feature"


def test_archived_epic_takes_no_children(team: Any, product: Any, actor: Any) -> None:
    epic = make(team, product, "Epic", type="epic")
    feature_archive(actor=actor, feature_id=epic.pk, version=epic.version)
    with pytest.raises(ValidationError, match="archived"):
        make(team, product, "Child", parent_id=epic.pk)


# --- update -----------------------------------------------------------------------------------


def test_update_changes_only_given_fields_and_bumps_version(team: Any, product: Any, actor: Any) -> None:
    feature = make(team, product, reach=100, impact=1, confidence=100, effort=1, moscow="could")
    updated = update(feature, team.actor("admin"), title="Dark theme")
    assert updated.version == 2 and updated.title == "Dark theme" and updated.moscow == "could"
    assert updated.updated_by == team.admin
    event = ActivityEvent.objects.get(target_id=feature.pk, action="updated")
    assert event.changes == {"title": {"from": "Dark mode", "to": "Dark theme"}}


def test_update_without_change_writes_nothing(team: Any, product: Any, actor: Any) -> None:
    feature = make(team, product, tags=["a"])
    same = update(feature, actor, title="Dark mode", tags=["A"], moscow="")
    assert same.version == 1
    assert not ActivityEvent.objects.filter(action="updated").exists()


def test_rice_edit_rescores_with_history_detail(team: Any, product: Any, actor: Any) -> None:
    feature = make(team, product, reach=50, impact=1, confidence=100, effort=2)
    assert feature.rice_score == pytest.approx(25)
    updated = update(feature, actor, effort=4, reach=200)
    assert updated.rice_score == pytest.approx(50)
    event = ScoreEvent.objects.filter(product=product, cause="input_edited").get()
    assert event.detail == {"reach": {"from": 50, "to": 200}, "effort": {"from": 2, "to": 4}}
    assert ScoreHistory.objects.filter(event=event).get().rice_score == pytest.approx(50)
    cleared = update(feature, actor, impact=None)
    assert cleared.rice_score is None
    feature.refresh_from_db()
    assert feature.rice_score is None


def test_scorecard_score_survives_a_rice_edit(team: Any, product: Any, actor: Any) -> None:
    CriterionFactory(product=product)
    feature = make(team, product, reach=1, impact=1, confidence=100, effort=1)
    assert feature.scorecard_score is None
    assert update(feature, actor, reach=3).rice_score == pytest.approx(3)


def test_tags_replace_and_version(team: Any, product: Any, actor: Any) -> None:
    feature = make(team, product, tags=["a", "b"])
    updated = update(feature, actor, tags=["b", "c"])
    assert updated.version == 2
    assert sorted(t.name for t in updated.tags.all()) == ["b", "c"]
    changes = ActivityEvent.objects.get(action="updated").changes
    assert changes["tags"] == {"from": "a, b", "to": "b, c"}


def test_status_none_means_default_and_dates_merge(team: Any, product: Any, actor: Any) -> None:
    done = FeatureStatus.objects.get(workspace=team.workspace, category="done")
    feature = make(team, product, status_id=done.pk, start_date=dt.date(2026, 1, 1))
    updated = update(feature, actor, status_id=None, due_date=dt.date(2026, 1, 31))
    assert updated.status.category == "backlog"
    assert (updated.start_date, updated.due_date) == (dt.date(2026, 1, 1), dt.date(2026, 1, 31))
    with pytest.raises(ValidationError) as exc:
        update(feature, actor, start_date=dt.date(2026, 2, 1))
    assert "due_date" in fields_of(exc)


def test_stale_version_writes_nothing(team: Any, product: Any, actor: Any) -> None:
    feature = make(team, product)
    update(feature, actor, title="First")
    with pytest.raises(StaleVersion) as exc:
        feature_update(actor=actor, feature_id=feature.pk, version=1, title="Second")
    assert exc.value.current_version == 2
    feature.refresh_from_db()
    assert feature.title == "First"
    for call in (feature_delete, feature_archive):
        with pytest.raises(StaleVersion):
            call(actor=actor, feature_id=feature.pk, version=1)
    assert Feature.objects.filter(pk=feature.pk, archived_at__isnull=True).exists()


def test_update_refuses_bad_input_and_writes_nothing(team: Any, product: Any, actor: Any) -> None:
    feature = make(team, product)
    for kwargs in ({"effort": 0}, {"title": ""}, {"owner_id": team.outsider.pk}, {"moscow": "x"}):
        with pytest.raises(ValidationError):
            update(feature, actor, **kwargs)
    feature.refresh_from_db()
    assert feature.version == 1


# --- archive, restore, delete -----------------------------------------------------------------


def test_archive_restore_delete(team: Any, product: Any, actor: Any) -> None:
    epic = make(team, product, "Epic", type="epic")
    child = make(team, product, "Child", parent_id=epic.pk)
    archived = feature_archive(actor=actor, feature_id=epic.pk, version=1)
    assert archived.archived_at is not None and archived.version == 2
    with pytest.raises(ValidationError, match="already archived"):
        feature_archive(actor=actor, feature_id=epic.pk, version=2)
    restored = feature_restore(actor=actor, feature_id=epic.pk, version=2)
    assert restored.archived_at is None and restored.version == 3
    with pytest.raises(ValidationError, match="not archived"):
        feature_restore(actor=actor, feature_id=epic.pk, version=3)
    feature_delete(actor=actor, feature_id=epic.pk, version=3)
    child.refresh_from_db()
    assert child.parent is None
    actions = list(ActivityEvent.objects.filter(target_id=epic.pk).order_by("id").values_list("action", flat=True))
    assert actions == ["created", "archived", "restored", "deleted"]


def test_new_feature_goes_below_archived_ones(team: Any, product: Any, actor: Any) -> None:
    old = make(team, product, "Old")
    feature_archive(actor=actor, feature_id=old.pk, version=1)
    assert make(team, product, "New").rank > old.rank


# --- concurrency ------------------------------------------------------------------------------


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_creates_get_distinct_ranks(team: Any, product: Any) -> None:
    barrier = threading.Barrier(4)
    errors: list[BaseException] = []

    def create(i: int) -> None:
        try:
            barrier.wait()
            for j in range(5):
                feature_create(actor=team.actor("editor"), product=product, title=f"T{i}-{j}")
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=create, args=(i,)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    ranks = list(Feature.objects.filter(product=product).values_list("rank", flat=True))
    assert len(ranks) == 20 == len(set(ranks))
    assert connection.vendor == "postgresql"


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_creates_racing_moves_to_the_bottom_get_distinct_ranks(team: Any, product: Any) -> None:
    """A move to the bottom picks the key a concurrent create would pick (just after the last one):
    only the product's order lock, which both take, keeps them apart (the create has no retry)."""
    from backlog.services.ranking import feature_move

    movers = [make(team, product, f"M{i}") for i in range(4)]
    barrier = threading.Barrier(4)
    errors: list[BaseException] = []

    def create(i: int) -> None:
        try:
            barrier.wait()
            for j in range(8):
                feature_create(actor=team.actor("editor"), product=product, title=f"T{i}-{j}")
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            connections.close_all()

    def move(i: int) -> None:
        try:
            barrier.wait()
            for j in range(8):
                feature_move(actor=team.actor("editor"), feature_id=movers[(i + j) % len(movers)].pk, to="bottom")
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=work, args=(i,)) for i, work in enumerate((create, create, move, move))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors
    ranks = list(Feature.objects.filter(product=product).values_list("rank", flat=True))
    assert len(ranks) == 4 + 16 == len(set(ranks))
    assert connection.vendor == "postgresql"


def test_owner_must_be_member(team: Any, product: Any) -> None:
    stranger = UserFactory()
    with pytest.raises(ValidationError) as exc:
        make(team, product, owner_id=stranger.pk)
    assert fields_of(exc) == {"owner": ["The owner must be a member of this workspace."]}
