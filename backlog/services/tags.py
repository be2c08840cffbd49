"""Writes of a workspace's tags: create, rename / recolour / describe, merge one into another, delete.

Features also create tags on the fly (backlog/services/features.py `_tags_for`, references.py
`tags_ensure`); here a PM manages them. Names are unique per workspace without regard to case and
cleaned by `clean_name` with the features' bound (`TAG_MAX`). A rename onto another tag's name is
refused with `TagNameTaken` (it names that tag, so pages and clients can offer the merge): merging
is always asked for, never done silently. A merge moves the through rows set-based (one INSERT …
SELECT … ON CONFLICT DO NOTHING, one DELETE), then deletes the merged tag; both versions are checked
under row locks taken in id order. Keyword-only arguments, one transaction each, an activity event
per change. Who may call them (editors and admins) is backlog.permissions.access_tag's business."""

from __future__ import annotations

from typing import Any

from django.db import IntegrityError, connection, transaction
from django.db.models import F
from django.utils import timezone

from pmtool.activity import Actor, record_activity
from pmtool.cleaning import clean_colour, clean_name, clean_text
from pmtool.errors import NotFound, ValidationError
from pmtool.models import Workspace
from pmtool.versioning import UNSET, Maybe, delete_versioned, given, lock_version, save_changes
from strategy.services.planning import created_changes

from ..models import TAG_DESCRIPTION_MAX, TAG_MAX, Feature, Tag

_THROUGH = Feature.tags.through


def _touch_features(actor: Actor, tag_id: int) -> int:
    """Every feature tagged `tag_id` changes (its tag list reads differently): version + 1,
    updated_at / updated_by, in one UPDATE, so that a feature form or client holding the old tag
    list meets a stale version (409 / 412) instead of writing the old name back. Returns the count.

    Called BEFORE the tag row is locked: a feature edit locks its feature and then (adding the tag)
    takes a key-share lock on the tag, so features first, tag second is the one order both take; the
    other order deadlocks. A tag version found stale afterwards rolls this back with the rest."""
    return Feature.objects.filter(pk__in=_THROUGH.objects.filter(tag_id=tag_id).values("feature_id")).update(
        version=F("version") + 1, updated_at=timezone.now(), updated_by=actor.user
    )


class TagNameTaken(ValidationError):
    """A name another tag of the workspace has, ignoring case (400, code `tag_name_taken`, on `name`);
    `existing` is that tag. For a rename the message offers the merge into it."""

    code = "tag_name_taken"

    def __init__(self, existing: Tag, *, renaming: str | None = None) -> None:
        self.existing = existing
        hint = f" To combine them, merge “{renaming}” into “{existing.name}”." if renaming else ""
        super().__init__(
            f"This workspace already has a tag “{existing.name}”.{hint}",
            fields={"name": [f"A tag “{existing.name}” exists (id {existing.pk}).{hint}"]},
        )


def _clean_description(value: str | None) -> str:
    """Plain text on one line, at most TAG_DESCRIPTION_MAX characters."""
    return " ".join(clean_text(value, field="description", max_length=TAG_DESCRIPTION_MAX).split())


def _unique_name(workspace_id: int, name: str, *, renaming: Tag | None = None, old_name: str = "") -> str:
    """`name` unless another tag of the workspace has it (ignoring case): TagNameTaken naming that tag."""
    taken = Tag.objects.filter(workspace_id=workspace_id, name__iexact=name)
    if renaming is not None:
        taken = taken.exclude(pk=renaming.pk)
    existing = taken.first()
    if existing is not None:
        raise TagNameTaken(existing, renaming=old_name or (renaming.name if renaming else None))
    return name


@transaction.atomic
def tag_create(*, actor: Actor, workspace: Workspace, name: str, colour: str = "", description: str = "") -> Tag:
    """A new tag of `workspace` (a name taken without regard to case → ValidationError on `name`)."""
    cleaned = _unique_name(workspace.pk, clean_name(name, max_length=TAG_MAX))
    values = {"colour": clean_colour(colour, optional=True), "description": _clean_description(description)}
    try:
        with transaction.atomic():  # a feature may create the same name at the same moment: the index decides
            tag = Tag.objects.create(workspace=workspace, name=cleaned, updated_at=timezone.now(), **values)
    except IntegrityError:
        _unique_name(workspace.pk, cleaned)  # raises TagNameTaken, naming the winner
        raise
    record_activity(actor, "created", tag, created_changes({"name": cleaned, **values}))
    return tag


