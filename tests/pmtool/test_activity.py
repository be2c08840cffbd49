"""pmtool.activity.record_activity: the event lands in the workspace and product the object belongs
to (scope_of), or in those of `within`; an object that belongs to neither is refused."""

from __future__ import annotations

from typing import Any

import pytest

from pmtool.activity import record_activity, scope_of
from pmtool.models import ActivityEvent
from strategy.models import Goal
from tests.factories import FeatureFactory, ProductFactory, TeamFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_scope_of_each_kind_of_object(team: Any, product: Any) -> None:
    workspace_id = team.workspace.pk
    company_goal = Goal.objects.create(workspace=team.workspace, title="Grow")
    product_goal = Goal.objects.create(workspace=team.workspace, product=product, title="Retain")
    assert scope_of(product) == (workspace_id, product.pk)
    assert scope_of(TeamFactory(workspace=team.workspace)) == (workspace_id, None)
    assert scope_of(company_goal) == (workspace_id, None)
    assert scope_of(product_goal) == (workspace_id, product.pk)
    assert scope_of(FeatureFactory(product=product)) == (workspace_id, product.pk)


def test_record_activity_writes_the_event_in_the_objects_scope(team: Any, product: Any) -> None:
    feature = FeatureFactory(product=product, title="Dark mode")
    changes = {"title": {"from": "Dim", "to": "Dark mode"}}
    event = record_activity(team.actor("editor"), "updated", feature, changes)
    stored = ActivityEvent.objects.get(pk=event.pk)
    assert (stored.workspace_id, stored.product_id, stored.target_id) == (team.workspace.pk, product.pk, feature.pk)
    assert (stored.action, stored.changes, stored.target_repr) == ("updated", changes, "Dark mode")
    assert (stored.actor_user, stored.actor_label) == (team.editor, team.editor.email)


def test_within_names_where_the_event_lives(team: Any, product: Any) -> None:
    other = ProductFactory(workspace=team.workspace, name="Beacon", slug="beacon")
    feature = FeatureFactory(product=product)
    event = record_activity(team.actor("editor"), "moved", feature, within=other)
    assert (event.workspace_id, event.product_id, event.changes) == (team.workspace.pk, other.pk, {})


def test_an_object_of_no_workspace_is_refused(team: Any) -> None:
    with pytest.raises(TypeError, match="User belongs to no workspace or product"):
        record_activity(team.actor("editor"), "updated", UserFactory())
    assert not ActivityEvent.objects.exists()
