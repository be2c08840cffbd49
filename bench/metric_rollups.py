"""Benchmark: metric rollups (strategy/rollups.py) on PostgreSQL, up to 10 million samples.

1. Rebuild from scratch (`metric_rollup_rebuild`: day, week and month buckets of every metric)
   against the floor: the same day GROUP BY run as raw SQL in `psql` on the same data.
2. Incremental rollup (`rollup_pending`) after 10,000 new samples, at 1 M, 3 M and 10 M samples
   in the table: new samples at the head of the series (the usual case) and 10,000 late samples
   scattered over the whole year (the worst case). It should not grow with the table.
3. Bulk ingestion of 10,000 samples through the API (POST /api/v1/metrics/<id>/samples/, one
   request, a Bearer token), the rollup left to the worker as in production; against inserting
   the same rows with raw SQL (psycopg2 execute_values).

    make bench                                   # every benchmark
    .venv/bin/python -m bench.metric_rollups --samples 10000000

The strategy tables of the bench database are emptied first (samples are generated in SQL).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import random
import re
import statistics
import subprocess
import time
from typing import Any
from urllib.parse import urlsplit

from bench import _harness as h

METRICS = 100
SPACING_S = 315  # one sample per metric every 5 min 15 s: 100,000 per metric ≈ one year
EPOCH = dt.datetime(2025, 1, 1, tzinfo=dt.UTC)
FLOOR_SQL = (
    "SELECT metric_id, (ts AT TIME ZONE 'UTC')::date AS bucket, count(*), sum(value), min(value), max(value), "
    "max(ts) FROM strategy_metricsample GROUP BY 1, 2"
)


def timed(call: Any) -> float:
    started = time.perf_counter()
    call()
    return time.perf_counter() - started


def from_scratch(rebuild: Any) -> float:
    """Time `rebuild` on an empty rollup table (emptied untimed, then analysed)."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("TRUNCATE strategy_metricrollup")
        cursor.execute("ANALYZE strategy_metricrollup")
    return timed(rebuild)


def setup_metrics() -> tuple[Any, list[int]]:
    from django.db import connection

    from pmtool.models import Membership, Product, Role, User, Workspace
    from strategy.models import Metric

    with connection.cursor() as cursor:
        cursor.execute(
            "TRUNCATE strategy_metricsample, strategy_metricrollup, strategy_metricdirtyday RESTART IDENTITY"
        )
    workspace, _ = Workspace.objects.get_or_create(slug="bench-metrics", defaults={"name": "Bench metrics"})
    user = User.objects.filter(email="bench-metrics@bench.pmtool.dev").first() or User.objects.create_user(
        "bench-metrics@bench.pmtool.dev", "bench-password-123", name="Bench"
    )
    Membership.objects.get_or_create(workspace=workspace, user=user, defaults={"role": Role.ADMIN})
    product, _ = Product.objects.get_or_create(workspace=workspace, slug="metrics", defaults={"name": "Metrics"})
    aggregations = ["sum", "average", "last", "count"]
    ids = []
    for i in range(METRICS):
        metric, _ = Metric.objects.get_or_create(
            product=product, name=f"Metric {i:03d}", defaults={"aggregation": aggregations[i % 4]}
        )
        ids.append(metric.pk)
    return user, ids


