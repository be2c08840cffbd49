"""Writes of initiatives: the themes features roll up to. Keyword-only arguments, one transaction
each, the object returned, an activity event per change.

An initiative serves goals of its workspace; a product's initiative serves that product's goals or
company goals."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.db import transaction
from django.utils import timezone

from pmtool.activity import Actor, record_activity
from pmtool.cleaning import clean_choice, clean_colour, clean_name, clean_text
from pmtool.errors import ValidationError
from pmtool.models import Workspace
from pmtool.versioning import UNSET, Maybe, delete_versioned, given, lock_version, save_changes

from ..models import TITLE_MAX, Goal, Initiative, InitiativeStatus
from ..tasks import schedule_goal_recompute
from .planning import created_changes, label, product_in, time_frame

MAX_GOALS_PER_INITIATIVE = 100
DEFAULT_COLOUR = "#4f46e5"


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
    title = clean_name(title, field="title", max_length=TITLE_MAX)
    description = clean_text(description, field="description")
    colour = clean_colour(colour)
    status = clean_choice(status, InitiativeStatus, field="status", what="status")
    product = product_in(workspace.pk, product_id)
    start, end = time_frame(quarter=quarter, start_date=start_date, end_date=end_date)
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
    created = {
        "title": title,
        "description": description,
        "colour": colour,
        "status": status,
        "product": label(product),
        "start_date": start,
        "end_date": end,
        "goals": _titles(goals),
    }
    record_activity(actor, "created", initiative, created_changes(created))
    return initiative


@transaction.atomic
def initiative_update(
    *,
    actor: Actor,
    initiative_id: int,
    version: int,
    title: Maybe[str] = UNSET,
    description: Maybe[str] = UNSET,
    colour: Maybe[str] = UNSET,
    status: Maybe[str] = UNSET,
    quarter: Maybe[str | None] = UNSET,
    start_date: Maybe[dt.date | None] = UNSET,
    end_date: Maybe[dt.date | None] = UNSET,
    product_id: Maybe[int | None] = UNSET,
    goal_ids: Maybe[Iterable[int]] = UNSET,
) -> Initiative:
    """Change an initiative (optimistic lock on `version`: stale → StaleVersion). `goal_ids` replaces
    the goals it serves; moving it to a product re-checks the goals it keeps."""
    locked = lock_version(Initiative.objects.all(), initiative_id, version, what="initiative")
    values: dict[str, Any] = {}
    if given(title):
        values["title"] = clean_name(title, field="title", max_length=TITLE_MAX)
    if given(description):
        values["description"] = clean_text(description, field="description")
    if given(colour):
        values["colour"] = clean_colour(colour)
    if given(status):
        values["status"] = clean_choice(status, InitiativeStatus, field="status", what="status")
    moved = given(product_id) and product_id != locked.product_id
    if given(product_id) and moved:
        values["product"] = product_in(locked.workspace_id, product_id)
    values["start_date"], values["end_date"] = time_frame(
        quarter=quarter, start_date=start_date, end_date=end_date, current=(locked.start_date, locked.end_date)
    )
    old_goals = list(locked.goals.order_by("title", "id"))
    goals = old_goals
    if given(goal_ids) or moved:
        ids = goal_ids if given(goal_ids) else [g.pk for g in old_goals]
        new_product_id = product_id if given(product_id) else locked.product_id
        goals = _goals_for(locked.workspace_id, new_product_id, ids)
    goals_changed = {g.pk for g in goals} != {g.pk for g in old_goals}
    if goals_changed:
        locked.goals.set(goals)
        if locked.progress is not None:  # a goal without key results reads its initiatives' progress
            schedule_goal_recompute({g.pk for g in (*old_goals, *goals)})
        values["updated_at"] = timezone.now()  # the goals it serves are part of its version too
    changes = save_changes(locked, values, shown={"product": label})
    changes.pop("updated_at", None)
    if goals_changed:
        changes["goals"] = {"from": _titles(old_goals), "to": _titles(goals)}
    if changes:
        record_activity(actor, "updated", locked, changes)
    return locked


@transaction.atomic
def initiative_delete(*, actor: Actor, initiative_id: int, version: int) -> None:
    """Delete an initiative (the version the user read is required); the goals it served stay."""

    def record(locked: Initiative) -> None:
        if locked.progress is not None:  # its goals may have read their progress from it
            schedule_goal_recompute(locked.goals.values_list("pk", flat=True))
        record_activity(actor, "deleted", locked, {"title": {"from": locked.title, "to": None}})

    delete_versioned(Initiative.objects.all(), initiative_id, version, what="initiative", before=record)
