"""A workspace's feature statuses: the defaults every workspace starts with, and creating,
renaming, recolouring, re-categorising, reordering and removing them.

Statuses are the workspace's vocabulary, so only admins change them (the API and pages check the
role through backlog.permissions.access_status / workspace_access). The invariants kept here:
- names are unique in a workspace without regard to case (a database constraint too);
- a workspace always keeps at least one status in the *backlog* category (new features start
  there), so the last one can be neither deleted nor moved to another category;
- positions are 0..n-1 in the list's order (a move renumbers the rows that changed place);
- a status that features use is deleted only with a replacement: those features move to it in one
  UPDATE, and the initiatives they serve get their progress recomputed after commit.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.db.models import F, QuerySet
from django.utils import timezone

from pmtool.activity import Actor, record_activity
from pmtool.cleaning import clean_choice, clean_colour, clean_name
from pmtool.errors import Conflict, ValidationError
from pmtool.models import Workspace
from pmtool.versioning import UNSET, Maybe, delete_versioned, given, lock_version, save_changes

from ..models import DEFAULT_STATUSES, NAME_MAX, Feature, FeatureStatus, StatusCategory
from .progress import schedule_progress_refresh

MAX_STATUSES = 50


def statuses_create_defaults(workspace: Workspace) -> list[FeatureStatus]:
    """Give a new workspace the default statuses (registered with pmtool's workspace set-up)."""
    if FeatureStatus.objects.filter(workspace=workspace).exists():
        return []
    return FeatureStatus.objects.bulk_create(
        FeatureStatus(workspace=workspace, name=name, colour=colour, category=category, position=position)
        for position, (name, colour, category) in enumerate(DEFAULT_STATUSES)
    )


def _unique_name(workspace_id: int, name: str, *, exclude_id: int | None = None) -> str:
    taken = FeatureStatus.objects.filter(workspace_id=workspace_id, name__iexact=name)
    if exclude_id is not None:
        taken = taken.exclude(pk=exclude_id)
    if taken.exists():
        raise ValidationError(
            "A status with this name exists.", fields={"name": [f"This workspace already has a status “{name}”."]}
        )
    return name


def _locked_list(workspace_id: int) -> list[FeatureStatus]:
    """The workspace's statuses in order, locked (moves and deletes renumber them)."""
    return list(FeatureStatus.objects.select_for_update().filter(workspace_id=workspace_id).order_by("position", "id"))


def _renumber(statuses: list[FeatureStatus]) -> None:
    """Positions 0..n-1 in list order; rows whose position changes get a new version."""
    now = timezone.now()
    for position, status in enumerate(statuses):
        if status.position != position:
            FeatureStatus.objects.filter(pk=status.pk).update(
                position=position, version=F("version") + 1, updated_at=now
            )
            status.position = position


def _backlog_left(workspace_id: int, without_id: int) -> bool:
    return (
        FeatureStatus.objects.filter(workspace_id=workspace_id, category=StatusCategory.BACKLOG)
        .exclude(pk=without_id)
        .exists()
    )


@transaction.atomic
def status_create(
    *, actor: Actor, workspace: Workspace, name: str, colour: str = "#64748b", category: str = StatusCategory.BACKLOG
) -> FeatureStatus:
    """A new status at the end of the list."""
    name = _unique_name(workspace.pk, clean_name(name, max_length=NAME_MAX))
    colour = clean_colour(colour)
    category = clean_choice(category, StatusCategory, field="category", what="category")
    existing = _locked_list(workspace.pk)
    if len(existing) >= MAX_STATUSES:
        raise ValidationError(
            "Too many statuses.", fields={"name": [f"A workspace has at most {MAX_STATUSES} statuses."]}
        )
    now = timezone.now()
    status = FeatureStatus.objects.create(
        workspace=workspace,
        name=name,
        colour=colour,
        category=category,
        position=len(existing),
        created_at=now,
        updated_at=now,
    )
    created = {"name": name, "colour": colour, "category": category}
    record_activity(actor, "created", status, {field: {"from": None, "to": value} for field, value in created.items()})
    return status


@transaction.atomic
def status_update(
    *,
    actor: Actor,
    status_id: int,
    version: int,
    name: Maybe[str] = UNSET,
    colour: Maybe[str] = UNSET,
    category: Maybe[str] = UNSET,
    position: Maybe[int] = UNSET,
) -> FeatureStatus:
    """Rename, recolour, re-categorise or move a status (`position`: its 0-based place in the list,
    past the end = last). The last backlog status keeps its category."""
    locked = lock_version(FeatureStatus.objects.all(), status_id, version, what="status")
    values: dict[str, Any] = {}
    if given(name):
        values["name"] = _unique_name(locked.workspace_id, clean_name(name, max_length=NAME_MAX), exclude_id=locked.pk)
    if given(colour):
        values["colour"] = clean_colour(colour)
    if given(category):
        values["category"] = clean_choice(category, StatusCategory, field="category", what="category")
        leaves_backlog = locked.category == StatusCategory.BACKLOG and values["category"] != StatusCategory.BACKLOG
        if leaves_backlog and not _backlog_left(locked.workspace_id, locked.pk):
            raise ValidationError(
                "The last backlog status keeps its category.",
                fields={"category": ["A workspace needs at least one status in the backlog category."]},
            )
    moved_from = locked.position
    if given(position):
        moved_from = _move(locked, position)
    changes = save_changes(locked, values)
    if moved_from != locked.position:
        changes["position"] = {"from": moved_from, "to": locked.position}
        locked.refresh_from_db(fields=["version", "updated_at"])  # the renumbering bumped it
    if changes:
        record_activity(actor, "updated", locked, changes)
    if "category" in changes:
        _refresh_progress_of(Feature.objects.filter(status_id=locked.pk))
    return locked


def _move(locked: FeatureStatus, position: int) -> int:
    """Put `locked` at `position` in its workspace's list and renumber; returns its old position."""
    if isinstance(position, bool) or not isinstance(position, int) or position < 0:
        raise ValidationError("Not a position.", fields={"position": ["A whole number from 0."]})
    statuses = _locked_list(locked.workspace_id)
    old = next(i for i, s in enumerate(statuses) if s.pk == locked.pk)
    moving = statuses.pop(old)
    statuses.insert(min(position, len(statuses)), moving)
    _renumber(statuses)
    locked.position = moving.position
    return old


@transaction.atomic
def status_move(*, actor: Actor, status_id: int, version: int, direction: str) -> FeatureStatus:
    """One place up or down in the list (the page's buttons); at an end it stays."""
    if direction not in ("up", "down"):
        raise ValidationError("Unknown direction.", fields={"direction": ["Choose one of: up, down."]})
    current = lock_version(FeatureStatus.objects.all(), status_id, version, what="status")
    index = [s.pk for s in _locked_list(current.workspace_id)].index(current.pk)
    target = max(index - 1, 0) if direction == "up" else index + 1
    return status_update(actor=actor, status_id=status_id, version=version, position=target)


def _refresh_progress_of(features: QuerySet[Feature]) -> None:
    """Recompute, after commit, the progress of the initiatives these features serve."""
    schedule_progress_refresh(features.filter(initiative_id__isnull=False).values_list("initiative_id", flat=True))


def status_usage(status: FeatureStatus) -> int:
    """How many features (archived ones included) have this status."""
    return Feature.objects.filter(status_id=status.pk).count()


@transaction.atomic
def status_delete(*, actor: Actor, status_id: int, version: int, replacement_id: int | None = None) -> None:
    """Delete a status. Features that use it move to `replacement_id` (a status of the same
    workspace) in one UPDATE; without a replacement a used status is refused (409). The last
    backlog status is never deleted."""
    locked = lock_version(FeatureStatus.objects.all(), status_id, version, what="status")
    if locked.category == StatusCategory.BACKLOG and not _backlog_left(locked.workspace_id, locked.pk):
        raise Conflict(
            "The last backlog status cannot be deleted: a workspace needs at least one status in the backlog category."
        )
    replacement = None
    if replacement_id is not None:
        replacement = FeatureStatus.objects.filter(workspace_id=locked.workspace_id, pk=replacement_id).first()
        if replacement is None or replacement.pk == locked.pk:
            raise ValidationError(
                "Unknown replacement status.",
                fields={"replacement": ["Choose another status of this workspace."]},
            )
    used = Feature.objects.filter(status_id=locked.pk)
    count = used.count()
    if count and replacement is None:
        raise Conflict(
            f"{count} feature{'s use' if count != 1 else ' uses'} the status “{locked.name}”: choose a status "
            "to move them to, then delete it.",
            code="status_in_use",
        )
    if count and replacement is not None:
        if replacement.category != locked.category:
            _refresh_progress_of(used)
        used.update(status_id=replacement.pk, version=F("version") + 1, updated_at=timezone.now())

    def record(row: FeatureStatus) -> None:
        changes: dict[str, Any] = {"name": {"from": row.name, "to": None}}
        if count and replacement is not None:
            changes["features"] = {"from": count, "to": f"moved to “{replacement.name}”"}
        record_activity(actor, "deleted", row, changes)

    delete_versioned(FeatureStatus.objects.all(), locked.pk, version, what="status", before=record)
    _renumber(_locked_list(locked.workspace_id))
