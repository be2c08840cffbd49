"""Benchmark: the backlog list API over 100,000 features of one product, and the backlog page over
1,000 features, on PostgreSQL.

In-process (Django's test Client, no network): GET /api/v1/products/<id>/features/?page_size=50 at
page 1 and deep in the cursor (90 % of the way, and sorted by RICE), with a session and with a
Bearer token; the backlog page /w/<ws>/products/<slug>/backlog/ of a 1,000-feature product. For
each: median and p95, SQL queries per request (must not grow with rows), and the ratio to the same
page fetched as ONE raw SELECT through the database cursor (joins and tag names included).

Over HTTP too: gunicorn with 2 workers on this database, a client in this (second) process with a
keep-alive session and a Bearer token, as a real client meets the list.

    make bench ARGS=backlog_list
    .venv/bin/python -m bench.backlog_list --runs 300 --features 100000

Seeding is idempotent: the products `bench-backlog-100k` / `bench-backlog-1k` with exactly N
features are reused.
"""

from __future__ import annotations

import argparse
import os
import socket
import subprocess
import sys
import time
from typing import Any

from bench import _harness as h

PAGE_SIZE = 50
WORKSPACE_SLUG = "bench-backlog"
USER_EMAIL = "bench-backlog@bench.pmtool.dev"
WORDS = [
    "dark",
    "mode",
    "export",
    "import",
    "search",
    "filter",
    "billing",
    "invoice",
    "onboarding",
    "wizard",
    "dashboard",
    "report",
    "sso",
    "audit",
    "log",
    "webhook",
    "api",
    "mobile",
    "offline",
    "sync",
    "calendar",
    "reminder",
    "comment",
    "mention",
    "share",
]


def _features_sql() -> str:
    return """
        INSERT INTO backlog_feature (
            product_id, title, description, type, status_id, owner_id, reach, impact, confidence, effort,
            rice_score, moscow, rank, version, created_at, updated_at, created_by_id, updated_by_id)
        SELECT %(product)s,
               initcap((%(words)s::text[])[1 + (i * 7) %% array_length(%(words)s::text[], 1)] || ' '
                       || (%(words)s::text[])[1 + (i * 13) %% array_length(%(words)s::text[], 1)]) || ' ' || i,
               'Benchmark feature ' || i || ': what it does, for whom, and why it matters this quarter.',
               (ARRAY['feature','improvement','bug','feature'])[1 + i %% 4],
               (%(statuses)s::int[])[1 + i %% array_length(%(statuses)s::int[], 1)],
               CASE WHEN i %% 3 = 0 THEN NULL ELSE %(user)s END,
               CASE WHEN i %% 5 = 0 THEN NULL ELSE 100 + (i * 37) %% 5000 END,
               (ARRAY[0.25, 0.5, 1, 2, 3])[1 + i %% 5],
               50 + i %% 51,
               1 + (i %% 12),
               CASE WHEN i %% 5 = 0 THEN NULL
                    ELSE (100 + (i * 37) %% 5000) * (ARRAY[0.25, 0.5, 1, 2, 3])[1 + i %% 5]
                         * (50 + i %% 51) / 100.0 / (1 + (i %% 12)) END,
               (ARRAY['', 'must', 'should', 'could', 'wont'])[1 + i %% 5],
               k.rank, 1, now() - (i || ' seconds')::interval, now(), %(user)s, %(user)s
        FROM unnest(%(ranks)s::text[]) WITH ORDINALITY AS k(rank, i)
    """


