"""Reads of the inline "Edit scores" of a backlog row (two queries whatever the number of criteria)."""

from __future__ import annotations

from ..models import CriterionValue, Feature, ScorecardCriterion


def criteria_for_edit(product_id: int) -> list[ScorecardCriterion]:
    """The product's scorecard criteria in order (one query): the selects of the form."""
    return list(ScorecardCriterion.objects.filter(product_id=product_id).order_by("position", "id"))


def values_of(feature: Feature) -> dict[int, int]:
    """A feature's scorecard values by criterion id (one query)."""
    return dict(CriterionValue.objects.filter(feature_id=feature.pk).values_list("criterion_id", "value"))
