"""The plan's services: statuses (defaults, invariants, moves, deletes with a replacement in one
UPDATE), releases (dates), teams (members, capacity), backlog settings (lazy row); each change
records an activity event; nothing is written when nothing changed."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from backlog.models import BacklogSettings, Feature, FeatureStatus, StatusCategory
from backlog.selectors.plan import backlog_settings_for
from backlog.services import releases, settings, statuses, teams
from pmtool.errors import Conflict, ValidationError
from pmtool.models import ActivityEvent
from pmtool.versioning import StaleVersion
from tests.factories import FeatureFactory, WorkspaceFactory

pytestmark = pytest.mark.django_db


def order(workspace: Any) -> list[tuple[str, int]]:
    return list(FeatureStatus.objects.filter(workspace=workspace).values_list("name", "position"))


def test_a_new_workspace_gets_the_default_statuses_once():
    workspace = WorkspaceFactory()
    assert [n for n, _p in order(workspace)] == [
        "New", "Under consideration", "Planned", "In development", "In review", "Shipped", "Won't do",
    ]  # fmt: skip
    assert statuses.statuses_create_defaults(workspace) == []


def test_create_appends_and_records(team):
    made = statuses.status_create(actor=team.actor(), workspace=team.workspace, name="  Blocked ", colour="#DC2626")
    assert (made.name, made.colour, made.position, made.category) == ("Blocked", "#dc2626", 7, "backlog")
    event = ActivityEvent.objects.get(target_id=made.pk, action="created")
    assert event.changes["name"] == {"from": None, "to": "Blocked"}


def test_move_to_a_position_renumbers_and_bumps_only_moved_rows(team):
    shipped = FeatureStatus.objects.get(workspace=team.workspace, name="Shipped")
    moved = statuses.status_update(actor=team.actor(), status_id=shipped.pk, version=1, position=0)
    assert order(team.workspace)[:3] == [("Shipped", 0), ("New", 1), ("Under consideration", 2)]
    assert moved.position == 0 and moved.version == 2
    wont = FeatureStatus.objects.get(workspace=team.workspace, name="Won't do")
    assert wont.version == 1  # its place did not change
    past_end = statuses.status_update(actor=team.actor(), status_id=shipped.pk, version=2, position=99)
    assert past_end.position == 6 and order(team.workspace)[-1] == ("Shipped", 6)


def test_move_up_at_the_top_stays(team):
    new = FeatureStatus.objects.get(workspace=team.workspace, name="New")
    same = statuses.status_move(actor=team.actor(), status_id=new.pk, version=1, direction="up")
    assert same.position == 0 and same.version == 1
    with pytest.raises(ValidationError):
        statuses.status_move(actor=team.actor(), status_id=new.pk, version=1, direction="sideways")


def test_a_stale_version_changes_nothing(team):
    new = FeatureStatus.objects.get(workspace=team.workspace, name="New")
    statuses.status_update(actor=team.actor(), status_id=new.pk, version=1, name="Fresh")
    with pytest.raises(StaleVersion):
        statuses.status_update(actor=team.actor(), status_id=new.pk, version=1, name="Newer")
    with pytest.raises(StaleVersion):
        statuses.status_delete(actor=team.actor(), status_id=new.pk, version=1)
    assert FeatureStatus.objects.get(pk=new.pk).name == "Fresh"


def test_no_change_is_no_write(team):
    new = FeatureStatus.objects.get(workspace=team.workspace, name="New")
    before = ActivityEvent.objects.count()
    same = statuses.status_update(actor=team.actor(), status_id=new.pk, version=1, name="New", colour="#64748B")
    assert same.version == 1 and ActivityEvent.objects.count() == before


def test_replacement_moves_features_in_one_update(team, product):
    parked = statuses.status_create(actor=team.actor(), workspace=team.workspace, name="Parked")
    FeatureFactory.create_batch(25, product=product, status=parked)
    target = FeatureStatus.objects.get(workspace=team.workspace, name="Planned")
    with CaptureQueriesContext(connection) as queries:
        statuses.status_delete(actor=team.actor(), status_id=parked.pk, version=1, replacement_id=target.pk)
    feature_updates = [q for q in queries.captured_queries if q["sql"].startswith('UPDATE "backlog_feature"')]
    assert len(feature_updates) == 1
    assert Feature.objects.filter(status=target).count() == 25
    event = ActivityEvent.objects.get(target_id=parked.pk, action="deleted")
    assert event.changes["features"] == {"from": 25, "to": "moved to “Planned”"}


def test_a_used_status_without_replacement_is_a_conflict(team, product):
    new = FeatureStatus.objects.get(workspace=team.workspace, name="New")
    FeatureFactory(product=product, status=new)
    with pytest.raises(Conflict, match="1 feature uses the status “New”"):
        statuses.status_delete(actor=team.actor(), status_id=new.pk, version=1)


def test_release_dates_are_checked_and_merged(team, product):
    import datetime as dt

    release = releases.release_create(actor=team.actor(), product=product, name="R1", release_date=dt.date(2026, 6, 30))
    assert release.start_date is None
    with pytest.raises(ValidationError) as error:
        releases.release_update(actor=team.actor(), release_id=release.pk, version=1, start_date=dt.date(2026, 7, 1))
    assert "release_date" in error.value.fields
    with pytest.raises(ValidationError):
        releases.release_create(actor=team.actor(), product=product, name="R2", start_date=dt.date(1800, 1, 1))
    with pytest.raises(ValidationError):
        releases.release_create(actor=team.actor(), product=product, name="r1")  # the name is taken


def test_team_capacity_is_kept_to_two_decimals(team):
    made = teams.team_create(actor=team.actor(), workspace=team.workspace, name="G", capacity=Decimal("2.5"))
    assert made.capacity == Decimal("2.50")
    for bad in (-0.01, 10_000.5, float("nan"), "3", True):
        with pytest.raises(ValidationError):
            teams.team_create(actor=team.actor(), workspace=team.workspace, name=f"G{bad}", capacity=bad)


def test_team_members_come_from_the_workspace(team):
    with pytest.raises(ValidationError, match="Only members"):
        teams.team_create(actor=team.actor(), workspace=team.workspace, name="G", member_ids=[team.outsider.pk])
    made = teams.team_create(
        actor=team.actor(), workspace=team.workspace, name="G", member_ids=[team.editor.pk, team.editor.pk]
    )
    assert list(made.members.values_list("pk", flat=True)) == [team.editor.pk]
    changed = teams.team_update(actor=team.actor(), team_id=made.pk, version=1, member_ids=[team.viewer.pk])
    assert changed.version == 2
    event = ActivityEvent.objects.filter(target_id=made.pk, action="updated").get()
    assert event.changes["members"] == {"from": team.editor.name, "to": team.viewer.name}


def test_backlog_settings_read_without_writing_then_created_on_first_write(team, product):
    default = backlog_settings_for(product)
    assert default.pk is None and default.frameworks == ["rice", "moscow", "scorecard"] and default.version == 1
    assert not BacklogSettings.objects.exists()
    saved = settings.backlog_settings_update(actor=team.actor(), product=product, version=1, frameworks=["moscow"])
    assert (saved.frameworks, saved.version) == (["moscow"], 2)
    with pytest.raises(StaleVersion):
        settings.backlog_settings_update(actor=team.actor(), product=product, version=1, frameworks=["rice"])
    with pytest.raises(ValidationError):
        settings.backlog_settings_update(actor=team.actor(), product=product, version=2, frameworks=[])


def test_the_last_backlog_status_keeps_its_category(team):
    backlog = list(FeatureStatus.objects.filter(workspace=team.workspace, category=StatusCategory.BACKLOG))
    first, last = backlog
    statuses.status_update(actor=team.actor(), status_id=first.pk, version=1, category="planned")
    with pytest.raises(ValidationError):
        statuses.status_update(actor=team.actor(), status_id=last.pk, version=1, category="done")
