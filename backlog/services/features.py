"""Writes of features (backlog items): create, update, archive, restore, delete. Keyword-only
arguments, one transaction each, the feature returned, an activity event per change, and the RICE
and scorecard scores rewritten (backlog.scoring.feature_rescore) in the same transaction whenever
their inputs change, so the answer of the request shows the new scores.

The rules of the parent epic (one level):
- the parent is an epic of the same product, not archived, not the feature itself;
- an epic has no parent (so no epic is ever a child, and the tree never grows deeper);
- a feature with children is an epic and stays one while it has them (move the children out
  first); it cannot become a child either.
The parent row is locked while a child is attached, so a concurrent "stop being an epic" waits.

A new feature goes to the bottom of its backlog: its key is chosen after the last one under the
product's order lock (backlog.ordering.lock_product_order), which every writer of a product's keys
takes first, so no concurrent transaction can take that key before this one commits.
"""

from __future__ import annotations

import datetime as dt
import decimal
from collections.abc import Iterable, Sequence
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from pmtool.activity import Actor, json_safe, record_activity
from pmtool.cleaning import clean_choice, clean_markdown, clean_name, no_nul
from pmtool.errors import ValidationError
from pmtool.models import Membership, Product, User
from pmtool.ranking import key_between
from pmtool.timeframes import clean_optional_dates
from pmtool.versioning import UNSET, Maybe, delete_versioned, given, lock_version, save_changes
from strategy.models import Initiative

from ..models import (
    EFFORT_MAX,
    REACH_MAX,
    RICE_IMPACTS,
    TEXT_MAX,
    TITLE_MAX,
    BacklogSettings,
    Feature,
    FeatureStatus,
    FeatureType,
    MoSCoW,
    Release,
    ScoreCause,
    StatusCategory,
    Tag,
    Team,
)
from ..models import TAG_MAX as TAG_MAX  # the one bound of a tag name (re-exported for the features API)
from ..scoring import feature_rescore
from .progress import schedule_progress_refresh
from .ranking import lock_product_order
from .references import workspace_tags_ensure

TAGS_MAX = 20
RICE_INPUTS = ("reach", "impact", "confidence", "effort")
CONFIDENCE_MAX = 100
_IMPACTS = tuple(Decimal(v) for v in RICE_IMPACTS)

Changes = dict[str, dict[str, Any]]


# --- cleaning ---------------------------------------------------------------------------


def _invalid(field: str, message: str, summary: str | None = None) -> ValidationError:
    return ValidationError(summary or message, fields={field: [message]})


