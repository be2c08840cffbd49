"""Metrics in the browser: create a metric, add a sample by hand, upload a CSV through the file input,
see the chart and switch its period; CSV errors with line numbers; the "rollup pending" note that
polls until a real Celery worker has rolled the samples up; the dashboard on a phone."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

from strategy import rollups
from strategy.models import Metric, MetricDirtyDay, MetricRollup, MetricSample
from strategy.services import metrics as services
from tests.factories import ProductFactory

from .conftest import PHONE

pytestmark = pytest.mark.browser

UTC = dt.UTC


def shot(web, page, name: str) -> None:
    """web.shot, then drop the empty style="" attributes Playwright's screenshot leaves on inputs (it
    hides the caret through inline styles): htmx's settle would copy them onto swapped-in inputs,
    which the strict CSP reports as an inline-style violation. Nothing the app does sets them."""
    web.shot(page, name)
    page.evaluate("document.querySelectorAll('[style=\"\"]').forEach((e) => e.removeAttribute('style'))")


def _today() -> dt.date:
    return dt.datetime.now(UTC).date()


def _csv(path: Path, days: int = 60) -> Path:
    """A realistic series: weekly rhythm, a slow rise, one semicolon-free comma CSV."""
    rows = ["date,value"]
    for n in range(days, 0, -1):
        day = _today() - dt.timedelta(days=n)
        weekend = day.weekday() >= 5
        rows.append(f"{day.isoformat()},{1200 + (days - n) * 9 + (-180 if weekend else 40) + (n % 7) * 11}")
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    return path


def test_create_metric_add_sample_upload_csv_and_see_the_chart(web, signed_in, team, product, tmp_path):
    page = signed_in(team.editor)
    page.goto("/w/acme/metrics/")
    expect(page.get_by_role("heading", name="No metrics yet")).to_be_visible()
    shot(web, page, "metrics-01-empty")

    page.get_by_role("link", name="Create the first metric").click()
    expect(page.get_by_role("heading", name="New metric")).to_be_visible()
    page.get_by_label("Product").select_option("atlas")
    page.get_by_label("Name").fill("Daily active users")
    page.get_by_label("Unit").fill("users")
    page.get_by_label("Higher is better").check()
    page.get_by_label("Aggregation").select_option("last")
    page.get_by_label("Description").fill("People who opened the app at least once that day (**UTC** days).")
    shot(web, page, "metrics-02-create-form")
    page.get_by_role("button", name="Create metric").click()

    metric = Metric.objects.get(name="Daily active users")
    expect(page).to_have_url(re.compile(rf"/w/acme/metrics/{metric.pk}/$"))
    expect(page.get_by_role("status").first).to_contain_text("Metric “Daily active users” created.")
    expect(page.get_by_text("No samples yet.")).to_be_visible()

    # By hand: yesterday 18:00 UTC. (Tasks run in-process here: the rollup is done by the redirect.)
    yesterday = _today() - dt.timedelta(days=1)
    form = page.locator("form.sample-form")
    form.get_by_label("Date").fill(yesterday.isoformat())
    form.get_by_label("Time (UTC)").fill("18:00")
    form.get_by_label("Value").fill("1480")
    form.get_by_role("button", name="Add sample").click()
    expect(page.locator(".messages")).to_contain_text(f"Added 1,480 users at {yesterday.isoformat()} 18:00 UTC")
    expect(page.get_by_role("row", name=re.compile(f"{yesterday.isoformat()} 18:00:00"))).to_be_visible()
    expect(page.locator(".metric-big")).to_have_text("1,480 users")

    # A CSV with an error: nothing imported, the line is named beside the file field.
    bad = tmp_path / "bad.csv"
    bad.write_text("ts,value\n2025-03-01,10\n2025-03-02T10:00,11\n2025-03-03,abc\n", encoding="utf-8")
    page.get_by_label("CSV file", exact=True).set_input_files(str(bad))
    page.get_by_role("button", name="Upload").click()
    errors = page.locator(".field-invalid .errorlist")
    expect(errors).to_contain_text("Line 3: This time has no time zone")
    expect(errors).to_contain_text("Line 4: “abc” is not a number")
    shot(web, page, "metrics-03-csv-errors")
    assert MetricSample.objects.filter(metric=metric).count() == 1

    # The real file, through the file input.
    page.get_by_label("CSV file", exact=True).set_input_files(str(_csv(tmp_path / "dau.csv")))
    page.get_by_role("button", name="Upload").click()
    expect(page.locator(".messages")).to_contain_text("Imported 60 samples from dau.csv")
    assert MetricSample.objects.filter(metric=metric).count() == 61
    chart = page.locator("figure.metric-chart-big .chart-wide svg")
    expect(chart).to_be_visible()
    expect(chart.locator("path.chart-line")).to_have_count(1)
    expect(chart).to_have_attribute("aria-label", re.compile(r"Daily active users, by day, .* latest"))
    shot(web, page, "metrics-04-metric-page")

    # Switch to weeks (htmx swaps the chart part; the address follows).
    page.get_by_role("navigation", name="Period").get_by_role("link", name="Week").click()
    expect(page).to_have_url(re.compile(r"\?period=week$"))
    expect(page.get_by_role("heading", name=re.compile("^By week"))).to_be_visible()
    expect(page.locator(".metric-latest-card h2")).to_have_text("Latest week")
    shot(web, page, "metrics-05-by-week")

    # The dashboard draws it too.
    page.get_by_role("navigation", name="Sections").get_by_role("link", name="Metrics").click()
    card = page.locator(".metric-card", has_text="Daily active users")
    expect(card.locator("svg path.chart-line")).to_have_count(1)
    page.get_by_role("group", name="Period").get_by_text("Month").click()
    expect(page).to_have_url(re.compile(r"period=month"))
    expect(page.locator(".metric-range")).to_contain_text("by month")
    shot(web, page, "metrics-06-dashboard-month")


@pytest.mark.worker
def test_rollup_pending_note_polls_until_the_worker_has_run(web, signed_in, team, product, celery_worker):
    metric = services.metric_create(actor=team.actor(), product=product, name="Sign-ups", unit="users")
    # History rolled up here (through the services the task would be queued now, and the worker
    # could take today's day off the queue before the page is looked at).
    MetricSample.objects.bulk_create(
        MetricSample(
            metric=metric,
            ts=dt.datetime.combine(_today(), dt.time(), tzinfo=UTC) - dt.timedelta(days=n),
            value=40 + n % 5,
        )
        for n in range(1, 30)
    )
    rollups.metric_rollup_rebuild(metric.pk)
    # Samples stored, their day queued, the task not sent yet: what a page sees before the worker runs.
    today = dt.datetime.combine(_today(), dt.time(9), tzinfo=UTC)
    MetricSample.objects.create(metric=metric, ts=today, value=75)
    rollups.mark_days_dirty(metric.pk, [today.date()])

    page = signed_in(team.viewer)
    page.goto(f"/w/acme/metrics/{metric.pk}/")
    note = page.locator(".rollup-note")
    expect(note).to_contain_text("Rollup pending…")
    shot(web, page, "metrics-07-rollup-pending")

    from strategy.tasks import metrics_rollup

    metrics_rollup.delay()  # the worker takes it from Redis; the page polls every 2 s
    expect(note).to_have_count(0, timeout=20_000)
    # Today is a running day of a sum: shown as "so far" beside yesterday's whole day.
    expect(page.locator(".metric-running")).to_contain_text("Today so far: 75 users")
    assert not MetricDirtyDay.objects.filter(metric=metric).exists()
    assert MetricRollup.objects.get(metric=metric, period="day", bucket=_today()).value == 75
    shot(web, page, "metrics-08-rollup-done")


def test_dashboard_for_a_viewer_on_a_phone(web, signed_in, team, product):
    other = ProductFactory(workspace=team.workspace, name="Beacon Mobile", slug="beacon")
    actor = team.actor()
    for prod, name, unit, direction, base in (
        (product, "Weekly active users", "users", "up", 5200),
        (product, "Churn", "%", "down", 4.2),
        (other, "Crash-free sessions", "%", "up", 99.1),
        (other, "Median latency", "ms", "down", 180),
    ):
        m = services.metric_create(
            actor=actor, product=prod, name=name, unit=unit, direction=direction, aggregation="average"
        )
        services.samples_add(
            actor=actor,
            metric=m,
            samples=[
                ((_today() - dt.timedelta(days=n)).isoformat(), base * (1 + ((n * 37) % 11 - 5) / 100 - n / 900))
                for n in range(0, 90)
            ],
        )
    rollups.rollup_pending()
    page = signed_in(team.viewer)
    page.goto("/w/acme/metrics/?period=week")
    expect(page.locator(".metric-card")).to_have_count(4)
    expect(page.get_by_role("link", name="New metric")).to_have_count(0)
    shot(web, page, "metrics-09-dashboard-desktop")

    phone = signed_in(team.viewer, viewport=PHONE)
    phone.goto("/w/acme/metrics/?product=beacon")
    expect(phone.locator(".metric-card")).to_have_count(2)
    width = phone.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"the dashboard scrolls sideways on a phone ({width}px)"
    shot(web, phone, "metrics-10-dashboard-phone")
    phone.get_by_role("link", name="Median latency").click()
    expect(phone.locator("figure.metric-chart-big .chart-narrow svg")).to_be_visible()
    expect(phone.locator("figure.metric-chart-big .chart-wide svg")).to_be_hidden()
    width = phone.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"the metric page scrolls sideways on a phone ({width}px)"
    shot(web, phone, "metrics-11-metric-phone")


def _tickets(team, product) -> Metric:
    """A sum metric: about 25 tickets a day for twelve weeks, and the running week so far."""
    metric = services.metric_create(actor=team.actor(), product=product, name="Support tickets", unit="tickets")
    today = _today()
    start = today - dt.timedelta(days=today.weekday()) - dt.timedelta(weeks=12)
    samples = [
        (dt.datetime.combine(start + dt.timedelta(days=n), dt.time(10), tzinfo=UTC), 20 + (n * 7) % 11)
        for n in range((today - start).days + 1)
    ]
    MetricSample.objects.bulk_create(MetricSample(metric=metric, ts=ts, value=v) for ts, v in samples)
    rollups.metric_rollup_rebuild(metric.pk)
    return metric


def test_the_running_week_is_drawn_apart_and_not_compared(web, signed_in, team, product):
    metric = _tickets(team, product)
    page = signed_in(team.viewer)
    page.goto(f"/w/acme/metrics/{metric.pk}/?period=week")
    card = page.locator(".metric-latest-card")
    expect(card.locator("h2")).to_have_text("Last whole week")
    expect(card.locator(".metric-running")).to_contain_text("This week so far:")
    expect(card.locator(".metric-delta")).to_contain_text("vs")
    chart = page.locator("figure.metric-chart-big .chart-wide svg")
    expect(chart.locator("path.chart-line-partial")).to_have_count(1)
    expect(chart.locator("circle.chart-last-partial")).to_have_count(1)
    expect(chart.locator("text.chart-last-label")).to_contain_text("so far")
    # The label sits right of the last point: its box starts after every point of the line.
    label_box = chart.locator("text.chart-last-label").bounding_box()
    point_box = chart.locator("circle.chart-last").bounding_box()
    assert label_box["x"] > point_box["x"] + point_box["width"] - 1
    svg_box = chart.bounding_box()
    assert label_box["x"] + label_box["width"] <= svg_box["x"] + svg_box["width"] + 1
    shot(web, page, "metrics-20-running-week")

    page.goto("/w/acme/metrics/?period=week")
    card = page.locator(".metric-card", has_text="Support tickets")
    expect(card.locator(".metric-partial")).to_contain_text("this week so far:")
    expect(card.locator("svg path.chart-line-partial")).to_have_count(1)
    shot(web, page, "metrics-21-dashboard-running-week")


def test_select_samples_and_delete_them_at_once(web, signed_in, team, product):
    metric = _tickets(team, product)
    total = MetricSample.objects.filter(metric=metric).count()
    page = signed_in(team.editor)
    page.goto(f"/w/acme/metrics/{metric.pk}/#samples")
    rows = page.locator(".samples-table tbody tr")
    expect(rows).to_have_count(25)
    height = page.locator("#samples").bounding_box()["height"]
    assert height < 1400, height  # compact rows (it was about 4,500 px for 50 rows with a button each)
    page.locator(".samples-table tbody tr").nth(0).get_by_role("checkbox").check()
    page.locator(".samples-table tbody tr").nth(1).get_by_role("checkbox").check()
    shot(web, page, "metrics-22-samples-selected")
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Delete selected").click()
    expect(page.locator(".messages")).to_contain_text("Deleted 2 samples.")
    assert MetricSample.objects.filter(metric=metric).count() == total - 2
    # Select all on the page.
    page.get_by_label("Select all samples on this page").check()
    expect(page.locator('.samples-table tbody input[name="sample"]:checked')).to_have_count(25)
    page.goto(f"/w/acme/metrics/{metric.pk}/?period=year&from=notadate")
    notice = page.get_by_role("alert").filter(has_text="could not be used")
    expect(notice).to_contain_text("period=year")
    expect(notice).to_contain_text("from=notadate")
    shot(web, page, "metrics-23-bad-parameters")
