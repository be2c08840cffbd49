"""pmtool.timeframes: quarter labels and dates, the current quarter, date ranges and their bounds."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from pmtool import timeframes
from pmtool.errors import ValidationError
from pmtool.timeframes import DATE_MAX, DATE_MIN, clean_date_range, quarter_dates, quarter_of, quarters_from

D = dt.date


_NOT_A_QUARTER = ("Not a quarter.", {"quarter": ["Give a quarter as YYYY-Qn, e.g. 2026-Q4."]})


@pytest.mark.parametrize(
    ("label", "expected"),
    [
        ("2026-Q4", (D(2026, 10, 1), D(2026, 12, 31))),
        ("2026Q1", (D(2026, 1, 1), D(2026, 3, 31))),
        (" 2026 - q2 ", (D(2026, 4, 1), D(2026, 6, 30))),
        ("1900-Q1", (D(1900, 1, 1), D(1900, 3, 31))),
        ("2999-Q4", (D(2999, 10, 1), D(2999, 12, 31))),
        ("2026-Q5", _NOT_A_QUARTER),
        ("26-Q1", _NOT_A_QUARTER),
        ("", _NOT_A_QUARTER),
    ],
)
def test_quarter_dates_read_what_goals_read_today(label: str, expected: Any) -> None:
    """What the goal services' own quarter reader (now removed) answered for each label."""
    try:
        outcome = quarter_dates(label)
    except ValidationError as exc:
        outcome = (exc.message, exc.fields)
    assert outcome == expected


def test_quarter_dates_span_the_quarter() -> None:
    assert quarter_dates("2026-Q4") == (D(2026, 10, 1), D(2026, 12, 31))
    assert quarter_dates("2024-Q1") == (D(2024, 1, 1), D(2024, 3, 31))


@pytest.mark.parametrize("label", ["1899-Q4", "3000-Q1"])
def test_quarters_outside_the_accepted_dates_are_refused_naming_the_field(label: str) -> None:
    with pytest.raises(ValidationError) as caught:
        quarter_dates(label, field="when")
    assert caught.value.fields == {"when": ["Give a quarter as YYYY-Qn, e.g. 2026-Q4."]}


@pytest.mark.parametrize(
    ("start", "end", "label"),
    [
        (D(2026, 10, 1), D(2026, 12, 31), "2026-Q4"),
        (D(2026, 10, 1), D(2026, 12, 30), None),
        (D(2026, 11, 1), D(2027, 1, 31), None),
        (None, D(2026, 12, 31), None),
        (D(3000, 1, 1), D(3000, 3, 31), None),
    ],
)
def test_quarter_of(start: dt.date | None, end: dt.date | None, label: str | None) -> None:
    assert quarter_of(start, end) == label


def test_current_quarter_and_quarters_from() -> None:
    assert timeframes.current_quarter(D(2026, 12, 1)) == "2026-Q4"
    assert timeframes.current_quarter() == timeframes.quarter_label(dt.date.today())
    assert quarters_from(D(2026, 8, 15), 4) == ["2026-Q3", "2026-Q4", "2027-Q1", "2027-Q2"]
    assert quarters_from(D(2999, 11, 1), 3) == ["2999-Q4"]  # never past the last accepted date


def test_a_date_range_needs_both_dates_in_order() -> None:
    assert clean_date_range(None, None) == (None, None)
    assert clean_date_range(D(2026, 1, 1), D(2026, 1, 1)) == (D(2026, 1, 1), D(2026, 1, 1))
    cases = [
        ((None, D(2026, 1, 1)), {"start_date": ["Give a start date."]}),
        ((D(2026, 1, 1), None), {"end_date": ["Give an end date."]}),
        ((D(2026, 1, 2), D(2026, 1, 1)), {"end_date": ["The end date must be on or after the start date."]}),
    ]
    for (start, end), fields in cases:
        with pytest.raises(ValidationError) as caught:
            clean_date_range(start, end)
        assert caught.value.fields == fields


@pytest.mark.parametrize(
    ("start", "end", "field"),
    [(D(1899, 12, 31), D(2026, 1, 1), "from"), (D(2026, 1, 1), D(3000, 1, 1), "to")],
)
def test_a_date_range_names_the_accepted_bounds(start: dt.date, end: dt.date, field: str) -> None:
    with pytest.raises(ValidationError) as caught:
        clean_date_range(start, end, start_field="from", end_field="to")
    assert caught.value.fields == {field: ["Give a date between 1900-01-01 and 2999-12-31."]}
    assert clean_date_range(DATE_MIN, DATE_MAX) == (DATE_MIN, DATE_MAX)
