"""Benchmark: the MoSCoW board and the value vs effort matrix pages over a large backlog, on PostgreSQL.

GET /w/<ws>/products/<slug>/backlog/moscow/ (five columns, the first 100 cards of each) and
GET …/backlog/matrix/ (the first 1,000 features' value and effort, drawn as SVG) through Django's
test Client, in-process, signed in: median and p95 server time, SQL queries per request (they must
not grow with the backlog), and a baseline: the page's main SELECT as raw SQL through the cursor,
with the ratio page / raw. Then a move (POST …/features/<id>/moscow/, JSON) and the rows it writes.

    make bench ARGS=backlog_boards
    .venv/bin/python -m bench.backlog_boards --features 10000 --runs 50

Seeding is idempotent: a product `boards` with exactly N features is reused.
"""

from __future__ import annotations

import argparse
import random
import re
import sys
from typing import Any

from bench import _harness as h

WORKSPACE_SLUG = "bench-boards"
PRODUCT_SLUG = "boards"
USER_EMAIL = "boards@bench.pmtool.dev"
COLUMNS = ["must", "should", "could", "wont", ""]


def seed(n: int) -> tuple[Any, Any, Any]:
    from django.db import transaction

    from backlog.models import Feature, FeatureStatus
    from pmtool.models import Membership, Product, User, Workspace
    from pmtool.ranking import even_keys
    from pmtool.services import workspace_run_setup

    user, _ = User.objects.get_or_create(email=USER_EMAIL, defaults={"name": "Bench"})
    workspace = Workspace.objects.filter(slug=WORKSPACE_SLUG).first()
    if workspace is None:
        workspace = Workspace.objects.create(name="Bench boards", slug=WORKSPACE_SLUG, created_by=user)
        workspace_run_setup(workspace)
    Membership.objects.get_or_create(workspace=workspace, user=user, defaults={"role": "editor"})
    product, _ = Product.objects.get_or_create(workspace=workspace, slug=PRODUCT_SLUG, defaults={"name": "Boards"})
    if Feature.objects.filter(product=product).count() != n:
        statuses = list(FeatureStatus.objects.filter(workspace=workspace, category__in=["backlog", "planned"]))
        rng = random.Random(9)
        with transaction.atomic():
            Feature.objects.filter(product=product).delete()
            Feature.objects.bulk_create(
                (
                    Feature(
                        product=product,
                        title=f"Feature {i:06d}",
                        status=statuses[i % len(statuses)],
                        moscow=COLUMNS[i % len(COLUMNS)],
                        effort=rng.choice([0.5, 1, 2, 3, 5, 8, 13, 20]),
                        rice_score=round(rng.lognormvariate(5, 1.5), 2),
                        scorecard_score=round(rng.uniform(0, 100), 1),
                        rank=key,
                    )
                    for i, key in enumerate(even_keys(n))
                ),
                batch_size=5000,
            )
        print(f"Seeded {n:,} features")
    return workspace, product, user


WRITE = re.compile(r'^(UPDATE|INSERT INTO|DELETE FROM)\s+"?(\w+)"?')
RAW_BOARD = """
    SELECT * FROM (
        SELECT f.id, f.title, f.type, f.moscow, f.rank, f.version, f.rice_score, f.scorecard_score, f.effort,
               s.name, s.colour, ROW_NUMBER() OVER (PARTITION BY f.moscow ORDER BY f.rank, f.id) AS pos
        FROM backlog_feature f JOIN backlog_featurestatus s ON s.id = f.status_id
        WHERE f.product_id = %s AND f.archived_at IS NULL AND s.category NOT IN ('done', 'wont_do')
    ) t WHERE pos <= 100
"""
RAW_MATRIX = """
    SELECT f.id, f.title, f.scorecard_score, f.effort
    FROM backlog_feature f JOIN backlog_featurestatus s ON s.id = f.status_id
    WHERE f.product_id = %s AND f.archived_at IS NULL AND s.category NOT IN ('done', 'wont_do')
    ORDER BY f.rank, f.id LIMIT 1001
"""


