"""strategy.charts: the SVG is well-formed XML, points land where the scales say, and the edge cases
(empty, one point, all equal, negative, huge and tiny values) draw something sensible."""

from __future__ import annotations

import datetime as dt
import re
import xml.etree.ElementTree as ET

import pytest

from strategy.charts import (
    axis_labels,
    format_exact,
    format_number,
    format_value,
    line_chart,
    nice_step,
    nice_ticks,
)

SVG = "{http://www.w3.org/2000/svg}"
D0 = dt.date(2025, 3, 3)


def series(*values: float, step: int = 1) -> list[tuple[dt.date, float]]:
    return [(D0 + dt.timedelta(days=i * step), v) for i, v in enumerate(values)]


def parse(chart) -> ET.Element:
    return ET.fromstring(chart.svg)  # noqa: S314 - our own output, parsed to check it is well-formed


def line_points(root: ET.Element) -> list[tuple[float, float]]:
    path = root.find(f".//{SVG}path[@class='chart-line']")
    assert path is not None
    return [(float(x), float(y)) for x, y in re.findall(r"[ML](-?[\d.]+) (-?[\d.]+)", path.get("d", ""))]


def grid(root: ET.Element) -> dict[str, float]:
    """{y label: y coordinate} of the horizontal grid lines."""
    g = root.find(f".//{SVG}g[@class='chart-grid']")
    assert g is not None
    return {t.text or "": float(t.get("y", "0")) for t in g.findall(f"{SVG}text")}


# --- numbers ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "step"), [(0.7, 1), (1.3, 2), (2.2, 2.5), (3, 5), (7, 10), (12, 20), (0.03, 0.05), (4200, 5000)]
)
def test_nice_step(raw: float, step: float) -> None:
    assert nice_step(raw) == pytest.approx(step)


@pytest.mark.parametrize(
    ("lo", "hi", "expected"),
    [
        (0, 97, [0, 25, 50, 75, 100]),
        (-5, 12, [-5, 0, 5, 10, 15]),
        (0.1, 0.34, [0.1, 0.2, 0.3, 0.4]),
        (1200, 98000, [0, 25000, 50000, 75000, 100000]),
        (3, 3, [0, 2, 4, 6]),  # flat: from zero to twice the value
        (-3, -3, [-6, -4, -2, 0]),
        (0, 0, [0, 0.25, 0.5, 0.75, 1]),
    ],
)
def test_nice_ticks(lo: float, hi: float, expected: list[float]) -> None:
    ticks = nice_ticks(lo, hi)
    assert ticks == pytest.approx(expected)
    assert ticks[0] <= min(lo, hi) and ticks[-1] >= max(lo, hi)


@pytest.mark.parametrize(
    ("ticks", "labels"),
    [
        ([0, 25000, 50000], ["0", "25k", "50k"]),
        ([9000, 10000, 11000], ["9k", "10k", "11k"]),  # one style per axis
        ([0, 0.25, 0.5], ["0", "0.25", "0.50"]),
        ([-5, 0, 5], ["−5", "0", "5"]),
        ([1e6, 2e6], ["1M", "2M"]),
    ],
)
def test_axis_labels(ticks: list[float], labels: list[str]) -> None:
    assert axis_labels(ticks) == labels


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (0, "0"),
        (1234.5678, "1,235"),
        (12345, "12.3k"),
        (1.5e6, "1.5M"),
        (0.0123, "0.0123"),
        (-7, "−7"),
        (99.25, "99.25"),
    ],
)
def test_format_number(value: float, text: str) -> None:
    assert format_number(value) == text


def test_format_value_and_exact() -> None:
    assert format_value(99.2, "%") == "99.2%"
    assert format_value(1200, "users") == "1,200 users"
    assert format_exact(1234.5678) == "1,234.5678"
    assert format_exact(-0.5) == "−0.5"


# --- the SVG ----------------------------------------------------------------------------


def plot_right(root: ET.Element) -> float:
    """The right edge of the plot: where the grid lines end."""
    return max(float(t.get("x2", "0")) for t in root.iter(f"{SVG}line"))


def test_svg_is_xml_with_title_label_and_table() -> None:
    chart = line_chart(series(1, 3, 2), title="Sign-ups <beta> & co", uid="t1", unit="users")
    root = parse(chart)
    assert root.tag == f"{SVG}svg"
    assert root.get("role") == "img"
    assert root.findtext(f"{SVG}title") == "Sign-ups <beta> & co"
    label = root.get("aria-label", "")
    assert label.startswith("Sign-ups <beta> & co, by day, Mar 3, 2025 to Mar 5, 2025: latest 2 users")
    assert "lowest 1 users, highest 3 users" in label
    assert "down from 3 users the day before" in label
    assert root.findtext(f"{SVG}desc") == label
    assert '<table class="visually-hidden">' in chart.table
    assert "<caption>Sign-ups &lt;beta&gt; &amp; co: data</caption>" in chart.table
    assert chart.table.count("<tr>") == 4  # header + 3
    assert "Value (users)" in chart.table
    assert str(chart) == chart.svg + chart.table


