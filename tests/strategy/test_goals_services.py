"""Services of goals, key results and initiatives: the domain rules, optimistic locking, activity,
and progress/status through the rollup (run eagerly in-process here: no REDIS_URL in tests)."""

from __future__ import annotations

import datetime as dt
import math
from typing import Any

import pytest
from django.utils import timezone

from pmtool.activity import Actor
from pmtool.errors import Conflict, ValidationError
from pmtool.models import ActivityEvent
from pmtool.timeframes import quarter_dates, quarter_of
from pmtool.versioning import StaleVersion
from strategy.models import Goal, GoalStatus, Initiative, KeyResult, Metric, MetricRollup, StatusSource
from strategy.services.goals import (
    goal_create,
    goal_delete,
    goal_update,
    key_result_create,
    key_result_delete,
    key_result_update,
)
from strategy.services.initiatives import initiative_create, initiative_delete, initiative_update
from tests.factories import ProductFactory

pytestmark = pytest.mark.django_db
# Tests of progress and status commit for real: the rollup is scheduled with transaction.on_commit
# and runs in-process then (no REDIS_URL), exactly the path of the embedded mode.
committing = pytest.mark.django_db(transaction=True)

LONG_AGO = {"start_date": dt.date(2020, 1, 1), "end_date": dt.date(2020, 12, 31)}  # elapsed: 100 %


@pytest.fixture
def actor(team: Any) -> Any:
    return team.actor("editor")


@pytest.fixture
def other_product(team: Any) -> Any:
    return ProductFactory(workspace=team.workspace, name="Beacon", slug="beacon")


def fields_of(exc: pytest.ExceptionInfo) -> set[str]:
    return set(exc.value.fields)


def company_goal(team: Any, title: str = "Win mid-market", **kwargs: Any) -> Goal:
    return goal_create(actor=team.actor(), workspace=team.workspace, title=title, **kwargs)


def measured(goal: Goal, title: str = "Signups", **kwargs: Any) -> KeyResult:
    values = {"baseline": 0, "target": 100, "current": 50, **kwargs}
    return key_result_create(actor=Actor.for_system("tests"), goal=goal, title=title, **values)


def refreshed(obj: Any) -> Any:
    obj.refresh_from_db()
    return obj


# --- quarters and time frames ------------------------------------------------------------


@pytest.mark.parametrize(
    ("quarter", "start", "end"),
    [
        ("2026-Q1", dt.date(2026, 1, 1), dt.date(2026, 3, 31)),
        ("2026-Q2", dt.date(2026, 4, 1), dt.date(2026, 6, 30)),
        ("2026-Q3", dt.date(2026, 7, 1), dt.date(2026, 9, 30)),
        ("2026-Q4", dt.date(2026, 10, 1), dt.date(2026, 12, 31)),
        ("2028-q1", dt.date(2028, 1, 1), dt.date(2028, 3, 31)),
        (" 2027 Q2 ", dt.date(2027, 4, 1), dt.date(2027, 6, 30)),
    ],
)
def test_quarter_dates(quarter: str, start: dt.date, end: dt.date) -> None:
    assert quarter_dates(quarter) == (start, end)
    assert quarter_of(start, end) == quarter.strip().upper().replace(" ", "-")


@pytest.mark.parametrize(
    "quarter", ["2026-Q5", "2026-Q0", "Q4", "2026", "abcd-Q1", "", "2026-Q4x", "0001-Q1", "99999-Q1"]
)
def test_bad_quarters_are_refused(quarter: str) -> None:
    with pytest.raises(ValidationError) as exc:
        quarter_dates(quarter)
    assert fields_of(exc) == {"quarter"}


def test_quarter_of_other_ranges_is_none() -> None:
    assert quarter_of(dt.date(2026, 1, 1), dt.date(2026, 3, 30)) is None
    assert quarter_of(dt.date(2026, 2, 1), dt.date(2026, 4, 30)) is None
    assert quarter_of(None, dt.date(2026, 3, 31)) is None


