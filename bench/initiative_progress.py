"""Benchmark: initiative progress (backlog/services/progress.py) on PostgreSQL.

200,000 features of one product spread over 2,000 initiatives (statuses of every category,
efforts on most), generated in SQL. `initiatives_progress_refresh` is timed for 1, 100 and all
2,000 initiatives (one UPDATE … FROM per call), against a per-initiative ORM loop (an aggregate
query and a save per initiative) timed on 50 initiatives and extrapolated.

    make bench                                        # every benchmark
    .venv/bin/python -m bench.initiative_progress --features 1000000

The benchmark's workspace is created afresh in the bench database each run.
"""

from __future__ import annotations

import argparse
import time
import uuid
from typing import Any

from bench import _harness as h

INITIATIVES = 2_000


def build(features: int) -> list[int]:
    from django.db import connection

    from backlog.models import Feature, FeatureStatus
    from pmtool import services
    from pmtool.activity import Actor
    from pmtool.models import User
    from strategy.models import Initiative

    tag = uuid.uuid4().hex[:8]
    user = User.objects.create_user(email=f"bench-{tag}@bench.test", password=None, name="Bench")
    workspace = services.workspace_create(actor=Actor(user=user), name=f"Bench {tag}", slug=f"bench-{tag}")
    product = services.product_create(actor=Actor(user=user), workspace=workspace, name="Bench", stage="growth")
    initiatives = Initiative.objects.bulk_create(
        Initiative(workspace=workspace, product=product, title=f"I{i}") for i in range(INITIATIVES)
    )
    ids = [i.pk for i in initiatives]
    statuses = list(FeatureStatus.objects.filter(workspace=workspace).values_list("pk", flat=True))
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            INSERT INTO {Feature._meta.db_table}
                (product_id, title, description, type, status_id, initiative_id, effort, moscow, rank,
                 version, created_at, updated_at)
            SELECT %s, 'F' || n, '', 'feature', (%s::bigint[])[1 + n %% %s], (%s::bigint[])[1 + n %% %s],
                   CASE WHEN n %% 50 = 0 THEN NULL ELSE 1 + n %% 8 END, '', 'a' || lpad(n::text, 9, '0'),
                   1, now(), now()
            FROM generate_series(1, %s) AS n
            """,  # noqa: S608 - the table name from the model; values are parameters
            [product.pk, statuses, len(statuses), ids, len(ids), features],
        )
        cursor.execute(f"ANALYZE {Feature._meta.db_table}")
    return ids


def orm_loop(initiative_ids: list[int]) -> None:
    """The naive way: one aggregate and one save per initiative."""
    from django.db.models import Count, Q, Sum

    from backlog.models import StatusCategory
    from strategy.models import Initiative

    for initiative in Initiative.objects.filter(pk__in=initiative_ids):
        counted = initiative.features.filter(archived_at__isnull=True).exclude(status__category=StatusCategory.WONT_DO)
        agg = counted.aggregate(
            n=Count("id"),
            done=Count("id", filter=Q(status__category=StatusCategory.DONE)),
            efforts=Count("effort"),
            total=Sum("effort"),
            done_effort=Sum("effort", filter=Q(status__category=StatusCategory.DONE)),
        )
        if not agg["n"]:
            initiative.progress = None
        elif agg["efforts"] == agg["n"]:
            initiative.progress = 100.0 * float(agg["done_effort"] or 0) / float(agg["total"])
        else:
            initiative.progress = 100.0 * agg["done"] / agg["n"]
        initiative.features_done, initiative.features_counted = agg["done"], agg["n"]
        initiative.save(update_fields=["progress", "features_done", "features_counted"])


def timed(call: Any) -> float:
    started = time.perf_counter()
    call()
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--features", type=int, default=200_000)
    args = parser.parse_args()
    url = h.setup_django()
    from django.db import transaction

    from backlog.services.progress import initiatives_progress_refresh

    print(f"database: {url}; {h.machine()}")
    started = time.perf_counter()
    ids = build(args.features)
    took = time.perf_counter() - started
    print(f"{args.features:,} features over {len(ids):,} initiatives generated in {took:.1f} s")
    rows = []
    for n in (1, 100, len(ids)):
        chosen = ids[:n]
        with transaction.atomic():
            statements = h.count_queries(lambda chosen=chosen: initiatives_progress_refresh(chosen))
        stats = h.measure(lambda chosen=chosen: initiatives_progress_refresh(chosen), runs=5, warmup=1)
        rows.append((f"set-based, {n:,} initiatives", stats.median_ms, stats.p95_ms, statements))
    sample = ids[:50]
    with transaction.atomic():
        loop_s = timed(lambda: orm_loop(sample))
    loop_all_ms = loop_s * 1000 * len(ids) / len(sample)
    rows.append((f"ORM loop, {len(sample)} initiatives (measured)", loop_s * 1000, loop_s * 1000, 2 * len(sample) + 1))
    rows.append((f"ORM loop, {len(ids):,} initiatives (extrapolated)", loop_all_ms, loop_all_ms, 2 * len(ids) + 1))
    h.print_table(["initiative progress", "median ms", "p95 ms", "statements"], rows, title="Initiative progress")
    print(f"set-based over all {len(ids):,} initiatives is {loop_all_ms / rows[2][1]:.0f}× faster than the ORM loop")


if __name__ == "__main__":
    main()