def test_points_scale_with_time_and_value() -> None:
    chart = line_chart(series(0, 50, 100), title="t", uid="t2", width=600, height=200)
    root = parse(chart)
    (x0, y0), (x1, y1), (x2, y2) = line_points(root)
    assert x1 - x0 == pytest.approx(x2 - x1, abs=0.2)  # one day apart each
    assert x2 == pytest.approx(plot_right(root), abs=0.1)  # the last point at the right edge of the plot
    labels = grid(root)
    assert y0 == pytest.approx(labels["0"], abs=0.1)
    assert y2 == pytest.approx(labels["100"], abs=0.1)
    assert y1 == pytest.approx((y0 + y2) / 2, abs=0.1)


def test_gaps_in_time_are_proportional() -> None:
    points = [(D0, 1.0), (D0 + dt.timedelta(days=1), 2.0), (D0 + dt.timedelta(days=10), 3.0)]
    (x0, _), (x1, _), (x2, _) = line_points(parse(line_chart(points, title="t", uid="t3")))
    assert (x2 - x1) == pytest.approx(9 * (x1 - x0), abs=0.5)


def test_span_sets_the_time_axis() -> None:
    points = series(1, 2)
    chart = line_chart(points, title="t", uid="t4", span=(D0 - dt.timedelta(days=8), D0 + dt.timedelta(days=1)))
    (x0, _), (x1, _) = line_points(parse(chart))
    assert x1 - x0 == pytest.approx((x1 - 0) / 10, rel=0.3) or x0 > 300  # the data sits at the right end
    assert x0 > 300


def test_empty_series() -> None:
    chart = line_chart([], title="Nothing", uid="t5")
    root = parse(chart)
    assert root.find(f".//{SVG}path") is None
    assert "No data in this range yet" in chart.svg
    assert root.get("aria-label") == "Nothing: no data in this range."
    assert "No data in this range." in chart.table


def test_one_point_is_a_dot_in_the_middle() -> None:
    chart = line_chart(series(42), title="One", uid="t6", width=500)
    root = parse(chart)
    assert root.find(f".//{SVG}path[@class='chart-line']") is None
    last = root.find(f".//{SVG}circle[@class='chart-last']")
    assert last is not None
    left = min(float(t.get("x1", "0")) for t in root.iter(f"{SVG}line"))
    assert float(last.get("cx", "0")) == pytest.approx(left + (plot_right(root) - left) / 2, abs=0.1)
    assert "42" in (root.find(f".//{SVG}text[@class='chart-last-label']").text or "")
    assert root.get("aria-label", "").startswith("One, by day, Mar 3, 2025: 42.")


def test_all_equal_values_sit_mid_chart() -> None:
    root = parse(line_chart(series(7, 7, 7), title="Flat", uid="t7"))
    ys = {y for _x, y in line_points(root)}
    assert len(ys) == 1
    labels = grid(root)
    assert min(labels.values()) < ys.pop() < max(labels.values())


def test_negative_values_fill_towards_zero() -> None:
    root = parse(line_chart(series(-5, 3, 10), title="Net", uid="t8"))
    labels = grid(root)
    assert "−5" in labels and "0" in labels
    zero_line = next(
        ln for ln in root.iter(f"{SVG}line") if float(ln.get("y1", "0")) == pytest.approx(labels["0"], abs=0.1)
    )
    assert zero_line.get("stroke") != "#e2e5ee"  # the zero line stands out
    area = root.find(f".//{SVG}path[@class='chart-area']").get("d", "")
    closing = [float(y) for y in re.findall(r"L[\d.]+ (-?[\d.]+)", area)][-2:]
    assert closing == pytest.approx([labels["0"]] * 2, abs=0.1)


def test_all_negative_values_fill_towards_the_top() -> None:
    root = parse(line_chart(series(-10, -20, -15), title="Loss", uid="t9", unit="€"))
    labels = grid(root)
    assert set(labels) == {"−20.0", "−17.5", "−15.0", "−12.5", "−10.0"}  # one style per axis
    top = min(labels.values())
    area = root.find(f".//{SVG}path[@class='chart-area']").get("d", "")
    closing = [float(y) for y in re.findall(r"L[\d.]+ (-?[\d.]+)", area)][-2:]
    assert closing == pytest.approx([top, top], abs=0.1)  # towards zero, which is above the plot
    assert "−15 €" in (root.find(f".//{SVG}text[@class='chart-last-label']").text or "")


