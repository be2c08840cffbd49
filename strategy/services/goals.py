"""Writes of goals and key results (initiatives: strategy.services.initiatives). Keyword-only
arguments, one transaction each, the object returned, an activity event per change; updates and
deletes take the version the user read (pmtool.versioning: a stale one raises StaleVersion).

Callers have authorised the caller already (strategy.permissions.access_*, or access_workspace
for creates); services enforce the domain rules:

- a goal's owner is a member of its workspace; its product belongs to the workspace;
- a goal's parent is a company goal (no product) of the same workspace that is not itself a child,
  a goal with children cannot get a parent, and no goal is its own parent (two levels: company →
  product or company goals);
- a time frame is a quarter ("2026-Q4") or both a start and an end date, end ≥ start;
- `progress` and a derived `status` are written by the rollup (strategy.rollups), never here:
  every change that can move them schedules `schedule_goal_recompute` for after the commit;
- a measured key result moves from its baseline towards its target (up: target > baseline, down:
  target < baseline); one bound to a metric gets `current` from the metric's rollups.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from pmtool.activity import Actor, record_activity
from pmtool.cleaning import clean_choice, clean_name, clean_number, clean_text
from pmtool.errors import ValidationError
from pmtool.models import Membership, User, Workspace
from pmtool.versioning import UNSET, Maybe, delete_versioned, given, lock_version, save_changes

from ..models import (
    TITLE_MAX,
    Direction,
    Goal,
    GoalStatus,
    Initiative,
    KeyResult,
    KeyResultKind,
    ManualGoalStatus,
    Metric,
    Period,
    StatusSource,
)
from ..tasks import schedule_goal_recompute
from .planning import created_changes, label, product_in, shown, time_frame

# --- lookups inside a workspace ------------------------------------------------------------


def _member(workspace_id: int, user_id: int | None) -> User | None:
    if user_id is None:
        return None
    membership = Membership.objects.select_related("user").filter(workspace_id=workspace_id, user_id=user_id).first()
    if membership is None:
        raise ValidationError(
            "The owner must be a member of this workspace.", fields={"owner": ["Not a member of this workspace."]}
        )
    return membership.user


def _parent(goal: Goal | None, workspace_id: int, parent_id: int | None) -> Goal | None:
    """The parent to set, locked (so it cannot become a child meanwhile), after the nesting rules."""
    if parent_id is None:
        return None

    def refuse(message: str) -> ValidationError:
        return ValidationError(message, fields={"parent": [message]})

    if goal is not None and parent_id == goal.pk:
        raise refuse("A goal cannot be its own parent.")
    parent = Goal.objects.select_for_update().filter(workspace_id=workspace_id, pk=parent_id).first()
    if parent is None:
        raise refuse("No such goal in this workspace.")
    if parent.product_id is not None:
        raise refuse("The parent must be a company goal (a goal without a product).")
    if parent.parent_id is not None:
        raise refuse("That goal is itself a child goal: goals nest one level deep.")
    if goal is not None and Goal.objects.filter(parent_id=goal.pk).exists():
        raise refuse("This goal has child goals, so it cannot have a parent itself.")
    return parent


def _status(
    status: Maybe[str | None], status_source: Maybe[str | None], current: tuple[str, str] | None = None
) -> tuple[str, str]:
    """(status, status_source). Setting a status by hand makes it manual; a derived status is the rollup's
    (a new goal has no key results yet). "No key results yet" / "not measured yet" are never set by hand."""
    source = status_source if given(status_source) and status_source is not None else None
    if source is not None:
        clean_choice(source, StatusSource, field="status_source", what="status source")
    if given(status) and status is not None:
        clean_choice(status, ManualGoalStatus, field="status", what="status")
        if source == StatusSource.DERIVED:
            raise ValidationError(
                "A derived status is computed from progress and time.",
                fields={"status": ["Leave the status out, or set status_source to manual to set it by hand."]},
            )
        return status, StatusSource.MANUAL
    if current is None:
        return GoalStatus.NO_KEY_RESULTS, source or StatusSource.DERIVED
    return current[0], source or current[1]


# --- goals ---------------------------------------------------------------------------


@transaction.atomic
def goal_create(
    *,
    actor: Actor,
    workspace: Workspace,
    title: str,
    description: str = "",
    owner_id: int | None = None,
    product_id: int | None = None,
    parent_id: int | None = None,
    quarter: str | None = None,
    start_date: dt.date | None = None,
    end_date: dt.date | None = None,
    status: str | None = None,
    status_source: str | None = None,
) -> Goal:
    """A company goal (no product) or a product goal; its progress and derived status follow on commit."""
    title = clean_name(title, field="title", max_length=TITLE_MAX)
    description = clean_text(description, field="description")
    owner = _member(workspace.pk, owner_id)
    product = product_in(workspace.pk, product_id)
    start, end = time_frame(quarter=quarter, start_date=start_date, end_date=end_date)
    status, status_source = _status(status, status_source)
    parent = _parent(None, workspace.pk, parent_id)
    now = timezone.now()
    goal = Goal.objects.create(
        workspace=workspace,
        product=product,
        parent=parent,
        title=title,
        description=description,
        owner=owner,
        start_date=start,
        end_date=end,
        status=status,
        status_source=status_source,
        created_by=actor.user,
        created_at=now,
        updated_at=now,
    )
    created = {
        "title": title,
        "description": description,
        "owner": label(owner),
        "product": label(product),
        "parent": label(parent),
        "start_date": start,
        "end_date": end,
        "status": status if status_source == StatusSource.MANUAL else None,
        "status_source": status_source,
    }
    record_activity(actor, "created", goal, created_changes(created))
    schedule_goal_recompute([goal.pk])
    return goal


# How related objects read in a goal's history.
_GOAL_SHOWN = {"owner": label, "product": label, "parent": label}


@transaction.atomic
def goal_update(
    *,
    actor: Actor,
    goal_id: int,
    version: int,
    title: Maybe[str] = UNSET,
    description: Maybe[str] = UNSET,
    owner_id: Maybe[int | None] = UNSET,
    product_id: Maybe[int | None] = UNSET,
    parent_id: Maybe[int | None] = UNSET,
    quarter: Maybe[str | None] = UNSET,
    start_date: Maybe[dt.date | None] = UNSET,
    end_date: Maybe[dt.date | None] = UNSET,
    status: Maybe[str | None] = UNSET,
    status_source: Maybe[str | None] = UNSET,
) -> Goal:
    """Change a goal (optimistic lock on `version`: stale → StaleVersion). Arguments left UNSET
    stay as they are; None clears owner, product, parent and the dates."""
    # No select_related here: FOR UPDATE cannot lock the nullable side of an outer join.
    locked = lock_version(Goal.objects.all(), goal_id, version, what="goal")
    values: dict[str, Any] = {}
    if given(title):
        values["title"] = clean_name(title, field="title", max_length=TITLE_MAX)
    if given(description):
        values["description"] = clean_text(description, field="description")
    if given(owner_id) and owner_id != locked.owner_id:
        values["owner"] = _member(locked.workspace_id, owner_id)
    if given(product_id) and product_id != locked.product_id:
        values["product"] = product_in(locked.workspace_id, product_id)
        _check_product_move(locked, product_id)
    old_parent_id = locked.parent_id
    if given(parent_id) and parent_id != locked.parent_id:
        values["parent"] = _parent(locked, locked.workspace_id, parent_id)
    values["start_date"], values["end_date"] = time_frame(
        quarter=quarter, start_date=start_date, end_date=end_date, current=(locked.start_date, locked.end_date)
    )
    new_status, values["status_source"] = _status(status, status_source, (locked.status, locked.status_source))
    if values["status_source"] == StatusSource.MANUAL:
        values["status"] = new_status
    changes = save_changes(locked, values, shown=_GOAL_SHOWN)
    if changes:
        record_activity(actor, "updated", locked, changes)
        if changes.keys() & {"start_date", "end_date", "status_source", "parent"}:
            schedule_goal_recompute(i for i in (locked.pk, old_parent_id) if i is not None)
    return locked


def _check_product_move(goal: Goal, product_id: int | None) -> None:
    """A goal moving to another product (or to the company) keeps its links valid, or is refused."""
    if product_id is not None and Goal.objects.filter(parent_id=goal.pk).exists():
        raise ValidationError(
            "This goal has child goals: it stays a company goal.",
            fields={"product": ["A goal with child goals is a company goal: move or detach its children first."]},
        )
    if product_id is not None:
        foreign = KeyResult.objects.filter(goal_id=goal.pk, metric__isnull=False).exclude(metric__product_id=product_id)
        if foreign.exists():
            raise ValidationError(
                "Key results of this goal are bound to metrics of another product.",
                fields={"product": ["Unbind the key results from other products' metrics first."]},
            )
        initiatives = Initiative.objects.filter(goals=goal, product__isnull=False).exclude(product_id=product_id)
        if initiatives.exists():
            raise ValidationError(
                "Initiatives of another product serve this goal.",
                fields={"product": ["Initiatives of another product serve this goal: unlink them first."]},
            )


@transaction.atomic
def goal_delete(*, actor: Actor, goal_id: int, version: int) -> None:
    """Delete a goal with its key results (the version the user read is required); its child goals
    stay, without a parent."""
    child_ids: list[int] = []

    def record(locked: Goal) -> None:
        child_ids.extend(Goal.objects.filter(parent_id=locked.pk).values_list("pk", flat=True))
        record_activity(actor, "deleted", locked, {"title": {"from": locked.title, "to": None}})

    deleted = delete_versioned(Goal.objects.all(), goal_id, version, what="goal", before=record)
    # The former parent's progress may have come from this goal (mean of its children); former
    # children are top-level now.
    schedule_goal_recompute(i for i in (deleted.parent_id, *child_ids) if i is not None)


# --- key results ------------------------------------------------------------------------


def _metric_for(goal: Goal, metric_id: int) -> Metric:
    """A metric a key result of `goal` may bind: of the goal's product, or any of the workspace for a company goal."""
    metrics = Metric.objects.filter(pk=metric_id, product__workspace_id=goal.workspace_id)
    if goal.product_id is not None:
        metrics = metrics.filter(product_id=goal.product_id)
    metric = metrics.select_related("product").first()
    if metric is None:
        where = "this goal's product" if goal.product_id is not None else "this workspace"
        raise ValidationError("Unknown metric.", fields={"metric": [f"No such metric in {where}."]})
    return metric