def test_goal_with_a_quarter_gets_its_dates(team: Any) -> None:
    goal = company_goal(team, quarter="2026-Q4")
    assert (goal.start_date, goal.end_date) == (dt.date(2026, 10, 1), dt.date(2026, 12, 31))
    # Dates that say the same as the quarter are fine; different ones are a conflict.
    same = company_goal(team, quarter="2026-Q4", start_date=dt.date(2026, 10, 1))
    assert same.end_date == dt.date(2026, 12, 31)
    with pytest.raises(ValidationError) as exc:
        company_goal(team, quarter="2026-Q4", end_date=dt.date(2026, 11, 30))
    assert fields_of(exc) == {"end_date"}


@pytest.mark.parametrize(
    ("dates", "field"),
    [
        ({"start_date": dt.date(2026, 3, 1), "end_date": dt.date(2026, 2, 1)}, "end_date"),
        ({"start_date": dt.date(2026, 3, 1)}, "end_date"),
        ({"end_date": dt.date(2026, 3, 1)}, "start_date"),
    ],
)
def test_bad_time_frames(team: Any, dates: dict, field: str) -> None:
    with pytest.raises(ValidationError) as exc:
        company_goal(team, **dates)
    assert fields_of(exc) == {field}
    assert not Goal.objects.exists()


def test_a_one_day_time_frame_is_fine(team: Any) -> None:
    day = dt.date(2026, 5, 5)
    goal = company_goal(team, start_date=day, end_date=day)
    assert goal.start_date == goal.end_date == day


# --- goals ---------------------------------------------------------------------------------


@committing
def test_goal_create_records_readable_activity_and_recomputes(team: Any, product: Any, actor: Any) -> None:
    goal = goal_create(
        actor=actor,
        workspace=team.workspace,
        title="  Activation  ",
        description="**Why**: churn.",
        owner_id=team.viewer.pk,
        product_id=product.pk,
        quarter="2026-Q2",
    )
    goal = refreshed(goal)
    assert goal.title == "Activation"
    assert goal.owner == team.viewer
    assert goal.product == product
    assert goal.status_source == StatusSource.DERIVED
    assert goal.created_by == team.editor
    # The rollup ran on commit (eagerly): no key results yet, so no progress, but it was computed.
    assert goal.progress is None
    assert goal.progress_updated_at is not None
    event = ActivityEvent.objects.get(target_id=goal.pk, action="created")
    assert event.product_id == product.pk
    assert event.changes["owner"] == {"from": None, "to": "Viewer"}
    assert event.changes["product"] == {"from": None, "to": "Atlas"}
    assert event.changes["start_date"] == {"from": None, "to": "2026-04-01"}
    assert "status" not in event.changes  # derived: the rollup's business


def test_owner_must_be_a_member(team: Any) -> None:
    with pytest.raises(ValidationError) as exc:
        company_goal(team, owner_id=team.outsider.pk)
    assert fields_of(exc) == {"owner"}
    with pytest.raises(ValidationError):
        company_goal(team, owner_id=999_999)
    goal = company_goal(team)
    with pytest.raises(ValidationError) as exc:
        goal_update(actor=team.actor(), goal_id=goal.pk, version=1, owner_id=team.outsider.pk)
    assert fields_of(exc) == {"owner"}


def test_product_must_be_of_the_workspace(team: Any) -> None:
    theirs = ProductFactory(workspace=team.other_workspace, name="Theirs", slug="theirs")
    with pytest.raises(ValidationError) as exc:
        company_goal(team, product_id=theirs.pk)
    assert fields_of(exc) == {"product"}


