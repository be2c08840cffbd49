"""Metrics API: bad input on every endpoint (never a 500, always the one error body), happy paths,
optimistic locking, bulk ingestion of 10,000 samples, CSV uploads in three encodings, series."""

from __future__ import annotations

import datetime as dt
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

import pytest
from rest_framework.test import APIClient

from pmtool.models import ActivityEvent
from strategy import rollups
from strategy.models import Metric, MetricSample
from strategy.services import metrics as services
from tests.factories import ProductFactory
from tests.harness.bodies import (
    BAD_IDS,
    HUGE,
    TOO_BIG_ID,
    Endpoint,
    FillIds,
    assert_error,
    body_cases,
    check_bad_body,
    send,
)

pytestmark = [pytest.mark.django_db, pytest.mark.postgres]

UTC = dt.UTC


@dataclass
class Ids(FillIds):
    product: int
    metric: int
    sample: int
    other_metric: int
    other_product: int


@pytest.fixture
def ids(team: Any, product: Any) -> Ids:
    actor = team.actor()
    metric = services.metric_create(actor=actor, product=product, name="Sign-ups", unit="users")
    sample = services.sample_add(actor=actor, metric=metric, ts="2025-03-01T09:00:00Z", value=2)
    theirs = ProductFactory(workspace=team.other_workspace, name="Secret", slug="secret")
    other = services.metric_create(actor=team.actor("outsider"), product=theirs, name="Their KPI")
    return Ids(product.pk, metric.pk, sample.pk, other.pk, theirs.pk)


def client(user: Any) -> APIClient:
    c = APIClient()
    c.force_authenticate(user)
    return c


# --- the bad-input table ------------------------------------------------------------------


CSV = "ts,value\n2025-03-02,4\n2025-03-03T12:00:00Z,5\n"
BODY_ENDPOINTS = (
    Endpoint(
        "metric-create",
        "post",
        "/api/v1/products/{product}/metrics/",
        {"name": "Activation"},
        strings=("name", "unit", "direction", "aggregation"),  # description: up to 10,000 (below)
        required=("name",),
        wrong_types=(
            {"name": None},
            {"name": True},
            {"name": ["x"]},
            {"name": "   "},
            {"name": "x" * 121},
            {"unit": "u" * 41},
            {"unit": "a\x00b"},
            {"description": "d" * 10_001},
            {"description": "a\x00b"},
            {"direction": "sideways"},
            {"direction": None},
            {"aggregation": "median"},
            {"aggregation": ["sum"]},
            {"description": {"a": 1}},
        ),
        ok=201,
    ),
    Endpoint(
        "metric-update",
        "patch",
        "/api/v1/metrics/{metric}/",
        {"version": 1, "unit": "people"},
        strings=("name", "unit", "direction", "aggregation"),
        required=("version",),
        wrong_types=(
            {"version": "abc"},
            {"version": 1.5},
            {"version": True},
            {"version": 0},
            {"version": 2**70},
            {"version": None},
            {"name": None},
            {"name": ""},
            {"description": "d" * 10_001},
            {"aggregation": "median"},
            {"direction": 1},
        ),
    ),
    Endpoint(
        "metric-delete",
        "delete",
        "/api/v1/metrics/{metric}/",
        {"version": 1},
        required=("version",),
        wrong_types=({"version": "abc"}, {"version": 1.5}, {"version": True}, {"version": 0}, {"version": None}),
        ok=204,
    ),
    Endpoint(
        "sample-add",
        "post",
        "/api/v1/metrics/{metric}/samples/",
        {"ts": "2025-03-02T10:00:00Z", "value": 3},
        strings=("ts", "value"),
        required=("ts", "value"),
        wrong_types=(
            {"ts": 5},
            {"ts": None},
            {"ts": ["2025-03-02"]},
            {"ts": "2025-03-02T10:00:00"},  # no time zone
            {"ts": "2025-02-30"},
            {"ts": "1800-01-01"},
            {"value": "3"},
            {"value": True},
            {"value": None},
            {"value": [1]},
            {"value": {"v": 1}},
        ),
        ok=201,
    ),
    Endpoint(
        "samples-add",
        "post",
        "/api/v1/metrics/{metric}/samples/",
        {"samples": [{"ts": "2025-03-02T10:00:00Z", "value": 3}]},
        required=(),
        wrong_types=({"samples": "x"}, {"samples": {}}, {"samples": []}, {"samples": None}, {"samples": 5}),
        ok=201,
    ),
    Endpoint(
        "samples-delete",
        "post",
        "/api/v1/metrics/{metric}/samples/delete/",
        {"from": "2025-03-01", "to": "2025-03-02"},
        strings=("from", "to"),
        required=("from", "to"),
        wrong_types=(
            {"from": 5},
            {"from": None},
            {"to": "2025-02-30"},
            {"to": "2025-03-02T10:00"},
            {"to": "2025-02-01"},  # before "from"
            {"from": ["2025-03-01"]},
        ),
    ),
    Endpoint(
        "samples-upload",
        "post",
        "/api/v1/metrics/{metric}/samples/upload/",
        {"csv": CSV},
        strings=("csv",),
        required=("csv",),
        wrong_types=(
            {"csv": 5},
            {"csv": None},
            {"csv": ["ts,value"]},
            {"csv": {"a": 1}},
            {"csv": "ts,value\n"},
            {"csv": "ts;amount\n2025-03-01;1\n"},
        ),
        ok=201,
    ),
)


