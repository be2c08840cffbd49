"""Writes of a product's weighted scorecard: its criteria (create, change, delete, reorder) and one
feature's values on them. Keyword-only arguments, one transaction each, the object returned, an
activity event per change.

A change that moves scores (a criterion added, removed, reweighted, its direction or scale changed)
records a ScoreEvent(cause=criterion_changed) naming what changed, and requests a product recompute:
`scores_requested_at` moves forward (in the database, under the settings row's lock, so the requests
are ordered as their commits are) and the recompute task is enqueued after commit. A burst of
changes coalesces there (backlog.scoring.scores_refresh). Reordering moves no score: activity only.

Changing a criterion's scale refuses (409, naming how many) when existing values fall outside the new
scale: clamping would silently rewrite what people entered.

A criterion's values come from people today (`source` "manual"); later sources (customer demand)
feed values through `criterion_values_load`-style writes and the same recompute request.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any

from django.db import transaction
from django.db.models import F, Q
from django.db.models.functions import Coalesce, Greatest, Now
from django.utils import timezone

from pmtool.activity import Actor, record_activity
from pmtool.cleaning import clean_choice, clean_name, clean_number, clean_text
from pmtool.errors import Conflict, ValidationError
from pmtool.models import Product
from pmtool.queue import enqueue_on_commit
from pmtool.versioning import UNSET, Maybe, delete_versioned, given, lock_version, save_changes

from ..models import (
    NAME_MAX,
    BacklogSettings,
    CriterionDirection,
    CriterionValue,
    Feature,
    ScorecardCriterion,
    ScoreCause,
    ScoreEvent,
)
from ..scoring import feature_rescore
from ..tasks import recompute_product_scores

WEIGHT_MIN, WEIGHT_MAX = 1, 100
SCALE_MIN, SCALE_MAX = -100, 100  # small integers, e.g. 1–5 or 0–10
MAX_CRITERIA = 30
SOURCE_MANUAL = "manual"  # where a criterion's values come from (a later issue adds customer demand)


# --- the recompute request ----------------------------------------------------------------------


def scores_request(*, product_id: int) -> dt.datetime:
    """Ask for a recompute of the product's scorecard scores after commit; returns the request's time.

    The time is the database's, moved forward under the settings row's lock (at least 1 µs after
    the previous request), so a recompute that saw a request also sees every earlier one committed."""
    BacklogSettings.objects.get_or_create(product_id=product_id)
    previous = Coalesce(F("scores_requested_at"), Now()) + dt.timedelta(microseconds=1)
    BacklogSettings.objects.filter(product_id=product_id).update(scores_requested_at=Greatest(previous, Now()))
    requested = BacklogSettings.objects.filter(product_id=product_id).values_list("scores_requested_at", flat=True)[0]

    enqueue_on_commit(recompute_product_scores, product_id, robust=True)
    assert requested is not None  # noqa: S101 - just set
    return requested


def _changed(product_id: int, actor: Actor, detail: Mapping[str, Any]) -> ScoreEvent:
    """The criterion_changed event, stamped with the recompute request it makes."""
    requested = scores_request(product_id=product_id)
    user = actor.user
    detail = {**detail, "by": (user.name or user.email) if user is not None else actor.label}
    return ScoreEvent.objects.create(
        product_id=product_id,
        cause=ScoreCause.CRITERION_CHANGED,
        actor_user=user,
        actor_label=actor.label[:160],
        detail=dict(detail),
        created_at=requested,
    )


# --- criteria -------------------------------------------------------------------------------------


def _int(value: object, *, field: str, minimum: int, maximum: int) -> int:
    number = clean_number(value, field=field, minimum=minimum, maximum=maximum)
    if number is None or not float(number).is_integer():
        raise ValidationError(
            "A whole number is required.", fields={field: [f"A whole number from {minimum} to {maximum}."]}
        )
    return int(number)


def _scale(scale_min: int, scale_max: int) -> tuple[int, int]:
    low = _int(scale_min, field="scale_min", minimum=SCALE_MIN, maximum=SCALE_MAX)
    high = _int(scale_max, field="scale_max", minimum=SCALE_MIN, maximum=SCALE_MAX)
    if high <= low:
        raise ValidationError(
            "The scale's top must be above its bottom.",
            fields={"scale_max": [f"Must be greater than the scale's bottom ({low})."]},
        )
    return low, high


def _unique_name(product_id: int, name: str, *, exclude: int | None = None) -> None:
    clash = ScorecardCriterion.objects.filter(product_id=product_id, name__iexact=name)
    if exclude is not None:
        clash = clash.exclude(pk=exclude)
    if clash.exists():
        raise ValidationError(
            "A criterion with this name exists.", fields={"name": ["This product's scorecard has it already."]}
        )


def _describe(criterion: ScorecardCriterion) -> dict[str, Any]:
    return {
        "criterion": criterion.name,
        "criterion_id": criterion.pk,
        "weight": criterion.weight,
        "direction": criterion.direction,
        "scale": [criterion.scale_min, criterion.scale_max],
    }


@transaction.atomic
def criterion_create(
    *,
    actor: Actor,
    product: Product,
    name: str,
    description: str = "",
    weight: int = 1,
    direction: str = CriterionDirection.BENEFIT,
    scale_min: int = 1,
    scale_max: int = 5,
) -> ScorecardCriterion:
    """Add a criterion at the end of the product's scorecard (features lack its value until set)."""
    name = clean_name(name, max_length=NAME_MAX)
    description = clean_text(description, field="description")
    weight = _int(weight, field="weight", minimum=WEIGHT_MIN, maximum=WEIGHT_MAX)
    direction = clean_choice(direction, CriterionDirection, field="direction", what="direction")
    low, high = _scale(scale_min, scale_max)
    Product.objects.select_for_update().filter(pk=product.pk).first()  # one scorecard change at a time
    count = ScorecardCriterion.objects.filter(product=product).count()
    if count >= MAX_CRITERIA:
        raise ValidationError(
            f"A scorecard has at most {MAX_CRITERIA} criteria.", fields={"name": ["Too many criteria."]}
        )
    _unique_name(product.pk, name)
    now = timezone.now()
    last = ScorecardCriterion.objects.filter(product=product).order_by("-position").values_list("position", flat=True)
    criterion = ScorecardCriterion.objects.create(
        product=product,
        name=name,
        description=description,
        weight=weight,
        direction=direction,
        scale_min=low,
        scale_max=high,
        position=(last[0] + 1) if last else 0,
        created_at=now,
        updated_at=now,
    )
    _changed(product.pk, actor, {**_describe(criterion), "change": "added"})
    created = {k: {"from": None, "to": v} for k, v in _describe(criterion).items() if k != "criterion_id"}
    record_activity(actor, "created", criterion, created)
    return criterion


