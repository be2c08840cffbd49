"""Bulk edits of a product's features: one change applied to many selected rows, set-based.

`features_bulk_update` validates the change once (the single-edit rules: a status of the workspace,
an owner who is a member, an initiative / release / team of the workspace or product), locks the
selected rows (SELECT … FOR UPDATE ORDER BY id, so two bulk edits never deadlock), and compares each
row's version with the one the user loaded. Rows that changed under the user are NOT written and
are reported back (with their current version); the rest are written with ONE UPDATE (version + 1,
updated_at, updated_by), tags by bulk insert/delete of the through rows, and one activity event per
feature in one bulk INSERT. Rows the change leaves as they were are not written at all.

`features_bulk_update_matching` is the same change over every feature a filtered view matches
("all 180 matching this view", not only the rows on the page): the rows are locked as the filter
reads them, and the count must be the one the user saw (else 409, nothing written).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.db.models import F, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from pmtool.activity import Actor, json_safe
from pmtool.errors import Conflict, ValidationError
from pmtool.models import ActivityEvent, Product

from ..filters import BacklogQuery, apply_query
from ..models import Feature, MoSCoW
from . import references as refs
from .progress import schedule_progress_refresh

MAX_ITEMS = 500
MAX_MATCHING = 5_000
"""A bulk edit of "every feature matching this view" (one UPDATE and one activity INSERT either way)."""
_FK_FIELDS = ("status", "owner", "initiative", "release", "team")


@dataclass(frozen=True)
class BulkChange:
    """A validated change: `fields` maps a column (status_id, owner_id, …, moscow) to its new value;
    `labels` maps it to how the value reads in the activity log."""

    fields: dict[str, Any] = field(default_factory=dict)
    labels: dict[str, Any] = field(default_factory=dict)
    add_tags: tuple[int, ...] = ()
    remove_tags: tuple[int, ...] = ()
    tag_names: dict[int, str] = field(default_factory=dict)
    archive: bool = False
    restore: bool = False

    @property
    def is_empty(self) -> bool:
        return not (self.fields or self.add_tags or self.remove_tags or self.archive or self.restore)


@dataclass(frozen=True)
class Stale:
    id: int
    title: str
    current_version: int


@dataclass(frozen=True)
class BulkResult:
    """What a bulk edit did: the rows written, the rows left alone because they changed since the
    user loaded them (`stale`), the rows already as asked (`unchanged`), and ids that are no longer
    in the product (`missing`, e.g. deleted meanwhile)."""

    updated_ids: list[int]
    stale: list[Stale]
    unchanged_ids: list[int] = field(default_factory=list)
    missing_ids: list[int] = field(default_factory=list)

    @property
    def requested(self) -> int:
        return len(self.updated_ids) + len(self.stale) + len(self.unchanged_ids) + len(self.missing_ids)

    def message(self) -> str:
        """For people: "3 of 40 changed since you loaded the page: A, B, C; the other 37 were updated."."""
        done = len(self.updated_ids) + len(self.unchanged_ids)
        parts: list[str] = []
        if self.stale:
            titles = ", ".join(f"“{s.title}”" for s in self.stale[:20])
            more = f" and {len(self.stale) - 20} more" if len(self.stale) > 20 else ""
            parts.append(f"{len(self.stale)} of {self.requested} changed since you loaded the page: {titles}{more}")
        if self.missing_ids:
            parts.append(f"{len(self.missing_ids)} no longer exist")
        if not parts:
            return f"{done} feature{'s' if done != 1 else ''} updated."
        if done == 0:
            return "; ".join(parts) + "; nothing was updated."
        return "; ".join(parts) + f"; the other {done} {'was' if done == 1 else 'were'} updated."


def bulk_change_clean(product: Product, changes: dict[str, Any]) -> BulkChange:
    """Validate a change once for every row: keys status, moscow, owner, initiative, release, team
    (ids; None clears all but status), add_tags / remove_tags (names), archive / restore (true)."""
    fields: dict[str, Any] = {}
    labels: dict[str, Any] = {}
    if "status" in changes:
        if changes["status"] is None:
            raise ValidationError("A feature always has a status.", fields={"status": ["This field may not be null."]})
        status = refs.status_of(product, changes["status"])
        fields["status_id"], labels["status_id"] = status.pk, status.name
    if "moscow" in changes:
        moscow = changes["moscow"] or ""
        if moscow not in ("", *MoSCoW.values):
            raise ValidationError("Unknown MoSCoW.", fields={"moscow": [f"One of: {', '.join(MoSCoW.values)}."]})
        fields["moscow"] = labels["moscow"] = moscow
    lookups: dict[str, tuple[Callable[[Product, Any], Any], Callable[[Any], str]]] = {
        "owner": (refs.owner_of, lambda u: u.email),
        "initiative": (refs.initiative_of, lambda i: i.title),
        "release": (refs.release_of, lambda r: r.name),
        "team": (refs.team_of, lambda t: t.name),
    }
    for name, (lookup, label) in lookups.items():
        if name in changes:
            obj = lookup(product, changes[name])
            fields[f"{name}_id"] = obj.pk if obj is not None else None
            labels[f"{name}_id"] = label(obj) if obj is not None else None
    add = refs.clean_tag_names(changes.get("add_tags") or [], field="add_tags")
    remove = refs.clean_tag_names(changes.get("remove_tags") or [], field="remove_tags")
    if {n.casefold() for n in add} & {n.casefold() for n in remove}:
        raise ValidationError("A tag is both added and removed.", fields={"remove_tags": ["Also in add_tags."]})
    archive, restore = bool(changes.get("archive")), bool(changes.get("restore"))
    if archive and restore:
        raise ValidationError("Archive or restore, not both.", fields={"restore": ["Also asked to archive."]})
    added = refs.tags_ensure(product, add)
    removed = refs.tags_existing(product, remove)
    change = BulkChange(
        fields=fields,
        labels=labels,
        add_tags=tuple(t.pk for t in added.values()),
        remove_tags=tuple(t.pk for t in removed.values()),
        tag_names={t.pk: t.name for t in (*added.values(), *removed.values())},
        archive=archive,
        restore=restore,
    )
    if change.is_empty and not remove:
        raise ValidationError("Choose a change to make.", fields={"changes": ["No change given."]})
    return change


def _items_clean(items: Sequence[tuple[int, int]]) -> dict[int, int]:
    if not items:
        raise ValidationError("Select some features.", fields={"items": ["Select at least one feature."]})
    if len(items) > MAX_ITEMS:
        raise ValidationError("Too many features.", fields={"items": [f"At most {MAX_ITEMS} features at once."]})
    versions = dict(items)
    if len(versions) != len(items):
        raise ValidationError("A feature is selected twice.", fields={"items": ["Each feature once."]})
    return versions


_LOCKED = ("id", "title", "version", "status_id", "owner_id", "initiative_id", "release_id", "team_id", "moscow")


@transaction.atomic
def features_bulk_update(
    *, actor: Actor, product: Product, items: Sequence[tuple[int, int]], changes: dict[str, Any]
) -> BulkResult:
    """Apply `changes` to the features `items` ((id, version the user loaded) pairs) of `product`.
    Stale rows are reported, not written; the others are written set-based. See the module doc."""
    versions = _items_clean(items)
    change = bulk_change_clean(product, changes)
    rows = list(
        Feature.objects.select_for_update(of=("self",))
        .filter(product_id=product.pk, pk__in=versions)
        .order_by("id")
        .values(*_LOCKED, "archived_at")
    )
    return _apply(actor, product, rows, versions, change)


@transaction.atomic
def features_bulk_update_matching(
    *, actor: Actor, product: Product, query: BacklogQuery, expected: int, changes: dict[str, Any]
) -> BulkResult:
    """Apply `changes` to every feature of `product` that `query` matches now (the list's filters;
    its sort does not matter), at most MAX_MATCHING. `expected` is how many the user saw match: when
    the view matches another number now (someone added, changed or removed features meanwhile), the
    answer is ViewChanged (409) and nothing is written. The rows are locked as the list is read, and
    written as a selection of them at their current versions would be."""
    change = bulk_change_clean(product, changes)
    matching = apply_query(Feature.objects.filter(product_id=product.pk), query).order_by().values("id")
    rows = list(
        Feature.objects.select_for_update(of=("self",))
        .filter(product_id=product.pk, pk__in=matching)
        .order_by("id")
        .values(*_LOCKED, "archived_at")[: MAX_MATCHING + 1]
    )
    if len(rows) > MAX_MATCHING:
        raise ValidationError(
            "Too many features match this view.",
            fields={"expected_count": [f"At most {MAX_MATCHING:,} features at once: narrow the filter."]},
        )
    if len(rows) != expected:
        raise ViewChanged(now=len(rows), expected=expected)
    if not rows:
        raise ValidationError("No feature matches this view.", fields={"expected_count": ["Nothing to change."]})
    return _apply(actor, product, rows, {r["id"]: r["version"] for r in rows}, change)


class ViewChanged(Conflict):
    """The filtered view matches another number of features than the user saw: nothing written."""

    def __init__(self, *, now: int, expected: int) -> None:
        self.now = now
        super().__init__(
            f"The view changed since you loaded it: {now:,} feature{'s' if now != 1 else ''} match it now, "
            f"not {expected:,}. Nothing was changed; reload and try again.",
            fields={"expected_count": [f"{now} match now."]},
            code="view_changed",
        )


def _apply(
    actor: Actor, product: Product, rows: list[dict[str, Any]], versions: dict[int, int], change: BulkChange
) -> BulkResult:
    """The write of a bulk edit over locked `rows`, each compared with the version in `versions`."""
    missing = sorted(set(versions) - {r["id"] for r in rows})
    stale = [Stale(r["id"], r["title"], r["version"]) for r in rows if r["version"] != versions[r["id"]]]
    fresh = [r for r in rows if r["version"] == versions[r["id"]]]
    tag_links = _tag_links([r["id"] for r in fresh], (*change.add_tags, *change.remove_tags))
    now = timezone.now()
    diffs = {r["id"]: _diff(r, change, tag_links.get(r["id"], set()), now) for r in fresh}
    written = [pk for pk, diff in diffs.items() if diff]
    if written:
        _write(written, change, actor, now)
        _write_tags(written, change, tag_links)
        _record(actor, product, {r["id"]: r for r in fresh}, diffs, change, now)
        initiatives_progress_hook(
            {r["initiative_id"] for r in fresh if r["id"] in diffs and diffs[r["id"]]}
            | {change.fields.get("initiative_id")}
        )
    result = BulkResult(
        updated_ids=written,
        stale=stale,
        unchanged_ids=[pk for pk, diff in diffs.items() if not diff],
        missing_ids=missing,
    )
    if not fresh:
        raise AllStale(result)  # rolls back whatever validation created (new tags)
    return result


class AllStale(Conflict):
    """Every selected row changed under the user (or is gone): nothing written (409), each named."""

    code = "stale_version"

    def __init__(self, result: BulkResult) -> None:
        self.result = result
        messages = [f"“{s.title}” (id {s.id}) is at version {s.current_version}." for s in result.stale]
        if result.missing_ids:
            messages.append(f"No longer in the product: {', '.join(map(str, result.missing_ids[:20]))}.")
        super().__init__(result.message(), fields={"items": messages}, code="stale_version")


def _tag_links(feature_ids: list[int], tag_ids: Sequence[int]) -> dict[int, set[int]]:
    """Which of these tags each feature has now (one query)."""
    if not feature_ids or not tag_ids:
        return {}
    links: dict[int, set[int]] = {}
    through = Feature.tags.through.objects.filter(feature_id__in=feature_ids, tag_id__in=tag_ids)
    for feature_id, tag_id in through.values_list("feature_id", "tag_id"):
        links.setdefault(feature_id, set()).add(tag_id)
    return links


def _diff(row: dict[str, Any], change: BulkChange, tags: set[int], now: Any) -> dict[str, dict[str, Any]]:
    """The activity change list of one row ({} when the change leaves it as it is)."""
    diff: dict[str, dict[str, Any]] = {}
    for column, new in change.fields.items():
        if row[column] != new:
            diff[column.removesuffix("_id")] = {"from": row[column], "to": change.labels[column]}
    added = [change.tag_names[t] for t in change.add_tags if t not in tags]
    removed = [change.tag_names[t] for t in change.remove_tags if t in tags]
    if added or removed:
        diff["tags"] = {"from": None, "to": None, "added": sorted(added), "removed": sorted(removed)}
    if change.archive and row["archived_at"] is None:
        diff["archived_at"] = {"from": None, "to": json_safe(now)}
    if change.restore and row["archived_at"] is not None:
        diff["archived_at"] = {"from": json_safe(row["archived_at"]), "to": None}
    return diff


def _write(ids: list[int], change: BulkChange, actor: Actor, now: Any) -> None:
    """ONE UPDATE for every written row: the given columns, version + 1, updated_at, updated_by."""
    values: dict[str, Any] = dict(change.fields)
    if change.archive:
        values["archived_at"] = Coalesce(F("archived_at"), Value(now))
    if change.restore:
        values["archived_at"] = None
    Feature.objects.filter(pk__in=ids).update(**values, version=F("version") + 1, updated_at=now, updated_by=actor.user)


def _write_tags(ids: list[int], change: BulkChange, links: dict[int, set[int]]) -> None:
    through = Feature.tags.through
    if change.add_tags:
        through.objects.bulk_create(
            [through(feature_id=f, tag_id=t) for f in ids for t in change.add_tags if t not in links.get(f, set())],
            ignore_conflicts=True,
        )
    if change.remove_tags:
        through.objects.filter(feature_id__in=ids, tag_id__in=change.remove_tags).delete()


def _action(change: BulkChange, diff: dict[str, Any]) -> str:
    if "archived_at" in diff and len(diff) == 1:
        return "archived" if change.archive else "restored"
    return "updated"


def _record(
    actor: Actor,
    product: Product,
    rows: dict[int, dict[str, Any]],
    diffs: dict[int, dict[str, Any]],
    change: BulkChange,
    now: Any,
) -> None:
    """One activity event per written feature, in one INSERT."""
    target_type = ContentType.objects.get_for_model(Feature)
    ActivityEvent.objects.bulk_create(
        ActivityEvent(
            workspace_id=product.workspace_id,
            product_id=product.pk,
            actor_user=actor.user,
            actor_token=actor.token,
            actor_label=actor.label[:160],
            target_type=target_type,
            target_id=pk,
            target_repr=rows[pk]["title"][:200],
            action=_action(change, diff),
            changes={**diff, "bulk": {"from": None, "to": True}},
            created_at=now,
        )
        for pk, diff in diffs.items()
        if diff
    )


def initiatives_progress_hook(initiative_ids: set[int | None]) -> None:
    """A bulk edit that changed features' status, initiative or archived state: the initiatives
    concerned (before and after) have their progress recomputed after commit."""
    schedule_progress_refresh(initiative_ids)