def _state() -> Any:
    return (
        sorted(Metric.objects.values_list("id", "name", "unit", "direction", "aggregation", "description", "version")),
        sorted(MetricSample.objects.values_list("id", "metric_id", "ts", "value")),
    )


@pytest.mark.parametrize("endpoint", BODY_ENDPOINTS, ids=str)
def test_valid_body_is_accepted(team: Any, ids: Ids, endpoint: Endpoint) -> None:
    response = send(client(team.editor), endpoint.method, ids.fill(endpoint.url), endpoint.valid)
    assert response.status_code == endpoint.ok, response.content


@pytest.mark.parametrize(("endpoint", "kind", "payload", "code", "fields"), body_cases(BODY_ENDPOINTS))
def test_bad_body_is_a_4xx_with_the_error_body(
    team: Any, ids: Ids, endpoint: Endpoint, kind: str, payload: Any, code: str | None, fields: tuple
) -> None:
    before = _state()
    check_bad_body(client(team.editor), ids.fill(endpoint.url), endpoint, kind, payload, code, fields)
    assert _state() == before


# --- ids, other workspaces, authentication --------------------------------------------------

ID_ENDPOINTS = (
    ("get", "/api/v1/products/{x}/metrics/", None),
    ("post", "/api/v1/products/{x}/metrics/", {"name": "X"}),
    ("get", "/api/v1/metrics/{x}/", None),
    ("patch", "/api/v1/metrics/{x}/", {"version": 1, "name": "X"}),
    ("delete", "/api/v1/metrics/{x}/", None),
    ("get", "/api/v1/metrics/{x}/samples/", None),
    ("post", "/api/v1/metrics/{x}/samples/", {"ts": "2025-03-01", "value": 1}),
    ("post", "/api/v1/metrics/{x}/samples/delete/", {"from": "2025-03-01", "to": "2025-03-02"}),
    ("post", "/api/v1/metrics/{x}/samples/upload/", {"csv": CSV}),
    ("delete", "/api/v1/metrics/{metric}/samples/{x}/", None),
    ("delete", "/api/v1/metrics/{x}/samples/{sample}/", None),
    ("get", "/api/v1/metrics/{x}/series/", None),
)


@pytest.mark.parametrize("bad_id", BAD_IDS)
@pytest.mark.parametrize(("method", "template", "body"), ID_ENDPOINTS, ids=lambda v: v if isinstance(v, str) else "")
def test_unknown_or_malformed_id_is_a_json_404(
    team: Any, ids: Ids, method: str, template: str, body: Any, bad_id: str
) -> None:
    assert_error(send(client(team.admin), method, ids.fill(template, x=bad_id), body), 404, "not_found")


