"""The inline "Edit scores" of a backlog row: a feature's RICE inputs and its scorecard values in one
submit.

One transaction, two sequential writes by their owners' services: `feature_update` (RICE inputs:
cleaning, rescore, activity) then `feature_values_set` (scorecard values) with the version the first
returned. The first locks the feature row until commit, so the second cannot be stale; a bad value
in the second rolls the first back too (all or nothing). A submit that changes both bumps the
version twice and records two events (one per kind of input), the same as editing them on their own
pages; either service returns the feature untouched (no bump, no event) when its part did not
change. Reusing both services keeps one place for each rule instead of a merged copy."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal

from django.db import transaction

from pmtool.activity import Actor
from pmtool.versioning import UNSET, Maybe

from ..models import Feature
from .features import feature_update
from .scorecard import feature_values_set


@transaction.atomic
def feature_scores_save(
    *,
    actor: Actor,
    feature_id: int,
    version: int,
    reach: Maybe[int | None] = UNSET,
    impact: Maybe[Decimal | float | str | None] = UNSET,
    confidence: Maybe[int | None] = UNSET,
    effort: Maybe[Decimal | float | str | None] = UNSET,
    values: Mapping[int, int | None] | None = None,
) -> Feature:
    """Save a feature's RICE inputs and (some of) its scorecard values against `version` (stale →
    StaleVersion, nothing saved); returns the feature at its new version, rescored."""
    feature = feature_update(
        actor=actor, feature_id=feature_id, version=version,
        reach=reach, impact=impact, confidence=confidence, effort=effort,
    )  # fmt: skip
    if values:
        feature = feature_values_set(actor=actor, feature_id=feature.pk, version=feature.version, values=values)
    return feature