def seed(slug: str, count: int) -> tuple[Any, Any, Any]:
    """The bench workspace, its admin and the product `slug` with exactly `count` features (a third
    of them with two tags)."""
    from django.db import connection, transaction

    from backlog.models import Feature, FeatureStatus, Tag
    from pmtool.models import Membership, Product, Role, User, Workspace
    from pmtool.ranking import even_keys
    from pmtool.services import workspace_create

    user = User.objects.filter(email=USER_EMAIL).first() or User.objects.create_user(
        email=USER_EMAIL, password=None, name="Bench Admin"
    )
    workspace = Workspace.objects.filter(slug=WORKSPACE_SLUG).first()
    if workspace is None:
        from pmtool.activity import Actor

        workspace = workspace_create(actor=Actor(user=user), name="Bench Backlog", slug=WORKSPACE_SLUG)
    Membership.objects.get_or_create(workspace=workspace, user=user, defaults={"role": Role.ADMIN})
    product, _ = Product.objects.get_or_create(workspace=workspace, slug=slug, defaults={"name": slug})
    if Feature.objects.filter(product=product).count() == count:
        print(f"Seed: reusing {count:,} features of '{slug}'")
        return workspace, user, product
    started = time.perf_counter()
    statuses = list(FeatureStatus.objects.filter(workspace=workspace).values_list("id", flat=True))
    tags = [Tag.objects.get_or_create(workspace=workspace, name=name)[0].pk for name in ("mobile", "growth", "ux")]
    with transaction.atomic(), connection.cursor() as cursor:
        Feature.objects.filter(product=product).delete()
        cursor.execute(
            _features_sql(),
            {"product": product.pk, "words": WORDS, "statuses": statuses, "user": user.pk, "ranks": even_keys(count)},
        )
        cursor.execute(
            """
            INSERT INTO backlog_feature_tags (feature_id, tag_id)
            SELECT f.id, t.tag FROM backlog_feature f
            CROSS JOIN unnest(%s::int[]) AS t(tag)
            WHERE f.product_id = %s AND f.id %% 3 = 0 AND t.tag <> %s
            """,
            [tags, product.pk, tags[0]],
        )
        cursor.execute("ANALYZE backlog_feature")
        cursor.execute("ANALYZE backlog_feature_tags")
    print(f"Seed: created {count:,} features of '{slug}' in {time.perf_counter() - started:.1f}s")
    return workspace, user, product


RAW_SQL = """
    SELECT f.id, f.product_id, f.title, f.description, f.type, f.parent_id, f.status_id, s.name, s.category,
           s.colour, f.owner_id, f.initiative_id, f.release_id, f.team_id, f.start_date, f.due_date, f.reach,
           f.impact, f.confidence, f.effort, f.rice_score, f.moscow, f.scorecard_score, f.rank, f.archived_at,
           f.version, f.created_at, f.updated_at, f.created_by_id, f.updated_by_id,
           ARRAY(SELECT t.name FROM backlog_feature_tags ft JOIN backlog_tag t ON t.id = ft.tag_id
                 WHERE ft.feature_id = f.id ORDER BY t.name) AS tags
    FROM backlog_feature f JOIN backlog_featurestatus s ON s.id = f.status_id
    WHERE f.product_id = %s AND f.archived_at IS NULL {after}
    ORDER BY {order}
    LIMIT %s
"""


def raw_page(product_id: int, *, after: list[Any] | None, sort: str) -> list[tuple[Any, ...]]:
    """The same page as the API, by hand: ONE SELECT (status joined, tag names aggregated)."""
    from django.db import connection

    params: list[Any] = [product_id]
    clause = ""
    if sort == "rank":
        order = "f.rank"
        if after is not None:
            clause, params = "AND f.rank > %s", [*params, after[-1]]
    else:  # rice, desc nulls last, then rank
        order = "f.rice_score DESC NULLS LAST, f.rank"
        if after is not None and after[0] is None:
            clause, params = "AND f.rice_score IS NULL AND f.rank > %s", [*params, after[1]]
        elif after is not None:
            # the scored segment as an index range, as the API reads it (this page does not reach the unscored)
            clause = "AND f.rice_score <= %s AND (f.rice_score < %s OR f.rank > %s)"
            params += [after[0], after[0], after[1]]
    params.append(PAGE_SIZE + 1)
    with connection.cursor() as cursor:
        cursor.execute(RAW_SQL.format(after=clause, order=order), params)
        return cursor.fetchall()


