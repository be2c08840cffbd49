"""Template filters of the goal pages: percentages for SVG widths and ARIA values, readable
numbers, and time frames ("2026 Q4", or two dates)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import template
from django.utils.formats import date_format

from pmtool.timeframes import quarter_of

register = template.Library()


def _clamped(value: Any) -> float | None:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return min(100.0, max(0.0, number))


@register.filter
def pct(value: Any) -> str:
    """0–100 with one decimal and a dot, for SVG widths/positions ("" for nothing)."""
    number = _clamped(value)
    return "" if number is None else f"{number:.1f}"


@register.filter
def pct_int(value: Any) -> str:
    """0–100 rounded to a whole number, for labels and aria-valuenow ("" for nothing)."""
    number = _clamped(value)
    return "" if number is None else str(round(number))


@register.filter
def num(value: Any) -> str:
    """A readable number: 1,250 · 0.35 · -12.5 (at most two decimals, no trailing zeros); "—" for nothing."""
    if value is None or value == "":
        return "—"
    try:
        number = float(value)
    except (TypeError, ValueError):
        return str(value)
    text = f"{number:,.2f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


@register.filter
def timeframe(obj: Any) -> str:
    """An object's start/end dates as a quarter ("2026 Q4") or a range ("Jan 5 – Mar 20, 2026")."""
    start: dt.date | None = getattr(obj, "start_date", None)
    end: dt.date | None = getattr(obj, "end_date", None)
    if start is None or end is None:
        return ""
    quarter = quarter_of(start, end)
    if quarter:
        return quarter.replace("-", " ")
    if start.year == end.year:
        return f"{date_format(start, 'M j')} – {date_format(end, 'M j, Y')}"
    return f"{date_format(start, 'M j, Y')} – {date_format(end, 'M j, Y')}"