def test_parent_must_be_a_top_level_company_goal_of_the_workspace(team: Any, product: Any) -> None:
    company = company_goal(team, "Company")
    child = company_goal(team, "Product goal", product_id=product.pk, parent_id=company.pk)
    assert child.parent == company

    with pytest.raises(ValidationError) as exc:  # a product goal cannot be a parent
        company_goal(team, "X", parent_id=child.pk)
    assert "company goal" in exc.value.fields["parent"][0]

    company_child = company_goal(team, "Company child", parent_id=company.pk)
    with pytest.raises(ValidationError) as exc:  # a child cannot be a parent: one level
        company_goal(team, "Grandchild", product_id=product.pk, parent_id=company_child.pk)
    assert "one level" in exc.value.fields["parent"][0]

    theirs = goal_create(actor=team.actor("outsider"), workspace=team.other_workspace, title="Theirs")
    with pytest.raises(ValidationError) as exc:
        company_goal(team, "Y", parent_id=theirs.pk)
    assert fields_of(exc) == {"parent"}

    with pytest.raises(ValidationError) as exc:  # no self-parent
        goal_update(actor=team.actor(), goal_id=company.pk, version=1, parent_id=company.pk)
    assert "own parent" in exc.value.fields["parent"][0]

    other = company_goal(team, "Other company goal")
    with pytest.raises(ValidationError) as exc:  # a goal with children cannot get a parent
        goal_update(actor=team.actor(), goal_id=company.pk, version=1, parent_id=other.pk)
    assert "child goals" in exc.value.fields["parent"][0]
    assert refreshed(company).parent_id is None


def test_a_goal_with_children_stays_a_company_goal(team: Any, product: Any) -> None:
    company = company_goal(team)
    company_goal(team, "Child", product_id=product.pk, parent_id=company.pk)
    with pytest.raises(ValidationError) as exc:
        goal_update(actor=team.actor(), goal_id=company.pk, version=1, product_id=product.pk)
    assert fields_of(exc) == {"product"}
    assert refreshed(company).product_id is None


@committing
def test_status_set_by_hand_or_derived(team: Any) -> None:
    goal = company_goal(team, status="at_risk")
    assert (goal.status, goal.status_source) == (GoalStatus.AT_RISK, StatusSource.MANUAL)
    with pytest.raises(ValidationError) as exc:
        company_goal(team, status="done", status_source="derived")
    assert fields_of(exc) == {"status"}
    with pytest.raises(ValidationError) as exc:
        company_goal(team, status="sleeping")
    assert fields_of(exc) == {"status"}
    with pytest.raises(ValidationError) as exc:
        company_goal(team, status_source="guessed")
    assert fields_of(exc) == {"status_source"}

    # Nobody sets "nothing measured" by hand: it is the rollup's reading.
    for derived_only in ("no_key_results", "not_measured"):
        with pytest.raises(ValidationError) as exc:
            company_goal(team, status=derived_only)
        assert fields_of(exc) == {"status"}

    # Back to derived: the rollup writes the status (no key results, no progress → no reading).
    goal = goal_update(actor=team.actor(), goal_id=goal.pk, version=goal.version, status_source="derived")
    goal = refreshed(goal)
    assert (goal.status, goal.status_source) == (GoalStatus.NO_KEY_RESULTS, StatusSource.DERIVED)
    # A status alone makes it manual again.
    goal = goal_update(actor=team.actor(), goal_id=goal.pk, version=goal.version, status="done")
    assert (refreshed(goal).status, goal.status_source) == (GoalStatus.DONE, StatusSource.MANUAL)


def test_goal_update_versions_and_activity(team: Any, product: Any, actor: Any) -> None:
    goal = company_goal(team, owner_id=team.admin.pk)
    goal = goal_update(actor=actor, goal_id=goal.pk, version=1, title="Renamed", owner_id=team.viewer.pk)
    assert goal.version == 2
    event = ActivityEvent.objects.filter(target_id=goal.pk, action="updated").get()
    assert event.changes == {
        "title": {"from": "Win mid-market", "to": "Renamed"},
        "owner": {"from": "Admin", "to": "Viewer"},
    }
    # Nothing changed: no version bump, no event.
    same = goal_update(actor=actor, goal_id=goal.pk, version=2, title="Renamed")
    assert same.version == 2
    assert ActivityEvent.objects.filter(target_id=goal.pk, action="updated").count() == 1
    with pytest.raises(Conflict) as conflict:
        goal_update(actor=actor, goal_id=goal.pk, version=1, title="Stale")
    assert conflict.value.code == "stale_version"
    with pytest.raises(StaleVersion) as stale:  # the API answers it 412 when the version came in If-Match
        goal_update(actor=actor, goal_id=goal.pk, version=1, title="Stale")
    assert (stale.value.expected, stale.value.current_version, stale.value.current.title) == (1, 2, "Renamed")
    assert refreshed(goal).title == "Renamed"


