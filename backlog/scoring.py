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
from django.utils import timezone

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
            event=event,
            feature=feature,
            rice_score=rice,
            scorecard_score=card,
            rank=feature.rank,
            created_at=event.created_at,
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
    with connection.cursor() as cursor:
        cursor.execute(recompute_sql(), {"product": product_id, "event": event.pk, "at": event.created_at})
        return int(cursor.rowcount)


def recompute_sql(*, history: bool = True) -> str:
    """The one statement of `product_scores_recompute` (parameters %(product)s, %(event)s, %(at)s):
    the UPDATE writes only rows whose score differs (beyond float noise: the SUM's order may vary
    with the plan), and its RETURNING rows are the history INSERT … SELECT. `history=False` is the
    UPDATE alone, for the benchmark's figure of what the history adds."""
    update = f"""
        WITH s AS ({scorecard_sql()}),
        changed AS (
            UPDATE backlog_feature f SET scorecard_score = s.score
            FROM s
            WHERE f.id = s.feature_id
              AND CASE WHEN f.scorecard_score IS NULL OR s.score IS NULL
                       THEN (f.scorecard_score IS NULL) <> (s.score IS NULL)
                       ELSE abs(f.scorecard_score - s.score) > 1e-9 * greatest(1.0, abs(f.scorecard_score)) END
            RETURNING f.id, f.rice_score, f.scorecard_score, f.rank
        )
    """  # noqa: S608 - no value is formatted in: parameters are bound
    if not history:
        return update + "SELECT count(*) FROM changed"  # noqa: S608 - constant text
    insert = """
        INSERT INTO backlog_scorehistory (event_id, feature_id, rice_score, scorecard_score, rank, created_at)
        SELECT %(event)s, id, rice_score, scorecard_score, rank, %(at)s FROM changed
    """
    return update + insert


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
                event=event,
                feature=feature,
                rice_score=feature.rice_score,
                scorecard_score=score,
                rank=feature.rank,
                created_at=event.created_at,
            )
            changed += 1
    return changed


# --- the product recompute the task runs: one at a time per product, bursts coalesced ----------------

RECOMPUTE_LOCK_NAMESPACE = 91_001
"""The first key of the advisory lock a product's recompute holds (the second is the product id's hash)."""


@dataclass(frozen=True)
class Refresh:
    """What a recompute request found: `busy` (another recompute of the product holds the lock:
    retry shortly), `current` (nothing requested since the last run) or `done` with the changed count."""

    outcome: str
    changed: int = 0
    event_id: int | None = None


def _try_lock(product_id: int) -> bool:
    if connection.vendor != "postgresql":
        return True  # SQLite (the run-it-now default) writes one transaction at a time anyway
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_xact_lock(%s, hashint8(%s))", [RECOMPUTE_LOCK_NAMESPACE, product_id])
        row = cursor.fetchone()
    return bool(row and row[0])


def _answered_changes(product_id: int, since: Any, until: Any) -> list[dict[str, Any]]:
    """The scorecard changes (criterion_changed events) a recompute answers: those after the last run."""
    events = ScoreEvent.objects.filter(product_id=product_id, cause=ScoreCause.CRITERION_CHANGED, created_at__lte=until)
    if since is not None:
        events = events.filter(created_at__gt=since)
    return [
        {"event": e.pk, "by": e.actor_label, **{k: v for k, v in e.detail.items() if k != "criterion_id"}}
        for e in events.order_by("created_at", "id")[:50]
    ]


def scores_refresh(*, product_id: int, settle: float = 0.0) -> Refresh:
    """Recompute the product's scorecard scores if a change asked for it since the last run.

    In one transaction: take the product's advisory lock without waiting (`busy` when another run
    holds it), read the request time it answers, recompute (one statement, a recompute ScoreEvent
    naming the changes it answers), and mark that request as computed. A burst of requests made
    before the run read the time is answered by this one run; the later tasks find it current.
    `settle` (seconds): a request younger than that answers `settling` (the task tries again a
    moment later), so the changes of a burst still arriving are answered together."""
    from django.db import transaction

    from .models import BacklogSettings

    with transaction.atomic():
        if not _try_lock(product_id):
            return Refresh("busy")
        state = (
            BacklogSettings.objects.filter(product_id=product_id)
            .values_list("scores_requested_at", "scores_computed_at")
            .first()
        )
        requested, computed = state if state is not None else (None, None)
        if requested is None or (computed is not None and computed >= requested):
            return Refresh("current")
        if settle and (timezone.now() - requested).total_seconds() < settle:
            return Refresh("settling")
        event = score_event(
            product_id=product_id,
            actor=Actor.for_system("score recompute"),
            cause=ScoreCause.RECOMPUTE,
            detail={"answers": _answered_changes(product_id, computed, requested)},
        )
        changed = product_scores_recompute(product_id=product_id, event=event)
        BacklogSettings.objects.filter(product_id=product_id).update(scores_computed_at=requested)
        return Refresh("done", changed, event.pk)
