"""The issue's whole story in one browser session, with a real Celery worker on Redis.

A product manager writes the vision, sets a goal with two key results (one bound to a metric),
creates an initiative serving it, uploads the metric's samples as CSV, and watches the metric
chart appear and the goal's progress move once the worker has rolled the samples up. Nothing
here runs a task in-process: the live server sends every task to the worker's queue.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

from strategy.models import Goal, Initiative, KeyResult, Metric, MetricRollup, Vision

pytestmark = [pytest.mark.browser, pytest.mark.worker]

WORKER_TIMEOUT = 30_000  # ms: the worker picks the task up, rolls up, recomputes the goal


def samples_csv(path: Path) -> Path:
    """Three weeks of a rising daily figure; the newest sample (today, 00:20 UTC) is 260."""
    today = dt.datetime.now(dt.UTC).date()
    rows = ["timestamp,value"]
    for n in range(21, 0, -1):
        day = today - dt.timedelta(days=n)
        rows.append(f"{day.isoformat()}T12:00:00Z,{150 + (21 - n) * 4}")
    rows += [f"{today.isoformat()}T00:10:00Z,255", f"{today.isoformat()}T00:20:00Z,260"]
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    return path


def test_vision_goal_key_results_initiative_csv_and_the_worker_moves_the_goal(
    web, signed_in, team, product, celery_worker, tmp_path
):
    page = signed_in(team.editor)

    # 1. The vision, from the product's strategy page.
    page.goto("/w/acme/products/atlas/strategy/")
    expect(page.get_by_text("No vision yet")).to_be_visible()
    page.get_by_role("link", name="write one").click()
    page.get_by_label("Vision statement").fill("Every field team plans its week **in minutes**.")
    page.get_by_label("Target customers").fill("- Dispatchers at field-service companies")
    page.get_by_label("Problem").fill("Plans live in spreadsheets that break when a job runs late.")
    page.get_by_label("Differentiation").fill("Re-plans the day live from the jobs' real progress.")
    page.get_by_label("Business model").fill("Per technician per month.")
    page.get_by_role("button", name="Save vision").click()
    expect(page.get_by_role("status")).to_contain_text("Vision saved (revision 1).")
    assert Vision.objects.get(product=product).version == 1

    # 2. The metric the first key result will be bound to (no samples yet).
    page.goto("/w/acme/metrics/new/?product=atlas")
    page.get_by_label("Name").fill("Weekly active teams")
    page.get_by_label("Unit").fill("teams")
    page.get_by_label("Aggregation").select_option("last")
    page.get_by_role("button", name="Create metric").click()
    expect(page.get_by_text("No samples yet.")).to_be_visible()
    metric = Metric.objects.get(product=product, name="Weekly active teams")
    metric_url = page.url

    # 3. A goal with two key results: measured and bound to the metric, and manual at 50 %.
    page.goto("/w/acme/products/atlas/strategy/")
    page.get_by_role("link", name="New goal").click()
    page.get_by_label("Title").fill("Make Atlas a weekly habit")
    page.get_by_role("button", name="Create goal").click()
    expect(page.get_by_role("heading", name="Make Atlas a weekly habit", level=1)).to_be_visible()
    goal = Goal.objects.get(title="Make Atlas a weekly habit")
    goal_url = page.url
    bar = page.get_by_role("progressbar", name="Progress of Make Atlas a weekly habit")

    form = page.locator("form.kr-form")
    form.get_by_label("Key result").fill("Weekly active teams")
    form.get_by_label("Baseline").fill("100")
    form.get_by_label("Target").fill("300")
    form.get_by_label("Bound metric").select_option(label="Weekly active teams (teams)")
    form.get_by_label("Period").select_option("week")
    form.get_by_role("button", name="Add key result").click()
    expect(page.get_by_role("row", name=re.compile("Weekly active teams"))).to_be_visible()

    page.get_by_text("Add a key result").click()
    form = page.locator("details.kr-add form.kr-form")
    form.get_by_label("Key result").fill("Onboarding checklist shipped")
    form.get_by_label("Manual percent").check()
    form.get_by_label("Percent done").fill("50")
    form.get_by_role("button", name="Add key result").click()
    expect(page.get_by_role("row", name=re.compile("Onboarding checklist shipped"))).to_contain_text("50% done")
    # The worker recomputes the goal: only the manual key result has a value so far.
    expect(bar).to_have_attribute("aria-valuenow", "50", timeout=WORKER_TIMEOUT)
    web.shot(page, "flow-01-goal-before-samples")
    assert KeyResult.objects.filter(goal=goal).count() == 2

    # 4. An initiative serving the goal.
    page.get_by_role("link", name="New initiative serving this goal").click()
    page.get_by_label("Title").fill("Guided onboarding")
    page.get_by_label("Status").select_option("active")
    page.get_by_role("button", name="Create initiative").click()
    expect(page.get_by_role("heading", name="Guided onboarding", level=1)).to_be_visible()
    assert list(Initiative.objects.get(title="Guided onboarding").goals.all()) == [goal]

    # 5. Upload the samples as CSV; the chart appears once the worker has rolled them up.
    page.goto(metric_url)
    expect(page.locator("figure.metric-chart-big path.chart-line")).to_have_count(0)
    page.get_by_label("CSV file", exact=True).set_input_files(str(samples_csv(tmp_path / "teams.csv")))
    page.get_by_role("button", name="Upload").click()
    expect(page.locator(".messages")).to_contain_text("Imported 23 samples from teams.csv")
    expect(page.locator(".rollup-note")).to_have_count(0, timeout=WORKER_TIMEOUT)
    expect(page.locator("figure.metric-chart-big .chart-wide svg path.chart-line")).to_have_count(1)
    web.shot(page, "flow-02-metric-chart-after-worker")
    assert MetricRollup.objects.filter(metric=metric, period="day").count() == 22

    # 6. The goal moved: the bound key result reads 260 → (260 − 100) / 200 = 80 %, the goal (80 + 50) / 2.
    page.goto(goal_url)
    expect(page.get_by_role("row", name=re.compile("Weekly active teams"))).to_contain_text("260")
    expect(bar).to_have_attribute("aria-valuenow", "65", timeout=WORKER_TIMEOUT)
    web.shot(page, "flow-03-goal-after-worker")

    # 7. And the product strategy page tells the story top-down.
    page.goto("/w/acme/products/atlas/strategy/")
    expect(page.get_by_text("Every field team plans its week")).to_be_visible()
    expect(page.get_by_role("progressbar", name="Progress of Make Atlas a weekly habit")).to_have_attribute(
        "aria-valuenow", "65"
    )
    expect(page.get_by_role("link", name="Guided onboarding")).to_be_visible()
    web.shot(page, "flow-04-product-strategy-page")
    goal.refresh_from_db()
    assert goal.progress == pytest.approx(65.0)