def _refuse_values_outside(criterion: ScorecardCriterion, low: int, high: int) -> None:
    outside = CriterionValue.objects.filter(criterion=criterion).filter(Q(value__lt=low) | Q(value__gt=high)).count()
    if outside:
        message = (
            f"{outside} feature{'s have' if outside != 1 else ' has'} a value of “{criterion.name}” outside "
            f"{low}–{high}. Change those values first, or choose a scale that includes them."
        )
        raise Conflict(
            message,
            fields={"scale_min": [message], "scale_max": [message]},
            code="values_outside_scale",
        )


@transaction.atomic
def criterion_update(
    *,
    actor: Actor,
    criterion_id: int,
    version: int,
    name: Maybe[str] = UNSET,
    description: Maybe[str] = UNSET,
    weight: Maybe[int] = UNSET,
    direction: Maybe[str] = UNSET,
    scale_min: Maybe[int] = UNSET,
    scale_max: Maybe[int] = UNSET,
) -> ScorecardCriterion:
    """Change a criterion (optimistic lock on `version`). Reweighting it, flipping its direction or
    changing its scale requests a product recompute; a new scale must hold every existing value."""
    locked = lock_version(ScorecardCriterion.objects.all(), criterion_id, version, what="criterion")
    values: dict[str, Any] = {}
    if given(name):
        values["name"] = clean_name(name, max_length=NAME_MAX)
        _unique_name(locked.product_id, values["name"], exclude=locked.pk)
    if given(description):
        values["description"] = clean_text(description, field="description")
    if given(weight):
        values["weight"] = _int(weight, field="weight", minimum=WEIGHT_MIN, maximum=WEIGHT_MAX)
    if given(direction):
        values["direction"] = clean_choice(direction, CriterionDirection, field="direction", what="direction")
    if given(scale_min) or given(scale_max):
        low, high = _scale(
            scale_min if given(scale_min) else locked.scale_min, scale_max if given(scale_max) else locked.scale_max
        )
        if (low, high) != (locked.scale_min, locked.scale_max):
            _refuse_values_outside(locked, low, high)
        values["scale_min"], values["scale_max"] = low, high
    old_name = locked.name
    changes = save_changes(locked, values)
    scored = {k: v for k, v in changes.items() if k in {"weight", "direction", "scale_min", "scale_max"}}
    if scored:
        _changed(locked.product_id, actor, {"criterion": old_name, "criterion_id": locked.pk, **scored})
    if changes:
        record_activity(actor, "updated", locked, changes)
    return locked