@pytest.mark.parametrize(
    ("values", "field"),
    [
        ({"title": ""}, "title"),
        ({"title": "   "}, "title"),
        ({"title": "x" * 201}, "title"),
        ({"title": "a\x00b"}, "title"),
        ({"description": "d" * 10_001}, "description"),
        ({"description": "a\x00b"}, "description"),
    ],
)
def test_goal_text_validation(team: Any, values: dict, field: str) -> None:
    with pytest.raises(ValidationError) as exc:
        goal_create(actor=team.actor(), workspace=team.workspace, **{"title": "Ok", **values})
    assert fields_of(exc) == {field}


@committing
def test_goal_delete_keeps_children_and_recomputes_the_parent(team: Any, product: Any, other_product: Any) -> None:
    company = company_goal(team)
    first = company_goal(team, "First", product_id=product.pk, parent_id=company.pk)
    second = company_goal(team, "Second", product_id=other_product.pk, parent_id=company.pk)
    measured(first, current=20)
    measured(second, current=60)
    assert refreshed(company).progress == pytest.approx(40)  # the mean of its children
    goal_delete(actor=team.actor(), goal_id=second.pk, version=refreshed(second).version)
    assert refreshed(company).progress == pytest.approx(20)
    assert not KeyResult.objects.filter(goal_id=second.pk).exists()
    assert ActivityEvent.objects.filter(target_id=second.pk, action="deleted").exists()

    goal_delete(actor=team.actor(), goal_id=company.pk, version=1)
    assert refreshed(first).parent_id is None
    with pytest.raises(Conflict):
        goal_delete(actor=team.actor(), goal_id=first.pk, version=99)


# --- key results and progress ----------------------------------------------------------------


def test_a_new_goal_reads_no_key_results_yet_before_the_rollup_runs(team: Any) -> None:
    goal = company_goal(team, quarter="2026-Q4")  # no commit here: the recompute has not run
    assert (refreshed(goal).status, goal.status_source) == (GoalStatus.NO_KEY_RESULTS, StatusSource.DERIVED)
    assert goal.progress is None


@committing
def test_progress_is_the_weighted_mean_of_key_results(team: Any) -> None:
    goal = company_goal(team, **LONG_AGO)
    first = measured(goal, current=50)  # 50 %
    assert refreshed(goal).progress == pytest.approx(50)
    second = key_result_create(actor=team.actor(), goal=goal, title="Docs", kind="manual", percent=20, weight=3)
    assert (first.position, second.position) == (1, 2)
    assert refreshed(goal).progress == pytest.approx((50 * 1 + 20 * 3) / 4)
    # The time frame is over and progress is short of 100 %: missed.
    assert refreshed(goal).status == GoalStatus.MISSED

    second = key_result_update(actor=team.actor(), key_result_id=second.pk, version=1, percent=100)
    first = key_result_update(actor=team.actor(), key_result_id=first.pk, version=1, current=100)
    assert refreshed(goal).progress == pytest.approx(100)
    assert refreshed(goal).status == GoalStatus.DONE

    key_result_delete(actor=team.actor(), key_result_id=second.pk, version=second.version)
    assert refreshed(goal).progress == pytest.approx(100)
    key_result_delete(actor=team.actor(), key_result_id=first.pk, version=first.version)
    assert refreshed(goal).progress is None


@committing
def test_a_manual_status_is_left_alone_by_the_rollup(team: Any) -> None:
    goal = company_goal(team, status="on_track", **LONG_AGO)
    measured(goal, current=5)
    goal = refreshed(goal)
    assert goal.progress == pytest.approx(5)
    assert goal.status == GoalStatus.ON_TRACK


@committing
def test_lower_is_better(team: Any) -> None:
    goal = company_goal(team)
    kr = measured(goal, direction="down", baseline=100, target=50, current=75)
    assert refreshed(kr).progress == pytest.approx(50)
    assert refreshed(goal).progress == pytest.approx(50)
    with pytest.raises(ValidationError) as exc:
        measured(goal, direction="down", baseline=50, target=100)
    assert fields_of(exc) == {"target"}
    with pytest.raises(ValidationError) as exc:
        measured(goal, direction="up", baseline=100, target=50)
    assert fields_of(exc) == {"target"}
    with pytest.raises(ValidationError) as exc:
        measured(goal, baseline=10, target=10)
    assert fields_of(exc) == {"target"}


