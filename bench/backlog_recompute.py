"""Benchmark: the set-based scorecard recompute (backlog.scoring.product_scores_recompute) over
1,000,000 features of one product with 4 criteria, on PostgreSQL.

1. Every row changing (a criterion reweighted), then ~1% changing (10,000 features' values edited):
   seconds through product_scores_recompute (Django's cursor), against the identical statement text
   run in `psql` (its own \\timing): aim ≤ 1.3×.
2. What the history INSERT … SELECT adds: the same UPDATE without it.
3. A per-row ORM loop (read the values, compute in Python, save(), a history row) timed on a
   sample of 2,000 features and extrapolated to 1,000,000: aim ≥ 50× slower than set-based.

    make bench ARGS=backlog_recompute
    .venv/bin/python -m bench.backlog_recompute --features 1000000

The features of the bench product are generated in SQL (INSERT … SELECT generate_series) once and
reused by later runs; its score history is emptied first.
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import time
from typing import Any
from urllib.parse import urlsplit

from bench import _harness as h

CRITERIA = (("Customer value", 4, "benefit", 1, 5), ("Strategic fit", 2, "benefit", 0, 10),
            ("Risk", 1, "cost", 1, 5), ("Effort", 3, "cost", 1, 10))  # fmt: skip
SAMPLE = 2_000


def timed(call: Any) -> float:
    started = time.perf_counter()
    call()
    return time.perf_counter() - started


def setup_product(features: int) -> tuple[Any, list[Any]]:
    """The bench product with its 4 criteria and `features` features, each with a value on every criterion."""
    from django.db import connection

    from backlog.models import Feature, FeatureStatus, ScorecardCriterion
    from pmtool.models import Product, Workspace
    from pmtool.services import workspace_run_setup

    workspace, created = Workspace.objects.get_or_create(slug="bench-scores", defaults={"name": "Bench scores"})
    if created or not FeatureStatus.objects.filter(workspace=workspace).exists():
        workspace_run_setup(workspace)
    product, _ = Product.objects.get_or_create(workspace=workspace, slug="scores", defaults={"name": "Scores"})
    criteria = []
    for position, (name, weight, direction, low, high) in enumerate(CRITERIA):
        criterion, _ = ScorecardCriterion.objects.update_or_create(
            product=product,
            name=name,
            defaults={
                "weight": weight,
                "direction": direction,
                "scale_min": low,
                "scale_max": high,
                "position": position,
            },
        )
        criteria.append(criterion)
    status = FeatureStatus.objects.filter(workspace=workspace).order_by("position").first()
    assert status is not None
    with connection.cursor() as cursor:
        cursor.execute(
            "DELETE FROM backlog_scorehistory "
            "WHERE feature_id IN (SELECT id FROM backlog_feature WHERE product_id = %s)",
            [product.pk],
        )
        cursor.execute("DELETE FROM backlog_scoreevent WHERE product_id = %s", [product.pk])
    have = Feature.objects.filter(product=product).count()
    if have != features:
        started = time.perf_counter()
        with connection.cursor() as cursor:
            cursor.execute(
                "DELETE FROM backlog_criterionvalue "
                "WHERE feature_id IN (SELECT id FROM backlog_feature WHERE product_id = %s)",
                [product.pk],
            )
            cursor.execute("DELETE FROM backlog_feature WHERE product_id = %s", [product.pk])
            cursor.execute(
                "INSERT INTO backlog_feature (product_id, title, description, type, status_id, rank, moscow, version, "
                "created_at, updated_at) "
                "SELECT %s, 'Feature ' || g, '', 'feature', %s, 'a' || lpad(g::text, 8, '0'), '', 1, now(), now() "
                "FROM generate_series(1, %s) AS g",
                [product.pk, status.pk, features],
            )
            cursor.execute(
                "INSERT INTO backlog_criterionvalue (feature_id, criterion_id, value) "
                "SELECT f.id, c.id, c.scale_min + floor(random() * (c.scale_max - c.scale_min + 1))::int "
                "FROM backlog_feature f CROSS JOIN backlog_scorecardcriterion c "
                "WHERE f.product_id = %s AND c.product_id = %s",
                [product.pk, product.pk],
            )
        seconds = time.perf_counter() - started
        print(f"Loaded {features:,} features and {features * len(CRITERIA):,} values in {seconds:.1f} s")
    vacuum_analyze()
    return product, criteria


def vacuum_analyze() -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        for table in ("backlog_feature", "backlog_criterionvalue", "backlog_scorehistory"):
            cursor.execute(f"VACUUM ANALYZE {table}")


def set_weight(criterion: Any, weight: int) -> None:
    type(criterion).objects.filter(pk=criterion.pk).update(weight=weight)


def edit_values(product: Any, criterion: Any, fraction: float, seed: int) -> int:
    """Move the value of `criterion` by one step for ~`fraction` of the product's features (untimed)."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE backlog_criterionvalue v SET value = CASE WHEN v.value < %s THEN v.value + 1 ELSE v.value - 1 END "
            "FROM backlog_feature f WHERE f.id = v.feature_id AND f.product_id = %s AND v.criterion_id = %s "
            "AND (f.id * 2654435761 + %s) %% 1000 < %s",
            [criterion.scale_max, product.pk, criterion.pk, seed, int(fraction * 1000)],
        )
        return int(cursor.rowcount)


def new_event(product: Any) -> Any:
    from backlog.models import ScoreCause
    from backlog.scoring import score_event

    return score_event(product_id=product.pk, actor=None, cause=ScoreCause.RECOMPUTE, detail={"bench": True})