def _whole(value: object, *, field: str, maximum: int, what: str) -> int | None:
    """A whole number in 0..maximum (an integral float is taken), None stays None."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float | Decimal):
        raise _invalid(field, "A whole number is required.")
    try:
        number = Decimal(str(value))
    except decimal.InvalidOperation:
        raise _invalid(field, "A whole number is required.") from None
    if not number.is_finite() or number != number.to_integral_value():
        raise _invalid(field, "A whole number is required.")
    if not 0 <= number <= maximum:
        raise _invalid(field, f"{what} is a whole number from 0 to {maximum:,}.".replace(",", " "))
    return int(number)


def clean_reach(value: object) -> int | None:
    return _whole(value, field="reach", maximum=REACH_MAX, what="Reach")


def clean_confidence(value: object) -> int | None:
    return _whole(value, field="confidence", maximum=CONFIDENCE_MAX, what="Confidence")


def _decimal(value: object, field: str) -> Decimal | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float | Decimal | str):
        raise _invalid(field, "A number is required.")
    try:
        number = Decimal(str(value).strip())
    except decimal.InvalidOperation:
        raise _invalid(field, "A number is required.") from None
    if not number.is_finite():
        raise _invalid(field, "A number is required.")
    return number


def clean_impact(value: object) -> Decimal | None:
    """One of the RICE impacts (0.25, 0.5, 1, 2, 3), as a Decimal."""
    number = _decimal(value, "impact")
    if number is None:
        return None
    for impact in _IMPACTS:
        if number == impact:
            return impact
    raise _invalid("impact", f"Choose one of: {', '.join(RICE_IMPACTS)}.", "Unknown impact.")


def clean_effort(value: object) -> Decimal | None:
    """Person-months, more than 0 and at most EFFORT_MAX, kept to two decimals."""
    number = _decimal(value, "effort")
    if number is None:
        return None
    if number <= 0:
        raise _invalid("effort", "Effort must be more than 0 person-months.")
    if number > EFFORT_MAX:
        raise _invalid("effort", f"Effort is at most {EFFORT_MAX} person-months.")
    rounded = number.quantize(Decimal("0.01"), rounding=decimal.ROUND_HALF_UP)
    if rounded <= 0:
        raise _invalid("effort", "Effort must be more than 0 person-months (at least 0.01).")
    return rounded


def clean_moscow(value: object) -> str:
    if value in (None, ""):
        return ""
    return clean_choice(value, MoSCoW, field="moscow", what="MoSCoW priority")


def clean_tag_names(names: Iterable[object]) -> list[str]:
    """Tag names trimmed, without repeats (case-insensitive, the first spelling kept), ≤ TAGS_MAX."""
    out: dict[str, str] = {}
    for raw in names:
        if not isinstance(raw, str):
            raise _invalid("tags", "Each tag is a text.")
        name = " ".join(no_nul(raw, "tags").split())
        if not name:
            continue
        if len(name) > TAG_MAX:
            raise _invalid("tags", f"A tag has at most {TAG_MAX} characters: “{name[:TAG_MAX]}…”.")
        out.setdefault(name.casefold(), name)
    if len(out) > TAGS_MAX:
        raise _invalid("tags", f"At most {TAGS_MAX} tags.")
    return list(out.values())


def _tags_for(workspace_id: int, names: Sequence[str]) -> list[Tag]:
    """The workspace's Tag rows for `names`, in their order, created where missing (case-insensitive;
    safe when two requests create the same tag at once, and held against a concurrent merge or delete:
    references.workspace_tags_ensure)."""
    found = workspace_tags_ensure(workspace_id, names)
    return [found[n.casefold()] for n in names if n.casefold() in found]


def _tag_names(tags: Iterable[Tag]) -> str | None:
    names = sorted((t.name for t in tags), key=str.casefold)
    return ", ".join(names) if names else None


# --- related objects ------------------------------------------------------------------------


def _status_for(workspace_id: int, status_id: int | None) -> FeatureStatus:
    """The status `status_id` of the workspace, or (None) its first status in category backlog."""
    statuses = FeatureStatus.objects.filter(workspace_id=workspace_id)
    if status_id is None:
        status = statuses.filter(category=StatusCategory.BACKLOG).order_by("position", "id").first()
        status = status or statuses.order_by("position", "id").first()
        if status is None:
            raise _invalid("status", "This workspace has no statuses: add one first.", "No status.")
        return status
    status = statuses.filter(pk=status_id).first()
    if status is None:
        raise _invalid("status", "No such status in this workspace.", "Unknown status.")
    return status


def _owner_for(workspace_id: int, user_id: int | None) -> User | None:
    if user_id is None:
        return None
    membership = Membership.objects.select_related("user").filter(workspace_id=workspace_id, user_id=user_id).first()
    if membership is None:
        raise _invalid("owner", "The owner must be a member of this workspace.", "Unknown owner.")
    return membership.user


def _initiative_for(product: Product, initiative_id: int | None) -> Initiative | None:
    if initiative_id is None:
        return None
    initiative = Initiative.objects.filter(workspace_id=product.workspace_id, pk=initiative_id).first()
    if initiative is None:
        raise _invalid("initiative", "No such initiative in this workspace.", "Unknown initiative.")
    if initiative.product_id not in (None, product.pk):
        raise _invalid(
            "initiative",
            f"“{initiative.title}” is an initiative of another product: choose one of this product or a "
            "workspace-wide one.",
            "The initiative belongs to another product.",
        )
    return initiative


def _release_for(product: Product, release_id: int | None) -> Release | None:
    if release_id is None:
        return None
    release = Release.objects.filter(product_id=product.pk, pk=release_id).first()
    if release is None:
        raise _invalid("release", "No such release of this product.", "Unknown release.")
    return release


def _team_for(product: Product, team_id: int | None) -> Team | None:
    if team_id is None:
        return None
    team = Team.objects.filter(workspace_id=product.workspace_id, pk=team_id).first()
    if team is None:
        raise _invalid("team", "No such team in this workspace.", "Unknown team.")
    return team


def _parent_for(product: Product, parent_id: int | None, *, child_id: int | None = None) -> Feature | None:
    """The epic `parent_id` of the product, locked (so it cannot stop being an epic meanwhile)."""
    if parent_id is None:
        return None
    if child_id is not None and parent_id == child_id:
        raise _invalid("parent", "A feature cannot be its own parent.")
    parent = Feature.objects.select_for_update(of=("self",)).filter(product_id=product.pk, pk=parent_id).first()
    if parent is None:
        raise _invalid("parent", "No such feature in this product.", "Unknown parent.")
    if parent.type != FeatureType.EPIC:
        raise _invalid("parent", f"“{parent.title}” is not an epic: only an epic has children.")
    if parent.archived_at is not None:
        raise _invalid("parent", f"“{parent.title}” is archived: restore it first.")
    return parent


def _check_tree(*, type_: str, parent: Feature | None, children: int) -> None:
    """The one-level rules on the state a write would leave."""
    if parent is not None and type_ == FeatureType.EPIC:
        raise _invalid("parent", "An epic cannot have a parent epic (one level only).")
    if parent is not None and children:
        raise _invalid("parent", "A feature with children cannot become a child (one level only).")
    if children and type_ != FeatureType.EPIC:
        raise _invalid(
            "type",
            f"It has {children} {'child' if children == 1 else 'children'}: move them out before it stops "
            "being an epic.",
            "An epic with children stays an epic.",
        )


def _label(obj: object) -> object:
    """How a related object reads in the history: its name rather than its id."""
    if obj is None:
        return None
    if isinstance(obj, User):
        return obj.display_name
    return str(obj)


def _shown(value: object) -> object:
    if isinstance(value, Decimal):
        return float(value) if value != value.to_integral_value() else int(value)
    return json_safe(value)


_RELATED = ("status", "owner", "initiative", "release", "team", "parent")
_SHOWN = dict.fromkeys(_RELATED, _label)


# --- after commit -----------------------------------------------------------------------------


def _after_change(initiative_ids: Iterable[int | None]) -> None:
    """Called in the transaction when features' status, effort, initiative or presence (create,
    archive, restore, delete) changed: these initiatives' progress is recomputed after commit."""
    schedule_progress_refresh(initiative_ids)