_KR_FIELDS = (
    "title",
    "kind",
    "unit",
    "direction",
    "baseline",
    "target",
    "current",
    "metric_id",
    "metric_period",
    "percent",
    "weight",
)
# What changes a key result's progress (title and unit do not).
_KR_PROGRESS_FIELDS = {"kind", "direction", "baseline", "target", "current", "metric", "metric_period", "percent"}


def _key_result_state(
    goal: Goal, current: dict[str, Any], asked: dict[str, Any]
) -> tuple[dict[str, Any], Metric | None]:
    """The key result's fields after applying `asked` (only what the caller sent) over `current`,
    validated as a whole; returns (values, bound metric or None)."""
    state = dict(current)
    if "title" in asked:
        state["title"] = clean_name(asked["title"], field="title", max_length=TITLE_MAX)
    if "kind" in asked:
        state["kind"] = clean_choice(asked["kind"], KeyResultKind, field="kind", what="kind of key result")
    if "unit" in asked:
        state["unit"] = clean_text(asked["unit"], field="unit", max_length=40)
    if "direction" in asked:
        state["direction"] = clean_choice(asked["direction"], Direction, field="direction", what="direction")
    if "metric_period" in asked:
        state["metric_period"] = clean_choice(asked["metric_period"], Period, field="metric_period", what="period")
    for name in ("baseline", "target", "current"):
        if name in asked:
            state[name] = clean_number(asked[name], field=name)
    if "percent" in asked:
        percent = clean_number(asked["percent"], field="percent")
        if percent is not None and not 0 <= percent <= 100:
            raise ValidationError("The percent is out of range.", fields={"percent": ["From 0 to 100."]})
        state["percent"] = percent
    if "weight" in asked:
        weight = asked["weight"]
        if isinstance(weight, bool) or not isinstance(weight, int) or not 1 <= weight <= 100:
            raise ValidationError("The weight is out of range.", fields={"weight": ["A whole number from 1 to 100."]})
        state["weight"] = weight

    metric: Metric | None = None
    if state["kind"] == KeyResultKind.MANUAL:
        for name in ("baseline", "target", "current"):
            if asked.get(name) is not None:
                raise ValidationError(
                    f"A manual key result has no {name}.",
                    fields={name: ["Only measured key results have a baseline, target and current value."]},
                )
        if asked.get("metric_id") is not None:
            raise ValidationError(
                "A manual key result cannot be bound to a metric.",
                fields={"metric": ["Only measured key results can be bound to a metric."]},
            )
        state["metric_id"] = None
        if state["percent"] is None:
            state["percent"] = 0.0
        return state, None

    # Measured.
    if asked.get("percent") is not None:
        raise ValidationError(
            "A measured key result has no percent.",
            fields={"percent": ["Only manual key results have a percent; measured ones have baseline and target."]},
        )
    state["percent"] = None
    if "metric_id" in asked:
        state["metric_id"] = asked["metric_id"]
    if state["metric_id"] is not None:
        metric = _metric_for(goal, state["metric_id"])
        if asked.get("current") is not None:
            raise ValidationError(
                "The current value of a key result bound to a metric comes from the metric.",
                fields={"current": ["Bound to a metric: the current value is read from its rollups."]},
            )
        if "direction" not in asked and current.get("metric_id") != metric.pk:
            state["direction"] = metric.direction
        if not state["unit"]:
            state["unit"] = metric.unit
    missing = {name: ["Required for a measured key result."] for name in ("baseline", "target") if state[name] is None}
    if missing:
        raise ValidationError("A measured key result needs a baseline and a target.", fields=missing)
    if state["direction"] == Direction.UP and not state["target"] > state["baseline"]:
        raise ValidationError(
            "Higher is better: the target must be above the baseline.",
            fields={"target": ["Higher is better: the target must be above the baseline."]},
        )
    if state["direction"] == Direction.DOWN and not state["target"] < state["baseline"]:
        raise ValidationError(
            "Lower is better: the target must be below the baseline.",
            fields={"target": ["Lower is better: the target must be below the baseline."]},
        )
    return state, metric