@pytest.mark.parametrize(
    ("values", "field"),
    [
        ({"baseline": None}, "baseline"),
        ({"target": None}, "target"),
        ({"percent": 10}, "percent"),
        ({"baseline": math.nan}, "baseline"),
        ({"target": math.inf}, "target"),
        ({"current": -math.inf}, "current"),
        ({"current": 1e16}, "current"),
        ({"baseline": True}, "baseline"),
        ({"baseline": "5"}, "baseline"),
        ({"weight": 0}, "weight"),
        ({"weight": 101}, "weight"),
        ({"weight": 1.5}, "weight"),
        ({"kind": "guess"}, "kind"),
        ({"direction": "sideways"}, "direction"),
        ({"metric_period": "year"}, "metric_period"),
        ({"unit": "u" * 41}, "unit"),
        ({"title": ""}, "title"),
        ({"title": "t" * 201}, "title"),
    ],
)
def test_key_result_validation(team: Any, values: dict, field: str) -> None:
    goal = company_goal(team)
    with pytest.raises(ValidationError) as exc:
        measured(goal, **values)
    assert fields_of(exc) == {field}
    assert not KeyResult.objects.exists()


@pytest.mark.parametrize(
    ("values", "field"),
    [
        ({"percent": -1}, "percent"),
        ({"percent": 100.5}, "percent"),
        ({"baseline": 1}, "baseline"),
        ({"current": 1}, "current"),
    ],
)
def test_manual_key_result_validation(team: Any, values: dict, field: str) -> None:
    goal = company_goal(team)
    with pytest.raises(ValidationError) as exc:
        key_result_create(actor=team.actor(), goal=goal, title="M", kind="manual", **values)
    assert fields_of(exc) == {field}


@committing
def test_switching_kinds(team: Any) -> None:
    goal = company_goal(team)
    kr = key_result_create(actor=team.actor(), goal=goal, title="Docs", kind="manual")
    assert refreshed(kr).percent == 0
    with pytest.raises(ValidationError) as exc:  # measured needs a baseline and a target
        key_result_update(actor=team.actor(), key_result_id=kr.pk, version=1, kind="metric")
    assert fields_of(exc) == {"baseline", "target"}
    kr = key_result_update(
        actor=team.actor(), key_result_id=kr.pk, version=1, kind="metric", baseline=0, target=10, current=5
    )
    assert (kr.percent, kr.progress) == (None, 50)
    kr = key_result_update(actor=team.actor(), key_result_id=kr.pk, version=2, kind="manual", percent=30)
    assert refreshed(kr).progress == 30
    assert refreshed(goal).progress == pytest.approx(30)


def _metric(product: Any, name: str = "Signups", value: float | None = 42.0) -> Metric:
    metric = Metric.objects.create(product=product, name=name, unit="users", direction="up", aggregation="sum")
    if value is not None:
        now = timezone.now()
        for period, bucket in (("day", dt.date(2026, 1, 5)), ("month", dt.date(2026, 1, 1))):
            MetricRollup.objects.create(
                metric=metric,
                period=period,
                bucket=bucket,
                count=1,
                sum=value,
                min=value,
                max=value,
                last_ts=now,
                last_value=value,
                value=value,
            )
    return metric


@committing
def test_binding_a_metric_fills_current_from_its_rollups(team: Any, product: Any) -> None:
    metric = _metric(product)
    goal = company_goal(team, product_id=product.pk)
    kr = key_result_create(
        actor=team.actor(),
        goal=goal,
        title="Signups",
        baseline=0,
        target=84,
        metric_id=metric.pk,
        metric_period="month",
    )
    kr = refreshed(kr)
    assert kr.current == 42  # the latest month bucket, written by the rollup path on commit
    assert kr.current_updated_at is not None
    assert kr.unit == "users"  # taken from the metric when not given
    assert kr.progress == pytest.approx(50)
    assert refreshed(goal).progress == pytest.approx(50)

    # While bound, `current` is the metric's.
    with pytest.raises(ValidationError) as exc:
        key_result_update(actor=team.actor(), key_result_id=kr.pk, version=kr.version, current=1)
    assert fields_of(exc) == {"current"}

    # Unbound, it keeps the last value and can be typed again.
    kr = key_result_update(actor=team.actor(), key_result_id=kr.pk, version=kr.version, metric_id=None)
    kr = key_result_update(actor=team.actor(), key_result_id=kr.pk, version=kr.version, current=21)
    assert refreshed(kr).progress == pytest.approx(25)