def grow_to(metric_ids: list[int], per_metric_from: int, per_metric_to: int) -> None:
    """Samples number per_metric_from … per_metric_to - 1 of every metric, generated in SQL."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO strategy_metricsample (metric_id, ts, value) "
            "SELECT m.id, %s::timestamptz + g * make_interval(secs => %s), round((random() * 1000)::numeric, 2) "
            "FROM unnest(%s::bigint[]) AS m(id), generate_series(%s, %s) AS g",
            [EPOCH, SPACING_S, metric_ids, per_metric_from, per_metric_to - 1],
        )
    vacuum_analyze()


def vacuum_analyze() -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE strategy_metricsample")
        cursor.execute("VACUUM ANALYZE strategy_metricrollup")


def psql_floor_seconds(database_url: str) -> float:
    """The day GROUP BY in psql (its rows printed, captured here); psql's own \\timing."""
    parts = urlsplit(database_url)
    env = {**os.environ, "PGPASSWORD": parts.password or ""}
    out = subprocess.run(
        [
            "psql",
            "-X",
            "-q",
            "-h",
            parts.hostname or "127.0.0.1",
            "-p",
            str(parts.port or 5432),
            "-U",
            parts.username or "postgres",
            "-d",
            parts.path.lstrip("/"),
            "-c",
            "\\timing on",
            "-c",
            FLOOR_SQL,
        ],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    match = re.search(r"Time: ([\d.]+) ms", out)
    if match is None:
        raise RuntimeError(f"no timing in psql output: {out!r}")
    return float(match.group(1)) / 1000


def new_samples(metric_ids: list[int], per_metric: int, *, after: int, late: bool, rng: random.Random) -> list:
    """100 samples per metric: at the head of every series (sample numbers `after`, `after` + 1, …),
    or late ones at random times among the first `after` (7 s off the grid: new times, not corrections)."""
    rows = {}
    for metric_id in metric_ids:
        while len(rows) < per_metric * (metric_ids.index(metric_id) + 1):
            k = rng.randrange(0, after) if late else after + len(rows) % per_metric
            ts = EPOCH + dt.timedelta(seconds=SPACING_S * k + (7 if late else 0))
            rows[(metric_id, ts)] = round(rng.uniform(0, 1000), 2)
    return [(m, ts, v) for (m, ts), v in rows.items()]


def ingest_directly(rows: list) -> None:
    """What the ingestion service does to the database, without the request around it."""
    from django.db import transaction

    from strategy import rollups
    from strategy.models import MetricSample

    with transaction.atomic():
        MetricSample.objects.bulk_create(
            [MetricSample(metric_id=m, ts=ts, value=v) for m, ts, v in rows],
            update_conflicts=True,
            unique_fields=["metric", "ts"],
            update_fields=["value"],
            batch_size=2000,
        )
        by_metric: dict[int, set] = {}
        for m, ts, _v in rows:
            by_metric.setdefault(m, set()).add(ts.date())
        for m, days in by_metric.items():
            rollups.mark_days_dirty(m, days)


def incremental(metric_ids: list[int], per_metric_now: int, rng: random.Random, runs: int = 5) -> tuple:
    """Median over `runs` of: 10,000 samples at the head of the series, then rolled up; and the
    same for 10,000 late samples scattered over the series. Returns the medians and days touched."""
    from strategy import rollups
    from strategy.models import MetricDirtyDay

    head_times, late_times, head_days, late_days = [], [], [], []
    after = per_metric_now
    for _ in range(runs):
        ingest_directly(new_samples(metric_ids, 100, after=after, late=False, rng=rng))
        after += 100
        head_days.append(MetricDirtyDay.objects.count())
        head_times.append(timed(rollups.rollup_pending))
        ingest_directly(new_samples(metric_ids, 100, after=per_metric_now, late=True, rng=rng))
        late_days.append(MetricDirtyDay.objects.count())
        late_times.append(timed(rollups.rollup_pending))
    return (
        statistics.median(head_times),
        statistics.median(late_times),
        statistics.median(head_days),
        statistics.median(late_days),
        after,
    )


def bulk_api(user: Any, metric_ids: list[int], rng: random.Random, runs: int) -> tuple[list[float], float, float]:
    from django.db import connection
    from django.test import Client
    from psycopg2.extras import execute_values

    from pmtool import services
    from pmtool.celery import app
    from strategy import rollups

    # Production shape: the request enqueues the rollup for a worker (an in-memory broker here).
    app.conf.update(CELERY_TASK_ALWAYS_EAGER=False, CELERY_BROKER_URL="memory://localhost/")
    _token, raw = services.api_token_create(user=user, name=f"bench {time.time()}")
    client = Client(HTTP_AUTHORIZATION=f"Bearer {raw}")
    timings = []
    metric_id = metric_ids[0]
    for run in range(runs):
        base = EPOCH + dt.timedelta(days=800 + run * 30)
        body = {
            "samples": [
                {"ts": (base + dt.timedelta(minutes=i)).isoformat(), "value": round(rng.uniform(0, 1000), 2)}
                for i in range(10_000)
            ]
        }
        payload = json.dumps(body)
        started = time.perf_counter()
        response = client.post(f"/api/v1/metrics/{metric_id}/samples/", payload, content_type="application/json")
        timings.append(time.perf_counter() - started)
        if response.status_code != 201:
            raise RuntimeError(f"bulk POST answered {response.status_code}: {response.content[:300]!r}")
    rollup_s = timed(rollups.rollup_pending)
    base = EPOCH + dt.timedelta(days=800 + runs * 30)
    rows = [(metric_ids[1], base + dt.timedelta(minutes=i), rng.uniform(0, 1000)) for i in range(10_000)]
    started = time.perf_counter()
    with connection.cursor() as cursor:
        execute_values(
            cursor.cursor,
            "INSERT INTO strategy_metricsample (metric_id, ts, value) VALUES %s "
            "ON CONFLICT (metric_id, ts) DO UPDATE SET value = EXCLUDED.value",
            rows,
            page_size=2000,
        )
    raw_s = time.perf_counter() - started
    return timings, rollup_s, raw_s


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--samples", type=int, default=10_000_000, help="final table size (default 10 M)")
    parser.add_argument("--runs", type=int, default=3, help="timed runs of the rebuild and of the floor")
    args = parser.parse_args()
    database_url = h.setup_django()
    print(f"Database: {database_url}   Machine: {h.machine()}")

    from strategy import rollups
    from strategy.models import MetricRollup

    rng = random.Random(42)
    user, metric_ids = setup_metrics()
    final = args.samples // METRICS
    stages = sorted({final // 10, final * 3 // 10, final})
    have = 0
    incremental_rows = []
    rebuild_rows = []
    for per_metric in stages:
        load_s = timed(lambda have=have, per_metric=per_metric: grow_to(metric_ids, have, per_metric))
        have = per_metric
        total = per_metric * METRICS
        print(f"Loaded {total:,} samples ({load_s:.1f} s in SQL)")
        rebuilds = [from_scratch(rollups.metric_rollup_rebuild) for _ in range(args.runs)]
        floors = [psql_floor_seconds(database_url) for _ in range(args.runs)]
        buckets = MetricRollup.objects.count()
        rebuild, floor = statistics.median(rebuilds), statistics.median(floors)
        rebuild_rows.append((f"{total:,}", buckets, rebuild, floor, f"{rebuild / floor:.2f}x"))
        vacuum_analyze()
        head_s, late_s, head_days, late_days, have = incremental(metric_ids, per_metric, rng)
        incremental_rows.append((f"{total:,}", head_days, head_s * 1000, late_days, late_s * 1000))

    h.print_table(
        ["samples", "buckets", "rebuild s", "psql GROUP BY s", "ratio"],
        rebuild_rows,
        title="Rollup from scratch (days from samples, weeks and months from days) vs the day GROUP BY in psql",
    )
    h.print_table(
        ["samples in table", "days (head)", "10k at head ms", "days (late)", "10k late ms"],
        incremental_rows,
        title="Incremental rollup after 10,000 new samples (100 per metric; median of 5 runs)",
    )

    timings, rollup_s, raw_s = bulk_api(user, metric_ids, rng, runs=5)
    median = statistics.median(timings)
    h.print_table(
        ["request", "median s", "min s", "max s", "raw INSERT s", "ratio"],
        [("POST 10,000 samples", median, min(timings), max(timings), raw_s, f"{median / raw_s:.1f}x")],
        title="Bulk ingestion through the API (Bearer token; rollup queued for the worker)",
    )
    print(f"The worker's rollup of those {len(timings)} x 10,000 samples then took {rollup_s * 1000:.0f} ms.")


if __name__ == "__main__":
    main()