@pytest.mark.parametrize("values", [(1e12, 3e12), (0.0001, 0.0003), (1e-9, 1e-9), (-1e15, 1e15)])
def test_extreme_values_still_parse(values: tuple[float, float]) -> None:
    root = parse(line_chart(series(*values), title="x", uid="t10"))
    assert len(line_points(root)) == 2


@pytest.mark.parametrize("period", ["day", "week", "month"])
def test_periods_label_buckets(period: str) -> None:
    step = {"day": 1, "week": 7, "month": 31}[period]
    points = [(D0 + dt.timedelta(days=i * step), float(i)) for i in range(12)]
    if period == "month":
        points = [(dt.date(2024, m, 1), float(m)) for m in range(1, 13)]
    chart = line_chart(points, title="p", uid="t11", period=period)
    x_texts = [t.text for t in parse(chart).find(f".//{SVG}g[@class='chart-x']").findall(f"{SVG}text")]
    assert 2 <= len(x_texts) <= 5
    if period == "month":
        assert x_texts[0] == "Jan ’24"
        assert '<th scope="row">Jan 2024</th>' in chart.table
    else:
        assert x_texts[0] == "Mar 3"


def test_uid_is_sanitised_and_used_for_the_gradient() -> None:
    chart = line_chart(series(1, 2), title="t", uid='a"b<c')
    assert 'id="a-b-c-fill"' in chart.svg
    assert 'fill="url(#a-b-c-fill)"' in chart.svg
    parse(chart)


# --- a bucket still filling up, and the last label ------------------------------------------


def test_a_partial_last_bucket_is_drawn_apart_and_labelled_so_far() -> None:
    chart = line_chart(series(170, 179, 27), title="Tickets", uid="p1", unit="tickets", period="week", partial=True)
    root = parse(chart)
    solid = root.find(f".//{SVG}path[@class='chart-line']").get("d", "")
    assert solid.count("L") == 1  # the two whole weeks only
    dashed = root.find(f".//{SVG}path[@class='chart-line-partial']")
    assert dashed is not None and dashed.get("stroke-dasharray")
    hollow = root.find(f".//{SVG}circle[@class='chart-last chart-last-partial']")
    assert hollow is not None and hollow.get("fill") == "#fff"
    label = root.find(f".//{SVG}text[@class='chart-last-label']")
    assert "".join(label.itertext()) == "27 ticketsso far"
    summary = root.get("aria-label", "")
    assert "down from" not in summary  # the running week is not compared
    assert "latest 179 tickets" in summary and "27 tickets so far" in summary
    assert "(so far)" in chart.table


def test_without_partial_the_last_point_is_solid() -> None:
    root = parse(line_chart(series(1, 2, 3), title="t", uid="p2"))
    assert root.find(f".//{SVG}path[@class='chart-line-partial']") is None
    assert root.find(f".//{SVG}circle[@class='chart-last']").get("fill") != "#fff"


def test_only_a_partial_bucket_is_a_hollow_point() -> None:
    root = parse(line_chart(series(27), title="t", uid="p3", unit="tickets", partial=True))
    assert root.find(f".//{SVG}circle[@class='chart-last chart-last-partial']") is not None
    assert "so far" in root.get("aria-label", "")


@pytest.mark.parametrize(
    "values",
    [
        (10, 50, 100),  # rising into the last point
        (100, 50, 3),  # falling into it
        (5, 5, 5),
        (0, 100, 0),
        (100, 0, 100),
        (1e6, 9.9e6, 2e5),
        (-5, -20, -1),
    ],
)
@pytest.mark.parametrize("partial", [False, True])
@pytest.mark.parametrize(("width", "height"), [(480, 190), (880, 300), (400, 230)])
def test_the_last_label_never_overlaps_the_line(values: tuple, partial: bool, width: int, height: int) -> None:
    chart = line_chart(series(*values), title="t", uid="p4", unit="stores", width=width, height=height, partial=partial)
    root = parse(chart)
    text = root.find(f".//{SVG}text[@class='chart-last-label']")
    font = float(root.get("font-size", "12"))
    x = float(text.get("x", "0"))
    chars = max(len(t) for t in text.itertext())
    drawn = " ".join(p.get("d", "") for p in root.iter(f"{SVG}path") if "chart-line" in p.get("class", ""))
    line_xs = [float(px) for px, _py in re.findall(r"[ML](-?[\d.]+) (-?[\d.]+)", drawn)]
    assert text.get("text-anchor") == "start"
    assert x > max(line_xs) + 4  # starts right of every point of the line
    assert x + chars * font * 0.62 <= width  # and fits in the picture
    y = float(text.get("y", "0"))
    assert y - font / 2 >= 0 and y + font * (1.7 if partial else 0.5) <= height
