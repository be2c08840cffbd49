"""How a feature's scores are made, in words a PM reads: `explain_feature(feature) -> Explanation`.

RICE: every input with its meaning and the product term ("2,000 × 2 × 0.8 ÷ 4 = 800"), or which
inputs are missing. Scorecard: every criterion's value on its scale, its direction and normalisation
("2 on 1–5, lower is better → 0.75"), its weight, its weighted part and share of the total, and the
final "= 72.5 of 100", or which criteria lack a value. MoSCoW: its label.

The numbers come from the same formulas as the stored scores (backlog.scoring); two queries (the
product's criteria and the feature's values). `as_dict()` is the API's structured form.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from decimal import Decimal
from typing import Any

from .models import CriterionDirection, CriterionValue, Feature, MoSCoW, ScorecardCriterion
from .scoring import Criterion, Number, normalised, rice_score, scorecard_score

REACH_PERIOD = "quarter"
IMPACT_LABELS = {"0.25": "minimal", "0.5": "low", "1": "medium", "2": "high", "3": "massive"}


def number(value: Number | None, *, places: int = 2) -> str:
    """A number as a PM reads it: thousands separators, at most `places` decimals, no trailing zeros."""
    if value is None:
        return "—"
    text = f"{float(value):,.{places}f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text in {"-0", ""} else text


def _impact_key(impact: Number) -> str:
    return number(impact)


@dataclass(frozen=True)
class RiceInput:
    name: str
    value: float | None
    text: str


@dataclass(frozen=True)
class RiceExplanation:
    score: float | None
    inputs: list[RiceInput]
    missing: list[str]
    formula: str
    text: str


@dataclass(frozen=True)
class CriterionPart:
    criterion_id: int
    name: str
    value: int | None
    scale_min: int
    scale_max: int
    direction: str
    weight: int
    normalised: float | None
    points: float | None  # its weighted part of the 0–100 score
    share: float | None  # its share of the total, 0–1
    text: str


@dataclass(frozen=True)
class ScorecardExplanation:
    score: float | None
    parts: list[CriterionPart]
    missing: list[str]
    formula: str
    text: str


@dataclass(frozen=True)
class Explanation:
    feature_id: int
    rice: RiceExplanation
    scorecard: ScorecardExplanation
    moscow: str | None
    lines: list[str] = field(default_factory=list)

    @property
    def text(self) -> str:
        return "\n".join(self.lines)

    def as_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["text"] = self.text
        return data


def _rice(feature: Feature) -> RiceExplanation:
    reach, impact, confidence, effort = feature.reach, feature.impact, feature.confidence, feature.effort
    inputs = [
        RiceInput(
            "reach",
            None if reach is None else float(reach),
            f"Reach: {number(reach)} people per {REACH_PERIOD}" if reach is not None else "Reach: not set",
        ),
        RiceInput(
            "impact",
            None if impact is None else float(impact),
            f"Impact: {number(impact)} ({IMPACT_LABELS.get(_impact_key(impact), 'custom')})"
            if impact is not None
            else "Impact: not set",
        ),
        RiceInput(
            "confidence",
            None if confidence is None else float(confidence),
            f"Confidence: {number(confidence)}%" if confidence is not None else "Confidence: not set",
        ),
        RiceInput(
            "effort",
            None if effort is None else float(effort),
            f"Effort: {number(effort)} person-month{'' if effort == 1 else 's'}"
            if effort is not None
            else "Effort: not set",
        ),
    ]
    missing = [i.name for i in inputs if i.value is None]
    score = rice_score(reach, impact, confidence, effort)
    if score is None or reach is None or impact is None or confidence is None or effort is None:
        names = ", ".join(missing) or "effort (must be above 0)"
        return RiceExplanation(None, inputs, missing, "", f"RICE: no score yet: {names} missing.")
    formula = (
        f"{number(reach)} × {number(impact)} × {number(Decimal(confidence) / 100)} ÷ {number(effort)} = {number(score)}"
    )
    return RiceExplanation(score, inputs, [], formula, f"RICE = reach × impact × confidence ÷ effort: {formula}")


def _criterion_text(c: ScorecardCriterion, value: int | None, norm: float | None) -> str:
    scale = f"{c.scale_min}–{c.scale_max}"
    if value is None:
        return f"{c.name}: no value yet (scale {scale}, weight {c.weight})"
    better = ", lower is better" if c.direction == CriterionDirection.COST else ""
    return f"{c.name}: {value} on {scale}{better} → {number(norm)}, weight {c.weight}"


def _scorecard(criteria: list[ScorecardCriterion], values: dict[int, int]) -> ScorecardExplanation:
    if not criteria:
        return ScorecardExplanation(None, [], [], "", "Scorecard: this product's scorecard has no criteria yet.")
    plain = [Criterion(c.pk, c.weight, c.direction, c.scale_min, c.scale_max) for c in criteria]
    score = scorecard_score(plain, values)
    total_weight = sum(c.weight for c in criteria)
    parts: list[CriterionPart] = []
    for c, p in zip(criteria, plain, strict=True):
        value = values.get(c.pk)
        norm = None if value is None else normalised(p, value)
        points = None if norm is None else 100.0 * c.weight * norm / total_weight
        share = None if points is None or not score else points / score
        text = _criterion_text(c, value, norm)
        if points is not None:
            text += f" → {number(points)} points" + (
                f" ({number(100 * share, places=1)}% of the total)" if share is not None else ""
            )
        parts.append(
            CriterionPart(
                c.pk, c.name, value, c.scale_min, c.scale_max, c.direction, c.weight, norm, points, share, text
            )
        )
    missing = [part.name for part in parts if part.value is None]
    if score is None:
        return ScorecardExplanation(
            None, parts, missing, "", f"Scorecard: no score yet: no value for {', '.join(missing)}."
        )
    sums = " + ".join(number(part.points) for part in parts)
    formula = f"100 × Σ(weight × normalised) ÷ Σ weight ({total_weight}) = {sums} = {number(score, places=1)} of 100"
    return ScorecardExplanation(score, parts, [], formula, f"Scorecard: {sums} = {number(score, places=1)} of 100")


def explain_feature(feature: Feature) -> Explanation:
    """How each of the feature's scores is made, from its current inputs (two queries)."""
    criteria = list(ScorecardCriterion.objects.filter(product_id=feature.product_id).order_by("position", "id"))
    values = dict(CriterionValue.objects.filter(feature_id=feature.pk).values_list("criterion_id", "value"))
    rice = _rice(feature)
    card = _scorecard(criteria, values)
    moscow = MoSCoW(feature.moscow).label if feature.moscow else None
    lines = [rice.text, *(f"  {i.text}" for i in rice.inputs), card.text, *(f"  {p.text}" for p in card.parts)]
    lines.append(f"MoSCoW: {moscow}" if moscow else "MoSCoW: not set")
    return Explanation(feature.pk, rice, card, str(moscow) if moscow else None, lines)
