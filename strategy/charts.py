"""Server-rendered line charts: a series of (date, value) → an accessible SVG, no JavaScript.

`line_chart` is a pure function (no database, no request): axes with "nice" ticks (1, 2, 2.5, 5 × 10ⁿ),
a line over a soft area (filled towards zero), the last value labelled to the right of its point
(where the line never is: points are in time order), a bucket still filling up (`partial`) drawn
apart (a dashed segment to a hollow point, labelled "so far"), a <title>/<desc> and an
aria-label summarising the series, a native tooltip per point, and a visually hidden data table as
the fallback for screen readers. Empty series, one point, all-equal values and negative values each
get a sensible picture. Colours are SVG presentation attributes (the strict CSP forbids inline styles);
the page's stylesheet can override them through the `chart-*` classes.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence
from dataclasses import dataclass

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

LINE = "#4f46e5"
GRID = "#e2e5ee"
AXIS = "#c9cede"
ZERO = "#8a90a3"
TEXT = "#5d6478"
FONT = "system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif"
PERIOD_LABEL = {"day": "Day", "week": "Week of", "month": "Month"}
PERIOD_NOUN = {"day": "day", "week": "week", "month": "month"}


@dataclass(frozen=True)
class Chart:
    """The SVG (well-formed XML) and its data table; renders as both in a template ({{ chart }})."""

    svg: str
    table: str
    summary: str

    def __html__(self) -> SafeString:
        return mark_safe(self.svg + self.table)  # noqa: S308 - built from escaped parts below

    def __str__(self) -> str:
        return self.__html__()


# --- numbers --------------------------------------------------------------------------


def nice_step(raw: float) -> float:
    """The "nice" step (1, 2, 2.5 or 5 × 10ⁿ) at or above `raw`."""
    if raw <= 0 or not math.isfinite(raw):
        return 1.0
    exponent = math.floor(math.log10(raw))
    base = 10.0**exponent
    for factor in (1.0, 2.0, 2.5, 5.0, 10.0):
        if raw <= factor * base * (1 + 1e-9):
            return factor * base
    return 10.0 * base


def nice_ticks(lo: float, hi: float, count: int = 5) -> list[float]:
    """Evenly spaced round values covering [lo, hi] (about `count` of them; at least two)."""
    if hi < lo:
        lo, hi = hi, lo
    if hi == lo:
        lo, hi = _pad_flat(lo)
    step = nice_step((hi - lo) / max(count - 1, 1))
    start = math.floor(lo / step + 1e-9) * step
    stop = math.ceil(hi / step - 1e-9) * step
    n = round((stop - start) / step)
    decimals = max(0, -math.floor(math.log10(step)) + 1)
    ticks = [round(start + i * step, decimals) for i in range(n + 1)]
    return [0.0 if t == 0 else t for t in ticks] if len(ticks) > 1 else [start, start + step]


def _pad_flat(value: float) -> tuple[float, float]:
    """A range around a constant series, starting or ending at zero, so the line sits mid-chart."""
    if value > 0:
        return 0.0, value * 2
    if value < 0:
        return value * 2, 0.0
    return 0.0, 1.0


def _scale(magnitude: float) -> tuple[float, str]:
    """(divisor, suffix) for a magnitude: thousands from 10,000 on (1,234 stays readable as it is)."""
    for threshold, divisor, suffix in ((1e12, 1e12, "T"), (1e9, 1e9, "B"), (1e6, 1e6, "M"), (1e4, 1e3, "k")):
        if magnitude >= threshold:
            return divisor, suffix
    return 1.0, ""


def _decimals(step: float) -> int:
    """Decimal places that show every multiple of `step` exactly (0.25 → 2, 5 → 0)."""
    if step <= 0 or not math.isfinite(step):
        return 0
    places = max(0, -math.floor(math.log10(step) + 1e-9))
    while places < 6 and abs(step * 10**places - round(step * 10**places)) > 1e-6:
        places += 1
    return places


def _sign(value: float) -> str:
    return "−" if value < 0 else ""  # a real minus sign


def _strip(text: str) -> str:
    return text.rstrip("0").rstrip(".") if "." in text else text


def format_number(value: float) -> str:
    """Short and readable, about three significant digits: 1,234 · 12.5k · 3.4M · 0.25 · −7."""
    limit, suffix = _scale(abs(value))
    scaled = abs(value) / limit
    if scaled == 0:
        return "0"
    if suffix:
        places = 0 if scaled >= 100 else 1 if scaled >= 10 else 2
    elif scaled >= 1:
        places = 0 if scaled >= 1000 else 1 if scaled >= 100 else 2
    else:
        places = min(6, -math.floor(math.log10(scaled)) + 2)
    text = _strip(f"{scaled:,.{places}f}")
    return "0" if text == "0" else f"{_sign(value)}{text}{suffix}"


def format_exact(value: float) -> str:
    """The value as stored (up to six decimals), for the data table."""
    return f"{_sign(value)}{_strip(f'{abs(value):,.6f}')}"


def axis_labels(ticks: Sequence[float]) -> list[str]:
    """Labels of one axis in one style: the same suffix and decimal places for every tick."""
    step = ticks[1] - ticks[0] if len(ticks) > 1 else 1.0
    limit, suffix = _scale(max(abs(t) for t in ticks))
    places = _decimals(step / limit)
    return ["0" if t == 0 else f"{_sign(t)}{abs(t) / limit:,.{places}f}{suffix}" for t in ticks]


def format_value(value: float, unit: str = "") -> str:
    text = format_number(value)
    if not unit:
        return text
    return f"{text}{unit}" if unit in {"%", "‰"} else f"{text} {unit}"


def format_bucket(day: dt.date, period: str, *, short: bool = False) -> str:
    if period == "month":
        return day.strftime("%b %Y") if not short else day.strftime("%b ’%y")
    if short:
        return f"{day:%b} {day.day}"
    return f"{day:%b} {day.day}, {day.year}"


def _snap(day: dt.date, period: str) -> dt.date:
    """The bucket a date falls in: a week's Monday, a month's first day."""
    if period == "week":
        return day - dt.timedelta(days=day.weekday())
    if period == "month":
        return day.replace(day=1)
    return day


def _date_ticks(lo: int, hi: int, count: int, period: str) -> list[dt.date]:
    """About `count` bucket dates between the ordinals lo and hi, evenly spread (snapped to buckets)."""
    if hi <= lo or count < 2:
        return [dt.date.fromordinal(lo)]
    found: list[dt.date] = []
    for i in range(count):
        day = _snap(dt.date.fromordinal(round(lo + (hi - lo) * i / (count - 1))), period)
        if day.toordinal() < lo:  # snapped before the axis: the next bucket
            day = _snap(day + dt.timedelta(days=7 if period == "week" else 32), period)
        if lo <= day.toordinal() <= hi and day not in found:
            found.append(day)
    return found


# --- the chart --------------------------------------------------------------------------


def _f(x: float) -> str:
    """A coordinate with one decimal, no trailing zeros."""
    text = f"{x:.1f}"
    return text[:-2] if text.endswith(".0") else text


def _summary(points: Sequence[tuple[dt.date, float]], title: str, unit: str, period: str, partial: bool) -> str:
    if not points:
        return f"{title}: no data in this range."
    if partial:
        running = points[-1]
        noun = PERIOD_NOUN.get(period, period)
        so_far = f"{format_value(running[1], unit)} so far in the {noun} of {format_bucket(running[0], period)}"
        if len(points) == 1:
            return f"{title}, by {noun}: {so_far}."
        return _summary(points[:-1], title, unit, period, False)[:-1] + f"; {so_far} (not over yet)."
    first, last = points[0], points[-1]
    values = [v for _d, v in points]
    noun = PERIOD_NOUN.get(period, period)
    span = (
        f"{format_bucket(first[0], period)}"
        if len(points) == 1
        else f"{format_bucket(first[0], period)} to {format_bucket(last[0], period)}"
    )
    text = (
        f"{title}, by {noun}, {span}: latest {format_value(last[1], unit)}"
        if len(points) > 1
        else f"{title}, by {noun}, {span}: {format_value(last[1], unit)}"
    )
    if len(points) > 1:
        text += f"; lowest {format_value(min(values), unit)}, highest {format_value(max(values), unit)}"
        previous = points[-2][1]
        if previous != last[1]:
            moved = "up" if last[1] > previous else "down"
            text += f"; {moved} from {format_value(previous, unit)} the {noun} before"
    return text + "."


def _table(points: Sequence[tuple[dt.date, float]], title: str, unit: str, period: str, partial: bool = False) -> str:
    head = PERIOD_LABEL.get(period, "Date")
    value_head = f"Value ({escape(unit)})" if unit else "Value"
    last = len(points) - 1
    rows = "".join(
        f'<tr><th scope="row">{escape(format_bucket(d, period))}{" (so far)" if partial and i == last else ""}</th>'
        f"<td>{escape(format_exact(v))}</td></tr>"
        for i, (d, v) in enumerate(points)
    )
    if not rows:
        rows = '<tr><td colspan="2">No data in this range.</td></tr>'
    return (
        f'<table class="visually-hidden"><caption>{escape(title)}: data</caption>'
        f'<thead><tr><th scope="col">{head}</th><th scope="col">{value_head}</th></tr></thead>'
        f"<tbody>{rows}</tbody></table>"
    )


def line_chart(
    points: Sequence[tuple[dt.date, float]],
    *,
    title: str,
    uid: str,
    unit: str = "",
    period: str = "day",
    width: int = 560,
    height: int = 200,
    x_labels: int = 5,
    y_ticks: int = 5,
    span: tuple[dt.date, dt.date] | None = None,
    partial: bool = False,
) -> Chart:
    """An accessible SVG line chart of `points` (dates ascending; x is proportional to time).

    `uid` makes the element ids unique on a page (several charts share one document); `span` is
    the range the time axis covers (default: from the first point to the last); `partial` says the
    last point is a bucket still filling up (drawn apart, labelled "so far", never joined as whole)."""
    uid = "".join(c if c.isalnum() or c in "-_" else "-" for c in uid) or "chart"
    points = sorted(points)
    partial = partial and bool(points)
    summary = _summary(points, title, unit, period, partial)
    font = 11 if width < 700 else 12
    top, bottom = 12, 26
    # The last value is labelled right of its point: room for it on the right of the plot.
    last_label = format_value(points[-1][1], unit) if points else ""
    label_chars = max(len(last_label), len("so far") if partial else 0)
    right = max(14, 10 + int(label_chars * font * 0.66))

    parts: list[str] = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" viewBox="0 0 {width} {height}" '
        f'width="{width}" height="{height}" preserveAspectRatio="xMidYMid meet" role="img" '
        f'aria-label="{escape(summary)}" font-family="{FONT}" font-size="{font}">',
        f"<title>{escape(title)}</title><desc>{escape(summary)}</desc>",
    ]
    if not points:
        parts.append(
            f'<rect class="chart-empty" x="0.5" y="0.5" width="{width - 1}" height="{height - 1}" rx="8" '
            f'fill="none" stroke="{GRID}" stroke-dasharray="4 4"/>'
            f'<text x="{_f(width / 2)}" y="{_f(height / 2)}" text-anchor="middle" dominant-baseline="middle" '
            f'fill="{TEXT}">No data in this range yet</text></svg>'
        )
        return Chart("".join(parts), _table(points, title, unit, period), summary)

    values = [v for _d, v in points]
    ticks = nice_ticks(min(values), max(values), y_ticks)
    labels = axis_labels(ticks)
    left = 10 + int(max(len(label) for label in labels) * font * 0.62)
    plot_w, plot_h = width - left - right, height - top - bottom
    y_lo, y_hi = ticks[0], ticks[-1]

    def y_of(value: float) -> float:
        return top + plot_h * (1 - (value - y_lo) / (y_hi - y_lo))

    days = [d.toordinal() for d, _v in points]
    d_lo, d_hi = days[0], days[-1]
    if span is not None:  # the requested range, even where it has no data
        d_lo, d_hi = min(d_lo, span[0].toordinal()), max(d_hi, span[1].toordinal())

    def x_of(ordinal: int) -> float:
        if d_hi == d_lo:
            return left + plot_w / 2
        return left + plot_w * (ordinal - d_lo) / (d_hi - d_lo)

    # Grid and y labels.
    parts.append('<g class="chart-grid">')
    for tick, label in zip(ticks, labels, strict=True):
        y = _f(y_of(tick))
        colour = ZERO if tick == 0 and y_lo < 0 else GRID
        parts.append(
            f'<line x1="{left}" x2="{width - right}" y1="{y}" y2="{y}" stroke="{colour}" stroke-width="1"/>'
            f'<text x="{left - 8}" y="{y}" text-anchor="end" dominant-baseline="middle" fill="{TEXT}">'
            f"{escape(label)}</text>"
        )
    parts.append("</g>")

    # X labels: about `x_labels` bucket dates, spread evenly over the time axis.
    parts.append('<g class="chart-x">')
    ticks_x = _date_ticks(d_lo, d_hi, x_labels, period)
    for i, day in enumerate(ticks_x):
        x = x_of(day.toordinal())
        anchor = "middle"
        if len(ticks_x) > 1 and i == 0 and x - left < 30:
            anchor = "start"
        elif len(ticks_x) > 1 and i == len(ticks_x) - 1 and (width - right) - x < 30:
            anchor = "end"
        parts.append(
            f'<text x="{_f(x)}" y="{height - 8}" text-anchor="{anchor}" fill="{TEXT}">'
            f"{escape(format_bucket(day, period, short=True))}</text>"
        )
    parts.append(
        f'<line x1="{left}" x2="{width - right}" y1="{_f(top + plot_h)}" y2="{_f(top + plot_h)}" '
        f'stroke="{AXIS}" stroke-width="1"/></g>'
    )

    coords = [(x_of(d), y_of(v)) for d, v in zip(days, values, strict=True)]
    base = y_of(min(max(0.0, y_lo), y_hi))  # the area fills towards zero (or the nearest edge)
    whole = coords[:-1] if partial else coords  # the running bucket is not part of the solid line
    if len(whole) > 1:
        line = "M" + " L".join(f"{_f(x)} {_f(y)}" for x, y in whole)
        area = f"{line} L{_f(whole[-1][0])} {_f(base)} L{_f(whole[0][0])} {_f(base)} Z"
        parts.append(
            f'<defs><linearGradient id="{uid}-fill" x1="0" y1="0" x2="0" y2="1">'
            f'<stop offset="0" stop-color="{LINE}" stop-opacity="0.22"/>'
            f'<stop offset="1" stop-color="{LINE}" stop-opacity="0.02"/></linearGradient></defs>'
            f'<path class="chart-area" d="{area}" fill="url(#{uid}-fill)"/>'
            f'<path class="chart-line" d="{line}" fill="none" stroke="{LINE}" stroke-width="2" '
            f'stroke-linejoin="round" stroke-linecap="round"/>'
        )
    if partial and len(coords) > 1:
        (x0, y0), (x1, y1) = coords[-2], coords[-1]
        parts.append(
            f'<path class="chart-line-partial" d="M{_f(x0)} {_f(y0)} L{_f(x1)} {_f(y1)}" fill="none" '
            f'stroke="{LINE}" stroke-width="2" stroke-dasharray="5 4" stroke-linecap="round"/>'
        )

    # Points: visible dots when there are few, a native tooltip on each.
    radius = 3 if len(coords) <= 40 else 0
    parts.append('<g class="chart-points">')
    for i, ((cx, cy), (d, v)) in enumerate(zip(coords, points, strict=True)):
        so_far = " so far (not over yet)" if partial and i == len(coords) - 1 else ""
        tip = f"{format_bucket(d, period)}: {format_value(v, unit)}{so_far}"
        hit = max(radius, 6)
        if radius:
            parts.append(
                f'<circle cx="{_f(cx)}" cy="{_f(cy)}" r="{radius}" fill="#fff" stroke="{LINE}" stroke-width="1.5"/>'
            )
        parts.append(
            f'<circle cx="{_f(cx)}" cy="{_f(cy)}" r="{hit}" fill="#000" fill-opacity="0">'
            f"<title>{escape(tip)}</title></circle>"
        )
    parts.append("</g>")

    # The last value, labelled right of its point: every other point lies to the left, so the
    # label never crosses the line. A running bucket gets a hollow point and "so far" below it.
    lx, ly = coords[-1]
    lines = 2 if partial else 1
    half = font * 0.6 * lines
    label_y = min(max(ly, top + half), top + plot_h - half)  # kept inside the plot
    first_y = label_y - (font * 0.6 if partial else 0)
    dot = (
        f'<circle class="chart-last chart-last-partial" cx="{_f(lx)}" cy="{_f(ly)}" r="4.5" fill="#fff" '
        f'stroke="{LINE}" stroke-width="2"/>'
        if partial
        else f'<circle class="chart-last" cx="{_f(lx)}" cy="{_f(ly)}" r="4.5" fill="{LINE}" stroke="#fff" '
        'stroke-width="2"/>'
    )
    so_far = (
        f'<tspan class="chart-last-note" x="{_f(lx + 9)}" dy="{_f(font * 1.2)}" font-weight="400" '
        f'fill="{TEXT}">so far</tspan>'
        if partial
        else ""
    )
    parts.append(
        f"{dot}"
        f'<text class="chart-last-label" x="{_f(lx + 9)}" y="{_f(first_y)}" text-anchor="start" '
        f'dominant-baseline="middle" font-weight="650" fill="#1c2030" stroke="#fff" stroke-width="3" '
        f'paint-order="stroke">{escape(last_label)}{so_far}</text>'
    )
    parts.append("</svg>")
    return Chart("".join(parts), _table(points, title, unit, period, partial), summary)
