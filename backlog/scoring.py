"""Score formulas and their stored results: RICE and the weighted scorecard.

Owns the formulas (one definition, used by the Python path for one feature and mirrored by the
set-based SQL that recomputes a whole product), and writing a feature's scores with their history.

- RICE: reach × impact × (confidence / 100) ÷ effort. Any missing input leaves the score empty
  (None), never zero; effort must be positive (the service refuses 0 with a field error).
- Scorecard: 100 × Σ(weight × norm) ÷ Σ weight over the product's criteria, where norm is
  (value − min) ÷ (max − min) for a benefit criterion and (max − value) ÷ (max − min) for a cost.
  Empty while any criterion has no value for the feature (an unknown is not a zero).

`feature_rescore` recomputes ONE feature in the caller's transaction (an edit of its inputs shows
its new scores in the same request). The product-wide recompute after a scorecard change is
`product_scores_recompute` (one UPDATE … FROM per product, run by the Celery task).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db import connection
from django.db.models import Q

from pmtool.activity import Actor

from .models import (
    CriterionDirection,
    CriterionValue,
    Feature,
    ScorecardCriterion,
    ScoreCause,
    ScoreEvent,
    ScoreHistory,
)

Number = int | float | Decimal


def rice_score(
    reach: Number | None, impact: Number | None, confidence: Number | None, effort: Number | None
) -> float | None:
    """reach × impact × confidence% ÷ effort; None when an input is missing or effort is not positive."""
    if reach is None or impact is None or confidence is None or effort is None or effort <= 0:
        return None
    return float(reach) * float(impact) * (float(confidence) / 100.0) / float(effort)


@dataclass(frozen=True)
class Criterion:
    """What the scorecard formula needs of a criterion."""

    id: int
    weight: int
    direction: str
    scale_min: int
    scale_max: int


def criteria_of(product_id: int) -> list[Criterion]:
    """The product's scorecard criteria, in order."""
    rows = ScorecardCriterion.objects.filter(product_id=product_id).order_by("position", "id")
    return [Criterion(c.pk, c.weight, c.direction, c.scale_min, c.scale_max) for c in rows]


def normalised(criterion: Criterion, value: Number) -> float:
    """A value on the criterion's scale as 0..1, 1 being best (a cost's low value is good)."""
    span = float(criterion.scale_max - criterion.scale_min)
    if criterion.direction == CriterionDirection.COST:
        return (criterion.scale_max - float(value)) / span
    return (float(value) - criterion.scale_min) / span


def scorecard_score(criteria: Iterable[Criterion], values: Mapping[int, Number]) -> float | None:
    """100 × Σ w·norm ÷ Σ w; None with no criteria or when any criterion lacks a value."""
    criteria = list(criteria)
    if not criteria or any(c.id not in values for c in criteria):
        return None
    total_weight = sum(c.weight for c in criteria)
    return 100.0 * sum(c.weight * normalised(c, values[c.id]) for c in criteria) / total_weight


def _values_of(feature_id: int) -> dict[int, int]:
    return dict(CriterionValue.objects.filter(feature_id=feature_id).values_list("criterion_id", "value"))


def _same(a: float | None, b: float | None) -> bool:
    return (a is None and b is None) or (a is not None and b is not None and abs(a - b) <= 1e-9 * max(1.0, abs(a)))


def score_event(*, product_id: int, actor: Actor | None, cause: str, detail: Mapping[str, Any]) -> ScoreEvent:
    """Record what changed a product's scores or ranks (its rows follow)."""
    user = actor.user if actor is not None else None
    label = actor.label if actor is not None else "pmtool"
    return ScoreEvent.objects.create(
        product_id=product_id, cause=cause, actor_user=user, actor_label=label, detail=dict(detail)
    )


