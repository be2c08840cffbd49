"""Writes of a feature's MoSCoW category (the board's columns): one version-checked change, its
activity event, and a row in the feature's score history (cause "input edited", detail
{"moscow": {"from", "to"}}), so "why did this move?" sees a re-categorisation next to score changes.

MoSCoW is a category, not a number: no score changes, and the feature keeps its rank."""

from __future__ import annotations

from django.db import transaction

from pmtool.activity import Actor, record_activity
from pmtool.errors import ValidationError
from pmtool.versioning import lock_version, save_changes

from ..models import Feature, MoSCoW, ScoreCause
from ..scoring import feature_rescore

UNSORTED_LABEL = "Not yet sorted"


def moscow_label(value: str) -> str:
    """How a MoSCoW value reads to a person ("" is "Not yet sorted")."""
    return str(MoSCoW(value).label) if value in MoSCoW.values else UNSORTED_LABEL


def clean_moscow(value: object) -> str:
    """One of the MoSCoW values, or "" (not yet sorted); a 400 naming `moscow` otherwise."""
    if not isinstance(value, str) or value not in ("", *MoSCoW.values):
        raise ValidationError(
            "Unknown MoSCoW category.",
            fields={"moscow": [f"Choose one of: {', '.join(MoSCoW.values)}, or empty for not yet sorted."]},
        )
    return value


@transaction.atomic
def feature_moscow_set(*, actor: Actor, feature_id: int, version: int, moscow: str) -> Feature:
    """Put a feature in a MoSCoW column ("" = not yet sorted); optimistic lock on `version`
    (stale → StaleVersion carrying the current feature, whose `moscow` is the column it is in now).
    Setting the column it is already in changes nothing and keeps the version."""
    moscow = clean_moscow(moscow)
    locked = lock_version(Feature.objects.select_related("product"), feature_id, version, what="feature")
    old = locked.moscow
    if old == moscow:
        return locked
    changes = save_changes(locked, {"moscow": moscow, "updated_by": actor.user}, shown={"moscow": moscow_label})
    changes.pop("updated_by", None)
    record_activity(actor, "updated", locked, changes)
    feature_rescore(
        locked,
        actor=actor,
        cause=ScoreCause.INPUT_EDITED,
        detail={"feature": locked.pk, "moscow": {"from": old, "to": moscow}},
        force_history=True,
    )
    return locked