def position_at(product_id: int, offset: int, sort: str) -> list[Any]:
    """The cursor position (sort key, rank) of the row at `offset` in a sort."""
    from django.db import connection

    order = "rank" if sort == "rank" else "rice_score DESC NULLS LAST, rank"
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT rice_score, rank FROM backlog_feature WHERE product_id = %s AND archived_at IS NULL "  # noqa: S608
            f"ORDER BY {order} OFFSET %s LIMIT 1",
            [product_id, offset],
        )
        rice, rank = cursor.fetchone()
    return [rank] if sort == "rank" else [rice, rank]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def http_figures(urls: list[tuple[str, str]], token: str, *, runs: int, warmup: int) -> list[tuple[Any, ...]]:
    """The same requests over HTTP: gunicorn, 2 workers, this database; keep-alive and a Bearer token."""
    import requests

    port = _free_port()
    env = {**os.environ, "DEBUG": "0", "ALLOWED_HOSTS": "127.0.0.1,localhost", "SECURE_SSL_REDIRECT": "0"}
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "pmtool.wsgi:application", "--workers", "2", "--bind",
         f"127.0.0.1:{port}", "--keep-alive", "30", "--log-level", "warning"],
        cwd=h.ROOT, env=env,
    )  # fmt: skip
    try:
        base = f"http://127.0.0.1:{port}"
        session = requests.Session()
        session.headers["Authorization"] = f"Bearer {token}"
        for _ in range(300):
            try:
                if session.get(base + "/healthz", timeout=5).status_code == 200:
                    break
            except requests.RequestException:
                time.sleep(0.2)
        rows = []
        for label, url in urls:
            response = session.get(base + url, timeout=10)
            if response.status_code != 200:
                sys.exit(f"HTTP {label}: {response.status_code} {response.text[:200]}")
            stats = h.measure(lambda u=url: session.get(base + u, timeout=10), runs=runs, warmup=warmup)
            rows.append((label, stats.median_ms, stats.p95_ms, len(response.content)))
        return rows
    finally:
        server.terminate()
        server.wait(timeout=10)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--features", type=int, default=100_000)
    parser.add_argument("--page-features", type=int, default=1_000)
    parser.add_argument("--runs", type=int, default=200, help="timed requests per scenario")
    parser.add_argument("--warmup", type=int, default=20, help="untimed requests first")
    parser.add_argument("--no-http", action="store_true", help="leave out the gunicorn figures")
    parser.add_argument(
        "--page-only", action="store_true", help="only the backlog page (no API rows, no 100k seed, no HTTP)"
    )
    args = parser.parse_args(argv)

    database = h.setup_django()
    import django
    from django.core.management import call_command

    call_command("collectstatic", interactive=False, verbosity=0)  # DEBUG off: the page needs the manifest
    from django.db import connection
    from django.test import Client

    from backlog.selectors.features import encode_cursor
    from pmtool import services

    if not args.page_only:
        _workspace, user, big = seed("bench-backlog-100k", args.features)
    _, user, small = seed("bench-backlog-1k", args.page_features)

    session = Client()
    session.force_login(user)
    _token, raw_token = services.api_token_create(user=user, name="bench")
    bearer = Client(headers={"authorization": f"Bearer {raw_token}"})

    scenarios: list[tuple[str, Any, str, str, list[Any] | None]] = []
    if not args.page_only:
        base = f"/api/v1/products/{big.pk}/features/?page_size={PAGE_SIZE}"
        deep_offset = int(args.features * 0.9)
        deep_rank = position_at(big.pk, deep_offset, "rank")
        rice_offset = int(args.features * 0.75)  # in the scored part (a fifth has no RICE score: last)
        deep_rice = position_at(big.pk, rice_offset, "rice")
        scenarios = [
            ("API page 1 (session)", session, base, "rank", None),
            ("API page 1 (Bearer)", bearer, base, "rank", None),
            (f"API deep, row {deep_offset:,} (Bearer)", bearer, f"{base}&cursor={encode_cursor('rank', deep_rank)}",
             "rank", deep_rank),
            ("API sort=rice page 1 (Bearer)", bearer, f"{base}&sort=rice", "rice", None),
            (f"API sort=rice deep, row {rice_offset:,} (Bearer)", bearer,
             f"{base}&sort=rice&cursor={encode_cursor('rice', deep_rice)}", "rice", deep_rice),
        ]  # fmt: skip
    page_url = f"/w/{WORKSPACE_SLUG}/products/{small.slug}/backlog/"

    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        pg_version = cursor.fetchone()[0]
    api_part = "no API rows" if args.page_only else f"{args.features:,} features (API)"
    print(
        f"\nBacklog list — {api_part}, {args.page_features:,} (page), page_size={PAGE_SIZE}, "
        f"{args.runs} timed requests per row after {args.warmup} warm-up"
    )
    print(
        f"Database: {database} (postgresql {pg_version})   Django {django.get_version()}   "
        f"Python {sys.version.split()[0]}   in-process test Client, DEBUG off"
    )
    print(f"Machine: {h.machine()}")

    rows = []
    for label, client, url, sort, after in scenarios:
        response = client.get(url)
        if response.status_code != 200:
            sys.exit(f"{label}: {response.status_code} {response.content[:300]!r}")
        got = [r["id"] for r in response.json()["results"]]
        expected = [r[0] for r in raw_page(big.pk, after=after, sort=sort)][:PAGE_SIZE]
        if got != expected:
            sys.exit(f"{label}: the raw SQL baseline does not return the API's page: {got[:5]} vs {expected[:5]}")
        api = h.measure(lambda c=client, u=url: c.get(u), runs=args.runs, warmup=args.warmup)
        queries = h.count_queries(lambda c=client, u=url: c.get(u))
        raw = h.measure(lambda a=after, s=sort: raw_page(big.pk, after=a, sort=s), runs=args.runs, warmup=args.warmup)
        rows.append((label, api.median_ms, api.p95_ms, queries, raw.median_ms, f"{api.median_ms / raw.median_ms:.1f}x"))

    response = session.get(page_url)
    if response.status_code != 200 or response.content.count(b'class="backlog-row') != PAGE_SIZE:
        sys.exit(f"backlog page: {response.status_code}")
    page = h.measure(lambda: session.get(page_url), runs=args.runs, warmup=args.warmup)
    queries = h.count_queries(lambda: session.get(page_url))
    raw = h.measure(lambda: raw_page(small.pk, after=None, sort="rank"), runs=args.runs, warmup=args.warmup)
    rows.append(
        (f"backlog page, {args.page_features:,} features (session)", page.median_ms, page.p95_ms, queries,
         raw.median_ms, f"{page.median_ms / raw.median_ms:.1f}x")
    )  # fmt: skip
    h.print_table(("scenario", "median ms", "p95 ms", "queries/req", "raw SELECT median ms", "ratio"), rows)

    if not (args.no_http or args.page_only):
        urls = [(label, url) for label, client, url, _, _ in scenarios if client is bearer]
        http = http_figures(urls, raw_token, runs=args.runs, warmup=args.warmup)
        h.print_table(
            ("over HTTP: gunicorn 2 workers, keep-alive, Bearer", "median ms", "p95 ms", "bytes"),
            http,
            title="The same requests as a real client meets them (a second process, one connection kept alive):",
        )
    print(
        "\nqueries/req: SQL statements per request (CaptureQueriesContext; the token or session lookup included). "
        "raw SELECT: the same page as one SELECT through the DB cursor (status joined, tag names aggregated), "
        "no ORM, no serialisation, no HTTP stack. Figures only: nothing here is asserted."
    )


if __name__ == "__main__":
    main()