# --- create -----------------------------------------------------------------------------------


def _bottom_key(product_id: int) -> str:
    last = Feature.objects.filter(product_id=product_id).order_by("-rank").values_list("rank", flat=True).first()
    return key_between(last, None)


def _lock_backlog(product_id: int) -> None:
    """Serialise the appends of one product with each other (its BacklogSettings row, locked) and with
    moves and re-keys (the product's order lock, backlog.services.ranking.lock_product_order)."""
    lock_product_order(product_id)
    BacklogSettings.objects.get_or_create(product_id=product_id)
    BacklogSettings.objects.select_for_update().filter(product_id=product_id).first()


def _insert_at_bottom(feature: Feature) -> None:
    """Insert `feature` below the product's last key. The caller holds the product's order lock
    (_lock_backlog), and every writer of a product's keys takes it first: appends here, CSV imports,
    moves (backlog.services.ranking._lock_rows) and the re-key (backlog.ordering.features_rekey). The
    lock is held to the end of the transaction, so an earlier holder has committed before this one
    goes on, and under READ COMMITTED the read below (a new statement, a new snapshot) sees its keys.
    The key is therefore above every key of the product and no other transaction can take it before
    this one commits: a unique (product, rank) clash cannot happen, and needs no retry."""
    feature.rank = _bottom_key(feature.product_id)
    feature.save(force_insert=True)


