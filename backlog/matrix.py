"""The value vs effort matrix: which quadrant a feature falls in, and the 2×2 chart as inline SVG.

Pure functions (no database, no request), in the style of strategy/charts.py: presentation
attributes only (the strict CSP forbids inline styles; the stylesheet overrides through the
`matrix-*` classes), a <title> and an accessible name on the chart, a native tooltip and an
accessible name on every dot, each dot a link to its feature.

The split is at the MEDIANS of the plotted features (their value and their effort), not at fixed
midpoints: RICE scores have no natural middle (they run from 0.01 to thousands) and a product's
efforts cluster where its team works, so the medians put about half of the features on each side
of each line whatever the scale. A feature exactly at the median value counts as high value, one
exactly at the median effort as low effort (ties go to the better quadrant).

Effort is drawn on a log scale (1-2-5 ticks): estimates run from a week to years, and on a linear
axis everything but the largest epics piles up at the left edge. A scorecard score is drawn on its
linear 0–100 scale; a RICE score on a square-root scale (RICE is heavy-tailed: on a linear axis a
few big scores push every other feature onto the floor, and a log scale cannot show a score of 0).
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Sequence
from dataclasses import dataclass

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from strategy.charts import axis_labels, format_number, nice_ticks

FONT = "system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif"
TEXT = "#5d6478"
INK = "#1c2030"
GRID = "#e2e5ee"
AXIS = "#c9cede"
SPLIT = "#8a90a3"


@dataclass(frozen=True)
class Quadrant:
    key: str
    name: str
    meaning: str
    dot: str  # the dots' fill
    tint: str  # the quadrant's background
    ink: str  # its label (4.5:1 or more on the tint)


QUICK_WINS = Quadrant("quick_wins", "Quick wins", "high value, low effort", "#16a34a", "#effaf3", "#12673f")
BIG_BETS = Quadrant("big_bets", "Big bets", "high value, high effort", "#4f46e5", "#f1f1fe", "#3730a3")
FILL_INS = Quadrant("fill_ins", "Fill-ins", "low value, low effort", "#64748b", "#f5f6f9", "#3f4a5c")
MONEY_PITS = Quadrant("money_pits", "Money pits", "low value, high effort", "#dc2626", "#fdf3f3", "#9f1c22")
QUADRANTS: tuple[Quadrant, ...] = (QUICK_WINS, BIG_BETS, FILL_INS, MONEY_PITS)


@dataclass(frozen=True)
class Split:
    """Where the lines cross: the median value and the median effort of the plotted features."""

    value: float
    effort: float


@dataclass(frozen=True)
class Point:
    id: int
    title: str
    url: str
    value: float
    effort: float  # person-months, > 0


@dataclass(frozen=True)
class Placed:
    point: Point
    quadrant: Quadrant

    @property
    def value_text(self) -> str:
        return format_number(self.point.value)

    @property
    def effort_text(self) -> str:
        return format_number(self.point.effort)


def split_of(points: Sequence[Point]) -> Split | None:
    """The medians of the points' values and efforts (None without points)."""
    if not points:
        return None
    return Split(
        value=float(statistics.median(p.value for p in points)),
        effort=float(statistics.median(p.effort for p in points)),
    )


def quadrant_of(value: float, effort: float, split: Split) -> Quadrant:
    """High value is at or above the median value; high effort is above the median effort."""
    high_value = value >= split.value
    high_effort = effort > split.effort
    if high_value:
        return BIG_BETS if high_effort else QUICK_WINS
    return MONEY_PITS if high_effort else FILL_INS


def place(points: Sequence[Point], split: Split) -> list[Placed]:
    return [Placed(p, quadrant_of(p.value, p.effort, split)) for p in points]


# --- scales -----------------------------------------------------------------------------------


