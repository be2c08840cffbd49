"""Benchmark: the backlog tools on PostgreSQL: the CSV export of 100,000 features (streamed), bulk
edits of 5 and 500 features, and the CSV import of 10,000 rows.

In-process through Django's test Client (export, bulk) and the service (import). For each: time,
SQL statements, and a baseline: the export beside PostgreSQL's own COPY of the same columns to
CSV; the bulk edit beside one raw UPDATE of the same rows. The export's peak Python memory
(tracemalloc, a separate run) shows it streams: it does not grow with the rows.

    make bench ARGS=backlog_tools
    .venv/bin/python -m bench.backlog_tools --features 100000

Seeding is idempotent: a workspace `bench-tools` whose product holds exactly N features is reused.
"""

from __future__ import annotations

import argparse
import time
import tracemalloc
from typing import Any

from bench import _harness as h

WORKSPACE_SLUG = "bench-tools"
USER_EMAIL = "bench-tools@bench.pmtool.dev"


def seed(count: int) -> tuple[Any, Any, Any]:
    """The bench workspace, its admin and a product with exactly `count` features (set-based SQL)."""
    from django.db import connection, transaction

    from backlog.models import Feature, FeatureStatus
    from pmtool.models import Membership, Product, Role, User, Workspace
    from pmtool.services import workspace_run_setup

    user = User.objects.filter(email=USER_EMAIL).first() or User.objects.create_user(
        email=USER_EMAIL, password=None, name="Bench Tools"
    )
    workspace, created = Workspace.objects.get_or_create(
        slug=WORKSPACE_SLUG, defaults={"name": "Bench Tools", "created_by": user}
    )
    if created or not FeatureStatus.objects.filter(workspace=workspace).exists():
        workspace_run_setup(workspace)
    Membership.objects.get_or_create(workspace=workspace, user=user, defaults={"role": Role.ADMIN})
    product, _ = Product.objects.get_or_create(workspace=workspace, slug="big", defaults={"name": "Big"})
    if Feature.objects.filter(product=product).count() == count:
        print(f"Seed: reusing {count:,} features")
        return workspace, user, product
    status = FeatureStatus.objects.filter(workspace=workspace).order_by("position").first()
    started = time.perf_counter()
    with transaction.atomic(), connection.cursor() as cursor:
        Feature.objects.filter(product=product).delete()
        cursor.execute(
            """
            INSERT INTO backlog_feature (product_id, title, description, type, status_id, rank, moscow,
                reach, impact, confidence, effort, rice_score, version, created_at, updated_at)
            SELECT %(product)s, 'Feature ' || i, '', 'feature', %(status)s, 'a' || lpad(i::text, 7, '0'),
                CASE i %% 4 WHEN 0 THEN 'must' WHEN 1 THEN 'should' WHEN 2 THEN 'could' ELSE '' END,
                i %% 5000, 1, 80, 1 + i %% 10, (i %% 5000) * 0.8 / (1 + i %% 10), 1, now(), now()
            FROM generate_series(1, %(n)s) AS i
            """,
            {"product": product.pk, "status": status.pk, "n": count},
        )
    print(f"Seed: {count:,} features in {time.perf_counter() - started:.1f} s")
    return workspace, user, product


def export_figures(client: Any, product: Any, count: int) -> list[list[Any]]:
    from django.db import connection

    url = f"/api/v1/products/{product.pk}/features/export/"

    def run() -> int:
        response = client.get(url)
        return sum(len(chunk) for chunk in response.streaming_content)

    run()  # warm
    started = time.perf_counter()
    size = run()
    seconds = time.perf_counter() - started
    queries = h.count_queries(run)
    tracemalloc.start()
    run()
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    copy_sql = f"""COPY (SELECT f.title, f.type, s.name, s.category, f.reach, f.impact, f.confidence, f.effort,
        f.rice_score, f.moscow, f.scorecard_score FROM backlog_feature f
        JOIN backlog_featurestatus s ON s.id = f.status_id
        WHERE f.product_id = {int(product.pk)} AND f.archived_at IS NULL ORDER BY f.rank) TO STDOUT WITH CSV HEADER"""  # noqa: S608

    class Sink:
        def write(self, data: Any) -> None:
            pass

    raw_started = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.cursor.copy_expert(copy_sql, Sink())
    raw = time.perf_counter() - raw_started
    return [
        ["export (API, streamed)", f"{count:,}", seconds, f"{count / seconds:,.0f}", queries, f"{peak / 1e6:.1f}",
         f"{size / 1e6:.1f}", f"{seconds / raw:.1f}x"],
        ["raw COPY … TO STDOUT CSV", f"{count:,}", raw, f"{count / raw:,.0f}", 1, "-", "-", "1.0x"],
    ]  # fmt: skip