@transaction.atomic
def key_result_create(
    *,
    actor: Actor,
    goal: Goal,
    title: str,
    kind: str = KeyResultKind.METRIC,
    unit: str = "",
    direction: Maybe[str] = UNSET,
    baseline: float | None = None,
    target: float | None = None,
    current: float | None = None,
    metric_id: int | None = None,
    metric_period: str = Period.MONTH,
    percent: float | None = None,
    weight: int = 1,
) -> KeyResult:
    """Add a key result at the end of the goal's list; the goal's progress follows on commit.

    A measured key result bound to a metric takes the metric's direction and unit unless given."""
    goal = Goal.objects.select_for_update().get(pk=goal.pk)  # serialises appends (positions)
    asked: dict[str, Any] = {
        "title": title,
        "kind": kind,
        "unit": unit,
        "baseline": baseline,
        "target": target,
        "current": current,
        "metric_id": metric_id,
        "metric_period": metric_period,
        "percent": percent,
        "weight": weight,
    }
    if given(direction):
        asked["direction"] = direction
    blank = dict.fromkeys(_KR_FIELDS) | {"unit": "", "direction": Direction.UP, "weight": 1}
    state, metric = _key_result_state(goal, blank, asked)
    position = (KeyResult.objects.filter(goal_id=goal.pk).aggregate(p=Max("position"))["p"] or 0) + 1
    now = timezone.now()
    key_result = KeyResult.objects.create(
        goal=goal, position=position, created_at=now, updated_at=now, **_without_current_if_bound(state)
    )
    history = {**state, "metric_id": label(metric)}
    if state["kind"] == KeyResultKind.MANUAL:
        for name in ("baseline", "target", "current", "direction", "metric_period", "unit"):
            history.pop(name, None)
    elif metric is None:
        history.pop("metric_period")
    created = created_changes({k.removesuffix("_id"): v for k, v in history.items()})
    record_activity(actor, "created", key_result, created, within=goal)
    schedule_goal_recompute([goal.pk])
    return key_result


