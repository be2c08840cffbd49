"""Initiative progress: its features' done share, set-based (one UPDATE … FROM for any set of
initiatives), effort-weighted when every counted feature has an effort, won't-do features left
out; a goal without key results falls back to its initiatives' progress; status deletes with a
replacement recompute the initiatives they touch; the strategy pages show progress and each
initiative's top features (strategy.parts, filled by the backlog)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from backlog.models import FeatureStatus, StatusCategory
from backlog.services.progress import initiatives_progress_refresh
from backlog.services.statuses import status_create, status_delete
from backlog.tasks import refresh_initiative_progress
from strategy.models import Goal, Initiative
from strategy.parts import initiative_features
from strategy.rollups import goals_recompute
from strategy.services.goals import goal_create, key_result_create
from strategy.services.initiatives import initiative_create
from tests.factories import FeatureFactory
from tests.harness.queries import ok, page

pytestmark = pytest.mark.django_db


@pytest.fixture
def statuses(team: Any) -> dict[str, FeatureStatus]:
    found: dict[str, FeatureStatus] = {}
    for status in FeatureStatus.objects.filter(workspace=team.workspace).order_by("-position"):
        found[status.category] = status  # the first of each category
    return found


@pytest.fixture
def initiative(team: Any, product: Any) -> Initiative:
    return initiative_create(actor=team.actor(), workspace=team.workspace, title="Guided setup", product_id=product.pk)


def feature(product: Any, initiative: Initiative, status: FeatureStatus, effort: str | None = None, **kw: Any) -> Any:
    return FeatureFactory(
        product=product, initiative=initiative, status=status, effort=Decimal(effort) if effort else None, **kw
    )


def refreshed(initiative: Initiative) -> Initiative:
    initiatives_progress_refresh([initiative.pk])
    initiative.refresh_from_db()
    return initiative


def test_no_features_is_empty_not_zero(initiative):
    found = refreshed(initiative)
    assert (found.progress, found.features_done, found.features_counted) == (None, 0, 0)
    assert found.progress_updated_at is not None


def test_by_count_when_an_effort_is_missing(product, initiative, statuses):
    feature(product, initiative, statuses["done"], "8")
    feature(product, initiative, statuses["in_progress"])  # no effort: count, not effort
    feature(product, initiative, statuses["backlog"], "1")
    feature(product, initiative, statuses["wont_do"], "20")  # not counted
    found = refreshed(initiative)
    assert (found.features_done, found.features_counted) == (1, 3)
    assert found.progress == pytest.approx(100 / 3)


def test_effort_weighted_when_every_counted_feature_has_an_effort(product, initiative, statuses):
    feature(product, initiative, statuses["done"], "6")
    feature(product, initiative, statuses["planned"], "2")
    feature(product, initiative, statuses["wont_do"])  # left out: its missing effort does not matter
    found = refreshed(initiative)
    assert found.progress == pytest.approx(75.0)
    assert (found.features_done, found.features_counted) == (1, 2)


def test_archived_features_and_other_initiatives_do_not_count(team, product, initiative, statuses):
    other = initiative_create(actor=team.actor(), workspace=team.workspace, title="Other")
    feature(product, initiative, statuses["done"], archived_at="2026-01-01T00:00Z")
    feature(product, other, statuses["done"])
    feature(product, initiative, statuses["planned"])
    found = refreshed(initiative)
    assert (found.progress, found.features_done, found.features_counted) == (0.0, 0, 1)


def test_a_set_of_initiatives_is_one_update(team, product, statuses):
    initiatives = [initiative_create(actor=team.actor(), workspace=team.workspace, title=f"I{i}") for i in range(30)]
    for i, each in enumerate(initiatives):
        feature(product, each, statuses["done" if i % 2 else "planned"])
    with CaptureQueriesContext(connection) as queries:
        assert initiatives_progress_refresh([i.pk for i in initiatives]) == 30
    updates = [q["sql"] for q in queries.captured_queries if q["sql"].lstrip().upper().startswith("UPDATE")]
    assert len(updates) == 1 and "FROM" in updates[0].upper()
    progress = dict(Initiative.objects.values_list("title", "progress"))
    assert progress["I0"] == 0.0 and progress["I1"] == 100.0


def test_the_task_recomputes_and_reports_the_rows(product, initiative, statuses):
    feature(product, initiative, statuses["done"])
    assert refresh_initiative_progress(initiative.pk) == 1
    initiative.refresh_from_db()
    assert initiative.progress == 100.0


def test_status_delete_with_replacement_recomputes_after_commit(
    team, product, initiative, statuses, django_capture_on_commit_callbacks
):
    doomed = status_create(actor=team.actor(), workspace=team.workspace, name="Almost", category=StatusCategory.PLANNED)
    feature(product, initiative, doomed)
    feature(product, initiative, statuses["done"])
    refreshed(initiative)
    assert initiative.progress == 50.0
    with django_capture_on_commit_callbacks(execute=True):
        status_delete(actor=team.actor(), status_id=doomed.pk, version=1, replacement_id=statuses["done"].pk)
    initiative.refresh_from_db()
    assert initiative.progress == 100.0 and initiative.features_done == 2


def test_a_goal_without_key_results_falls_back_to_its_initiatives(team, product, statuses):
    actor = team.actor()
    goal = goal_create(actor=actor, workspace=team.workspace, title="Activation", product_id=product.pk)
    measured = goal_create(actor=actor, workspace=team.workspace, title="Measured", product_id=product.pk)
    key_result_create(actor=actor, goal=measured, title="KR", baseline=0, target=100, current=10)
    a = initiative_create(actor=actor, workspace=team.workspace, title="A", goal_ids=[goal.pk, measured.pk])
    b = initiative_create(actor=actor, workspace=team.workspace, title="B", goal_ids=[goal.pk])
    feature(product, a, statuses["done"])
    feature(product, b, statuses["planned"])
    feature(product, b, statuses["done"])
    initiatives_progress_refresh([a.pk, b.pk])
    goals_recompute([goal.pk, measured.pk])
    assert Goal.objects.get(pk=goal.pk).progress == pytest.approx(75.0)  # mean of 100 and 50
    assert Goal.objects.get(pk=measured.pk).progress == pytest.approx(10.0)  # its key results win


def test_initiative_features_are_the_top_five_by_rank_in_one_query(team, product, initiative, statuses):
    made = [feature(product, initiative, statuses["planned"], title=f"F{i}") for i in range(7)]
    other = initiative_create(actor=team.actor(), workspace=team.workspace, title="Empty")
    with CaptureQueriesContext(connection) as queries:
        found = initiative_features([initiative.pk, other.pk])
    assert len(queries) == 1
    assert found is not None
    assert [f.title for f in found[initiative.pk]] == [f.title for f in made[:5]]
    assert found[other.pk] == []
    assert found[initiative.pk][0].status == statuses["planned"].name


def test_strategy_pages_show_progress_and_top_features(team, product, initiative, statuses):
    feature(product, initiative, statuses["done"], title="Checklist on first login")
    feature(product, initiative, statuses["planned"], title="Sample data")
    refreshed(initiative)
    client = page(team.viewer)
    strategy = ok(client.get(f"/w/acme/products/{product.slug}/strategy/")).content.decode()
    assert "1 of 2 features done" in strategy
    assert "Checklist on first login" in strategy and "Sample data" in strategy
    assert "arrive with the backlog" not in strategy
    detail = ok(client.get(f"/w/acme/initiatives/{initiative.pk}/")).content.decode()
    assert "1 of 2 features done" in detail and "Sample data" in detail
    listing = ok(client.get("/w/acme/initiatives/")).content.decode()
    assert "1 of 2 features done" in listing


def test_initiative_api_carries_progress(api_as, team, product, initiative, statuses):
    feature(product, initiative, statuses["done"])
    refreshed(initiative)
    body = api_as(team.viewer).get(f"/api/v1/initiatives/{initiative.pk}/").json()
    assert (body["progress"], body["features_done"], body["features_counted"]) == (100.0, 1, 1)


def test_relinking_or_deleting_an_initiative_with_progress_recomputes_its_goals(
    team, product, statuses, django_capture_on_commit_callbacks
):
    from strategy.services.initiatives import initiative_delete, initiative_update

    actor = team.actor()
    first = goal_create(actor=actor, workspace=team.workspace, title="First", product_id=product.pk)
    second = goal_create(actor=actor, workspace=team.workspace, title="Second", product_id=product.pk)
    initiative = initiative_create(actor=actor, workspace=team.workspace, title="I", goal_ids=[first.pk])
    feature(product, initiative, statuses["done"])
    with django_capture_on_commit_callbacks(execute=True):
        initiatives_progress_refresh([initiative.pk])
    assert Goal.objects.get(pk=first.pk).progress == 100.0
    with django_capture_on_commit_callbacks(execute=True):
        initiative_update(actor=actor, initiative_id=initiative.pk, version=1, goal_ids=[second.pk])
    assert Goal.objects.get(pk=first.pk).progress is None
    assert Goal.objects.get(pk=second.pk).progress == 100.0
    with django_capture_on_commit_callbacks(execute=True):
        initiative_delete(actor=actor, initiative_id=initiative.pk, version=2)
    assert Goal.objects.get(pk=second.pk).progress is None