FOREIGN = (
    ("get", "/api/v1/products/{other_product}/metrics/", None),
    ("post", "/api/v1/products/{other_product}/metrics/", {"name": "Mine"}),
    ("get", "/api/v1/metrics/{other_metric}/", None),
    ("patch", "/api/v1/metrics/{other_metric}/", {"version": 1, "name": "Mine"}),
    ("delete", "/api/v1/metrics/{other_metric}/", None),
    ("get", "/api/v1/metrics/{other_metric}/samples/", None),
    ("post", "/api/v1/metrics/{other_metric}/samples/", {"ts": "2025-03-01", "value": 1}),
    ("post", "/api/v1/metrics/{other_metric}/samples/upload/", {"csv": CSV}),
    ("post", "/api/v1/metrics/{other_metric}/samples/delete/", {"from": "2025-03-01", "to": "2025-03-02"}),
    ("delete", "/api/v1/metrics/{other_metric}/samples/{sample}/", None),
    ("get", "/api/v1/metrics/{other_metric}/series/", None),
)


@pytest.mark.parametrize(("method", "template", "body"), FOREIGN, ids=lambda v: v if isinstance(v, str) else "")
def test_objects_of_other_workspaces_are_404(team: Any, ids: Ids, method: str, template: str, body: Any) -> None:
    before = _state()
    assert_error(send(client(team.admin), method, ids.fill(template), body), 404, "not_found")
    assert _state() == before


ALL_ENDPOINTS = (
    ("get", "/api/v1/products/{product}/metrics/"),
    ("post", "/api/v1/products/{product}/metrics/"),
    ("get", "/api/v1/metrics/{metric}/"),
    ("patch", "/api/v1/metrics/{metric}/"),
    ("delete", "/api/v1/metrics/{metric}/"),
    ("get", "/api/v1/metrics/{metric}/samples/"),
    ("post", "/api/v1/metrics/{metric}/samples/"),
    ("post", "/api/v1/metrics/{metric}/samples/delete/"),
    ("post", "/api/v1/metrics/{metric}/samples/upload/"),
    ("delete", "/api/v1/metrics/{metric}/samples/{sample}/"),
    ("get", "/api/v1/metrics/{metric}/series/"),
)


@pytest.mark.parametrize(("method", "template"), ALL_ENDPOINTS)
def test_anonymous_gets_401_with_error_body(ids: Ids, method: str, template: str) -> None:
    response = send(APIClient(), method, ids.fill(template), {})
    assert_error(response, 401, "not_authenticated")


def test_the_tables_cover_every_metrics_route() -> None:
    from django.urls import get_resolver

    names = {
        "api-metrics",
        "api-metric",
        "api-metric-samples",
        "api-metric-samples-delete",
        "api-metric-samples-upload",
        "api-metric-sample",
        "api-metric-series",
    }
    routed = {n for n in get_resolver().reverse_dict if isinstance(n, str) and n.startswith("api-metric")}
    assert routed == names
    assert len({t for _m, t in ALL_ENDPOINTS}) == len(names)


# --- query parameters -----------------------------------------------------------------------