@transaction.atomic
def feature_create(
    *,
    actor: Actor,
    product: Product,
    title: str,
    description: str = "",
    type: str = FeatureType.FEATURE,
    parent_id: int | None = None,
    status_id: int | None = None,
    owner_id: int | None = None,
    tags: Iterable[str] = (),
    initiative_id: int | None = None,
    release_id: int | None = None,
    team_id: int | None = None,
    start_date: dt.date | None = None,
    due_date: dt.date | None = None,
    reach: int | None = None,
    impact: Decimal | float | str | None = None,
    confidence: int | None = None,
    effort: Decimal | float | str | None = None,
    moscow: str = "",
) -> Feature:
    """A new feature at the bottom of the product's backlog, its scores computed (history: created)."""
    workspace_id = product.workspace_id
    title = clean_name(title, field="title", max_length=TITLE_MAX)
    description = clean_markdown(description, field="description", max_length=TEXT_MAX)
    type_ = clean_choice(type, FeatureType, field="type", what="type")
    start, due = clean_optional_dates(start_date, due_date, end_field="due_date")
    values: dict[str, Any] = {
        "reach": clean_reach(reach),
        "impact": clean_impact(impact),
        "confidence": clean_confidence(confidence),
        "effort": clean_effort(effort),
        "moscow": clean_moscow(moscow),
    }
    tag_names = clean_tag_names(tags)
    related: dict[str, Any] = {
        "status": _status_for(workspace_id, status_id),
        "owner": _owner_for(workspace_id, owner_id),
        "initiative": _initiative_for(product, initiative_id),
        "release": _release_for(product, release_id),
        "team": _team_for(product, team_id),
    }
    parent = _parent_for(product, parent_id)
    _check_tree(type_=type_, parent=parent, children=0)
    now = timezone.now()
    feature = Feature(
        product=product,
        title=title,
        description=description,
        type=type_,
        parent=parent,
        start_date=start,
        due_date=due,
        created_by=actor.user,
        updated_by=actor.user,
        created_at=now,
        updated_at=now,
        **values,
        **related,
    )
    _lock_backlog(product.pk)
    _insert_at_bottom(feature)
    tag_rows = _tags_for(workspace_id, tag_names)
    if tag_rows:
        feature.tags.set(tag_rows)
    feature_rescore(feature, actor=actor, cause=ScoreCause.CREATED, detail={"title": title}, force_history=True)
    shown = {
        "title": title,
        "description": description,
        "type": type_,
        "parent": _label(parent),
        "start_date": start,
        "due_date": due,
        "tags": _tag_names(tag_rows),
        **{k: _shown(v) for k, v in values.items()},
        **{k: _label(v) for k, v in related.items()},
    }
    created = {k: {"from": None, "to": json_safe(v)} for k, v in shown.items() if v not in (None, "")}
    record_activity(actor, "created", feature, created)
    _after_change([feature.initiative_id])
    return feature


# --- update -----------------------------------------------------------------------------------


def _locked(feature_id: int, version: int) -> Feature:
    queryset: QuerySet[Feature] = Feature.objects.select_related("product", *_RELATED)
    return lock_version(queryset, feature_id, version, what="feature")


def _related_values(
    locked: Feature,
    *,
    status_id: Maybe[int | None],
    owner_id: Maybe[int | None],
    initiative_id: Maybe[int | None],
    release_id: Maybe[int | None],
    team_id: Maybe[int | None],
) -> dict[str, Any]:
    product, workspace_id = locked.product, locked.product.workspace_id
    values: dict[str, Any] = {}
    if given(status_id) and status_id != locked.status_id:
        values["status"] = _status_for(workspace_id, status_id)
    if given(owner_id) and owner_id != locked.owner_id:
        values["owner"] = _owner_for(workspace_id, owner_id)
    if given(initiative_id) and initiative_id != locked.initiative_id:
        values["initiative"] = _initiative_for(product, initiative_id)
    if given(release_id) and release_id != locked.release_id:
        values["release"] = _release_for(product, release_id)
    if given(team_id) and team_id != locked.team_id:
        values["team"] = _team_for(product, team_id)
    return values


def _rice_values(
    *, reach: Maybe[object], impact: Maybe[object], confidence: Maybe[object], effort: Maybe[object]
) -> dict[str, Any]:
    values: dict[str, Any] = {}
    if given(reach):
        values["reach"] = clean_reach(reach)
    if given(impact):
        values["impact"] = clean_impact(impact)
    if given(confidence):
        values["confidence"] = clean_confidence(confidence)
    if given(effort):
        values["effort"] = clean_effort(effort)
    return values