@committing
def test_rebinding_clears_current_until_the_rollup_fills_it(team: Any, product: Any) -> None:
    empty = _metric(product, "No data yet", value=None)
    goal = company_goal(team, product_id=product.pk)
    kr = measured(goal, current=30)
    kr = key_result_update(actor=team.actor(), key_result_id=kr.pk, version=1, metric_id=empty.pk)
    kr = refreshed(kr)
    assert kr.current is None  # not the typed value dressed up as the metric's
    assert kr.progress is None
    assert refreshed(goal).progress is None


def test_which_metrics_a_key_result_may_bind(team: Any, product: Any, other_product: Any) -> None:
    ours, beacons = _metric(product), _metric(other_product, "Beacon signups")
    theirs = _metric(ProductFactory(workspace=team.other_workspace, name="T", slug="t"), "Theirs")
    product_goal = company_goal(team, "Product goal", product_id=product.pk)
    company = company_goal(team, "Company goal")
    with pytest.raises(ValidationError) as exc:
        measured(product_goal, current=None, metric_id=beacons.pk)
    assert fields_of(exc) == {"metric"}
    with pytest.raises(ValidationError):
        measured(company, current=None, metric_id=theirs.pk)
    with pytest.raises(ValidationError) as exc:
        key_result_create(actor=team.actor(), goal=company, title="M", kind="manual", metric_id=ours.pk)
    assert fields_of(exc) == {"metric"}
    assert measured(product_goal, current=None, metric_id=ours.pk).metric_id == ours.pk
    assert measured(company, current=None, metric_id=beacons.pk).metric_id == beacons.pk  # any of the workspace
    # A goal whose key results read another product's metric cannot move to this product.
    with pytest.raises(ValidationError) as exc:
        goal_update(actor=team.actor(), goal_id=company.pk, version=1, product_id=product.pk)
    assert fields_of(exc) == {"product"}


def test_key_result_activity_reaches_the_goal_history(team: Any) -> None:
    from strategy.selectors.goals import goal_history

    goal = company_goal(team)
    kr = measured(goal)
    key_result_update(actor=team.actor(), key_result_id=kr.pk, version=1, current=60, title="Signups 2")
    key_result_delete(actor=team.actor(), key_result_id=kr.pk, version=2)
    actions = [(e.target_type.model, e.action) for e in goal_history(goal)]
    assert actions == [
        ("keyresult", "deleted"),
        ("keyresult", "updated"),
        ("keyresult", "created"),
        ("goal", "created"),
    ]
    updated = ActivityEvent.objects.get(target_id=kr.pk, action="updated")
    assert updated.changes == {"title": {"from": "Signups", "to": "Signups 2"}, "current": {"from": 50.0, "to": 60.0}}


def test_key_result_versions(team: Any) -> None:
    goal = company_goal(team)
    kr = measured(goal)
    key_result_update(actor=team.actor(), key_result_id=kr.pk, version=1, weight=5)
    with pytest.raises(Conflict):
        key_result_update(actor=team.actor(), key_result_id=kr.pk, version=1, weight=6)
    with pytest.raises(StaleVersion) as stale:  # the API answers it 412 when the version came in If-Match
        key_result_delete(actor=team.actor(), key_result_id=kr.pk, version=1)
    assert stale.value.current_version == 2
    assert refreshed(kr).weight == 5


# --- initiatives ---------------------------------------------------------------------------------