def _query_cases() -> list[Any]:
    metrics = "/api/v1/products/{product}/metrics/"
    samples = "/api/v1/metrics/{metric}/samples/"
    series = "/api/v1/metrics/{metric}/series/"
    cases: list[tuple[str, dict[str, str], tuple[str, ...]]] = [
        (metrics, {"page_size": "0"}, ("page_size",)),
        (metrics, {"page_size": "abc"}, ("page_size",)),
        (metrics, {"page_size": TOO_BIG_ID}, ("page_size",)),
        (metrics, {"cursor": "garbage"}, ("cursor",)),
        (metrics, {"cursor": HUGE}, ("cursor",)),
        (metrics, {"q": "x"}, ("q",)),
        (samples, {"from": "notadate"}, ("from",)),
        (samples, {"from": "2025-02-30"}, ("from",)),
        (samples, {"to": "2025-03-01T10:00"}, ("to",)),  # no time zone
        (samples, {"to": HUGE}, ("to",)),
        (samples, {"from": "a\x00b"}, ("from",)),
        (samples, {"from": "2025-03-05", "to": "2025-03-01"}, ("to",)),
        (samples, {"order": "sideways"}, ("order",)),
        (samples, {"page_size": "0"}, ("page_size",)),
        (samples, {"page_size": "1001"}, ("page_size",)),
        (samples, {"cursor": "garbage"}, ("cursor",)),
        (samples, {"bogus": "1"}, ("bogus",)),
        (series, {"period": "year"}, ("period",)),
        (series, {"period": ""}, ("period",)),
        (series, {"from": "notadate"}, ("from",)),
        (series, {"to": "2025-02-30"}, ("to",)),
        (series, {"from": "2025-03-05", "to": "2025-03-01"}, ("to",)),
        (series, {"from": "1900-01-01", "to": "2025-01-01"}, ("from",)),  # too many buckets
        (series, {"from": HUGE}, ("from",)),
        (series, {"cursor": "x"}, ("cursor",)),
    ]
    return [
        pytest.param(url, params, fields, id=f"{url.split('/')[-2]}-{'-'.join(params)}-{i}")
        for i, (url, params, fields) in enumerate(cases)
    ]


@pytest.mark.parametrize(("template", "params", "fields"), _query_cases())
def test_bad_query_params_are_400(team: Any, ids: Ids, template: str, params: dict, fields: tuple) -> None:
    response = client(team.viewer).get(f"{ids.fill(template)}?{urlencode(params)}")
    assert_error(response, 400, "invalid", fields)


# --- metrics: happy paths and locking ------------------------------------------------------------


def test_metric_create_list_get_patch_delete(team: Any, product: Any) -> None:
    editor = client(team.editor)
    created = editor.post(
        f"/api/v1/products/{product.pk}/metrics/",
        {"name": "Weekly active users", "unit": "users", "aggregation": "last", "description": "**WAU**"},
        format="json",
    )
    assert created.status_code == 201, created.content
    body = created.json()
    assert body == {
        **body,
        "name": "Weekly active users",
        "product": product.pk,
        "direction": "up",
        "aggregation": "last",
        "pending": False,
        "rolled_up_at": None,
        "last_sample": None,
        "version": 1,
    }
    assert created["ETag"] == '"1"'
    metric_id = body["id"]

    listed = client(team.viewer).get(f"/api/v1/products/{product.pk}/metrics/").json()
    assert [m["name"] for m in listed["results"]] == ["Weekly active users"]

    got = client(team.viewer).get(f"/api/v1/metrics/{metric_id}/")
    assert got.json()["description"] == "**WAU**"
    assert got["ETag"] == '"1"'

    patched = editor.patch(f"/api/v1/metrics/{metric_id}/", {"unit": "people"}, format="json", HTTP_IF_MATCH='"1"')
    assert patched.status_code == 200
    assert (patched.json()["unit"], patched.json()["version"]) == ("people", 2)
    assert patched["ETag"] == '"2"'

    stale = editor.patch(f"/api/v1/metrics/{metric_id}/", {"version": 1, "unit": "x"}, format="json")
    assert_error(stale, 409, "stale_version")
    stale_if_match = editor.patch(f"/api/v1/metrics/{metric_id}/", {"unit": "x"}, format="json", HTTP_IF_MATCH='"1"')
    assert_error(stale_if_match, 412, "stale_version")
    assert_error(editor.patch(f"/api/v1/metrics/{metric_id}/", {"unit": "x"}, format="json"), 400, "invalid")

    assert_error(editor.delete(f"/api/v1/metrics/{metric_id}/", HTTP_IF_MATCH='"1"'), 412, "stale_version")
    assert_error(editor.delete(f"/api/v1/metrics/{metric_id}/", HTTP_IF_MATCH="abc"), 400, "invalid_if_match")
    assert_error(editor.delete(f"/api/v1/metrics/{metric_id}/"), 400, "invalid")  # a delete needs the version
    assert_error(editor.delete(f"/api/v1/metrics/{metric_id}/", {"version": 1}, format="json"), 409, "stale_version")
    assert Metric.objects.filter(pk=metric_id).exists()
    assert editor.delete(f"/api/v1/metrics/{metric_id}/", HTTP_IF_MATCH='"2"').status_code == 204
    assert_error(editor.get(f"/api/v1/metrics/{metric_id}/"), 404, "not_found")
    actions = list(ActivityEvent.objects.filter(target_id=metric_id).values_list("action", flat=True))
    assert sorted(actions) == ["created", "deleted", "updated"]