def raw(sql: str, product_id: int) -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(sql, [product_id])
        cursor.fetchall()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--features", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=50, help="timed requests per scenario")
    parser.add_argument("--warmup", type=int, default=5, help="untimed requests first")
    args = parser.parse_args(argv)

    database = h.setup_django()
    import django
    from django.core.management import call_command

    call_command("collectstatic", interactive=False, verbosity=0)  # DEBUG off: pages need the manifest
    from django.db import connection
    from django.test import Client

    from backlog.models import CriterionValue, Feature, ScorecardCriterion

    workspace, product, user = seed(args.features)
    ScorecardCriterion.objects.get_or_create(product=product, name="Value")  # the matrix reads the scorecard
    client = Client()
    client.force_login(user)
    base = f"/w/{workspace.slug}/products/{product.slug}/backlog/"

    print(
        f"\nMoSCoW board and value vs effort matrix — {args.features:,} features in one product, "
        f"{args.runs} timed requests per row after {args.warmup} warm-up"
    )
    versions = f"Django {django.get_version()}   Python {sys.version.split()[0]}"
    print(f"Database: {database} ({connection.vendor})   {versions}")
    print(f"Machine: {h.machine()}")
    rows = []
    for label, url, sql in (
        ("MoSCoW board", base + "moscow/", RAW_BOARD),
        ("MoSCoW board, q=feature", base + "moscow/?q=feature", None),
        ("value vs effort matrix", base + "matrix/", RAW_MATRIX),
    ):
        response = client.get(url)
        if response.status_code != 200:
            sys.exit(f"{label}: {response.status_code}")
        page = h.measure(lambda u=url: client.get(u), runs=args.runs, warmup=args.warmup)
        queries = h.count_queries(lambda u=url: client.get(u))
        if sql is None:
            rows.append((label, page.median_ms, page.p95_ms, queries, "-", "-"))
            continue
        base_sql = h.measure(lambda s=sql: raw(s, product.pk), runs=args.runs, warmup=args.warmup)
        ratio = f"{page.median_ms / base_sql.median_ms:.1f}x"
        rows.append((label, page.median_ms, page.p95_ms, queries, base_sql.median_ms, ratio))
    h.print_table(("page", "median ms", "p95 ms", "queries/req", "raw SQL median ms", "page/raw"), rows)

    # A move: one feature's column, through the board's JSON endpoint. Its stored scores are made
    # consistent with its inputs first (the seed writes random scores), so the move's own rescore
    # has nothing to write and the figures show the move alone.
    from backlog.scoring import feature_rescore

    feature = Feature.objects.filter(product=product).order_by("rank").first()
    feature_rescore(feature, actor=None)
    from django.test.utils import CaptureQueriesContext

    writes = []
    timings = []
    for i in range(min(args.runs, 40)):
        current = Feature.objects.values_list("version", "moscow").get(pk=feature.pk)
        target = COLUMNS[(COLUMNS.index(current[1]) + 1) % len(COLUMNS)]
        with CaptureQueriesContext(connection) as captured:
            stats = h.measure(
                lambda v=current[0], t=target: client.post(
                    f"/w/{workspace.slug}/features/{feature.pk}/moscow/",
                    {"moscow": t, "version": str(v)},
                    HTTP_ACCEPT="application/json",
                ),
                runs=1,
                warmup=0,
            )
        timings.append(stats.median_ms)
        if i == 0:
            writes = [
                " ".join(match.groups())
                for q in captured.captured_queries
                if (match := WRITE.match(q["sql"])) is not None
            ]
    updated = sum(1 for w in writes if w.startswith("UPDATE") and "backlog_feature" in w)
    print(
        f"\nMove (POST …/features/<id>/moscow/, JSON): median {sorted(timings)[len(timings) // 2]:.2f} ms "
        f"over {len(timings)} moves; writes per move: {', '.join(writes)} "
        f"({updated} UPDATE of backlog_feature, one row; the inserts are the activity event and the score history)"
    )
    CriterionValue.objects.filter(feature__product=product).delete()


if __name__ == "__main__":
    main()
