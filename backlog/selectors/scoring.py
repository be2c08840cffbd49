"""Reads of scorecards, scores and their history.

- `criteria_with_shares(product)`: the scorecard's criteria in order, each with its share of the weight.
- `top_by_scorecard(product, limit)`: the features with the highest scorecard scores.
- `score_history_of(feature)`: its ScoreHistory rows with their ScoreEvent (who or what, cause, detail).
- `why_moved(feature, t1, t2)`: its scores and rank at t1 and t2 (the last history row at or before
  each) and, in plain sentences, the events between them that touched it.
Each is a constant number of queries.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.db.models import QuerySet, Sum, Window
from django.utils import timezone

from pmtool.models import Product

from ..explain import number
from ..models import Feature, ScorecardCriterion, ScoreCause, ScoreEvent, ScoreHistory

TOP_FEATURES = 10


def criteria_with_shares(product: Product) -> list[ScorecardCriterion]:
    """The product's criteria in order, each with `.share` (its weight ÷ the total weight, 0–1)."""
    criteria: list[ScorecardCriterion] = list(
        ScorecardCriterion.objects.filter(product=product)
        .annotate(total_weight=Window(Sum("weight")))
        .order_by("position", "id")
    )
    for criterion in criteria:
        total = getattr(criterion, "total_weight", 0) or 0
        criterion.share = criterion.weight / total if total else 0.0  # type: ignore[attr-defined]
    return criteria


def top_by_scorecard(product: Product, limit: int = TOP_FEATURES) -> QuerySet[Feature]:
    """The product's live features with a scorecard score, best first (ties by rank)."""
    return (
        Feature.objects.filter(product=product, archived_at__isnull=True, scorecard_score__isnull=False)
        .select_related("status")
        .order_by("-scorecard_score", "rank")[:limit]
    )


def score_history_of(feature: Feature) -> QuerySet[ScoreHistory]:
    """The feature's score and rank history, newest first, each row with its event and its actor."""
    return (
        ScoreHistory.objects.filter(feature=feature).select_related("event__actor_user").order_by("-created_at", "-id")
    )


# --- why did this move? ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Point:
    """A feature's scores and rank key as of a time (None: nothing recorded by then)."""

    at: dt.datetime
    rice_score: float | None
    scorecard_score: float | None
    rank: str | None
    recorded: bool


@dataclass(frozen=True)
class Reason:
    at: dt.datetime
    cause: str
    text: str


@dataclass(frozen=True)
class WhyMoved:
    start: Point
    end: Point
    reasons: list[Reason] = field(default_factory=list)
    summary: str = ""


def _point(feature: Feature, at: dt.datetime) -> Point:
    row = score_history_of(feature).filter(created_at__lte=at).first()
    if row is None:
        return Point(at, None, None, None, recorded=False)
    return Point(at, row.rice_score, row.scorecard_score, row.rank, recorded=True)


def _who(event: ScoreEvent) -> str:
    user = event.actor_user
    if user is not None:
        return user.name or user.email
    return event.actor_label.removeprefix("system: ")


def _when(at: dt.datetime) -> str:
    local = timezone.localtime(at)
    return f"{local.day} {local:%b %Y}, {local:%H:%M}"


def _day(at: dt.datetime) -> str:
    local = timezone.localtime(at)
    return f"{local.day} {local:%b}"


def _value(value: Any) -> str:
    if value is None:
        return "empty"
    if isinstance(value, int | float):
        return number(value)
    try:
        return number(float(value))
    except (TypeError, ValueError):
        return str(value)