def log_ticks(lo: float, hi: float) -> list[float]:
    """1-2-5 × 10ⁿ values covering [lo, hi] (positive), at least two; only the powers of ten
    (and their halves) when that would be more than nine ticks."""
    lo, hi = max(min(lo, hi), 1e-6), max(max(lo, hi), 1e-6)
    candidates = [m * 10.0**e for e in range(math.floor(math.log10(lo)) - 1, math.ceil(math.log10(hi)) + 2)
                  for m in (1.0, 2.0, 5.0)]  # fmt: skip
    below = [c for c in candidates if c <= lo * (1 + 1e-9)]
    above = [c for c in candidates if c >= hi * (1 - 1e-9)]
    start, stop = below[-1], above[0]
    if start == stop:
        index = candidates.index(start)
        start, stop = candidates[max(index - 1, 0)], candidates[index + 1]
    ticks = [c for c in candidates if start <= c <= stop]
    if len(ticks) > 9:
        ticks = [t for t in ticks if _mantissa(t) in (1, 5) or t in (start, stop)]
    if len(ticks) > 9:
        ticks = [t for t in ticks if _mantissa(t) == 1 or t in (start, stop)]
    return [_round(t) for t in ticks]


def sqrt_ticks(hi: float, count: int = 5) -> list[float]:
    """0 and 1-2-5 × 10ⁿ values up to the first one at or above `hi`, about evenly spaced on a
    square-root axis (about `count` of them)."""
    hi = max(hi, 1e-6)
    low = min(-3, math.floor(math.log10(hi)) - 1)
    candidates = [m * 10.0**e for e in range(low, math.ceil(math.log10(hi)) + 2) for m in (1.0, 2.0, 5.0)]
    top = next(c for c in candidates if c >= hi * (1 - 1e-9))
    gap = math.sqrt(top) / (count + 0.5)
    ticks = [0.0]
    for c in candidates:
        if c >= top:
            break
        if math.sqrt(c) - math.sqrt(ticks[-1]) >= gap and math.sqrt(top) - math.sqrt(c) >= gap * 0.8:
            ticks.append(c)
    return [_round(t) for t in [*ticks, top]]


def _short(value: float) -> str:
    """A tick of uneven steps in its shortest form: 500, 2k, 10k, 1.5M."""
    for limit, suffix in ((1e9, "B"), (1e6, "M"), (1e3, "k")):
        if value >= limit:
            return f"{value / limit:g}{suffix}"
    return f"{value:g}"


def _mantissa(value: float) -> int:
    return round(value / 10.0 ** math.floor(math.log10(value) + 1e-9))


def _round(value: float) -> float:
    return float(f"{value:.6g}")


def _f(x: float) -> str:
    text = f"{x:.1f}"
    return text[:-2] if text.endswith(".0") else text


def effort_text(effort: float) -> str:
    return f"{format_number(effort)} person-month{'' if effort == 1 else 's'}"


# --- the chart -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class MatrixChart:
    svg: SafeString
    summary: str


def _spread(coords: list[tuple[float, float]]) -> list[tuple[float, float]]:
    """Dots on the same pixel spread on a small ring, so each one can be seen and clicked."""
    groups: dict[tuple[int, int], list[int]] = {}
    for i, (x, y) in enumerate(coords):
        groups.setdefault((round(x / 4), round(y / 4)), []).append(i)
    out = list(coords)
    for members in groups.values():
        if len(members) < 2:
            continue
        radius = 7.0 + 1.2 * len(members) ** 0.5 * 3
        for n, i in enumerate(members):
            angle = 2 * math.pi * n / len(members) - math.pi / 2
            x, y = coords[i]
            out[i] = (x + radius * math.cos(angle), y + radius * math.sin(angle))
    return out