@transaction.atomic
def criterion_delete(*, actor: Actor, criterion_id: int, version: int) -> None:
    """Remove a criterion and its values (the version the user read is required); scores recompute."""

    def record(locked: ScorecardCriterion) -> None:
        _changed(locked.product_id, actor, {**_describe(locked), "change": "removed"})
        record_activity(actor, "deleted", locked, {"name": {"from": locked.name, "to": None}})

    delete_versioned(
        ScorecardCriterion.objects.select_related("product"), criterion_id, version, what="criterion", before=record
    )


@transaction.atomic
def criteria_reorder(*, actor: Actor, product: Product, criterion_ids: Sequence[int]) -> list[ScorecardCriterion]:
    """Put the product's criteria in this order (every criterion once). The order is how the
    scorecard reads; it moves no score, so nothing is recomputed."""
    criteria = {c.pk: c for c in ScorecardCriterion.objects.select_for_update().filter(product=product)}
    ids = list(criterion_ids)
    if sorted(ids) != sorted(criteria) or len(set(ids)) != len(ids):
        raise ValidationError(
            "Name every criterion of the scorecard once.", fields={"criteria": ["Every criterion id, once each."]}
        )
    old = [c.name for c in sorted(criteria.values(), key=lambda c: (c.position, c.pk))]
    moved = [criteria[pk] for position, pk in enumerate(ids) if criteria[pk].position != position]
    now = timezone.now()
    for position, pk in enumerate(ids):
        criteria[pk].position = position
    for criterion in moved:
        criterion.updated_at = now
        criterion.version = F("version") + 1
    ScorecardCriterion.objects.bulk_update(moved, ["position", "updated_at", "version"])
    ordered = list(ScorecardCriterion.objects.filter(product=product).order_by("position", "id"))
    new = [c.name for c in ordered]
    if new != old:
        record_activity(actor, "scorecard_reordered", product, {"criteria": {"from": old, "to": new}})
    return ordered


# --- one feature's values --------------------------------------------------------------------------


def _clean_values(
    product_id: int, values: Mapping[int, int | None]
) -> tuple[dict[int, ScorecardCriterion], dict[int, int | None]]:
    criteria = {c.pk: c for c in ScorecardCriterion.objects.filter(product_id=product_id)}
    cleaned: dict[int, int | None] = {}
    errors: dict[str, list[str]] = {}
    for key, value in values.items():
        criterion = criteria.get(key)
        if criterion is None:
            errors[f"values.{key}"] = ["Not a criterion of this feature's product."]
            continue
        if value is None:
            cleaned[key] = None
            continue
        if (
            isinstance(value, bool)
            or not isinstance(value, int)
            or not criterion.scale_min <= value <= criterion.scale_max
        ):
            errors[f"values.{key}"] = [
                f"“{criterion.name}” takes a whole number from {criterion.scale_min} to {criterion.scale_max}."
            ]
            continue
        cleaned[key] = value
    if errors:
        raise ValidationError("Some scorecard values are not valid.", fields=errors)
    return criteria, cleaned


@transaction.atomic
def feature_values_set(*, actor: Actor, feature_id: int, version: int, values: Mapping[int, int | None]) -> Feature:
    """Set (or, with None, remove) a feature's values on its product's criteria; bumps the feature's
    version and rescores it in this transaction (the answer carries the new score)."""
    locked = lock_version(Feature.objects.select_related("product"), feature_id, version, what="feature")
    criteria, cleaned = _clean_values(locked.product_id, values)
    current = dict(CriterionValue.objects.filter(feature=locked).values_list("criterion_id", "value"))
    changes: dict[str, dict[str, Any]] = {}
    for pk, value in cleaned.items():
        if current.get(pk) != value:
            changes[criteria[pk].name] = {"from": current.get(pk), "to": value}
    if not changes:
        return locked
    removed = [pk for pk, value in cleaned.items() if value is None and pk in current]
    CriterionValue.objects.filter(feature=locked, criterion_id__in=removed).delete()
    CriterionValue.objects.bulk_create(
        [CriterionValue(feature=locked, criterion_id=pk, value=v) for pk, v in cleaned.items() if v is not None],
        update_conflicts=True,
        unique_fields=["feature", "criterion"],
        update_fields=["value"],
    )
    now = timezone.now()
    Feature.objects.filter(pk=locked.pk).update(version=F("version") + 1, updated_at=now, updated_by=actor.user)
    locked.refresh_from_db(fields=["version", "updated_at"])
    feature_rescore(locked, actor=actor, cause=ScoreCause.INPUT_EDITED, detail={"scorecard": changes})
    record_activity(actor, "updated", locked, {f"scorecard: {name}": change for name, change in changes.items()})
    return locked
