"""Permission-matrix rows of this strategy area (see tests/strategy/test_permissions.py).

Metrics: the product "atlas" has a metric with one sample; "Theirs" (the outsider's workspace)
has a metric too: it answers 404 to everyone in acme, and works for the outsider."""

from __future__ import annotations

from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile

from pmtool.activity import Actor
from pmtool.models import Product
from strategy.models import Metric, MetricSample
from strategy.services.metrics import metric_create, sample_add
from tests.harness.matrix import LOGIN

# fmt: off
API_MATRIX: list[tuple] = [
    # name                  method    path under /api/v1/                      anon out  view edit admn rw   ro
    ("metrics",             "GET",    "products/{product}/metrics/",           401, 404, 200, 200, 200, 200, 200),
    ("metric-create",       "POST",   "products/{product}/metrics/",           401, 404, 403, 201, 201, 201, 403),
    ("metric",              "GET",    "metrics/{metric}/",                     401, 404, 200, 200, 200, 200, 200),
    ("metric-update",       "PATCH",  "metrics/{metric}/",                     401, 404, 403, 200, 200, 200, 403),
    ("metric-delete",       "DELETE", "metrics/{metric}/",                     401, 404, 403, 204, 204, 204, 403),
    ("samples",             "GET",    "metrics/{metric}/samples/",             401, 404, 200, 200, 200, 200, 200),
    ("samples-add",         "POST",   "metrics/{metric}/samples/",             401, 404, 403, 201, 201, 201, 403),
    ("samples-upload",      "POST",   "metrics/{metric}/samples/upload/",      401, 404, 403, 201, 201, 201, 403),
    ("samples-delete",      "POST",   "metrics/{metric}/samples/delete/",      401, 404, 403, 200, 200, 200, 403),
    ("sample-delete",       "DELETE", "metrics/{metric}/samples/{sample}/",    401, 404, 403, 204, 204, 204, 403),
    ("series",              "GET",    "metrics/{metric}/series/",              401, 404, 200, 200, 200, 200, 200),
    ("metric-theirs",       "GET",    "metrics/{their_metric}/",               401, 200, 404, 404, 404, 404, 404),
    ("metric-theirs-edit",  "PATCH",  "metrics/{their_metric}/",               401, 200, 404, 404, 404, 404, 403),
    ("samples-theirs-add",  "POST",   "metrics/{their_metric}/samples/",       401, 201, 404, 404, 404, 404, 403),
    ("series-theirs",       "GET",    "metrics/{their_metric}/series/",        401, 200, 404, 404, 404, 404, 404),
    ("metrics-theirs-new",  "POST",   "products/{theirs}/metrics/",            401, 201, 404, 404, 404, 404, 403),
]