def test_duplicate_name_is_409_naming_the_field(team: Any, ids: Ids) -> None:
    response = client(team.editor).post(f"/api/v1/products/{ids.product}/metrics/", {"name": "SIGN-UPS"}, format="json")
    error = assert_error(response, 409, "name_taken", ("name",))
    assert "exists" in error["fields"]["name"][0]
    other = client(team.editor).post(f"/api/v1/products/{ids.product}/metrics/", {"name": "Churn"}, format="json")
    renamed = client(team.editor).patch(
        f"/api/v1/metrics/{other.json()['id']}/", {"version": 1, "name": "sign-ups"}, format="json"
    )
    assert_error(renamed, 409, "name_taken", ("name",))


def test_metric_list_pages_with_a_cursor(team: Any, product: Any) -> None:
    for i in range(7):
        services.metric_create(actor=team.actor(), product=product, name=f"Metric {i}")
    seen: list[str] = []
    url: str | None = f"/api/v1/products/{product.pk}/metrics/?page_size=3"
    while url:
        body = client(team.viewer).get(url).json()
        seen += [m["name"] for m in body["results"]]
        url = body["next"]
    assert seen == [f"Metric {i}" for i in range(7)]


def test_changing_the_aggregation_is_applied_to_the_series(team: Any, ids: Ids) -> None:
    services.samples_add(
        actor=team.actor(),
        metric=Metric.objects.get(pk=ids.metric),
        samples=[("2025-03-01T10:00:00Z", 4), ("2025-03-01T11:00:00Z", 6)],
    )
    rollups.rollup_pending()
    series = f"/api/v1/metrics/{ids.metric}/series/?from=2025-03-01&to=2025-03-01"
    assert client(team.viewer).get(series).json()["buckets"][0]["value"] == 12  # 2 + 4 + 6
    client(team.editor).patch(f"/api/v1/metrics/{ids.metric}/", {"version": 1, "aggregation": "average"}, format="json")
    body = client(team.viewer).get(series).json()
    assert body["aggregation"] == "average"
    assert body["buckets"] == [{"bucket": "2025-03-01", "value": 4.0, "count": 3, "min": 2.0, "max": 6.0}]


# --- samples --------------------------------------------------------------------------------


def test_one_sample(team: Any, ids: Ids) -> None:
    response = client(team.editor).post(
        f"/api/v1/metrics/{ids.metric}/samples/", {"ts": "2025-03-02T12:30:00+02:00", "value": 7.25}, format="json"
    )
    assert response.status_code == 201
    body = response.json()
    assert body == {"id": body["id"], "ts": "2025-03-02T10:30:00Z", "value": 7.25}
    metric = client(team.viewer).get(f"/api/v1/metrics/{ids.metric}/").json()
    assert metric["pending"] is True
    assert metric["last_sample"] == {"ts": "2025-03-02T10:30:00Z", "value": 7.25}
    # Re-sending the time corrects it (same id).
    again = client(team.editor).post(
        f"/api/v1/metrics/{ids.metric}/samples/", {"ts": "2025-03-02T10:30:00Z", "value": 8}, format="json"
    )
    assert again.json()["id"] == body["id"]
    assert MetricSample.objects.get(pk=body["id"]).value == 8
    rollups.rollup_pending()
    metric = client(team.viewer).get(f"/api/v1/metrics/{ids.metric}/").json()
    assert metric["pending"] is False
    assert metric["rolled_up_at"] is not None