def _without_current_if_bound(state: dict[str, Any]) -> dict[str, Any]:
    if state["metric_id"] is not None:
        return {**state, "current": None}
    return state


def _metric_shown(metric: object) -> object:
    return shown(label(metric))


# How a key result's values read in its history: the metric by name, 100.0 as 100.
_KR_SHOWN: dict[str, Callable[[Any], object]] = dict.fromkeys(_KR_FIELDS, shown) | {"metric": _metric_shown}


@transaction.atomic
def key_result_update(
    *,
    actor: Actor,
    key_result_id: int,
    version: int,
    title: Maybe[str] = UNSET,
    kind: Maybe[str] = UNSET,
    unit: Maybe[str] = UNSET,
    direction: Maybe[str] = UNSET,
    baseline: Maybe[float | None] = UNSET,
    target: Maybe[float | None] = UNSET,
    current: Maybe[float | None] = UNSET,
    metric_id: Maybe[int | None] = UNSET,
    metric_period: Maybe[str] = UNSET,
    percent: Maybe[float | None] = UNSET,
    weight: Maybe[int] = UNSET,
) -> KeyResult:
    """Change a key result (only the arguments given; stale `version` → StaleVersion). Binding to a
    metric (or changing its period) clears `current` until the rollup fills it from the metric."""
    asked: dict[str, object] = {
        "title": title,
        "kind": kind,
        "unit": unit,
        "direction": direction,
        "baseline": baseline,
        "target": target,
        "current": current,
        "metric_id": metric_id,
        "metric_period": metric_period,
        "percent": percent,
        "weight": weight,
    }
    locked = lock_version(KeyResult.objects.all(), key_result_id, version, what="key result")
    locked.goal = Goal.objects.get(pk=locked.goal_id)
    before = {name: getattr(locked, name) for name in _KR_FIELDS}
    state, metric = _key_result_state(locked.goal, before, {k: v for k, v in asked.items() if given(v)})
    rebound = state["metric_id"] is not None and (
        state["metric_id"] != before["metric_id"] or state["metric_period"] != before["metric_period"]
    )
    if rebound:
        state["current"] = None
    values: dict[str, Any] = {k: v for k, v in state.items() if k != "metric_id"}
    if state["metric_id"] != before["metric_id"]:
        values["metric"] = metric
    if rebound:
        values["current_updated_at"] = None
    changes = save_changes(locked, values, shown=_KR_SHOWN)
    changes.pop("current_updated_at", None)  # bookkeeping, not a change the history shows
    if changes:
        locked.refresh_from_db(fields=["progress"])
        record_activity(actor, "updated", locked, changes, within=locked.goal)
        if changes.keys() & (_KR_PROGRESS_FIELDS | {"weight"}):
            schedule_goal_recompute([locked.goal_id])
    return locked


@transaction.atomic
def key_result_delete(*, actor: Actor, key_result_id: int, version: int) -> None:
    """Delete a key result (the version the user read is required); the goal's progress follows."""

    def record(locked: KeyResult) -> None:
        goal = Goal.objects.get(pk=locked.goal_id)
        # `goal_id` lets the goal's history find the events of its deleted key results.
        removed = {"title": {"from": locked.title, "to": None}, "goal_id": {"from": locked.goal_id, "to": None}}
        record_activity(actor, "deleted", locked, removed, within=goal)

    deleted = delete_versioned(KeyResult.objects.all(), key_result_id, version, what="key result", before=record)
    schedule_goal_recompute([deleted.goal_id])
