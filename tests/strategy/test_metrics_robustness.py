"""Metric ingestion cannot be stopped by one tenant's data (issue 7.1), and extreme dates are
refused with a 400 naming the field (issue 7.3).

A "poisoned" day is made by inserting samples past the value bound directly (the API refuses
them now): their sum overflows a double, so the rollup's SUM fails on PostgreSQL."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from strategy import rollups, tasks
from strategy.models import Metric, MetricDirtyDay, MetricRollup, MetricRollupFailure, MetricSample
from strategy.services import metrics as services
from tests.conftest import wait_for
from tests.factories import ProductFactory
from tests.pmtool.test_api import assert_error

pytestmark = [pytest.mark.django_db, pytest.mark.postgres]

UTC = dt.UTC
OVERFLOW = {
    "samples": [{"ts": "2026-01-05T01:00:00Z", "value": 1.7e308}, {"ts": "2026-01-05T02:00:00Z", "value": 1.7e308}]
}


def api_client(user: Any) -> APIClient:
    c = APIClient()
    c.force_authenticate(user)
    return c


@pytest.fixture
def send(django_capture_on_commit_callbacks: Any) -> Any:
    """POST as `user` and run what the request queued on commit, as the embedded mode does."""

    def post(user: Any, url: str, body: Any, **kwargs: Any) -> Any:
        if "content_type" not in kwargs:
            kwargs.setdefault("format", "json")
        with django_capture_on_commit_callbacks(execute=True):
            return api_client(user).post(url, body, **kwargs)

    return post


@pytest.fixture
def metric(team: Any, product: Any) -> Metric:
    return services.metric_create(actor=team.actor(), product=product, name="Tickets", unit="tickets")


@pytest.fixture
def theirs(team: Any) -> Metric:
    """A metric of another workspace (the outsider's)."""
    other = ProductFactory(workspace=team.other_workspace, name="Theirs", slug="theirs")
    return services.metric_create(actor=team.actor("outsider"), product=other, name="Orders")


def poison(metric: Metric, day: str = "2026-01-05") -> None:
    """Two samples whose sum overflows, inserted past the service, and their day queued."""
    with transaction.atomic():
        MetricSample.objects.bulk_create(
            [
                MetricSample(metric=metric, ts=dt.datetime.fromisoformat(f"{day}T0{h}:00:00+00:00"), value=1.7e308)
                for h in (1, 2)
            ]
        )
        rollups.mark_days_dirty(metric.pk, [dt.date.fromisoformat(day)])


def nothing_stored(metric: Metric) -> bool:
    return not MetricSample.objects.filter(metric=metric).exists() and not MetricDirtyDay.objects.exists()


# --- (a) + (b): values are bounded; a refused request stores nothing ----------------------------


def test_the_overflowing_batch_is_refused_naming_the_bound_and_stores_nothing(
    send: Any, team: Any, metric: Metric
) -> None:
    response = send(team.editor, f"/api/v1/metrics/{metric.pk}/samples/", OVERFLOW, format="json")
    error = assert_error(response, 400, "invalid", ("samples.0.value", "samples.1.value"))
    assert "10^15" in error["fields"]["samples.0.value"][0]
    assert nothing_stored(metric)


@pytest.mark.parametrize(
    ("value", "ok"), [(1e15, True), (-1e15, True), (1.000001e15, False), (-2e15, False), (1.7e308, False)]
)
def test_one_sample_is_bounded_to_ten_to_the_fifteenth(
    send: Any, team: Any, metric: Metric, value: float, ok: bool
) -> None:
    response = send(
        team.editor, f"/api/v1/metrics/{metric.pk}/samples/", {"ts": "2026-01-05", "value": value}, format="json"
    )
    if ok:
        assert response.status_code == 201, response.content
        assert MetricRollup.objects.filter(metric=metric, period="day").get().value == value
    else:
        assert_error(response, 400, "invalid", ("value",))
        assert nothing_stored(metric)


def test_a_csv_with_an_out_of_range_value_stores_nothing(send: Any, team: Any, metric: Metric) -> None:
    response = send(
        team.editor,
        f"/api/v1/metrics/{metric.pk}/samples/upload/",
        "ts,value\n2026-01-05T01:00:00Z,1e308\n2026-01-05T02:00:00Z,1e308\n",
        content_type="text/csv",
    )
    error = assert_error(response, 400, "invalid", ("file",))
    assert any("10^15" in line for line in error["fields"]["file"])
    assert nothing_stored(metric)


def test_the_pages_refuse_out_of_range_values_and_store_nothing(
    team: Any, metric: Metric, client: Any, django_capture_on_commit_callbacks: Any
) -> None:
    client.force_login(team.editor)
    base = {"ws": team.workspace.slug, "metric_id": metric.pk}
    with django_capture_on_commit_callbacks(execute=True):
        page = client.post(
            reverse("strategy:metric_sample_add", kwargs=base), {"date": "2026-01-05", "value": "1.7e308"}
        )
    assert page.status_code == 400
    assert "10^15" in page.content.decode()
    upload = SimpleUploadedFile("x.csv", b"ts,value\n2026-01-05T01:00:00Z,1.7e308\n", content_type="text/csv")
    with django_capture_on_commit_callbacks(execute=True):
        page = client.post(reverse("strategy:metric_samples_upload", kwargs=base), {"file": upload})
    assert page.status_code == 400
    assert "10^15" in page.content.decode()
    assert nothing_stored(metric)


def test_the_schema_documents_the_bound(team: Any) -> None:
    response = api_client(team.editor).get("/api/v1/schema/", {"format": "json"})
    value = response.json()["components"]["schemas"]["SampleInputRequest"]["properties"]["value"]
    assert (value["minimum"], value["maximum"]) == (-1e15, 1e15)
    assert "10^15" in value["description"]


# --- (c) + (d): a failing day is set aside; every other day rolls up ---------------------------


def test_a_poisoned_day_does_not_stop_other_workspaces_ingestion(
    send: Any, team: Any, metric: Metric, theirs: Metric
) -> None:
    """The issue's story, in-process (embedded mode): before, this ingestion answered 400."""
    poison(metric)
    response = send(
        team.outsider,
        f"/api/v1/metrics/{theirs.pk}/samples/",
        {"samples": [{"ts": "2026-01-05T03:00:00Z", "value": 7}]},
        format="json",
    )
    assert response.status_code == 201, response.content
    assert MetricRollup.objects.get(metric=theirs, period="day").value == 7.0
    assert api_client(team.outsider).get(f"/api/v1/metrics/{theirs.pk}/").json()["pending"] is False
    failure = MetricRollupFailure.objects.get()
    assert (failure.metric_id, str(failure.day), failure.attempts) == (metric.pk, "2026-01-05", 1)
    assert "out of range" in failure.error
    assert not MetricDirtyDay.objects.exists()  # off the queue: it blocks nothing


def test_a_failing_batch_is_retried_per_metric_and_day(team: Any, metric: Metric, theirs: Metric, product: Any) -> None:
    fine = services.metric_create(actor=team.actor(), product=product, name="Fine")
    poison(metric, "2026-01-05")
    with transaction.atomic():
        MetricSample.objects.bulk_create(
            [
                MetricSample(metric=metric, ts=dt.datetime(2026, 1, 6, 9, tzinfo=UTC), value=3),
                MetricSample(metric=fine, ts=dt.datetime(2026, 1, 5, 9, tzinfo=UTC), value=4),
                MetricSample(metric=theirs, ts=dt.datetime(2026, 1, 5, 9, tzinfo=UTC), value=5),
            ]
        )
        rollups.mark_days_dirty(metric.pk, [dt.date(2026, 1, 6)])
        rollups.mark_days_dirty(fine.pk, [dt.date(2026, 1, 5)])
        rollups.mark_days_dirty(theirs.pk, [dt.date(2026, 1, 5)])
    assert rollups.rollup_pending() == 4
    days = dict(MetricRollup.objects.filter(period="day").values_list("metric_id", "value"))
    assert days == {metric.pk: 3.0, fine.pk: 4.0, theirs.pk: 5.0}  # the poisoned metric's other day too
    assert list(MetricRollupFailure.objects.values_list("metric_id", "day")) == [(metric.pk, dt.date(2026, 1, 5))]


def test_one_bad_day_among_many_is_found_by_halves(metric: Metric, django_assert_max_num_queries: Any) -> None:
    """64 days of one metric, one poisoned: the other 63 roll up, in a few dozen tries (bisection),
    not one try per day."""
    start = dt.datetime(2026, 1, 1, 9, tzinfo=UTC)
    with transaction.atomic():
        MetricSample.objects.bulk_create(
            MetricSample(metric=metric, ts=start + dt.timedelta(days=n), value=1) for n in range(64) if n != 40
        )
        rollups.mark_days_dirty(metric.pk, [(start + dt.timedelta(days=n)).date() for n in range(64)])
    poison(metric, (start + dt.timedelta(days=40)).date().isoformat())
    with django_assert_max_num_queries(300):  # one try per day would be about 900
        rollups.rollup_pending()
    assert MetricRollup.objects.filter(metric=metric, period="day").count() == 63
    assert list(MetricRollupFailure.objects.values_list("day", flat=True)) == [dt.date(2026, 2, 10)]


def test_a_set_aside_day_is_retried_with_backoff_and_cleared_once_fixed(metric: Metric) -> None:
    poison(metric)
    rollups.rollup_pending()
    failure = MetricRollupFailure.objects.get()
    assert failure.retry_at - failure.last_failed_at == dt.timedelta(minutes=1)
    rollups.rollup_pending()  # not due yet: not tried
    assert MetricRollupFailure.objects.get().attempts == 1

    later = timezone.now() + dt.timedelta(minutes=2)
    rollups.rollup_pending(now=later)
    failure = MetricRollupFailure.objects.get()
    assert failure.attempts == 2
    assert failure.retry_at - failure.last_failed_at == dt.timedelta(minutes=2)  # doubled

    MetricSample.objects.filter(metric=metric).update(value=1.0)  # the cause removed
    rollups.rollup_pending(now=later + dt.timedelta(minutes=3))
    assert not MetricRollupFailure.objects.exists()
    assert MetricRollup.objects.get(metric=metric, period="day").value == 2.0


def test_new_samples_of_a_set_aside_day_that_roll_up_clear_it(send: Any, team: Any, metric: Metric) -> None:
    poison(metric)
    rollups.rollup_pending()
    assert MetricRollupFailure.objects.exists()
    response = send(
        team.editor,
        f"/api/v1/metrics/{metric.pk}/samples/",
        {"samples": [{"ts": "2026-01-05T01:00:00Z", "value": 1}, {"ts": "2026-01-05T02:00:00Z", "value": 2}]},
        format="json",
    )
    assert response.status_code == 201
    assert not MetricRollupFailure.objects.exists()
    assert MetricRollup.objects.get(metric=metric, period="day").value == 3.0


def test_an_error_in_the_in_process_rollup_never_fails_the_request(
    send: Any, team: Any, metric: Metric, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Fault injection: whatever breaks inside the rollup, the samples are stored (201) and their
    day stays queued for the next run."""

    def broken(**_kwargs: Any) -> int:
        raise RuntimeError("the rollup broke")

    monkeypatch.setattr(rollups, "rollup_pending", broken)
    response = send(
        team.editor, f"/api/v1/metrics/{metric.pk}/samples/", {"ts": "2026-01-05", "value": 5}, format="json"
    )
    assert response.status_code == 201, response.content
    assert MetricSample.objects.filter(metric=metric).count() == 1
    assert MetricDirtyDay.objects.filter(metric=metric).exists()


# --- /healthz --------------------------------------------------------------------------------


def test_the_metric_page_shows_a_set_aside_day(team: Any, metric: Metric, client: Any) -> None:
    client.force_login(team.viewer)
    url = reverse("strategy:metric_detail", kwargs={"ws": team.workspace.slug, "metric_id": metric.pk})
    assert "could not be rolled up" not in client.get(url).content.decode()
    poison(metric)
    rollups.rollup_pending()
    html = client.get(url).content.decode()
    assert "1 day could not be rolled up" in html
    assert "Jan 5, 2026" in html and "out of range" in html


def test_healthz_reports_set_aside_days_as_degraded(metric: Metric, client: Any) -> None:
    assert client.get("/healthz").json()["rollup"]["status"] == "ok"
    poison(metric)
    rollups.rollup_pending()
    report = client.get("/healthz")
    assert report.status_code == 200  # degraded is not down
    body = report.json()
    assert body["overall"] == "degraded"
    assert body["rollup"]["status"] == "degraded"
    assert body["rollup"]["set_aside_days"] == 1


def test_healthz_reports_a_stuck_queue_as_degraded(metric: Metric, client: Any, settings: Any) -> None:
    settings.ROLLUP_STUCK_AFTER = 600
    with transaction.atomic():
        rollups.mark_days_dirty(metric.pk, [dt.date(2026, 1, 5)])
    fresh = client.get("/healthz").json()
    assert (fresh["rollup"]["status"], fresh["rollup"]["stuck"], fresh["rollup"]["stuck_after_s"]) == ("ok", False, 600)
    MetricDirtyDay.objects.update(queued_at=timezone.now() - dt.timedelta(seconds=601))
    body = client.get("/healthz").json()
    assert body["overall"] == "degraded"
    assert body["rollup"]["stuck"] is True
    assert body["rollup"]["oldest_queued_s"] >= 601


def test_a_requeued_day_keeps_its_first_queue_time(metric: Metric) -> None:
    with transaction.atomic():
        rollups.mark_days_dirty(metric.pk, [dt.date(2026, 1, 5)])
    old = timezone.now() - dt.timedelta(hours=1)
    MetricDirtyDay.objects.update(queued_at=old)
    with transaction.atomic():
        rollups.mark_days_dirty(metric.pk, [dt.date(2026, 1, 5)])
    assert MetricDirtyDay.objects.get().queued_at == old


# --- with a real worker ------------------------------------------------------------------------


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_the_worker_contains_a_poisoned_metric(team: Any, product: Any, celery_worker: dict, client: Any) -> None:
    poisoned = services.metric_create(actor=team.actor(), product=product, name="Poisoned")
    other = ProductFactory(workspace=team.other_workspace, name="Theirs", slug="theirs")
    theirs = services.metric_create(actor=team.actor("outsider"), product=other, name="Orders")
    poison(poisoned)
    tasks.schedule_metric_rollup()  # outside a transaction: sent now
    response = api_client(team.outsider).post(
        f"/api/v1/metrics/{theirs.pk}/samples/",
        {"samples": [{"ts": "2026-01-05T03:00:00Z", "value": 7}]},
        format="json",
    )
    assert response.status_code == 201
    wait_for(lambda: MetricRollup.objects.filter(metric=theirs, period="day").exists(), timeout=30)
    assert MetricRollup.objects.get(metric=theirs, period="day").value == 7.0
    wait_for(lambda: MetricRollupFailure.objects.filter(metric=poisoned).exists(), timeout=30)
    assert not MetricDirtyDay.objects.exists()
    body = client.get("/healthz").json()
    assert body["rollup"]["set_aside_days"] == 1
    assert body["overall"] == "degraded"

    # The cause removed, the next (periodic) run with the retry due clears it.
    MetricSample.objects.filter(metric=poisoned).update(value=2.0)
    MetricRollupFailure.objects.update(retry_at=timezone.now() - dt.timedelta(seconds=1))
    tasks.schedule_metric_rollup()
    wait_for(lambda: not MetricRollupFailure.objects.exists(), timeout=30)
    assert MetricRollup.objects.get(metric=poisoned, period="day").value == 4.0


# --- extreme dates (issue 7.3) ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "params", "field"),
    [
        ("series", {"period": "day", "to": "9999-12-31"}, "to"),
        ("series", {"period": "day", "from": "9999-12-31"}, "from"),
        ("series", {"period": "week", "to": "0001-01-01"}, "to"),
        ("series", {"period": "month", "from": "0001-01-01", "to": "0001-02-01"}, "from"),
        ("samples", {"to": "9999-12-31"}, "to"),
        ("samples", {"from": "0001-01-01"}, "from"),
    ],
)
def test_extreme_dates_in_queries_are_400_naming_the_field(
    team: Any, metric: Metric, path: str, params: dict, field: str
) -> None:
    response = api_client(team.viewer).get(f"/api/v1/metrics/{metric.pk}/{path}/", params)
    error = assert_error(response, 400, "invalid", (field,))
    assert "1900-01-01" in error["fields"][field][0] and "2999-12-31" in error["fields"][field][0]


@pytest.mark.parametrize(
    "body",
    [{"from": "9999-12-30", "to": "9999-12-31"}, {"from": "0001-01-01", "to": "2025-01-01"}],
)
def test_an_extreme_range_to_delete_is_400_and_deletes_nothing(team: Any, metric: Metric, body: dict) -> None:
    services.sample_add(actor=team.actor(), metric=metric, ts="2025-01-01", value=1)
    response = api_client(team.editor).post(f"/api/v1/metrics/{metric.pk}/samples/delete/", body, format="json")
    assert_error(response, 400, "invalid", tuple(k for k, v in body.items() if v.startswith(("9", "0"))))
    assert MetricSample.objects.filter(metric=metric).count() == 1


def test_the_ends_of_the_date_range_are_accepted(team: Any, metric: Metric) -> None:
    viewer = api_client(team.viewer)
    for period in ("day", "week", "month"):
        for params in (
            {"to": "2999-12-31"},
            {"from": "2999-12-31"},
            {"to": "1900-01-01"},
            {"from": "1900-01-01", "to": "1900-02-01"},
        ):
            response = viewer.get(f"/api/v1/metrics/{metric.pk}/series/", {"period": period, **params})
            assert response.status_code == 200, (period, params, response.content)
    assert (
        viewer.get(f"/api/v1/metrics/{metric.pk}/samples/", {"from": "1900-01-01", "to": "2999-12-31"}).status_code
        == 200
    )
    response = api_client(team.editor).post(
        f"/api/v1/metrics/{metric.pk}/samples/delete/", {"from": "1900-01-01", "to": "2999-12-31"}, format="json"
    )
    assert response.status_code == 200


def test_the_schema_documents_the_date_range(team: Any) -> None:
    schema = api_client(team.viewer).get("/api/v1/schema/", {"format": "json"}).json()
    series = schema["paths"]["/api/v1/metrics/{metric_id}/series/"]["get"]["parameters"]
    for name in ("from", "to"):
        parameter = next(p for p in series if p["name"] == name)
        assert "1900-01-01" in parameter["description"] and "2999-12-31" in parameter["description"]


@pytest.mark.parametrize(
    "query",
    ["end=9999-12-31", "start=9999-12-31", "period=week&end=0001-01-01", "from=9999-12-31", "to=0001-01-01"],
)
def test_extreme_dates_on_the_metric_page_are_400_with_a_visible_error(
    team: Any, metric: Metric, client: Any, query: str
) -> None:
    client.force_login(team.viewer)
    url = reverse("strategy:metric_detail", kwargs={"ws": team.workspace.slug, "metric_id": metric.pk})
    for target in (url, reverse("strategy:metric_live", kwargs={"ws": team.workspace.slug, "metric_id": metric.pk})):
        page = client.get(f"{target}?{query}")
        assert page.status_code == 400, target
        assert "1900-01-01" in page.content.decode()


def test_an_extreme_range_on_the_delete_page_is_400_with_a_field_error(team: Any, metric: Metric, client: Any) -> None:
    client.force_login(team.editor)
    url = reverse("strategy:metric_samples_delete_range", kwargs={"ws": team.workspace.slug, "metric_id": metric.pk})
    for page in (
        client.get(url, {"start": "9999-12-30", "end": "9999-12-31"}),
        client.post(url, {"start": "9999-12-30", "end": "9999-12-31"}),
    ):
        assert page.status_code == 400
        assert "2999-12-31" in page.content.decode()