def test_ten_thousand_samples_in_one_request(team: Any, ids: Ids) -> None:
    start = dt.datetime(2024, 1, 1, tzinfo=UTC)
    samples = [
        {"ts": (start + dt.timedelta(minutes=15 * i)).isoformat().replace("+00:00", "Z"), "value": i % 97}
        for i in range(10_000)
    ]
    began = time.perf_counter()
    response = client(team.editor).post(f"/api/v1/metrics/{ids.metric}/samples/", {"samples": samples}, format="json")
    took = time.perf_counter() - began
    print(f"\n[metrics] POST 10,000 samples: {took:.2f} s")
    assert response.status_code == 201, response.content[:500]
    assert response.json() == {
        "received": 10_000,
        "distinct": 10_000,
        "first": "2024-01-01T00:00:00Z",
        "last": "2024-04-14T03:45:00Z",
        "pending": True,
    }
    assert took < 10  # the benchmark (bench/) holds the real figure; this only guards against a collapse
    assert MetricSample.objects.filter(metric_id=ids.metric).count() == 10_001
    assert ActivityEvent.objects.filter(target_id=ids.metric, action="samples_added").count() == 2  # + the fixture


def test_more_than_ten_thousand_samples_is_400(team: Any, ids: Ids) -> None:
    samples = [{"ts": "2025-03-01", "value": 1}] * 10_001
    response = client(team.editor).post(f"/api/v1/metrics/{ids.metric}/samples/", {"samples": samples}, format="json")
    error = assert_error(response, 400, "invalid", ("samples",))
    assert "10,000" in error["message"]
    assert MetricSample.objects.count() == 1


def test_bad_items_are_named_by_index(team: Any, ids: Ids) -> None:
    samples = [
        {"ts": "2025-03-01T00:00:00Z", "value": 1},
        {"ts": "2025-03-02", "value": 2},
        {"ts": "2025-03-03T10:00:00", "value": 3},
        {"ts": "2025-03-04", "value": "NaN"},
        {"ts": "2025-03-05", "value": 5, "note": "x"},
        ["2025-03-06", 6],
    ]
    response = client(team.editor).post(f"/api/v1/metrics/{ids.metric}/samples/", {"samples": samples}, format="json")
    error = assert_error(response, 400, "invalid", ("samples.2.ts", "samples.3.value", "samples.4"))
    assert set(error["fields"]) == {"samples.2.ts", "samples.3.value", "samples.4"}  # [ts, value] pairs are fine
    assert "time zone" in error["fields"]["samples.2.ts"][0]
    assert error["message"].startswith("3 invalid samples")
    assert MetricSample.objects.count() == 1


def test_raw_nan_and_infinity_are_refused(team: Any, ids: Ids) -> None:
    for raw in (
        '{"ts": "2025-03-01", "value": NaN}',
        '{"ts": "2025-03-01", "value": Infinity}',
        '{"ts": "2025-03-01", "value": 1e999}',
    ):
        response = send(client(team.editor), "post", f"/api/v1/metrics/{ids.metric}/samples/", raw=raw)
        assert response.status_code == 400, raw
        assert "error" in response.json()
    assert MetricSample.objects.count() == 1


def test_samples_list_filters_orders_and_pages(team: Any, ids: Ids) -> None:
    metric = Metric.objects.get(pk=ids.metric)
    start = dt.datetime(2025, 3, 10, tzinfo=UTC)
    services.samples_add(
        actor=team.actor(), metric=metric, samples=[(start + dt.timedelta(hours=6 * i), i) for i in range(20)]
    )
    viewer = client(team.viewer)
    url = f"/api/v1/metrics/{ids.metric}/samples/"
    everything: list[float] = []
    page: str | None = url + "?page_size=7"
    while page:
        body = viewer.get(page).json()
        everything += [s["value"] for s in body["results"]]
        page = body["next"]
    assert everything == [2.0, *range(20)]  # the fixture's sample of March 1, then by time
    day = viewer.get(url + "?from=2025-03-11&to=2025-03-11").json()["results"]
    assert [s["value"] for s in day] == [4, 5, 6, 7]
    instant = viewer.get(url + "?" + urlencode({"from": "2025-03-11T06:00:00Z", "to": "2025-03-11T12:00:00Z"}))
    assert [s["value"] for s in instant.json()["results"]] == [5, 6]
    newest = viewer.get(url + "?order=desc&page_size=3").json()
    assert [s["value"] for s in newest["results"]] == [19, 18, 17]
    older = viewer.get(newest["next"]).json()
    assert [s["value"] for s in older["results"]] == [16, 15, 14]


