"""Writes of teams: who builds features, and how much they can take on.

A team belongs to a workspace; its members are members of that workspace (anyone else is refused,
naming the ids); its capacity is in person-months per month, 0..10,000 with two decimals (empty =
not planned yet). Names are unique per workspace without regard to case. Keyword-only arguments,
one transaction each, an activity event per change."""

from __future__ import annotations

from collections.abc import Iterable
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from django.db import transaction
from django.utils import timezone

from pmtool.activity import Actor, record_activity
from pmtool.cleaning import clean_name, clean_number, clean_text
from pmtool.errors import ValidationError
from pmtool.models import Membership, User, Workspace
from pmtool.versioning import UNSET, Maybe, delete_versioned, given, lock_version, save_changes
from strategy.services.planning import created_changes

from ..models import CAPACITY_MAX, NAME_MAX, TEXT_MAX, Team

MAX_MEMBERS = 200
_CENT = Decimal("0.01")


def clean_capacity(value: object) -> Decimal | None:
    """Person-months per month: a number from 0 to 10,000 (None = not set), kept to two decimals."""
    if isinstance(value, Decimal):
        try:
            value = float(value)
        except (InvalidOperation, OverflowError):
            value = float("nan")
    number = clean_number(value, field="capacity", minimum=0, maximum=CAPACITY_MAX)
    return None if number is None else Decimal(str(number)).quantize(_CENT, rounding=ROUND_HALF_UP)


def _members(workspace_id: int, member_ids: Iterable[int]) -> list[User]:
    ids = list(dict.fromkeys(int(i) for i in member_ids))
    if len(ids) > MAX_MEMBERS:
        raise ValidationError("Too many members.", fields={"members": [f"A team has at most {MAX_MEMBERS} members."]})
    found = list(
        User.objects.filter(
            pk__in=Membership.objects.filter(workspace_id=workspace_id, user_id__in=ids).values("user_id")
        ).order_by("pk")
    )
    missing = sorted(set(ids) - {u.pk for u in found})
    if missing:
        raise ValidationError(
            "Only members of the workspace can be in a team.",
            fields={"members": [f"Not a member of this workspace: {', '.join(map(str, missing[:10]))}."]},
        )
    return found


def _names(users: Iterable[User]) -> str | None:
    names = sorted(u.display_name for u in users)
    return ", ".join(names) if names else None


def _unique_name(workspace_id: int, name: str, *, exclude_id: int | None = None) -> str:
    taken = Team.objects.filter(workspace_id=workspace_id, name__iexact=name)
    if exclude_id is not None:
        taken = taken.exclude(pk=exclude_id)
    if taken.exists():
        raise ValidationError(
            "A team with this name exists.", fields={"name": [f"This workspace already has a team “{name}”."]}
        )
    return name


@transaction.atomic
def team_create(
    *,
    actor: Actor,
    workspace: Workspace,
    name: str,
    description: str = "",
    capacity: object = None,
    member_ids: Iterable[int] = (),
) -> Team:
    """A new team of `workspace`."""
    name = _unique_name(workspace.pk, clean_name(name, max_length=NAME_MAX))
    description = clean_text(description, field="description", max_length=TEXT_MAX)
    cleaned_capacity = clean_capacity(capacity)
    members = _members(workspace.pk, member_ids)
    now = timezone.now()
    team = Team.objects.create(
        workspace=workspace,
        name=name,
        description=description,
        capacity=cleaned_capacity,
        created_by=actor.user,
        created_at=now,
        updated_at=now,
    )
    team.members.set(members)
    created: dict[str, object] = {
        "name": name,
        "description": description,
        "capacity": cleaned_capacity,
        "members": _names(members),
    }
    record_activity(actor, "created", team, created_changes(created))
    return team


@transaction.atomic
def team_update(
    *,
    actor: Actor,
    team_id: int,
    version: int,
    name: Maybe[str] = UNSET,
    description: Maybe[str] = UNSET,
    capacity: Maybe[object] = UNSET,
    member_ids: Maybe[Iterable[int]] = UNSET,
) -> Team:
    """Change a team (optimistic lock on `version`); `member_ids` replaces the members."""
    locked = lock_version(Team.objects.all(), team_id, version, what="team")
    values: dict[str, Any] = {}
    if given(name):
        values["name"] = _unique_name(locked.workspace_id, clean_name(name, max_length=NAME_MAX), exclude_id=locked.pk)
    if given(description):
        values["description"] = clean_text(description, field="description", max_length=TEXT_MAX)
    if given(capacity):
        values["capacity"] = clean_capacity(capacity)
    old_members = list(locked.members.order_by("pk"))
    members_changed = False
    new_members = old_members
    if given(member_ids):
        new_members = _members(locked.workspace_id, member_ids)
        members_changed = {u.pk for u in new_members} != {u.pk for u in old_members}
    if members_changed:
        locked.members.set(new_members)
        values["updated_at"] = timezone.now()  # the members are part of its version too
    changes = save_changes(locked, values)
    changes.pop("updated_at", None)
    if members_changed:
        changes["members"] = {"from": _names(old_members), "to": _names(new_members)}
    if changes:
        record_activity(actor, "updated", locked, changes)
    return locked


@transaction.atomic
def team_delete(*, actor: Actor, team_id: int, version: int) -> None:
    """Delete a team (the version the user read is required); its features stay, with no team."""

    def record(locked: Team) -> None:
        record_activity(actor, "deleted", locked, {"name": {"from": locked.name, "to": None}})

    delete_versioned(Team.objects.all(), team_id, version, what="team", before=record)
