"""Query counts of the metrics lists (after tests/pmtool/test_queries.py): each surface with 5 rows,
then 60, within the same tight bound and with exactly the same count. The dashboard draws 60
charts from one query for all their series."""

from __future__ import annotations

import datetime as dt
from functools import partial
from itertools import count
from typing import Any

import pytest

from pmtool.models import Product
from strategy import rollups
from strategy.models import Goal, KeyResult, Metric, MetricSample
from strategy.services import metrics as services
from tests.harness import queries as querycount
from tests.harness.queries import api, ok, page

pytestmark = [pytest.mark.django_db, pytest.mark.postgres]

UTC = dt.UTC

# fmt: off
BOUNDS = {
    # surface                                    max queries (5 rows or 60)
    "page: metrics dashboard":                   8,
    "htmx: metrics dashboard grid":              7,
    "page: metric (samples, history, KRs)":      10,
    "api: metrics of a product":                 2,
    "api: samples":                              2,
    "api: series":                               3,
}
# fmt: on

measure = partial(querycount.measure, BOUNDS)

_seq = count(1)


def today() -> dt.date:
    return dt.datetime.now(UTC).date()


def add_metrics(product: Product, n: int, *, days: int = 10) -> list[Metric]:
    """n metrics, each with `days` daily samples, rolled up (set-based, as the worker does)."""
    metrics = Metric.objects.bulk_create(
        Metric(product=product, name=f"Metric {next(_seq):04d}", unit="users", direction=("up", "down")[i % 2])
        for i in range(n)
    )
    start = dt.datetime.combine(today(), dt.time(12), tzinfo=UTC)
    MetricSample.objects.bulk_create(
        MetricSample(metric=m, ts=start - dt.timedelta(days=d), value=100 + d + i)
        for i, m in enumerate(metrics)
        for d in range(days)
    )
    rollups.metric_rollup_rebuild()
    return metrics


@pytest.fixture
def metric(team: Any, product: Any) -> Metric:
    return services.metric_create(actor=team.actor(), product=product, name="Sign-ups", unit="users")


def add_samples(metric: Metric, n: int) -> None:
    start = dt.datetime.combine(today(), dt.time(), tzinfo=UTC)
    offset = MetricSample.objects.filter(metric=metric).count()
    MetricSample.objects.bulk_create(
        MetricSample(metric=metric, ts=start - dt.timedelta(hours=offset + i), value=i) for i in range(n)
    )
    rollups.metric_rollup_rebuild(metric.pk)


def test_metrics_dashboard(team: Any, product: Any, django_assert_max_num_queries: Any) -> None:
    client = page(team.viewer)
    measure(
        django_assert_max_num_queries,
        "page: metrics dashboard",
        lambda: ok(client.get("/w/acme/metrics/")),
        lambda n: add_metrics(product, n),
        lambda r: sum(1 for c in r.context["cards"] if c["latest"] is not None and "<path" in c["chart"].svg),
    )


def test_metrics_dashboard_htmx_grid(team: Any, product: Any, django_assert_max_num_queries: Any) -> None:
    client = page(team.viewer)
    measure(
        django_assert_max_num_queries,
        "htmx: metrics dashboard grid",
        lambda: ok(client.get("/w/acme/metrics/?period=week", HTTP_HX_REQUEST="true")),
        lambda n: add_metrics(product, n),
        lambda r: r.content.decode().count('class="card metric-card"'),
    )


def test_metric_page(team: Any, metric: Metric, django_assert_max_num_queries: Any) -> None:
    client = page(team.viewer)

    def grow(n: int) -> None:
        add_samples(metric, n)
        for _ in range(n // 5):  # key results bound to it and history grow too
            goal = Goal.objects.create(workspace=team.workspace, title=f"Goal {next(_seq)}", product=metric.product)
            KeyResult.objects.create(goal=goal, title="More", metric=metric, target=1000)
        services.samples_add(actor=team.actor(), metric=metric, samples=[(today(), n)])

    measure(
        django_assert_max_num_queries,
        "page: metric (samples, history, KRs)",
        lambda: ok(client.get(f"/w/acme/metrics/{metric.pk}/")),
        grow,
        lambda r: min(len(r.context["samples"]), 5 * len(r.context["key_results"])),
    )


def test_metrics_api(team: Any, product: Any, django_assert_max_num_queries: Any) -> None:
    client = api(team.viewer)
    measure(
        django_assert_max_num_queries,
        "api: metrics of a product",
        lambda: ok(client.get(f"/api/v1/products/{product.pk}/metrics/")),
        lambda n: add_metrics(product, n, days=2),
        lambda r: len(r.json()["results"]),
    )


def test_samples_api(team: Any, metric: Metric, django_assert_max_num_queries: Any) -> None:
    client = api(team.viewer)
    measure(
        django_assert_max_num_queries,
        "api: samples",
        lambda: ok(client.get(f"/api/v1/metrics/{metric.pk}/samples/?order=desc")),
        lambda n: add_samples(metric, n),
        lambda r: len(r.json()["results"]),
    )


def test_series_api(team: Any, metric: Metric, django_assert_max_num_queries: Any) -> None:
    client = api(team.viewer)

    def grow(n: int) -> None:  # n more days of samples: n more day buckets
        start = dt.datetime.combine(today(), dt.time(6), tzinfo=UTC)
        have = MetricSample.objects.filter(metric=metric).count()
        MetricSample.objects.bulk_create(
            MetricSample(metric=metric, ts=start - dt.timedelta(days=have + i), value=i) for i in range(n)
        )
        rollups.metric_rollup_rebuild(metric.pk)

    measure(
        django_assert_max_num_queries,
        "api: series",
        lambda: ok(client.get(f"/api/v1/metrics/{metric.pk}/series/")),
        grow,
        lambda r: len(r.json()["buckets"]),
    )