def test_delete_one_sample(team: Any, ids: Ids) -> None:
    editor = client(team.editor)
    assert editor.delete(f"/api/v1/metrics/{ids.metric}/samples/{ids.sample}/").status_code == 204
    assert_error(editor.delete(f"/api/v1/metrics/{ids.metric}/samples/{ids.sample}/"), 404, "not_found")
    assert client(team.viewer).get(f"/api/v1/metrics/{ids.metric}/").json()["pending"] is True
    # A sample id of another metric is not found through this one.
    other = services.metric_create(actor=team.actor(), product=Metric.objects.get(pk=ids.metric).product, name="B")
    sample = services.sample_add(actor=team.actor(), metric=other, ts="2025-03-01", value=1)
    assert_error(editor.delete(f"/api/v1/metrics/{ids.metric}/samples/{sample.pk}/"), 404, "not_found")


def test_delete_a_range(team: Any, ids: Ids) -> None:
    metric = Metric.objects.get(pk=ids.metric)
    services.samples_add(
        actor=team.actor(), metric=metric, samples=[("2025-03-02T00:00:00Z", 1), ("2025-03-02T23:59:59Z", 2)]
    )
    editor = client(team.editor)
    url = f"/api/v1/metrics/{ids.metric}/samples/delete/"
    response = editor.post(url, {"from": "2025-03-02", "to": "2025-03-02"}, format="json")
    assert response.json() == {"deleted": 2, "pending": True}
    assert editor.post(url, {"from": "2025-03-02", "to": "2025-03-02"}, format="json").json()["deleted"] == 0
    by_time = editor.post(url, {"from": "2025-03-01T09:00:00Z", "to": "2025-03-01T09:00:00Z"}, format="json")
    assert by_time.json()["deleted"] == 1
    assert not MetricSample.objects.exists()


# --- CSV uploads ----------------------------------------------------------------------------


def test_upload_as_text_csv_body(team: Any, ids: Ids) -> None:
    response = client(team.editor).post(
        f"/api/v1/metrics/{ids.metric}/samples/upload/",
        data="\ufeffDate;Value\r\n2025-03-02;4,5\r\n2025-03-03;5\r\n".encode(),
        content_type="text/csv; charset=utf-8",
    )
    assert response.status_code == 201, response.content
    assert response.json()["distinct"] == 2
    assert MetricSample.objects.get(metric_id=ids.metric, ts__day=2).value == 4.5


def test_upload_as_multipart_file(team: Any, ids: Ids) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile

    upload = SimpleUploadedFile("kpi.csv", CSV.encode(), "text/csv")
    response = client(team.editor).post(
        f"/api/v1/metrics/{ids.metric}/samples/upload/", {"file": upload}, format="multipart"
    )
    assert response.status_code == 201, response.content
    assert response.json()["received"] == 2
    unknown = client(team.editor).post(
        f"/api/v1/metrics/{ids.metric}/samples/upload/",
        {"file": SimpleUploadedFile("kpi.csv", CSV.encode()), "note": "x"},
        format="multipart",
    )
    assert_error(unknown, 400, "invalid", ("note",))
    missing = client(team.editor).post(f"/api/v1/metrics/{ids.metric}/samples/upload/", {}, format="multipart")
    assert_error(missing, 400, "invalid", ("file",))


