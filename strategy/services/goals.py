"""Writes of goals, key results and initiatives. Keyword-only arguments, one transaction each,
the object returned, an activity event per change.

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
  target < baseline); one bound to a metric gets `current` from the metric's rollups;
- an initiative serves goals of its workspace; a product's initiative serves that product's goals
  or company goals.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from typing import Any

from django.db import transaction
from django.db.models import F, Max
from django.utils import timezone

from pmtool.activity import Actor, activity_record, json_safe
from pmtool.errors import ValidationError
from pmtool.models import Membership, Product, User, Workspace
from pmtool.services import _clean_name, lock_version
from strategy.models import (
    TEXT_MAX,
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
from strategy.rollups import schedule_goal_recompute
from strategy.services.vision import clean_markdown


class _Unset:
    """The default of update arguments whose None means "clear it"."""

    def __repr__(self) -> str:
        return "UNSET"

    def __bool__(self) -> bool:
        return False


UNSET: Any = _Unset()

NUMBER_LIMIT = 1e15  # baseline/target/current: finite and within ±10^15 (the progress formula stays exact)
_QUARTER = re.compile(r"^\s*(\d{4})\s*-?\s*Q([1-4])\s*$", re.IGNORECASE)


def _given(value: Any) -> bool:
    return value is not UNSET


def _choice(value: str, choices: Any, field: str, what: str) -> str:
    if value not in choices.values:
        raise ValidationError(f"Unknown {what}.", fields={field: [f"Choose one of: {', '.join(choices.values)}."]})
    return value


def _text(value: str | None, field: str, *, max_length: int = TEXT_MAX) -> str:
    return clean_markdown(value or "", field=field, max_length=max_length).strip()


def _label(obj: Any) -> Any:
    """How a related object reads in the history panel: a name rather than an id."""
    if obj is None:
        return None
    if isinstance(obj, User):
        return obj.display_name
    if isinstance(obj, Product | Metric):
        return obj.name
    return str(obj)


def _shown(value: Any) -> Any:
    """A value as the history shows it: JSON-safe, and 100.0 as 100."""
    if isinstance(value, float) and value.is_integer() and abs(value) < NUMBER_LIMIT:
        return int(value)
    return json_safe(value)


def _created_changes(values: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {k: {"from": None, "to": _shown(v)} for k, v in values.items() if v not in (None, "", [])}


# --- time frames ----------------------------------------------------------------------


def quarter_dates(quarter: str, *, field: str = "quarter") -> tuple[dt.date, dt.date]:
    """ "2026-Q4" → (2026-10-01, 2026-12-31)."""
    match = _QUARTER.match(quarter or "")
    if match is None or not 1900 <= int(match.group(1)) <= 9998:
        raise ValidationError("Not a quarter.", fields={field: ["Give a quarter as YYYY-Qn, e.g. 2026-Q4."]})
    year, q = int(match.group(1)), int(match.group(2))
    start = dt.date(year, 3 * q - 2, 1)
    end = dt.date(year + 1, 1, 1) if q == 4 else dt.date(year, 3 * q + 1, 1)
    return start, end - dt.timedelta(days=1)


def quarter_of(start: dt.date | None, end: dt.date | None) -> str | None:
    """The quarter these dates span exactly, e.g. "2026-Q4"; None when they are not one quarter."""
    if start is None or end is None or start.day != 1 or start.month % 3 != 1:
        return None
    label = f"{start.year}-Q{start.month // 3 + 1}"
    return label if quarter_dates(label) == (start, end) else None


def _time_frame(
    *, quarter: Any, start_date: Any, end_date: Any, current: tuple[dt.date | None, dt.date | None] = (None, None)
) -> tuple[dt.date | None, dt.date | None]:
    """The (start, end) a write asks for: a quarter, or dates merged over the `current` ones."""
    if _given(quarter) and quarter not in (None, ""):
        start, end = quarter_dates(quarter)
        for name, given, derived in (("start_date", start_date, start), ("end_date", end_date, end)):
            if _given(given) and given is not None and given != derived:
                raise ValidationError(
                    "Give either a quarter or dates, not both.",
                    fields={name: [f"{quarter.strip().upper()} starts {start} and ends {end}."]},
                )
        return start, end
    start = start_date if _given(start_date) else current[0]
    end = end_date if _given(end_date) else current[1]
    if start is None and end is not None:
        raise ValidationError("A time frame needs a start date too.", fields={"start_date": ["Give a start date."]})
    if end is None and start is not None:
        raise ValidationError("A time frame needs an end date too.", fields={"end_date": ["Give an end date."]})
    if start is not None and end < start:
        raise ValidationError(
            "The end date is before the start date.",
            fields={"end_date": ["The end date must be on or after the start date."]},
        )
    return start, end


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


def _product(workspace_id: int, product_id: int | None) -> Product | None:
    if product_id is None:
        return None
    product = Product.objects.filter(workspace_id=workspace_id, pk=product_id).first()
    if product is None:
        raise ValidationError("Unknown product.", fields={"product": ["No such product in this workspace."]})
    return product


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


def _status(status: Any, status_source: Any, current: tuple[str, str] | None = None) -> tuple[str, str]:
    """(status, status_source). Setting a status by hand makes it manual; a derived status is the rollup's
    (a new goal has no key results yet). "No key results yet" / "not measured yet" are never set by hand."""
    source = status_source if _given(status_source) and status_source is not None else None
    if source is not None:
        _choice(source, StatusSource, "status_source", "status source")
    if _given(status) and status is not None:
        _choice(status, ManualGoalStatus, "status", "status")
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
    title = _clean_name(title, field="title", max_length=TITLE_MAX)
    description = _text(description, "description")
    owner = _member(workspace.pk, owner_id)
    product = _product(workspace.pk, product_id)
    start, end = _time_frame(quarter=quarter, start_date=start_date, end_date=end_date)
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
    activity_record(
        actor=actor,
        workspace=workspace,
        product=product,
        target=goal,
        action="created",
        changes=_created_changes(
            {
                "title": title,
                "description": description,
                "owner": _label(owner),
                "product": _label(product),
                "parent": _label(parent),
                "start_date": start,
                "end_date": end,
                "status": status if status_source == StatusSource.MANUAL else None,
                "status_source": status_source,
            }
        ),
    )
    schedule_goal_recompute([goal.pk])
    return goal


@transaction.atomic
def goal_update(
    *,
    actor: Actor,
    goal: Goal,
    version: int | None,
    precondition: bool = False,
    title: Any = UNSET,
    description: Any = UNSET,
    owner_id: Any = UNSET,
    product_id: Any = UNSET,
    parent_id: Any = UNSET,
    quarter: Any = UNSET,
    start_date: Any = UNSET,
    end_date: Any = UNSET,
    status: Any = UNSET,
    status_source: Any = UNSET,
) -> Goal:
    """Change a goal (optimistic lock on `version`: stale → 409, or 412 from If-Match). Arguments left
    out stay as they are; None clears owner, product, parent and the dates."""
    # No select_related here: FOR UPDATE cannot lock the nullable side of an outer join.
    locked: Goal = lock_version(Goal.objects.all(), goal.pk, version, precondition=precondition, what="goal")
    changes: dict[str, dict[str, Any]] = {}

    def change(field: str, new: Any, shown: Any = UNSET, old_shown: Any = UNSET) -> None:
        old = getattr(locked, field)
        if old != new:
            changes[field.removesuffix("_id")] = {
                "from": json_safe(old if old_shown is UNSET else old_shown),
                "to": json_safe(new if shown is UNSET else shown),
            }
            setattr(locked, field, new)

    if _given(title):
        change("title", _clean_name(title, field="title", max_length=TITLE_MAX))
    if _given(description):
        change("description", _text(description, "description"))
    if _given(owner_id) and owner_id != locked.owner_id:
        owner = _member(locked.workspace_id, owner_id)
        change("owner_id", owner_id, _label(owner), _label(locked.owner))
    if _given(product_id) and product_id != locked.product_id:
        product = _product(locked.workspace_id, product_id)
        _check_product_move(locked, product_id)
        change("product_id", product_id, _label(product), _label(locked.product))
    old_parent_id = locked.parent_id
    if _given(parent_id) and parent_id != locked.parent_id:
        parent = _parent(locked, locked.workspace_id, parent_id)
        change("parent_id", parent_id, _label(parent), _label(locked.parent))
    start, end = _time_frame(
        quarter=quarter, start_date=start_date, end_date=end_date, current=(locked.start_date, locked.end_date)
    )
    change("start_date", start)
    change("end_date", end)
    new_status, new_source = _status(status, status_source, (locked.status, locked.status_source))
    change("status_source", new_source)
    if new_source == StatusSource.MANUAL:
        change("status", new_status)
    if changes:
        locked.version = F("version") + 1
        locked.updated_at = timezone.now()
        locked.save(update_fields=[*{_field_name(k) for k in changes}, "version", "updated_at"])
        locked.refresh_from_db(fields=["version"])
        activity_record(
            actor=actor,
            workspace=locked.workspace_id,
            product=locked.product_id,
            target=locked,
            action="updated",
            changes=changes,
        )
        if changes.keys() & {"start_date", "end_date", "status_source", "parent"}:
            schedule_goal_recompute(i for i in (locked.pk, old_parent_id) if i is not None)
    locked.my_role = getattr(goal, "my_role", None)
    return locked


def _field_name(change_key: str) -> str:
    return {"owner": "owner_id", "product": "product_id", "parent": "parent_id"}.get(change_key, change_key)


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
def goal_delete(*, actor: Actor, goal: Goal, version: int | None, precondition: bool = False) -> None:
    """Delete a goal with its key results; its child goals stay, without a parent."""
    locked: Goal = lock_version(Goal.objects.all(), goal.pk, version, precondition=precondition, what="goal")
    child_ids = list(Goal.objects.filter(parent_id=locked.pk).values_list("pk", flat=True))
    activity_record(
        actor=actor,
        workspace=locked.workspace_id,
        product=locked.product_id,
        target=locked,
        action="deleted",
        changes={"title": {"from": locked.title, "to": None}},
    )
    locked.delete()
    # The former parent's progress may have come from this goal (mean of its children); former
    # children are top-level now.
    schedule_goal_recompute(i for i in (locked.parent_id, *child_ids) if i is not None)


# --- key results ------------------------------------------------------------------------


def _number(value: Any, field: str) -> float | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValidationError("Not a number.", fields={field: ["A number is required."]})
    value = float(value)
    if not math.isfinite(value) or abs(value) > NUMBER_LIMIT:
        raise ValidationError(
            "A number is out of range.", fields={field: ["A finite number between -10^15 and 10^15."]}
        )
    return value


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


def _key_result_state(goal: Goal, current: dict[str, Any], given: dict[str, Any]) -> tuple[dict[str, Any], Any]:
    """The key result's fields after applying `given` (only what the caller sent) over `current`,
    validated as a whole; returns (values, bound metric or None)."""
    state = dict(current)
    if "title" in given:
        state["title"] = _clean_name(given["title"], field="title", max_length=TITLE_MAX)
    if "kind" in given:
        state["kind"] = _choice(given["kind"], KeyResultKind, "kind", "kind of key result")
    if "unit" in given:
        state["unit"] = _text(given["unit"], "unit", max_length=40)
    if "direction" in given:
        state["direction"] = _choice(given["direction"], Direction, "direction", "direction")
    if "metric_period" in given:
        state["metric_period"] = _choice(given["metric_period"], Period, "metric_period", "period")
    for name in ("baseline", "target", "current"):
        if name in given:
            state[name] = _number(given[name], name)
    if "percent" in given:
        percent = _number(given["percent"], "percent")
        if percent is not None and not 0 <= percent <= 100:
            raise ValidationError("The percent is out of range.", fields={"percent": ["From 0 to 100."]})
        state["percent"] = percent
    if "weight" in given:
        weight = given["weight"]
        if isinstance(weight, bool) or not isinstance(weight, int) or not 1 <= weight <= 100:
            raise ValidationError("The weight is out of range.", fields={"weight": ["A whole number from 1 to 100."]})
        state["weight"] = weight

    metric = None
    if state["kind"] == KeyResultKind.MANUAL:
        for name in ("baseline", "target", "current"):
            if given.get(name) is not None:
                raise ValidationError(
                    f"A manual key result has no {name}.",
                    fields={name: ["Only measured key results have a baseline, target and current value."]},
                )
        if given.get("metric_id") is not None:
            raise ValidationError(
                "A manual key result cannot be bound to a metric.",
                fields={"metric": ["Only measured key results can be bound to a metric."]},
            )
        state["metric_id"] = None
        if state["percent"] is None:
            state["percent"] = 0.0
        return state, None

    # Measured.
    if given.get("percent") is not None:
        raise ValidationError(
            "A measured key result has no percent.",
            fields={"percent": ["Only manual key results have a percent; measured ones have baseline and target."]},
        )
    state["percent"] = None
    if "metric_id" in given:
        state["metric_id"] = given["metric_id"]
    if state["metric_id"] is not None:
        metric = _metric_for(goal, state["metric_id"])
        if given.get("current") is not None:
            raise ValidationError(
                "The current value of a key result bound to a metric comes from the metric.",
                fields={"current": ["Bound to a metric: the current value is read from its rollups."]},
            )
        if "direction" not in given and current.get("metric_id") != metric.pk:
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
    direction: Any = UNSET,
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
    given = {
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
    if _given(direction):
        given["direction"] = direction
    blank = dict.fromkeys(_KR_FIELDS) | {"unit": "", "direction": Direction.UP, "weight": 1}
    state, metric = _key_result_state(goal, blank, given)
    position = (KeyResult.objects.filter(goal_id=goal.pk).aggregate(p=Max("position"))["p"] or 0) + 1
    now = timezone.now()
    key_result = KeyResult.objects.create(
        goal=goal, position=position, created_at=now, updated_at=now, **_without_current_if_bound(state)
    )
    shown = {**state, "metric_id": _label(metric)}
    if state["kind"] == KeyResultKind.MANUAL:
        for name in ("baseline", "target", "current", "direction", "metric_period", "unit"):
            shown.pop(name, None)
    elif metric is None:
        shown.pop("metric_period")
    activity_record(
        actor=actor,
        workspace=goal.workspace_id,
        product=goal.product_id,
        target=key_result,
        action="created",
        changes=_created_changes({k.removesuffix("_id"): v for k, v in shown.items()}),
    )
    schedule_goal_recompute([goal.pk])
    return key_result


def _without_current_if_bound(state: dict[str, Any]) -> dict[str, Any]:
    if state["metric_id"] is not None:
        return {**state, "current": None}
    return state


@transaction.atomic
def key_result_update(
    *,
    actor: Actor,
    key_result: KeyResult,
    version: int | None,
    precondition: bool = False,
    **given: Any,
) -> KeyResult:
    """Change a key result: any of title, kind, unit, direction, baseline, target, current, metric_id,
    metric_period, percent, weight (only those given). Binding to a metric (or changing its period)
    clears `current` until the rollup fills it from the metric."""
    unknown = set(given) - set(_KR_FIELDS)
    if unknown:
        raise TypeError(f"key_result_update() got unexpected arguments: {sorted(unknown)}")
    locked: KeyResult = lock_version(
        KeyResult.objects.all(), key_result.pk, version, precondition=precondition, what="key result"
    )
    locked.goal = Goal.objects.get(pk=locked.goal_id)
    current = {name: getattr(locked, name) for name in _KR_FIELDS}
    state, metric = _key_result_state(locked.goal, current, given)
    rebound = state["metric_id"] is not None and (
        state["metric_id"] != current["metric_id"] or state["metric_period"] != current["metric_period"]
    )
    if rebound:
        state["current"] = None
    changes: dict[str, dict[str, Any]] = {}
    for name, new in state.items():
        old = current[name]
        if old != new:
            key = name.removesuffix("_id")
            shown_old = _label(locked.metric) if name == "metric_id" else old
            shown_new = _label(metric) if name == "metric_id" else new
            changes[key] = {"from": _shown(shown_old), "to": _shown(shown_new)}
            setattr(locked, name, new)
    if changes:
        locked.version = F("version") + 1
        locked.updated_at = timezone.now()
        fields = [_kr_field(k) for k in changes]
        if rebound:
            locked.current_updated_at = None
            fields.append("current_updated_at")
        locked.save(update_fields=[*fields, "version", "updated_at"])
        locked.refresh_from_db(fields=["version", "progress"])
        locked.metric = metric
        activity_record(
            actor=actor,
            workspace=locked.goal.workspace_id,
            product=locked.goal.product_id,
            target=locked,
            action="updated",
            changes=changes,
        )
        if changes.keys() & (_KR_PROGRESS_FIELDS | {"weight"}):
            schedule_goal_recompute([locked.goal_id])
    locked.my_role = getattr(key_result, "my_role", None)
    return locked


def _kr_field(change_key: str) -> str:
    return "metric_id" if change_key == "metric" else change_key


@transaction.atomic
def key_result_delete(*, actor: Actor, key_result: KeyResult, version: int | None, precondition: bool = False) -> None:
    locked: KeyResult = lock_version(
        KeyResult.objects.all(), key_result.pk, version, precondition=precondition, what="key result"
    )
    goal = Goal.objects.get(pk=locked.goal_id)
    activity_record(
        actor=actor,
        workspace=goal.workspace_id,
        product=goal.product_id,
        target=locked,
        action="deleted",
        # `goal_id` lets the goal's history find the events of its deleted key results.
        changes={"title": {"from": locked.title, "to": None}, "goal_id": {"from": locked.goal_id, "to": None}},
    )
    locked.delete()
    schedule_goal_recompute([locked.goal_id])
