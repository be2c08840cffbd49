"""Writes of initiatives: the themes features roll up to. Keyword-only arguments, one transaction
each, the object returned, an activity event per change.

An initiative serves goals of its workspace; a product's initiative serves that product's goals or
company goals."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from typing import Any

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from pmtool.activity import Actor, activity_record, json_safe
from pmtool.errors import ValidationError
from pmtool.models import Workspace
from pmtool.services import _clean_name, lock_version
from strategy.models import (
    TITLE_MAX,
    Goal,
    Initiative,
    InitiativeStatus,
)

from .goals import UNSET, _choice, _created_changes, _given, _label, _product, _text, _time_frame

MAX_GOALS_PER_INITIATIVE = 100
DEFAULT_COLOUR = "#4f46e5"
_COLOUR = re.compile(r"^#[0-9a-fA-F]{6}$")


# --- initiatives --------------------------------------------------------------------------


def _colour(value: str) -> str:
    value = (value or "").strip()
    if not _COLOUR.match(value):
        raise ValidationError("Not a colour.", fields={"colour": ["A colour as #rrggbb, e.g. #4f46e5."]})
    return value.lower()


def _goals_for(workspace_id: int, product_id: int | None, goal_ids: Iterable[int]) -> list[Goal]:
    """The goals an initiative may serve, in title order; refuses unknown ids and other products' goals."""
    ids = list(dict.fromkeys(goal_ids))
    if len(ids) > MAX_GOALS_PER_INITIATIVE:
        raise ValidationError(
            "Too many goals.", fields={"goals": [f"An initiative serves at most {MAX_GOALS_PER_INITIATIVE} goals."]}
        )
    found = list(Goal.objects.filter(workspace_id=workspace_id, pk__in=ids).order_by("title", "id"))
    missing = sorted(set(ids) - {g.pk for g in found})
    if missing:
        raise ValidationError(
            "Unknown goals.",
            fields={"goals": [f"No such goal in this workspace: {', '.join(map(str, missing[:10]))}."]},
        )
    if product_id is not None:
        foreign = [g for g in found if g.product_id not in (None, product_id)]
        if foreign:
            raise ValidationError(
                "A product's initiative serves that product's goals or company goals.",
                fields={
                    "goals": [
                        f"“{foreign[0].title}” is a goal of another product: a product's initiative serves "
                        "that product's goals or company goals."
                    ]
                },
            )
    return found


def _titles(goals: Iterable[Goal]) -> str | None:
    titles = sorted(g.title for g in goals)
    return ", ".join(titles) if titles else None


@transaction.atomic
def initiative_create(
    *,
    actor: Actor,
    workspace: Workspace,
    title: str,
    description: str = "",
    colour: str = DEFAULT_COLOUR,
    status: str = InitiativeStatus.PROPOSED,
    quarter: str | None = None,
    start_date: dt.date | None = None,
    end_date: dt.date | None = None,
    product_id: int | None = None,
    goal_ids: Iterable[int] = (),
) -> Initiative:
    """A theme features will roll up to (product empty = workspace-wide), serving some goals."""
    title = _clean_name(title, field="title", max_length=TITLE_MAX)
    description = _text(description, "description")
    colour = _colour(colour)
    status = _choice(status, InitiativeStatus, "status", "status")
    product = _product(workspace.pk, product_id)
    start, end = _time_frame(quarter=quarter, start_date=start_date, end_date=end_date)
    goals = _goals_for(workspace.pk, product_id, goal_ids)
    now = timezone.now()
    initiative = Initiative.objects.create(
        workspace=workspace,
        product=product,
        title=title,
        description=description,
        colour=colour,
        status=status,
        start_date=start,
        end_date=end,
        created_by=actor.user,
        created_at=now,
        updated_at=now,
    )
    initiative.goals.set(goals)
    activity_record(
        actor=actor,
        workspace=workspace,
        product=product,
        target=initiative,
        action="created",
        changes=_created_changes(
            {
                "title": title,
                "description": description,
                "colour": colour,
                "status": status,
                "product": _label(product),
                "start_date": start,
                "end_date": end,
                "goals": _titles(goals),
            }
        ),
    )
    return initiative


@transaction.atomic
def initiative_update(
    *,
    actor: Actor,
    initiative: Initiative,
    version: int | None,
    precondition: bool = False,
    title: Any = UNSET,
    description: Any = UNSET,
    colour: Any = UNSET,
    status: Any = UNSET,
    quarter: Any = UNSET,
    start_date: Any = UNSET,
    end_date: Any = UNSET,
    product_id: Any = UNSET,
    goal_ids: Any = UNSET,
) -> Initiative:
    """Change an initiative (optimistic lock on `version`). `goal_ids` replaces the goals it serves;
    moving it to a product re-checks the goals it keeps."""
    locked: Initiative = lock_version(
        Initiative.objects.all(), initiative.pk, version, precondition=precondition, what="initiative"
    )
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
    if _given(colour):
        change("colour", _colour(colour))
    if _given(status):
        change("status", _choice(status, InitiativeStatus, "status", "status"))
    if _given(product_id) and product_id != locked.product_id:
        product = _product(locked.workspace_id, product_id)
        change("product_id", product_id, _label(product), _label(locked.product))
    start, end = _time_frame(
        quarter=quarter, start_date=start_date, end_date=end_date, current=(locked.start_date, locked.end_date)
    )
    change("start_date", start)
    change("end_date", end)
    old_goals = list(locked.goals.order_by("title", "id"))
    if _given(goal_ids) or "product" in changes:
        ids = goal_ids if _given(goal_ids) else [g.pk for g in old_goals]
        goals = _goals_for(locked.workspace_id, locked.product_id, ids)
        if {g.pk for g in goals} != {g.pk for g in old_goals}:
            locked.goals.set(goals)
            changes["goals"] = {"from": _titles(old_goals), "to": _titles(goals)}
    if changes:
        locked.version = F("version") + 1
        locked.updated_at = timezone.now()
        fields = [{"product": "product_id"}.get(k, k) for k in changes if k != "goals"]
        locked.save(update_fields=[*fields, "version", "updated_at"])
        locked.refresh_from_db(fields=["version"])
        activity_record(
            actor=actor,
            workspace=locked.workspace_id,
            product=locked.product_id,
            target=locked,
            action="updated",
            changes=changes,
        )
    locked.my_role = getattr(initiative, "my_role", None)
    return locked


@transaction.atomic
def initiative_delete(*, actor: Actor, initiative: Initiative, version: int | None, precondition: bool = False) -> None:
    locked: Initiative = lock_version(
        Initiative.objects.all(), initiative.pk, version, precondition=precondition, what="initiative"
    )
    activity_record(
        actor=actor,
        workspace=locked.workspace_id,
        product=locked.product_id,
        target=locked,
        action="deleted",
        changes={"title": {"from": locked.title, "to": None}},
    )
    locked.delete()