def change_sentence(change: dict[str, Any], by: str) -> str:
    """One scorecard change as a sentence: "Alice raised the weight of Strategic fit from 2 to 4"."""
    name = change.get("criterion", "a criterion")
    if change.get("change") == "added":
        return f"{by} added the criterion {name} (weight {change.get('weight')})"
    if change.get("change") == "removed":
        return f"{by} removed the criterion {name}"
    parts = []
    weight = change.get("weight")
    if isinstance(weight, dict):
        verb = "raised" if (weight.get("to") or 0) > (weight.get("from") or 0) else "lowered"
        parts.append(f"{verb} the weight of {name} from {weight.get('from')} to {weight.get('to')}")
    direction = change.get("direction")
    if isinstance(direction, dict):
        parts.append(f"made {name} a {direction.get('to')} criterion")
    low, high = change.get("scale_min"), change.get("scale_max")
    if isinstance(low, dict) or isinstance(high, dict):
        parts.append(f"changed the scale of {name}")
    return f"{by} {' and '.join(parts) or f'changed {name}'}"


def _inputs_sentence(detail: dict[str, Any], by: str) -> str:
    edits = []
    for key, change in detail.items():
        if key == "scorecard" and isinstance(change, dict):
            edits += [
                f"{name} from {_value(c.get('from'))} to {_value(c.get('to'))}"
                for name, c in change.items()
                if isinstance(c, dict)
            ]
        elif isinstance(change, dict) and "from" in change:
            edits.append(f"{key.replace('_', ' ')} from {_value(change.get('from'))} to {_value(change.get('to'))}")
    return f"{by} changed its {', '.join(edits)}" if edits else f"{by} edited its inputs"


def history_sentence(row: ScoreHistory) -> str:
    """What one history row records, as a sentence ("Alice raised the weight of … (recomputed at 10:42)")."""
    return _reason(row)


def _reason(row: ScoreHistory) -> str:
    event = row.event
    by = _who(event)
    detail = event.detail if isinstance(event.detail, dict) else {}
    at = timezone.localtime(event.created_at)
    if event.cause == ScoreCause.RECOMPUTE:
        answers = [a for a in detail.get("answers", []) if isinstance(a, dict)]
        said = "; ".join(change_sentence(a, str(a.get("by") or "someone")) for a in answers) or "the scorecard changed"
        return f"{said} (recomputed at {at:%H:%M})"
    if event.cause == ScoreCause.INPUT_EDITED:
        return _inputs_sentence(detail, by)
    if event.cause == ScoreCause.MOVED:
        return f"{by} moved it by hand"
    if event.cause == ScoreCause.CREATED:
        return f"{by} created it"
    if event.cause == ScoreCause.IMPORTED:
        return f"{by} imported it"
    if event.cause == ScoreCause.CRITERION_CHANGED:
        return change_sentence(detail, by)
    return f"{by}: {event.get_cause_display()}"


def _score_change(label: str, start: float | None, end: float | None) -> str | None:
    if start == end or (start is not None and end is not None and abs(start - end) < 1e-9):
        return None
    before = None if start is None else round(start, 1)
    after = None if end is None else round(end, 1)
    return f"its {label} went from {_value(before)} to {_value(after)}"


def why_moved(feature: Feature, start: dt.datetime, end: dt.datetime) -> WhyMoved:
    """The feature's scores and rank at `start` and `end`, and what moved them in between (three queries)."""
    if end < start:
        start, end = end, start
    first, last = _point(feature, start), _point(feature, end)
    rows = list(
        score_history_of(feature).filter(created_at__gt=start, created_at__lte=end).order_by("created_at", "id")[:200]
    )
    reasons = [Reason(r.event.created_at, r.event.cause, _reason(r)) for r in rows]
    moves = [
        m
        for m in (
            _score_change("scorecard score", first.scorecard_score, last.scorecard_score),
            _score_change("RICE score", first.rice_score, last.rice_score),
            "its place in the hand-made order changed" if first.rank != last.rank and first.recorded else None,
        )
        if m
    ]
    head = f"Between {_day(start)} and {_day(end)}"
    if not reasons:
        summary = f"{head} nothing changed its scores or rank."
    else:
        what = " and ".join(moves) if moves else "its scores ended where they started"
        summary = f"{head} {what}: " + "; ".join(r.text for r in reasons) + "."
    return WhyMoved(first, last, reasons, summary)