PAGE_MATRIX: list[tuple] = [
    # name                   method  path                                                anon    out   view  edit  admin
    ("metrics",              "GET",  "/w/acme/metrics/",                                 LOGIN,  404,  200,  200,  200),
    ("metric-new",           "GET",  "/w/acme/metrics/new/",                             LOGIN,  404,  403,  200,  200),
    ("metric-create",        "POST", "/w/acme/metrics/new/",                             LOGIN,  404,  403,  302,  302),
    ("metric",               "GET",  "/w/acme/metrics/{metric}/",                        LOGIN,  404,  200,  200,  200),
    ("metric-chart",         "GET",  "/w/acme/metrics/{metric}/chart/",                  LOGIN,  404,  200,  200,  200),
    ("metric-edit",          "GET",  "/w/acme/metrics/{metric}/edit/",                   LOGIN,  404,  403,  200,  200),
    ("metric-save",          "POST", "/w/acme/metrics/{metric}/edit/",                   LOGIN,  404,  403,  302,  302),
    ("metric-delete-confirm", "GET", "/w/acme/metrics/{metric}/delete/",                 LOGIN,  404,  403,  200,  200),
    ("metric-delete",        "POST", "/w/acme/metrics/{metric}/delete/",                 LOGIN,  404,  403,  302,  302),
    ("sample-add",           "POST", "/w/acme/metrics/{metric}/samples/add/",            LOGIN,  404,  403,  302,  302),
    ("samples-upload",       "POST", "/w/acme/metrics/{metric}/samples/upload/",         LOGIN,  404,  403,  302,  302),
    ("samples-range",        "GET",  "/w/acme/metrics/{metric}/samples/delete/",         LOGIN,  404,  403,  200,  200),
    ("samples-range-delete", "POST", "/w/acme/metrics/{metric}/samples/delete/",         LOGIN,  404,  403,  302,  302),
    ("sample-delete",        "POST", "/w/acme/metrics/{metric}/samples/{sample}/delete/", LOGIN, 404,  403,  302,  302),
    ("samples-delete-selected", "POST", "/w/acme/metrics/{metric}/samples/delete-selected/", LOGIN, 404, 403, 302, 302),
    ("metric-theirs",        "GET",  "/w/acme/metrics/{their_metric}/",                  LOGIN,  404,  404,  404,  404),
    ("metric-theirs-edit",   "POST", "/w/acme/metrics/{their_metric}/edit/",             LOGIN,  404,  403,  404,  404),
]
# fmt: on

CSV = "ts,value\n2025-03-02,4\n2025-03-03T12:00:00Z,5\n"
API_BODIES: dict[str, Any] = {
    "metric-create": {"name": "Activation", "unit": "%", "aggregation": "average"},
    "metric-update": {"version": 1, "unit": "people"},
    "metric-delete": {"version": 1},
    "samples-add": {"samples": [{"ts": "2025-03-02T10:00:00Z", "value": 3}, {"ts": "2025-03-03", "value": 4}]},
    "samples-upload": {"csv": CSV},
    "samples-delete": {"from": "2025-03-01", "to": "2025-03-31"},
    "metric-theirs-edit": {"version": 1, "name": "Mine now"},
    "samples-theirs-add": {"ts": "2025-03-02T10:00:00Z", "value": 3},
    "metrics-theirs-new": {"name": "Intruder"},
}
METRIC = {"name": "Activation", "unit": "%", "direction": "up", "aggregation": "average", "description": ""}
PAGE_BODIES: dict[str, Any] = {
    "metric-create": {**METRIC, "product": "atlas"},
    "metric-save": {**METRIC, "name": "Sign-ups (web)", "version": "1"},
    "metric-delete": {"version": "1"},
    "metric-theirs-edit": {**METRIC, "name": "Mine now", "version": "1"},
    "sample-add": {"date": "2025-03-02", "time": "10:00", "value": "3"},
    "samples-upload": lambda params: {"file": SimpleUploadedFile("samples.csv", CSV.encode(), "text/csv")},
    "samples-range-delete": {"start": "2025-03-01", "end": "2025-03-31"},
    "samples-delete-selected": lambda params: {"sample": [str(params["sample"])]},
}


def setup(world: Any) -> dict[str, Any]:
    actor = Actor(user=world.team.admin)
    metric = metric_create(actor=actor, product=world.product, name="Sign-ups", unit="users")
    sample = sample_add(actor=actor, metric=metric, ts="2025-03-01T09:00:00Z", value=2)
    theirs = Product.objects.get(slug="theirs")
    their_metric = metric_create(actor=Actor(user=world.team.outsider), product=theirs, name="Their KPI")
    return {"metric": metric.pk, "sample": sample.pk, "their_metric": their_metric.pk, "theirs": theirs.pk}


def snapshot() -> dict[str, Any]:
    return {
        "metrics": sorted(
            Metric.objects.values_list("id", "product_id", "name", "unit", "direction", "aggregation", "version")
        ),
        "samples": sorted(MetricSample.objects.values_list("id", "metric_id", "ts", "value")),
    }