def matrix_chart(
    placed: Sequence[Placed],
    split: Split | None,
    *,
    value_label: str,
    value_max: float | None = None,
    value_scale: str = "linear",
    width: int = 760,
    height: int = 470,
) -> MatrixChart:
    """The 2×2 chart of `placed` (split at `split`); `value_max` fixes the value axis (100 for the
    scorecard's 0–100 score), else it is fitted to the values from 0; `value_scale` is "linear" or
    "sqrt" (for RICE)."""
    top, right, bottom, pad = 30, 22, 56, 14
    if not placed or split is None:
        summary = "Value vs effort: no feature has both a value and an effort estimate yet."
        svg = (
            f'<svg xmlns="http://www.w3.org/2000/svg" class="matrix-chart" viewBox="0 0 {width} 220" role="img" '
            f'aria-label="{escape(summary)}" font-family="{FONT}" font-size="13">'
            f"<title>{escape(summary)}</title>"
            f'<rect x="0.5" y="0.5" width="{width - 1}" height="219" rx="10" fill="none" stroke="{GRID}" '
            f'stroke-dasharray="5 5"/><text x="{width / 2}" y="110" text-anchor="middle" dominant-baseline="middle" '
            f'fill="{TEXT}">No feature has both a value and an effort estimate yet</text></svg>'
        )
        return MatrixChart(mark_safe(svg), summary)  # noqa: S308 - escaped parts only

    values = [p.point.value for p in placed]
    efforts = [p.point.effort for p in placed]
    y_max = value_max if value_max is not None else max(max(values), 0.01)  # a floor: no axis of 10⁻³⁰⁰
    root = value_scale == "sqrt"
    y_ticks = sqrt_ticks(y_max) if root else nice_ticks(0.0, y_max, 5)
    y_labels = [_short(t) for t in y_ticks] if root else axis_labels(y_ticks)
    x_ticks = log_ticks(min(efforts), max(efforts))
    left = 30 + min(int(max(len(label) for label in y_labels) * 7.4), 90)
    plot_w, plot_h = width - left - right, height - top - bottom
    y_lo, y_hi = y_ticks[0], y_ticks[-1]
    lx_lo, lx_hi = math.log10(x_ticks[0]), math.log10(x_ticks[-1])

    def x_of(effort: float) -> float:  # an inset of `pad` keeps the dots at the extremes off the frame
        return left + pad + (plot_w - 2 * pad) * (math.log10(effort) - lx_lo) / (lx_hi - lx_lo)

    def along(value: float) -> float:
        if root:
            return (math.sqrt(max(value, 0.0)) - math.sqrt(y_lo)) / (math.sqrt(y_hi) - math.sqrt(y_lo))
        return (value - y_lo) / (y_hi - y_lo)

    def y_of(value: float) -> float:
        return top + pad + (plot_h - 2 * pad) * (1 - along(value))

    xs, ys = x_of(split.effort), y_of(split.value)
    x0, x1, y0, y1 = left, left + plot_w, top, top + plot_h
    counts = {q.key: 0 for q in QUADRANTS}
    for p in placed:
        counts[p.quadrant.key] += 1
    summary = (
        f"Value vs effort: {len(placed)} feature{'' if len(placed) == 1 else 's'}, split at the median value "
        f"({format_number(split.value)}) and the median effort ({effort_text(split.effort)}): "
        + "; ".join(f"{q.name} {counts[q.key]}" for q in QUADRANTS)
        + "."
    )
    parts: list[str] = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="matrix-chart" viewBox="0 0 {width} {height}" '
        f'preserveAspectRatio="xMidYMid meet" role="group" aria-label="{escape(summary)}" '
        f'font-family="{FONT}" font-size="12">',
        f"<title>{escape(summary)}</title>",
    ]
    # Quadrant backgrounds and names (in the outer corners, away from the crossing).
    regions = (
        (QUICK_WINS, x0, y0, xs - x0, ys - y0, x0 + 10, y0 + 18, "start"),
        (BIG_BETS, xs, y0, x1 - xs, ys - y0, x1 - 10, y0 + 18, "end"),
        (FILL_INS, x0, ys, xs - x0, y1 - ys, x0 + 10, y1 - 10, "start"),
        (MONEY_PITS, xs, ys, x1 - xs, y1 - ys, x1 - 10, y1 - 10, "end"),
    )
    parts.append('<g class="matrix-quadrants">')
    for q, rx, ry, rw, rh, *_label in regions:
        if rw > 0 and rh > 0:
            parts.append(
                f'<rect class="matrix-q matrix-q-{q.key}" x="{_f(rx)}" y="{_f(ry)}" width="{_f(rw)}" '
                f'height="{_f(rh)}" fill="{q.tint}"/>'
            )
    parts.append("</g>")
    # Grid and axes.
    parts.append('<g class="matrix-grid">')
    for tick, label in zip(y_ticks, y_labels, strict=True):
        y = _f(y_of(tick))
        parts.append(
            f'<line x1="{x0}" x2="{x1}" y1="{y}" y2="{y}" stroke="{GRID}" stroke-width="1" stroke-opacity="0.7"/>'
            f'<text x="{x0 - 8}" y="{y}" text-anchor="end" dominant-baseline="middle" fill="{TEXT}">'
            f"{escape(label)}</text>"
        )
    for tick in x_ticks:
        x = _f(x_of(tick))
        parts.append(
            f'<line x1="{x}" x2="{x}" y1="{y0}" y2="{y1}" stroke="{GRID}" stroke-width="1" stroke-opacity="0.7"/>'
            f'<text x="{x}" y="{y1 + 18}" text-anchor="middle" fill="{TEXT}">{escape(format_number(tick))}</text>'
        )
    parts.append(
        f'<rect x="{x0}" y="{y0}" width="{plot_w}" height="{plot_h}" fill="none" stroke="{AXIS}" stroke-width="1"/>'
        f'<text class="matrix-axis-title" x="{_f(x0 + plot_w / 2)}" y="{height - 10}" text-anchor="middle" '
        f'fill="{INK}" font-weight="600">Effort (person-months, log scale) →</text>'
        f'<text class="matrix-axis-title" x="14" y="{_f(y0 + plot_h / 2)}" text-anchor="middle" fill="{INK}" '
        f'font-weight="600" transform="rotate(-90 14 {_f(y0 + plot_h / 2)})">{escape(value_label)} →</text>'
        "</g>"
    )
    # The split at the medians, labelled.
    parts.append(
        f'<g class="matrix-split"><line x1="{_f(xs)}" x2="{_f(xs)}" y1="{y0}" y2="{y1}" stroke="{SPLIT}" '
        f'stroke-width="1.5" stroke-dasharray="6 4"/>'
        f'<line x1="{x0}" x2="{x1}" y1="{_f(ys)}" y2="{_f(ys)}" stroke="{SPLIT}" stroke-width="1.5" '
        f'stroke-dasharray="6 4"/>'
        f'<text x="{_f(xs)}" y="{y0 - 9}" text-anchor="middle" fill="{TEXT}">median effort '
        f"{escape(effort_text(split.effort))}</text>"
        f'<text x="{x1 - 6}" y="{_f(ys - 6)}" text-anchor="end" fill="{TEXT}" stroke="#fff" stroke-width="3" '
        f'paint-order="stroke">median value {escape(format_number(split.value))}</text></g>'
    )
    # The dots, each a link to its feature.
    coords = _spread([(x_of(p.point.effort), y_of(p.point.value)) for p in placed])
    parts.append('<g class="matrix-dots">')
    for (cx, cy), p in zip(coords, placed, strict=True):
        cx, cy = min(max(cx, x0 + 4), x1 - 4), min(max(cy, y0 + 4), y1 - 4)
        name = (
            f"{p.point.title}: value {format_number(p.point.value)}, effort {effort_text(p.point.effort)}, "
            f"{p.quadrant.name.lower()}"
        )
        parts.append(
            f'<a class="matrix-dot" href="{escape(p.point.url)}" aria-label="{escape(name)}" '
            f'data-feature-id="{p.point.id}">'
            f'<circle cx="{_f(cx)}" cy="{_f(cy)}" r="7" fill="{p.quadrant.dot}" fill-opacity="0.88" '
            f'stroke="#fff" stroke-width="1.5"><title>{escape(name)}</title></circle></a>'
        )
    parts.append("</g>")
    # The quadrants' names last, with a halo: readable over any dot (and never in a dot's way).
    parts.append('<g class="matrix-names" pointer-events="none">')
    for q, *_rect, tx, ty, anchor in regions:
        parts.append(
            f'<text x="{_f(tx)}" y="{_f(ty)}" text-anchor="{anchor}" fill="{q.ink}" font-weight="700" '
            f'font-size="13" stroke="#fff" stroke-width="4" stroke-opacity="0.85" paint-order="stroke">'
            f'{escape(q.name)} <tspan font-weight="500">· {counts[q.key]}</tspan></text>'
        )
    parts.append("</g></svg>")
    return MatrixChart(mark_safe("".join(parts)), summary)  # noqa: S308 - escaped parts only