def test_initiative_create_and_goals(team: Any, product: Any, other_product: Any) -> None:
    company = company_goal(team, "Company")
    ours = company_goal(team, "Ours", product_id=product.pk)
    beacons = company_goal(team, "Beacon's", product_id=other_product.pk)
    initiative = initiative_create(
        actor=team.actor(),
        workspace=team.workspace,
        title="Guided setup",
        colour="#0EA5E9",
        product_id=product.pk,
        quarter="2026-Q3",
        goal_ids=[ours.pk, company.pk, ours.pk],
    )
    assert initiative.colour == "#0ea5e9"
    assert (initiative.start_date, initiative.end_date) == (dt.date(2026, 7, 1), dt.date(2026, 9, 30))
    assert set(initiative.goals.values_list("pk", flat=True)) == {ours.pk, company.pk}
    event = ActivityEvent.objects.get(target_id=initiative.pk, action="created")
    assert event.changes["goals"] == {"from": None, "to": "Company, Ours"}

    with pytest.raises(ValidationError) as exc:  # another product's goal
        initiative_update(actor=team.actor(), initiative_id=initiative.pk, version=1, goal_ids=[beacons.pk])
    assert "another product" in exc.value.fields["goals"][0]
    with pytest.raises(ValidationError) as exc:  # moving it to Beacon re-checks the goals it keeps
        initiative_update(actor=team.actor(), initiative_id=initiative.pk, version=1, product_id=other_product.pk)
    assert fields_of(exc) == {"goals"}
    # A workspace-wide initiative may serve any goal of the workspace.
    initiative = initiative_update(
        actor=team.actor(), initiative_id=initiative.pk, version=1, product_id=None, goal_ids=[beacons.pk, ours.pk]
    )
    assert initiative.version == 2
    event = ActivityEvent.objects.get(target_id=initiative.pk, action="updated")
    assert event.changes["goals"] == {"from": "Company, Ours", "to": "Beacon's, Ours"}
    assert event.changes["product"] == {"from": "Atlas", "to": None}

    theirs = goal_create(actor=team.actor("outsider"), workspace=team.other_workspace, title="Theirs")
    with pytest.raises(ValidationError) as exc:
        initiative_update(actor=team.actor(), initiative_id=initiative.pk, version=2, goal_ids=[theirs.pk, 999_999])
    assert "No such goal" in exc.value.fields["goals"][0]

    with pytest.raises(Conflict):
        initiative_delete(actor=team.actor(), initiative_id=initiative.pk, version=1)
    initiative_delete(actor=team.actor(), initiative_id=initiative.pk, version=2)
    assert not Initiative.objects.exists()
    assert Goal.objects.count() == 4  # goals stay


@pytest.mark.parametrize(
    ("values", "field"),
    [
        ({"colour": "red"}, "colour"),
        ({"colour": "#12345"}, "colour"),
        ({"colour": "#1234567"}, "colour"),
        ({"colour": "#gggggg"}, "colour"),
        ({"status": "someday"}, "status"),
        ({"title": ""}, "title"),
        ({"quarter": "2026-Q9"}, "quarter"),
        ({"start_date": dt.date(2026, 2, 1), "end_date": dt.date(2026, 1, 1)}, "end_date"),
        ({"goal_ids": list(range(1, 102))}, "goals"),
        ({"product_id": 999_999}, "product"),
    ],
)
def test_initiative_validation(team: Any, values: dict, field: str) -> None:
    with pytest.raises(ValidationError) as exc:
        initiative_create(actor=team.actor(), workspace=team.workspace, **{"title": "Ok", **values})
    assert fields_of(exc) == {field}
    assert not Initiative.objects.exists()


def test_a_goal_served_by_another_products_initiative_cannot_move(team: Any, product: Any, other_product: Any) -> None:
    goal = company_goal(team)
    initiative_create(
        actor=team.actor(), workspace=team.workspace, title="I", product_id=product.pk, goal_ids=[goal.pk]
    )
    with pytest.raises(ValidationError) as exc:
        goal_update(actor=team.actor(), goal_id=goal.pk, version=1, product_id=other_product.pk)
    assert fields_of(exc) == {"product"}
    assert goal_update(actor=team.actor(), goal_id=goal.pk, version=1, product_id=product.pk).product_id == product.pk