@transaction.atomic
def feature_update(
    *,
    actor: Actor,
    feature_id: int,
    version: int,
    title: Maybe[str] = UNSET,
    description: Maybe[str] = UNSET,
    type: Maybe[str] = UNSET,
    parent_id: Maybe[int | None] = UNSET,
    status_id: Maybe[int | None] = UNSET,
    owner_id: Maybe[int | None] = UNSET,
    tags: Maybe[Iterable[str]] = UNSET,
    initiative_id: Maybe[int | None] = UNSET,
    release_id: Maybe[int | None] = UNSET,
    team_id: Maybe[int | None] = UNSET,
    start_date: Maybe[dt.date | None] = UNSET,
    due_date: Maybe[dt.date | None] = UNSET,
    reach: Maybe[int | None] = UNSET,
    impact: Maybe[Decimal | float | str | None] = UNSET,
    confidence: Maybe[int | None] = UNSET,
    effort: Maybe[Decimal | float | str | None] = UNSET,
    moscow: Maybe[str | None] = UNSET,
) -> Feature:
    """Change a feature (optimistic lock on `version`: stale → StaleVersion). `tags` replaces its
    tags; `status_id=None` means the workspace's default status. Changed RICE inputs rescore it."""
    values: dict[str, Any] = {}
    if given(title):
        values["title"] = clean_name(title, field="title", max_length=TITLE_MAX)
    if given(description):
        values["description"] = clean_markdown(description, field="description", max_length=TEXT_MAX)
    if given(type):
        values["type"] = clean_choice(type, FeatureType, field="type", what="type")
    if given(moscow):
        values["moscow"] = clean_moscow(moscow)
    values.update(_rice_values(reach=reach, impact=impact, confidence=confidence, effort=effort))
    tag_names = clean_tag_names(tags) if given(tags) else None
    locked = _locked(feature_id, version)
    start, due = clean_optional_dates(
        start_date if given(start_date) else locked.start_date,
        due_date if given(due_date) else locked.due_date,
        end_field="due_date",
    )
    if given(start_date) or given(due_date):
        values["start_date"], values["due_date"] = start, due
    values.update(
        _related_values(
            locked, status_id=status_id, owner_id=owner_id, initiative_id=initiative_id,
            release_id=release_id, team_id=team_id,
        )
    )  # fmt: skip
    parent = locked.parent
    if given(parent_id) and parent_id != locked.parent_id:
        parent = _parent_for(locked.product, parent_id, child_id=locked.pk)
        values["parent"] = parent
    if "type" in values or "parent" in values:
        children = Feature.objects.filter(parent_id=locked.pk).count()
        _check_tree(type_=values.get("type", locked.type), parent=parent, children=children)
    old_tags = list(locked.tags.all())
    tags_changed = False
    if tag_names is not None:
        new_tags = _tags_for(locked.product.workspace_id, tag_names)
        tags_changed = {t.pk for t in new_tags} != {t.pk for t in old_tags}
        if tags_changed:
            locked.tags.set(new_tags)
            values["updated_at"] = timezone.now()  # its tags are part of its version
    old_initiative = locked.initiative_id
    old_rice = {name: getattr(locked, name) for name in RICE_INPUTS}
    if any(getattr(locked, k) != v for k, v in values.items() if k != "updated_at") or tags_changed:
        values["updated_by"] = actor.user
    changes = save_changes(locked, values, shown={**_SHOWN, "updated_by": _label})
    changes.pop("updated_at", None)
    changes.pop("updated_by", None)
    if tags_changed and tag_names is not None:
        changes["tags"] = {"from": _tag_names(old_tags), "to": _tag_names(locked.tags.all())}
    if not changes:
        return locked
    rice_changes = {
        name: {"from": _shown(old_rice[name]), "to": _shown(getattr(locked, name))}
        for name in RICE_INPUTS
        if name in changes
    }
    for name, change in rice_changes.items():
        changes[name] = change
    if rice_changes:
        feature_rescore(locked, actor=actor, cause=ScoreCause.INPUT_EDITED, detail=rice_changes)
    record_activity(actor, "updated", locked, changes)
    if {"status", "effort", "initiative"} & set(changes):
        _after_change([old_initiative, locked.initiative_id])
    return locked


# --- archive, restore, delete -----------------------------------------------------------------


def _set_archived(*, actor: Actor, feature_id: int, version: int, archived: bool) -> Feature:
    locked = _locked(feature_id, version)
    if (locked.archived_at is not None) == archived:
        state = "archived" if archived else "not archived"
        raise ValidationError(f"This feature is already {state}.", code="already_archived" if archived else "invalid")
    changes = save_changes(
        locked, {"archived_at": timezone.now() if archived else None, "updated_by": actor.user},
        shown={"updated_by": _label},
    )  # fmt: skip
    changes.pop("updated_by", None)
    record_activity(actor, "archived" if archived else "restored", locked, changes)
    _after_change([locked.initiative_id])
    return locked


@transaction.atomic
def feature_archive(*, actor: Actor, feature_id: int, version: int) -> Feature:
    """Take a feature out of the backlog (it keeps its place, scores and children: restore brings it back)."""
    return _set_archived(actor=actor, feature_id=feature_id, version=version, archived=True)


@transaction.atomic
def feature_restore(*, actor: Actor, feature_id: int, version: int) -> Feature:
    """Bring an archived feature back into the backlog, at the place it had."""
    return _set_archived(actor=actor, feature_id=feature_id, version=version, archived=False)


@transaction.atomic
def feature_delete(*, actor: Actor, feature_id: int, version: int) -> None:
    """Delete a feature (the version the user read is required). An epic's children stay, without a parent."""

    def record(locked: Feature) -> None:
        record_activity(actor, "deleted", locked, {"title": {"from": locked.title, "to": None}})
        _after_change([locked.initiative_id])

    delete_versioned(Feature.objects.select_related("product"), feature_id, version, what="feature", before=record)
