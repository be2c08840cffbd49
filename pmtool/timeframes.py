"""Time frames: quarters and date ranges, shared by goals, initiatives and (later) roadmaps.

Owns: the quarter label ("2026-Q4"; "2026Q4", "2026 - q4" are read too), a quarter's first and last
day, the quarter a pair of dates spans exactly, the current quarter and the quarters from a date on,
and the check of a (start, end) pair: both or neither, in order, within the accepted dates
(DATE_MIN..DATE_MAX, the bounds metrics use too).
"""

from __future__ import annotations

import datetime as dt
import re

from django.utils import timezone

from .errors import ValidationError

DATE_MIN = dt.date(1900, 1, 1)
DATE_MAX = dt.date(2999, 12, 31)

_QUARTER = re.compile(r"^\s*(\d{4})\s*-?\s*Q([1-4])\s*$", re.IGNORECASE)


def quarter_label(day: dt.date) -> str:
    """The quarter `day` falls in, e.g. 2026-11-05 → "2026-Q4"."""
    return f"{day.year}-Q{(day.month - 1) // 3 + 1}"


def quarter_dates(quarter: str, *, field: str = "quarter") -> tuple[dt.date, dt.date]:
    """ "2026-Q4" → (2026-10-01, 2026-12-31); a 400 naming `field` for anything else."""
    match = _QUARTER.match(quarter or "")
    if match is None or not DATE_MIN.year <= int(match.group(1)) <= DATE_MAX.year:
        raise ValidationError("Not a quarter.", fields={field: ["Give a quarter as YYYY-Qn, e.g. 2026-Q4."]})
    year, q = int(match.group(1)), int(match.group(2))
    start = dt.date(year, 3 * q - 2, 1)
    end = dt.date(year + 1, 1, 1) if q == 4 else dt.date(year, 3 * q + 1, 1)
    return start, end - dt.timedelta(days=1)


def quarter_of(start: dt.date | None, end: dt.date | None) -> str | None:
    """The quarter these dates span exactly, e.g. "2026-Q4"; None when they are not one quarter."""
    if start is None or end is None or start.day != 1 or start.month % 3 != 1:
        return None
    if not DATE_MIN <= start <= DATE_MAX:
        return None
    label = quarter_label(start)
    return label if quarter_dates(label) == (start, end) else None


def current_quarter(today: dt.date | None = None) -> str:
    """The quarter of `today` (default: today in the project's time zone)."""
    return quarter_label(today or timezone.localdate())


def quarters_from(start: dt.date, count: int) -> list[str]:
    """`count` consecutive quarter labels, the first the one `start` falls in (stops at DATE_MAX)."""
    year, q = start.year, (start.month - 1) // 3 + 1
    labels: list[str] = []
    while len(labels) < count and year <= DATE_MAX.year:
        labels.append(f"{year}-Q{q}")
        year, q = (year + 1, 1) if q == 4 else (year, q + 1)
    return labels


def _in_bounds(day: dt.date, field: str) -> None:
    if not DATE_MIN <= day <= DATE_MAX:
        raise ValidationError(
            "A date is out of range.",
            fields={field: [f"Give a date between {DATE_MIN.isoformat()} and {DATE_MAX.isoformat()}."]},
        )


def clean_date_range(
    start: dt.date | None,
    end: dt.date | None,
    *,
    start_field: str = "start_date",
    end_field: str = "end_date",
    open_ended: bool = False,
) -> tuple[dt.date | None, dt.date | None]:
    """A time frame: both dates or neither (either alone too when `open_ended`, e.g. a release with
    only its release date), the end on or after the start, both within bounds."""
    if open_ended:
        for day, field in ((start, start_field), (end, end_field)):
            if day is not None:
                _in_bounds(day, field)
        if start is None or end is None:
            return start, end
    if start is None and end is not None:
        raise ValidationError("A time frame needs a start date too.", fields={start_field: ["Give a start date."]})
    if end is None and start is not None:
        raise ValidationError("A time frame needs an end date too.", fields={end_field: ["Give an end date."]})
    if start is None or end is None:
        return None, None
    _in_bounds(start, start_field)
    _in_bounds(end, end_field)
    if end < start:
        raise ValidationError(
            "The end date is before the start date.",
            fields={end_field: ["The end date must be on or after the start date."]},
        )
    return start, end


def clean_optional_dates(
    start: dt.date | None,
    end: dt.date | None,
    *,
    start_field: str = "start_date",
    end_field: str = "end_date",
) -> tuple[dt.date | None, dt.date | None]:
    """Two dates each of which may be empty (a feature may have only a due date): each within
    bounds, and the end on or after the start when both are given."""
    if start is not None:
        _in_bounds(start, start_field)
    if end is not None:
        _in_bounds(end, end_field)
    if start is not None and end is not None and end < start:
        raise ValidationError(
            "The end date is before the start date.",
            fields={end_field: ["The end date must be on or after the start date."]},
        )
    return start, end
