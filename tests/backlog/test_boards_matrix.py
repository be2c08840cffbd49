"""backlog.matrix: the quadrant of a feature (split at the medians; ties to the better side), the
axes' ticks, and the chart: well-formed SVG, every dot a link with an accessible name and a
tooltip, inside the plot, and a picture for no data."""

from __future__ import annotations

import math
import xml.etree.ElementTree as ET

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from backlog.matrix import (
    BIG_BETS,
    FILL_INS,
    MONEY_PITS,
    QUICK_WINS,
    Point,
    Split,
    log_ticks,
    matrix_chart,
    place,
    quadrant_of,
    split_of,
    sqrt_ticks,
)

SVG = "{http://www.w3.org/2000/svg}"


def point(i: int, value: float, effort: float) -> Point:
    return Point(i, f"Feature {i}", f"/w/acme/features/{i}/", value, effort)


@pytest.mark.parametrize(
    ("value", "effort", "expected"),
    [
        (80, 1, QUICK_WINS),
        (80, 9, BIG_BETS),
        (10, 1, FILL_INS),
        (10, 9, MONEY_PITS),
        (50, 1, QUICK_WINS),  # at the median value: high value
        (50, 3, QUICK_WINS),  # at the median effort: low effort
        (49.99, 3, FILL_INS),
        (50, 3.01, BIG_BETS),
    ],
)
def test_quadrant_of(value: float, effort: float, expected) -> None:
    assert quadrant_of(value, effort, Split(value=50, effort=3)) is expected


def test_the_split_is_at_the_medians() -> None:
    points = [point(1, 10, 1), point(2, 20, 2), point(3, 90, 8), point(4, 40, 4)]
    assert split_of(points) == Split(value=30.0, effort=3.0)
    assert split_of([]) is None
    placed = place(points, split_of(points))
    assert [p.quadrant for p in placed] == [FILL_INS, FILL_INS, BIG_BETS, BIG_BETS]


def test_log_ticks() -> None:
    assert log_ticks(0.5, 18) == [0.5, 1, 2, 5, 10, 20]
    assert log_ticks(3, 3) == [2, 5]
    assert log_ticks(0.1, 5000)[0] == 0.1
    assert len(log_ticks(0.01, 10_000)) <= 9


def test_sqrt_ticks() -> None:
    assert sqrt_ticks(8100) == [0, 500, 2000, 5000, 10000]
    ticks = sqrt_ticks(3.2)
    assert ticks[0] == 0 and ticks[-1] == 5
    assert ticks == sorted(set(ticks))


def parse(svg: str) -> ET.Element:
    return ET.fromstring(svg)  # noqa: S314 - our own output


def test_the_chart_is_svg_with_a_link_per_dot() -> None:
    points = [point(1, 80, 1), point(2, 20, 10), point(3, 50, 3), point(4, 50, 3)]
    split = split_of(points)
    chart = matrix_chart(place(points, split), split, value_label="Value", value_max=100)
    root = parse(chart.svg)
    assert root.get("aria-label") == chart.summary
    assert "split at the median value (50) and the median effort (3 person-months)" in chart.summary
    links = root.findall(f".//{SVG}a")
    assert [a.get("href") for a in links] == [f"/w/acme/features/{i}/" for i in (1, 2, 3, 4)]
    assert links[0].get("aria-label") == "Feature 1: value 80, effort 1 person-month, quick wins"
    assert links[0].find(f"{SVG}circle/{SVG}title").text == links[0].get("aria-label")
    # Two features on the same spot are spread apart, so both can be seen and clicked.
    c3, c4 = (links[i].find(f"{SVG}circle") for i in (2, 3))
    assert (c3.get("cx"), c3.get("cy")) != (c4.get("cx"), c4.get("cy"))
    names = [t.text for t in root.findall(f".//{SVG}g[@class='matrix-names']/{SVG}text")]
    assert names == ["Quick wins ", "Big bets ", "Fill-ins ", "Money pits "]


def test_titles_are_escaped() -> None:
    points = [Point(1, '<script>"x"</script> & co', "/w/a/features/1/", 1, 1)]
    split = split_of(points)
    svg = str(matrix_chart(place(points, split), split, value_label="Value").svg)
    assert "<script>" not in svg
    parse(svg)


def test_no_points_is_a_picture_that_says_so() -> None:
    chart = matrix_chart([], None, value_label="Value")
    assert "no feature has both a value and an effort estimate yet" in chart.summary
    parse(chart.svg)


EXPECTED = {(True, False): QUICK_WINS, (True, True): BIG_BETS, (False, False): FILL_INS, (False, True): MONEY_PITS}


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.floats(min_value=0, max_value=1e7, allow_nan=False),
            st.floats(min_value=0.01, max_value=10_000, allow_nan=False),
        ),
        min_size=1,
        max_size=40,
    ),
    st.sampled_from(["linear", "sqrt"]),
)
def test_every_dot_is_inside_the_plot_and_in_one_quadrant(rows, scale) -> None:
    points = [point(i, v, e) for i, (v, e) in enumerate(rows, start=1)]
    split = split_of(points)
    placed = place(points, split)
    for p in placed:
        high_value, high_effort = p.point.value >= split.value, p.point.effort > split.effort
        assert p.quadrant is EXPECTED[(high_value, high_effort)]
    root = parse(matrix_chart(placed, split, value_label="Value", value_scale=scale).svg)
    frame = root.find(f".//{SVG}g[@class='matrix-grid']/{SVG}rect")
    x0, y0 = float(frame.get("x")), float(frame.get("y"))
    x1, y1 = x0 + float(frame.get("width")), y0 + float(frame.get("height"))
    for circle in root.findall(f".//{SVG}a/{SVG}circle"):
        cx, cy = float(circle.get("cx")), float(circle.get("cy"))
        assert math.isfinite(cx) and math.isfinite(cy)
        assert x0 <= cx <= x1 and y0 <= cy <= y1