def test_upload_errors_name_lines(team: Any, ids: Ids) -> None:
    response = client(team.editor).post(
        f"/api/v1/metrics/{ids.metric}/samples/upload/",
        data=b"ts,value\n2025-03-01,1\n2025-03-02T10:00,2\n2025-03-03,x\n",
        content_type="text/csv",
    )
    error = assert_error(response, 400, "invalid", ("file",))
    assert error["fields"]["file"][0].startswith("Line 3: This time has no time zone")
    assert error["fields"]["file"][1].startswith("Line 4:")
    assert error["message"] == "2 invalid rows: nothing was imported."
    as_json = client(team.editor).post(
        f"/api/v1/metrics/{ids.metric}/samples/upload/", {"csv": "ts,value\n2025-03-01,x\n"}, format="json"
    )
    assert assert_error(as_json, 400, "invalid", ("csv",))["fields"]["csv"][0].startswith("Line 2:")


def test_upload_limits(team: Any, ids: Ids) -> None:
    url = f"/api/v1/metrics/{ids.metric}/samples/upload/"
    huge = b"ts,value\n" + b"2025-03-01," + b"1" * (3 * 1024 * 1024) + b"\n"
    assert_error(client(team.editor).post(url, data=huge, content_type="text/csv"), 400, "invalid", ("file",))
    rows = "ts,value\n" + "".join(f"2025-03-01T00:00:{i % 60:02d}Z,{i}\n" for i in range(10_001))
    assert_error(client(team.editor).post(url, data=rows.encode(), content_type="text/csv"), 400, "invalid", ("file",))
    empty = client(team.editor).post(url, data=b"", content_type="text/csv")
    assert_error(empty, 400, "invalid", ("file",))
    not_a_file = client(team.editor).post(url, {"file": "ts,value"}, format="multipart")  # a field, not a file
    assert_error(not_a_file, 400, "invalid", ("file",))
    assert_error(client(team.editor).post(url, data="x", content_type="application/xml"), 415)
    assert MetricSample.objects.count() == 1


# --- series -----------------------------------------------------------------------------------


def test_series_defaults_and_buckets(team: Any, ids: Ids) -> None:
    today = dt.datetime.now(UTC).date()
    metric = Metric.objects.get(pk=ids.metric)
    services.samples_add(
        actor=team.actor(), metric=metric, samples=[(today - dt.timedelta(days=n), n) for n in range(0, 100)]
    )
    viewer = client(team.viewer)
    pending = viewer.get(f"/api/v1/metrics/{ids.metric}/series/").json()
    assert pending["pending"] is True and pending["buckets"] == []
    rollups.rollup_pending()
    day = viewer.get(f"/api/v1/metrics/{ids.metric}/series/").json()
    assert day["pending"] is False
    assert (day["period"], day["last"], len(day["buckets"])) == ("day", today.isoformat(), 90)
    assert day["buckets"][-1] == {"bucket": today.isoformat(), "value": 0.0, "count": 1, "min": 0.0, "max": 0.0}
    week = viewer.get(f"/api/v1/metrics/{ids.metric}/series/?period=week").json()
    monday = today - dt.timedelta(days=today.weekday())
    assert week["last"] == monday.isoformat()
    assert week["first"] == (monday - dt.timedelta(weeks=25)).isoformat()
    assert sum(b["count"] for b in week["buckets"]) == 100
    month = viewer.get(f"/api/v1/metrics/{ids.metric}/series/?period=month").json()
    assert month["last"] == today.replace(day=1).isoformat()
    assert sum(b["value"] for b in month["buckets"]) == sum(range(100)) + 2  # + the fixture's sample
    ranged = viewer.get(f"/api/v1/metrics/{ids.metric}/series/?period=month&from=2025-01-15&to=2025-03-02").json()
    assert (ranged["first"], ranged["last"]) == ("2025-01-01", "2025-03-01")
    assert [b["bucket"] for b in ranged["buckets"]] == ["2025-03-01"]  # the fixture's sample
    since = viewer.get(f"/api/v1/metrics/{ids.metric}/series/?period=week&from=2025-02-26").json()
    assert (since["first"], since["last"]) == ("2025-02-24", monday.isoformat())  # from then up to today
    future = (today + dt.timedelta(days=40)).isoformat()
    ahead = viewer.get(f"/api/v1/metrics/{ids.metric}/series/?period=day&from={future}").json()
    assert (ahead["first"], ahead["last"], ahead["buckets"]) == (future, future, [])