def through_django(product: Any) -> tuple[float, int]:
    from django.db import transaction

    from backlog.scoring import product_scores_recompute

    event = new_event(product)
    result: list[int] = []
    with transaction.atomic():
        seconds = timed(lambda: result.append(product_scores_recompute(product_id=product.pk, event=event)))
    return seconds, result[0]


def through_psql(product: Any, database_url: str, *, history: bool = True) -> tuple[float, int]:
    """The identical statement text (parameters inlined by psycopg2's mogrify), in psql with \\timing."""
    from django.db import connection

    from backlog.scoring import recompute_sql

    event = new_event(product)
    with connection.cursor() as cursor:
        sql = cursor.mogrify(
            recompute_sql(history=history), {"product": product.pk, "event": event.pk, "at": event.created_at}
        )
    text = sql.decode() if isinstance(sql, bytes) else str(sql)
    parts = urlsplit(database_url)
    env = {**os.environ, "PGPASSWORD": parts.password or ""}
    out = subprocess.run(
        ["psql", "-X", "-q", "-h", parts.hostname or "127.0.0.1", "-p", str(parts.port or 5432),
         "-U", parts.username or "postgres", "-d", parts.path.lstrip("/"), "-c", "\\timing on", "-c", text],
        env=env, capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    match = re.search(r"Time: ([\d.]+) ms", out)
    if match is None:
        raise RuntimeError(f"no timing in psql output: {out!r}")
    from backlog.models import ScoreHistory

    rows = (
        ScoreHistory.objects.filter(event=event).count() if history else int(re.findall(r"^\s*(\d+)\s*$", out, re.M)[0])
    )
    return float(match.group(1)) / 1000, rows


def orm_loop(product: Any, sample: int) -> float:
    """The naive way, for the ratio: per feature, read its values, compute, save(), a history row."""
    from django.db import transaction

    from backlog.models import CriterionValue, Feature, ScoreHistory
    from backlog.scoring import criteria_of, scorecard_score

    event = new_event(product)
    criteria = criteria_of(product.pk)
    features = list(Feature.objects.filter(product=product).order_by("id")[:sample])

    def loop() -> None:
        with transaction.atomic():
            for feature in features:
                values = dict(CriterionValue.objects.filter(feature=feature).values_list("criterion_id", "value"))
                feature.scorecard_score = (scorecard_score(criteria, values) or 0) + 0.5  # always a change
                feature.save()
                ScoreHistory.objects.create(
                    event=event, feature=feature, scorecard_score=feature.scorecard_score, rank=feature.rank
                )
            transaction.set_rollback(True)  # leave the scores as the set-based path wrote them

    return timed(loop)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--features", type=int, default=1_000_000)
    args = parser.parse_args()
    database_url = h.setup_django()
    print(f"Database: {database_url}   {h.machine()}")
    product, criteria = setup_product(args.features)
    n = args.features

    # Every row changing: a criterion reweighted (4 → 5, then 5 → 4 for psql's turn).
    set_weight(criteria[0], 5)
    through_django(product)  # warm: the first pass also fills the scores that were empty
    set_weight(criteria[0], 4)
    vacuum_analyze()  # every timed run starts from a vacuumed table (the warm pass left 1 M dead rows)
    django_all, django_all_rows = through_django(product)
    set_weight(criteria[0], 5)
    vacuum_analyze()
    psql_all, psql_all_rows = through_psql(product, database_url)
    set_weight(criteria[0], 4)
    vacuum_analyze()
    update_only, update_only_rows = through_psql(product, database_url, history=False)

    # ~1% changing: 10,000 features' values edited (untimed), then the recompute.
    edit_values(product, criteria[1], 0.01, seed=1)
    vacuum_analyze()
    django_some, django_some_rows = through_django(product)
    edit_values(product, criteria[1], 0.01, seed=2)
    vacuum_analyze()
    psql_some, psql_some_rows = through_psql(product, database_url)

    loop = orm_loop(product, SAMPLE)
    loop_1m = loop * n / SAMPLE

    psql_ratio = (f"{django_all / psql_all:.2f}× psql", f"{django_some / psql_some:.2f}× psql")
    history = f"history adds {psql_all - update_only:+.2f} s ({(psql_all / update_only - 1) * 100:+.0f}%)"
    h.print_table(
        [f"recompute of {n:,} features", "rows written", "seconds", "ratio"],
        [
            ("every row changes: product_scores_recompute", django_all_rows, f"{django_all:.2f}", psql_ratio[0]),
            ("every row changes: same statement in psql", psql_all_rows, f"{psql_all:.2f}", "1.00"),
            ("every row changes: UPDATE only (no history), psql", update_only_rows, f"{update_only:.2f}", history),
            ("~1% change: product_scores_recompute", django_some_rows, f"{django_some:.2f}", psql_ratio[1]),
            ("~1% change: same statement in psql", psql_some_rows, f"{psql_some:.2f}", "1.00"),
            (f"per-row ORM save() loop: {SAMPLE:,} rows", SAMPLE, f"{loop:.2f}", ""),
            ("per-row ORM save() loop, extrapolated", n, f"{loop_1m:.1f}", f"{loop_1m / django_all:.0f}× set-based"),
        ],
        title="Scorecard recompute, set-based (one UPDATE … FROM with the history INSERT … SELECT)",
    )  # fmt: skip


if __name__ == "__main__":
    main()