@transaction.atomic
def tag_update(
    *,
    actor: Actor,
    tag_id: int,
    version: int,
    name: Maybe[str] = UNSET,
    colour: Maybe[str] = UNSET,
    description: Maybe[str] = UNSET,
) -> Tag:
    """Rename, recolour or describe a tag (optimistic lock on `version`). A new name that another tag
    has (ignoring case) is TagNameTaken; a change of case only is a rename. A rename changes the
    version of every feature with the tag (see `_touch_features`)."""
    new_name = clean_name(name, max_length=TAG_MAX) if given(name) else None
    if new_name is not None and Tag.objects.filter(pk=tag_id).exclude(name=new_name).exists():
        _touch_features(actor, tag_id)  # a rename: see _touch_features for why before the lock
    locked = lock_version(Tag.objects.all(), tag_id, version, what="tag")
    values: dict[str, Any] = {}
    old_name = locked.name
    if new_name is not None:
        values["name"] = _unique_name(locked.workspace_id, new_name, renaming=locked)
    if given(colour):
        values["colour"] = clean_colour(colour, optional=True)
    if given(description):
        values["description"] = _clean_description(description)
    try:
        with transaction.atomic():  # as in tag_create: a concurrent create of the new name loses nothing
            changes = save_changes(locked, values)
    except IntegrityError:
        if "name" in values:
            _unique_name(locked.workspace_id, values["name"], renaming=locked, old_name=old_name)
        raise
    if changes:
        record_activity(actor, "updated", locked, changes)
    return locked


def _lock_pair(tag_id: int, version: int, into_id: int, into_version: int) -> tuple[Tag, Tag]:
    """Both tags locked, in id order (two merges of the same pair never deadlock), versions checked.
    The target is looked up inside the merged tag's workspace only (a tag never changes workspace):
    another workspace's tag is "no such tag", whatever its version."""
    if tag_id == into_id:
        raise ValidationError("A tag cannot be merged into itself.", fields={"into": ["Choose another tag."]})
    workspace_id = Tag.objects.filter(pk=tag_id).values_list("workspace_id", flat=True).first()
    if workspace_id is None:
        raise NotFound("Tag not found.")
    same_workspace = Tag.objects.filter(workspace_id=workspace_id)
    locked: dict[int, Tag] = {}
    for pk, expected, what in sorted([(tag_id, version, "tag"), (into_id, into_version, "tag to merge into")]):
        try:
            locked[pk] = lock_version(same_workspace, pk, expected, what=what)
        except NotFound:
            if pk == tag_id:
                raise
            raise ValidationError("No such tag here.", fields={"into": ["No such tag in this workspace."]}) from None
    return locked[tag_id], locked[into_id]


# Every feature tagged with the merged tag gets the target (one statement; features that have both keep one).
_MERGE_SQL = (
    f'INSERT INTO "{_THROUGH._meta.db_table}" (feature_id, tag_id)'  # noqa: S608 - table names from models
    f' SELECT feature_id, %s FROM "{_THROUGH._meta.db_table}" WHERE tag_id = %s'
    " ON CONFLICT (feature_id, tag_id) DO NOTHING"
)


@transaction.atomic
def tag_merge(*, actor: Actor, tag_id: int, version: int, into_id: int, into_version: int) -> Tag:
    """Merge tag `tag_id` into `into_id` (same workspace; both versions checked): its features get the
    target tag (once, when they had both), then it is deleted. The target's version goes up (its
    features changed), and so does each of those features'. Returns the target."""
    _touch_features(actor, tag_id)  # the features with the merged tag (the target's others read the same)
    source, target = _lock_pair(tag_id, version, into_id, into_version)
    before = _THROUGH.objects.filter(tag_id=target.pk).count()
    with connection.cursor() as cursor:
        cursor.execute(_MERGE_SQL, [target.pk, source.pk])
        moved = cursor.rowcount
    _THROUGH.objects.filter(tag_id=source.pk).delete()
    source.delete()
    Tag.objects.filter(pk=target.pk).update(version=F("version") + 1, updated_at=timezone.now())
    target.refresh_from_db(fields=["version", "updated_at"])
    record_activity(
        actor,
        "merged",
        target,
        {"merged": {"from": source.name, "to": target.name}, "features": {"from": before, "to": before + moved}},
    )
    return target


@transaction.atomic
def tag_delete(*, actor: Actor, tag_id: int, version: int) -> None:
    """Delete a tag (the version the user read is required); its features lose it (and their
    versions go up), nothing else."""

    _touch_features(actor, tag_id)

    def record(locked: Tag) -> None:
        count = _THROUGH.objects.filter(tag_id=locked.pk).count()
        record_activity(
            actor, "deleted", locked, {"name": {"from": locked.name, "to": None}, "features": {"from": count, "to": 0}}
        )

    delete_versioned(Tag.objects.all(), tag_id, version, what="tag", before=record)