def feature_rescore(
    feature: Feature,
    *,
    actor: Actor | None,
    cause: str = ScoreCause.INPUT_EDITED,
    detail: Mapping[str, Any] | None = None,
    force_history: bool = False,
) -> bool:
    """Recompute one feature's RICE and scorecard scores from its current inputs, in the caller's
    transaction; store them and a history row when they changed (or when `force_history`, e.g. on
    create). Returns True when a score changed."""
    rice = rice_score(feature.reach, feature.impact, feature.confidence, feature.effort)
    card = scorecard_score(criteria_of(feature.product_id), _values_of(feature.pk))
    changed = not (_same(rice, feature.rice_score) and _same(card, feature.scorecard_score))
    if changed:
        Feature.objects.filter(pk=feature.pk).update(rice_score=rice, scorecard_score=card)
        feature.rice_score, feature.scorecard_score = rice, card
    if changed or force_history:
        event = score_event(product_id=feature.product_id, actor=actor, cause=cause, detail=detail or {})
        ScoreHistory.objects.create(
            event=event, feature=feature, rice_score=rice, scorecard_score=card, rank=feature.rank
        )
    return changed


def scorecard_sql() -> str:
    """The scorecard formula over one product as SQL: (feature_id, score) for every feature of
    %(product)s, the score NULL where a criterion lacks a value. Shared by the set-based recompute
    and its benchmark so both run the same statement."""
    return """
        SELECT f.id AS feature_id,
               CASE WHEN COUNT(v.id) = c.n AND c.n > 0
                    THEN 100.0 * SUM(cr.weight * CASE WHEN cr.direction = 'cost'
                                                      THEN (cr.scale_max - v.value)::float
                                                      ELSE (v.value - cr.scale_min)::float END
                                     / (cr.scale_max - cr.scale_min)) / c.w
               END AS score
        FROM backlog_feature f
        CROSS JOIN (SELECT COUNT(*) AS n, COALESCE(SUM(weight), 0) AS w
                    FROM backlog_scorecardcriterion WHERE product_id = %(product)s) c
        LEFT JOIN backlog_criterionvalue v ON v.feature_id = f.id
        LEFT JOIN backlog_scorecardcriterion cr ON cr.id = v.criterion_id
        WHERE f.product_id = %(product)s
        GROUP BY f.id, c.n, c.w
    """


def product_scores_recompute(*, product_id: int, event: ScoreEvent) -> int:
    """Recompute every scorecard score of a product in one statement: an UPDATE … FROM (subquery)
    of the rows whose score changes, whose RETURNING rows are the INSERT … SELECT of their history
    (none for unchanged rows). Returns the changed count.
    PostgreSQL; on SQLite (the run-it-now default) the same in a per-feature loop, which is fine for
    a demo's size."""
    if connection.vendor != "postgresql":
        return _recompute_in_python(product_id=product_id, event=event)
    # One statement: the UPDATE writes only rows whose score differs, and RETURNING feeds their history.
    statement = f"""
        WITH s AS ({scorecard_sql()}),
        changed AS (
            UPDATE backlog_feature f SET scorecard_score = s.score
            FROM s WHERE f.id = s.feature_id AND f.scorecard_score IS DISTINCT FROM s.score
            RETURNING f.id, f.rice_score, f.scorecard_score, f.rank
        )
        INSERT INTO backlog_scorehistory (event_id, feature_id, rice_score, scorecard_score, rank, created_at)
        SELECT %(event)s, id, rice_score, scorecard_score, rank, now() FROM changed
    """  # noqa: S608 - no value is formatted in: parameters are bound
    with connection.cursor() as cursor:
        cursor.execute(statement, {"product": product_id, "event": event.pk})
        return int(cursor.rowcount)


def _recompute_in_python(*, product_id: int, event: ScoreEvent) -> int:
    criteria = criteria_of(product_id)
    values: dict[int, dict[int, int]] = {}
    for feature_id, criterion_id, value in CriterionValue.objects.filter(Q(feature__product_id=product_id)).values_list(
        "feature_id", "criterion_id", "value"
    ):
        values.setdefault(feature_id, {})[criterion_id] = value
    changed = 0
    for feature in Feature.objects.filter(product_id=product_id).only("id", "rice_score", "scorecard_score", "rank"):
        score = scorecard_score(criteria, values.get(feature.pk, {}))
        if not _same(score, feature.scorecard_score):
            Feature.objects.filter(pk=feature.pk).update(scorecard_score=score)
            ScoreHistory.objects.create(
                event=event, feature=feature, rice_score=feature.rice_score, scorecard_score=score, rank=feature.rank
            )
            changed += 1
    return changed
