"""Metric pages: dashboard, metric page (chart, latest value, samples, forms, polling), create/edit/
delete, sample deletion, CSV upload errors beside the file field."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from pmtool.models import ActivityEvent
from strategy import rollups
from strategy.models import Goal, KeyResult, Metric, MetricDirtyDay, MetricSample
from strategy.services import metrics as services
from tests.factories import ProductFactory

pytestmark = [pytest.mark.django_db, pytest.mark.postgres]

UTC = dt.UTC


def page(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def days_ago(n: int) -> str:
    return (dt.datetime.now(UTC).date() - dt.timedelta(days=n)).isoformat()


@pytest.fixture
def metric(team: Any, product: Any) -> Metric:
    return services.metric_create(
        actor=team.actor(), product=product, name="Sign-ups", unit="users", description="From **the app**."
    )


@pytest.fixture
def with_data(team: Any, metric: Metric) -> Metric:
    services.samples_add(actor=team.actor(), metric=metric, samples=[(days_ago(n), 100 - n) for n in range(10)])
    rollups.rollup_pending()
    return metric


def url(metric: Metric, suffix: str = "") -> str:
    return f"/w/acme/metrics/{metric.pk}/{suffix}"


# --- dashboard ----------------------------------------------------------------------------


def test_dashboard_without_products_says_create_one(team: Any) -> None:
    response = page(team.editor).get("/w/acme/metrics/")
    assert response.status_code == 200
    assert "No products yet" in response.content.decode()


def test_dashboard_without_metrics_invites_to_create_one(team: Any, product: Any) -> None:
    body = page(team.editor).get("/w/acme/metrics/").content.decode()
    assert "No metrics yet" in body
    assert "/w/acme/metrics/new/" in body
    viewer = page(team.viewer).get("/w/acme/metrics/").content.decode()
    assert "Editors and admins can create metrics." in viewer
    assert "/w/acme/metrics/new/" not in viewer


def test_dashboard_shows_a_chart_card_per_metric(team: Any, product: Any, with_data: Metric) -> None:
    other = ProductFactory(workspace=team.workspace, name="Beacon", slug="beacon")
    services.metric_create(actor=team.actor(), product=other, name="Churn", direction="down")
    response = page(team.viewer).get("/w/acme/metrics/")
    body = response.content.decode()
    assert response.status_code == 200
    assert response.context["nav_active"] == "metrics"
    assert body.count('class="card metric-card"') == 2
    assert body.count("<svg") == 2
    assert "100 users" in body  # the latest day's value
    assert "delta-good" in body  # 99 → 100, higher is better
    assert 'aria-current="page"' in body and 'class="nav-metrics"' in body
    # Filter by product, by week.
    filtered = page(team.viewer).get("/w/acme/metrics/?product=beacon&period=week")
    assert [c["metric"].name for c in filtered.context["cards"]] == ["Churn"]
    assert filtered.context["period"] == "week"


def test_dashboard_htmx_returns_the_grid_and_polls_only_while_pending(team: Any, with_data: Metric) -> None:
    client = page(team.viewer)
    response = client.get("/w/acme/metrics/?period=month", HTTP_HX_REQUEST="true")
    body = response.content.decode()
    assert body.lstrip().startswith('<div id="metric-grid"')
    assert "<html" not in body
    assert 'hx-trigger="every 2s"' not in body
    services.samples_add(actor=team.actor(), metric=with_data, samples=[(days_ago(0), 5)])
    body = client.get("/w/acme/metrics/", HTTP_HX_REQUEST="true").content.decode()
    assert 'hx-trigger="every 2s"' in body
    assert "Rollup pending" in body


def test_dashboard_names_bad_filters_and_shows_the_defaults(team: Any, with_data: Metric) -> None:
    response = page(team.viewer).get("/w/acme/metrics/?product=nope&period=year&page=abc")
    assert response.status_code == 400
    assert response.context["period"] == "day"
    assert len(response.context["cards"]) == 1
    notice = re.search(r'<div class="query-errors" role="alert">(.*?)</div>', response.content.decode(), re.S)
    assert notice, "no visible notice"
    assert "period=year" in notice.group(1) and "day, week, month" in notice.group(1)
    assert "product=nope" in notice.group(1)
    assert page(team.viewer).get("/w/acme/metrics/?period=week&page=abc").status_code == 200


# --- the metric page ------------------------------------------------------------------------


def test_metric_page(team: Any, with_data: Metric) -> None:
    goal = Goal.objects.create(workspace=team.workspace, title="Grow the funnel")
    KeyResult.objects.create(goal=goal, title="200 sign-ups a day", metric=with_data, metric_period="day", target=200)
    response = page(team.viewer).get(url(with_data))
    body = response.content.decode()
    assert response.status_code == 200
    assert "<strong>the app</strong>" in body  # Markdown description
    assert '<svg xmlns="http://www.w3.org/2000/svg"' in body
    assert 'class="visually-hidden"><caption>Sign-ups: data</caption>' in body
    assert "100 users" in body and "delta-good" in body
    assert "200 sign-ups a day" in body and "Grow the funnel" in body
    samples = response.context["samples"]
    assert [s.value for s in samples] == [100 - n for n in range(10)]  # newest first
    assert "Rollup pending" not in body
    assert 'hx-trigger="every 2s"' not in body
    # A viewer sees no forms and no delete buttons.
    assert "Add a sample" not in body and "Delete a range" not in body
    editor = page(team.editor).get(url(with_data)).content.decode()
    assert "Add a sample" in editor and "Upload a CSV file" in editor and "Delete a range" in editor


def test_a_lower_is_better_metric_shows_a_rise_in_red(team: Any, product: Any) -> None:
    metric = services.metric_create(actor=team.actor(), product=product, name="Latency", unit="ms", direction="down")
    services.samples_add(actor=team.actor(), metric=metric, samples=[(days_ago(2), 100), (days_ago(1), 120)])
    rollups.rollup_pending()
    response = page(team.viewer).get(url(metric))
    latest = response.context["latest"]
    assert (latest.value, latest.previous, latest.change, latest.good) == (120, 100, 20, False)
    assert "delta-bad" in response.content.decode()
    assert "worse" in response.content.decode()


def _weeks(team: Any, product: Any, aggregation: str = "sum") -> Metric:
    """Two whole weeks (170, 179 tickets) and the running week with 27 so far."""
    metric = services.metric_create(
        actor=team.actor(), product=product, name="Tickets", unit="tickets", aggregation=aggregation
    )
    today = dt.datetime.now(UTC).date()
    monday = today - dt.timedelta(days=today.weekday())
    samples = [
        ((monday - dt.timedelta(weeks=2)).isoformat(), 170),
        ((monday - dt.timedelta(weeks=1)).isoformat(), 179),
        (today.isoformat(), 27),
    ]
    services.samples_add(actor=team.actor(), metric=metric, samples=samples)
    rollups.rollup_pending()
    return metric


def test_the_running_week_of_a_total_is_never_compared_with_a_whole_one(team: Any, product: Any) -> None:
    metric = _weeks(team, product)
    response = page(team.viewer).get(url(metric) + "?period=week")
    latest = response.context["latest"]
    assert (latest.value, latest.previous, latest.change, latest.good) == (179, 170, 9, True)
    assert latest.running.value == 27
    body = response.content.decode()
    assert "Last whole week" in body
    assert "This week so far: <strong>27 tickets</strong>" in body
    assert "▼" not in body and "−152" not in body
    assert 'class="chart-line-partial"' in body
    dashboard = page(team.viewer).get("/w/acme/metrics/?period=week")
    card = dashboard.context["cards"][0]["latest"]
    assert (card.value, card.change, card.running.value) == (179, 9, 27)
    html = dashboard.content.decode()
    assert "this week so far: 27 tickets" in html and "▲ +9" in html


def test_only_the_running_bucket_of_a_total_is_shown_uncompared(team: Any, product: Any) -> None:
    metric = services.metric_create(actor=team.actor(), product=product, name="New", unit="tickets")
    services.sample_add(actor=team.actor(), metric=metric, ts=days_ago(0), value=5)
    rollups.rollup_pending()
    response = page(team.viewer).get(url(metric))
    latest = response.context["latest"]
    assert (latest.value, latest.partial, latest.change) == (5, True, None)
    assert "Today so far" in response.content.decode()


def test_an_average_reads_its_running_bucket_as_key_results_do(team: Any, product: Any) -> None:
    metric = _weeks(team, product, aggregation="average")
    latest = page(team.viewer).get(url(metric) + "?period=week").context["latest"]
    assert (latest.value, latest.previous, latest.running, latest.partial) == (27, 179, None, False)


def test_metric_page_polls_while_the_rollup_is_pending(team: Any, with_data: Metric) -> None:
    client = page(team.viewer)
    services.samples_add(actor=team.actor(), metric=with_data, samples=[(days_ago(0), 5000)])
    body = client.get(url(with_data) + "?period=week").content.decode()
    assert "Rollup pending" in body
    match = re.search(r'id="metric-live"[^>]*hx-get="([^"]+)" hx-trigger="every 2s"', body)
    assert match and match.group(1) == f"/w/acme/metrics/{with_data.pk}/chart/?period=week"
    partial = client.get(match.group(1), HTTP_HX_REQUEST="true")
    assert partial.status_code == 200
    assert partial.content.decode().lstrip().startswith('<div id="metric-live"')
    assert "every 2s" in partial.content.decode()
    rollups.rollup_pending()
    done = client.get(match.group(1), HTTP_HX_REQUEST="true").content.decode()
    assert "every 2s" not in done and "Rollup pending" not in done
    assert "5k users" in done or "5,000" in done or "5.0k" in done


@pytest.mark.parametrize(
    ("query", "period", "count"),
    [("?period=week", "week", 26), ("?period=month", "month", 24), ("", "day", 90)],
)
def test_chart_range_defaults(team: Any, with_data: Metric, query: str, period: str, count: int) -> None:
    response = page(team.viewer).get(url(with_data, "chart/") + query)
    context = response.context
    assert context["period"] == period
    from strategy.selectors.metrics import shift

    assert shift(context["first"], period, count - 1) == context["last"]


def test_chart_range_and_bad_range(team: Any, with_data: Metric) -> None:
    client = page(team.viewer)
    response = client.get(url(with_data) + f"?period=day&start={days_ago(3)}&end={days_ago(1)}")
    assert response.status_code == 200
    assert response.context["bucket_count"] == 3
    bad = client.get(url(with_data) + "?start=2025-02-30&end=x&period=year")
    assert bad.status_code == 400
    assert bad.context["range_form"].errors
    assert "<svg" in bad.content.decode()  # the default chart is still drawn
    notice = re.search(r'<div class="query-errors" role="alert">(.*?)</div>', bad.content.decode(), re.S)
    assert notice and all(f"{name}=" in notice.group(1) for name in ("start", "end", "period"))


@pytest.mark.parametrize(("query", "name"), [("from=notadate", "from"), ("period=year", "period"), ("to=x", "to")])
def test_a_bad_chart_parameter_is_named_above_the_chart(team: Any, with_data: Metric, query: str, name: str) -> None:
    client = page(team.viewer)
    for target in (url(with_data), url(with_data, "chart/")):
        response = client.get(f"{target}?{query}")
        assert response.status_code == 400
        notice = re.search(r'<div class="query-errors" role="alert">(.*?)</div>', response.content.decode(), re.S)
        assert notice, "no visible notice"
        assert f"<code>{query}</code>" in notice.group(1)
    ok = client.get(url(with_data) + f"?from={days_ago(3)}&to={days_ago(1)}")  # the API's names work too
    assert ok.status_code == 200 and ok.context["bucket_count"] == 3
    reversed_range = client.get(url(with_data, "chart/") + "?start=2025-03-10&end=2025-03-01")
    assert reversed_range.status_code == 400


def test_samples_are_paged_by_time(team: Any, metric: Metric) -> None:
    start = dt.datetime(2025, 1, 1, tzinfo=UTC)
    services.samples_add(
        actor=team.actor(), metric=metric, samples=[(start + dt.timedelta(hours=h), h) for h in range(60)]
    )
    client = page(team.viewer)
    first = client.get(url(metric))
    assert [s.value for s in first.context["samples"]][:2] == [59, 58]
    assert len(first.context["samples"]) == 25
    assert first.context["newer_url"] == ""
    second = client.get(url(metric) + first.context["older_url"].split("#")[0])
    assert second.context["samples"][0].value == 34
    third = client.get(url(metric) + second.context["older_url"].split("#")[0])
    assert [s.value for s in third.context["samples"]] == list(range(9, -1, -1))
    assert third.context["older_url"] == ""
    back = client.get(url(metric) + third.context["newer_url"].split("#")[0])
    assert back.context["samples"][0].value == 34
    assert client.get(url(metric) + "?before=garbage").status_code == 200


def test_pages_of_another_workspace_are_404(team: Any, metric: Metric) -> None:
    assert page(team.outsider).get(url(metric)).status_code == 404
    assert page(team.outsider).get("/w/other/metrics/" + str(metric.pk) + "/").status_code == 404


# --- adding samples -----------------------------------------------------------------------


def test_add_a_sample_by_hand(team: Any, metric: Metric) -> None:
    client = page(team.editor)
    response = client.post(url(metric, "samples/add/"), {"date": "2025-03-01", "time": "09:30", "value": "42.5"})
    assert response.status_code == 302
    assert response["Location"] == url(metric)
    sample = MetricSample.objects.get(metric=metric)
    assert (sample.ts, sample.value) == (dt.datetime(2025, 3, 1, 9, 30, tzinfo=UTC), 42.5)
    assert MetricDirtyDay.objects.filter(metric=metric).exists()
    event = ActivityEvent.objects.get(action="samples_added")
    assert event.changes["source"]["to"] == "form"
    followed = client.get(url(metric))
    assert "Added 42.5 users at 2025-03-01 09:30 UTC" in followed.content.decode()
    assert "Rollup pending" in followed.content.decode()


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"date": "", "value": "1"}, "date"),
        ({"date": "2025-02-30", "value": "1"}, "date"),
        ({"date": "2025-03-01", "value": ""}, "value"),
        ({"date": "2025-03-01", "value": "abc"}, "value"),
        ({"date": "2025-03-01", "value": "inf"}, "value"),
        ({"date": "2025-03-01", "value": "nan"}, "value"),
        ({"date": "2025-03-01", "time": "25:00", "value": "1"}, "time"),
        ({"date": "1800-01-01", "value": "1"}, "date"),
    ],
)
def test_add_a_sample_errors_are_shown_beside_the_field(team: Any, metric: Metric, data: dict, field: str) -> None:
    response = page(team.editor).post(url(metric, "samples/add/"), data)
    assert response.status_code == 400
    assert response.context["sample_form"].errors[field]
    assert 'class="field field-invalid' in response.content.decode()
    assert not MetricSample.objects.exists()


def test_upload_a_csv_file(team: Any, metric: Metric) -> None:
    upload = SimpleUploadedFile("signups.csv", b"ts,value\n2025-03-01,1\n2025-03-02,2\n2025-03-02,3\n", "text/csv")
    client = page(team.editor)
    response = client.post(url(metric, "samples/upload/"), {"file": upload})
    assert response.status_code == 302
    assert dict(MetricSample.objects.values_list("ts__day", "value")) == {1: 1.0, 2: 3.0}
    body = client.get(url(metric)).content.decode()
    assert "Imported 2 samples from signups.csv, 2025-03-01 to 2025-03-02" in body
    assert "1 repeated times" in body or "(1 repeated times" in body


def test_upload_errors_list_their_lines_beside_the_file_field(team: Any, metric: Metric) -> None:
    upload = SimpleUploadedFile("bad.csv", b"ts,value\n2025-03-01,1\n2025-03-02T10:00,2\nx,y\n", "text/csv")
    response = page(team.editor).post(url(metric, "samples/upload/"), {"file": upload})
    assert response.status_code == 400
    errors = response.context["upload_form"].errors["file"]
    assert errors[0].startswith("Line 3: This time has no time zone")
    assert errors[1].startswith("Line 4:")
    body = response.content.decode()
    assert "Line 3: This time has no time zone" in body
    assert not MetricSample.objects.exists()


def test_upload_without_a_file(team: Any, metric: Metric) -> None:
    response = page(team.editor).post(url(metric, "samples/upload/"), {})
    assert response.status_code == 400
    assert response.context["upload_form"].errors["file"]


# --- deleting samples -------------------------------------------------------------------------


def test_delete_one_sample(team: Any, metric: Metric) -> None:
    sample = services.sample_add(actor=team.actor(), metric=metric, ts="2025-03-01", value=1)
    MetricDirtyDay.objects.all().delete()
    response = page(team.editor).post(url(metric, f"samples/{sample.pk}/delete/"))
    assert response.status_code == 302
    assert response["Location"] == url(metric) + "#samples"
    assert not MetricSample.objects.exists()
    assert MetricDirtyDay.objects.filter(metric=metric, day=dt.date(2025, 3, 1)).exists()
    assert page(team.editor).post(url(metric, f"samples/{sample.pk}/delete/")).status_code == 404


def test_the_samples_table_is_compact_with_one_delete_for_the_selected_rows(team: Any, metric: Metric) -> None:
    start = dt.datetime(2025, 3, 1, tzinfo=UTC)
    services.samples_add(
        actor=team.actor(), metric=metric, samples=[(start + dt.timedelta(hours=h), h) for h in range(60)]
    )
    body = page(team.editor).get(url(metric)).content.decode()
    table = body[body.index('id="samples"') :]
    assert table.count('name="sample"') == 25  # one page, a checkbox per row
    assert table.count("Delete selected") == 1
    assert 'button-danger button-small">Delete<' not in table  # no button per row
    viewer = page(team.viewer).get(url(metric)).content.decode()
    assert 'name="sample"' not in viewer and "Delete selected" not in viewer


def test_delete_the_selected_samples(team: Any, metric: Metric) -> None:
    pairs = [("2025-03-01T09:00:00Z", 1), ("2025-03-02T09:00:00Z", 2), ("2025-03-03T09:00:00Z", 3)]
    services.samples_add(actor=team.actor(), metric=metric, samples=pairs)
    rollups.rollup_pending()
    ids = list(MetricSample.objects.filter(metric=metric).order_by("ts").values_list("pk", flat=True))
    client = page(team.editor)
    response = client.post(
        url(metric, "samples/delete-selected/"), {"sample": [ids[0], ids[2]], "back": "?period=week"}
    )
    assert response.status_code == 302
    assert response["Location"] == url(metric) + "?period=week#samples"
    assert list(MetricSample.objects.filter(metric=metric).values_list("value", flat=True)) == [2.0]
    assert sorted(MetricDirtyDay.objects.filter(metric=metric).values_list("day", flat=True)) == [
        dt.date(2025, 3, 1),
        dt.date(2025, 3, 3),
    ]
    event = ActivityEvent.objects.filter(action="samples_deleted").latest("id")
    assert event.changes["count"]["from"] == 2
    # Nothing selected, or ids of another metric: nothing deleted, the reason shown.
    other = services.metric_create(actor=team.actor(), product=metric.product, name="Other")
    theirs = services.sample_add(actor=team.actor(), metric=other, ts="2025-03-01", value=9)
    for data in ({}, {"sample": [theirs.pk]}, {"sample": ["abc", "9" * 40]}, {"back": "//evil.example"}):
        response = client.post(url(metric, "samples/delete-selected/"), data, follow=True)
        assert response.status_code == 200
        assert response.redirect_chain[-1][0].startswith(url(metric))
        assert MetricSample.objects.count() == 2
        assert "Select the samples" in response.content.decode() or "gone already" in response.content.decode()


def test_delete_a_range_counts_then_deletes(team: Any, metric: Metric) -> None:
    services.samples_add(
        actor=team.actor(),
        metric=metric,
        samples=[("2025-03-01T23:59:59Z", 1), ("2025-03-02T00:00:00Z", 2), ("2025-03-03T12:00:00Z", 3)],
    )
    client = page(team.editor)
    form = client.get(url(metric, "samples/delete/"))
    assert form.status_code == 200 and form.context["count"] is None
    counted = client.get(url(metric, "samples/delete/") + "?start=2025-03-02&end=2025-03-03")
    assert counted.context["count"] == 2
    assert "Delete 2 samples" in counted.content.decode()
    assert MetricSample.objects.count() == 3  # GET deletes nothing
    done = client.post(url(metric, "samples/delete/"), {"start": "2025-03-02", "end": "2025-03-03"})
    assert done.status_code == 302
    assert list(MetricSample.objects.values_list("value", flat=True)) == [1.0]
    bad = client.post(url(metric, "samples/delete/"), {"start": "2025-03-03", "end": "2025-03-01"})
    assert bad.status_code == 400
    assert bad.context["form"].errors["end"]


# --- create, edit, delete ----------------------------------------------------------------------


def test_create_a_metric(team: Any, product: Any) -> None:
    client = page(team.editor)
    form = client.get("/w/acme/metrics/new/?product=atlas")
    assert form.context["form"]["product"].value() == "atlas"
    response = client.post(
        "/w/acme/metrics/new/",
        {"product": "atlas", "name": "Activation", "unit": "%", "direction": "up", "aggregation": "average"},
    )
    metric = Metric.objects.get(name="Activation")
    assert response.status_code == 302
    assert response["Location"] == url(metric)
    assert (metric.unit, metric.aggregation, metric.created_by_id) == ("%", "average", team.editor.pk)


def test_create_errors(team: Any, product: Any, metric: Metric) -> None:
    client = page(team.editor)
    taken = client.post(
        "/w/acme/metrics/new/", {"product": "atlas", "name": "sign-ups", "direction": "up", "aggregation": "sum"}
    )
    assert taken.status_code == 400
    assert taken.context["form"].errors["name"] == [services._NAME_TAKEN]
    bad = client.post("/w/acme/metrics/new/", {"product": "theirs", "name": "", "direction": "x", "aggregation": "x"})
    assert bad.status_code == 400
    assert set(bad.context["form"].errors) == {"product", "name", "direction", "aggregation"}


def test_create_without_products(team: Any) -> None:
    response = page(team.editor).get("/w/acme/metrics/new/")
    assert "Create a product first" in response.content.decode()


def test_edit_a_metric_and_the_conflict_panel(team: Any, metric: Metric) -> None:
    client = page(team.editor)
    form = client.get(url(metric, "edit/"))
    assert "product" not in form.context["form"].fields
    data = {"name": "Sign-ups (web)", "unit": "users", "direction": "up", "aggregation": "sum", "version": "1"}
    assert client.post(url(metric, "edit/"), data).status_code == 302
    metric.refresh_from_db()
    assert (metric.name, metric.version) == ("Sign-ups (web)", 2)
    stale = client.post(url(metric, "edit/"), {**data, "name": "Mine", "version": "1"})
    assert stale.status_code == 409
    body = stale.content.decode()
    assert "Someone else saved this metric" in body
    assert str(stale.context["form"].data["version"]) == "2"
    assert client.post(url(metric, "edit/"), {**stale.context["form"].data.dict(), "version": "2"}).status_code == 302
    metric.refresh_from_db()
    assert metric.name == "Mine"


def test_delete_a_metric_asks_first(team: Any, metric: Metric) -> None:
    client = page(team.editor)
    confirm = client.get(url(metric, "delete/"))
    assert confirm.status_code == 200
    assert "This cannot be undone" in confirm.content.decode()
    assert Metric.objects.filter(pk=metric.pk).exists()
    assert 'name="version" value="1"' in confirm.content.decode()  # the version the user sees is posted
    response = client.post(url(metric, "delete/"), {"version": "1"})
    assert response.status_code == 302
    assert response["Location"] == "/w/acme/metrics/?product=atlas"
    assert not Metric.objects.filter(pk=metric.pk).exists()


def test_deleting_a_metric_needs_the_version_you_saw(team: Any, metric: Metric) -> None:
    client = page(team.editor)
    missing = client.post(url(metric, "delete/"))
    assert missing.status_code == 400
    assert "sent without the version you opened" in missing.content.decode()
    services.metric_update(actor=team.actor(), metric=metric, version=1, name="Sign-ups (all)")
    stale = client.post(url(metric, "delete/"), {"version": "1"})
    assert stale.status_code == 409
    body = stale.content.decode()
    assert "Someone else changed this metric" in body and "Sign-ups (all)" in body
    assert 'name="version" value="2"' in body  # confirming again deletes what is there now
    assert Metric.objects.filter(pk=metric.pk, version=2).exists()
    assert client.post(url(metric, "delete/"), {"version": "2"}).status_code == 302
    assert not Metric.objects.filter(pk=metric.pk).exists()


def test_editing_needs_the_version_you_opened(team: Any, metric: Metric) -> None:
    data = {"name": "Sign-ups (web)", "unit": "users", "direction": "up", "aggregation": "sum"}
    response = page(team.editor).post(url(metric, "edit/"), data)
    assert response.status_code == 400
    assert "sent without the version you opened" in response.content.decode()
    assert Metric.objects.get(pk=metric.pk).name == "Sign-ups"


def test_viewers_cannot_write(team: Any, metric: Metric) -> None:
    client = page(team.viewer)
    for path, data in (
        ("samples/add/", {"date": "2025-03-01", "value": "1"}),
        ("edit/", {"name": "x"}),
        ("delete/", {}),
        ("samples/delete/", {"start": "2025-03-01", "end": "2025-03-02"}),
    ):
        assert client.post(url(metric, path), data).status_code == 403
    assert Metric.objects.get(pk=metric.pk).name == "Sign-ups"
    assert not MetricSample.objects.exists()