def bulk_figures(client: Any, product: Any, runs: int) -> list[list[Any]]:
    from django.db import connection

    from backlog.models import Feature, FeatureStatus

    statuses = list(FeatureStatus.objects.filter(workspace_id=product.workspace_id).values_list("pk", flat=True)[:2])
    url = f"/api/v1/products/{product.pk}/features/bulk/"
    rows = []
    for n in (5, 500):
        ids = list(Feature.objects.filter(product=product).order_by("rank").values_list("pk", flat=True)[:n])
        turn = [0]

        def call(ids: list[int] = ids, turn: list[int] = turn) -> None:
            turn[0] += 1
            current = Feature.objects.filter(pk__in=ids).values_list("pk", "version")
            items = [{"id": pk, "version": v} for pk, v in current]
            body = {"items": items, "changes": {"status": statuses[turn[0] % 2]}}
            response = client.post(url, body, content_type="application/json")
            assert response.status_code == 200, response.content[:300]

        stats = h.measure(call, runs=runs, warmup=3)
        queries = h.count_queries(call) - 1  # minus the versions read by the benchmark itself

        def raw(ids: list[int] = ids) -> None:
            with connection.cursor() as cursor:
                cursor.execute(
                    "UPDATE backlog_feature SET status_id = %s, version = version + 1, updated_at = now() "
                    "WHERE id = ANY(%s)",
                    [statuses[0], ids],
                )

        raw_stats = h.measure(raw, runs=runs, warmup=3)
        rows.append([f"bulk status change, {n} features", stats.median_ms, stats.p95_ms, queries,
                     raw_stats.median_ms, f"{stats.median_ms / raw_stats.median_ms:.1f}x"])  # fmt: skip
    return rows


def import_figures(user: Any, workspace: Any, rows: int) -> list[list[Any]]:
    from django.db import transaction

    from backlog.models import Feature
    from backlog.services import csv_import
    from pmtool.activity import Actor
    from pmtool.models import Product

    target, _ = Product.objects.get_or_create(workspace=workspace, slug="import", defaults={"name": "Import"})
    lines = ["Summary,Points,Status,MoSCoW,Labels,Reach,Impact,Confidence"]
    lines += [f'Imported {i},{1 + i % 8},Planned,should,"mobile, web",{i % 900},2,50' for i in range(rows)]
    content = ("\n".join(lines) + "\n").encode()
    out = []
    for dry in (True, False):
        Feature.objects.filter(product=target).delete()

        def run(dry: bool = dry) -> Any:
            parsed = csv_import.read_csv(content)
            mapping = csv_import.guess_mapping(parsed.headers, [])
            with transaction.atomic():
                return csv_import.features_import(
                    actor=Actor(user=user), product=target, parsed=parsed, mapping=mapping, dry_run=dry
                )

        started = time.perf_counter()
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as captured:
            result = run()
        seconds = time.perf_counter() - started
        assert result.created == (0 if dry else rows) and not result.errors
        label = "validate only" if dry else "create"
        out.append([f"import {rows:,} rows ({label})", seconds, f"{rows / seconds:,.0f}", len(captured)])
    Feature.objects.filter(product=target).delete()
    return out


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--features", type=int, default=100_000)
    parser.add_argument("--import-rows", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=20, help="timed bulk edits per size")
    args = parser.parse_args(argv)
    database = h.setup_django()
    from django.test import Client

    print(f"Database: {database}; {h.machine()}")
    workspace, user, product = seed(args.features)
    client = Client()
    client.force_login(user)
    h.print_table(
        ["surface", "rows", "seconds", "rows/s", "SQL", "peak MB", "CSV MB", "÷ raw"],
        export_figures(client, product, args.features),
        title="CSV export of a whole backlog (UTF-8 BOM, formula-safe, every column; one streamed query)",
    )
    h.print_table(
        ["surface", "median ms", "p95 ms", "SQL", "raw UPDATE ms", "÷ raw"],
        bulk_figures(client, product, args.runs),
        title="Bulk edit through the API (lock, version check, one UPDATE, activity events in one INSERT)",
    )
    h.print_table(
        ["surface", "seconds", "rows/s", "SQL"],
        import_figures(user, workspace, args.import_rows),
        title="CSV import through the service (read, validate every row, bulk-create, score, history)",
    )


if __name__ == "__main__":
    main()
