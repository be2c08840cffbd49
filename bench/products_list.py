"""Benchmark: the products list API over 10,000 products in one workspace, on PostgreSQL.

GET /api/v1/workspaces/<id>/products/?page_size=50 through Django's test Client,
in-process (no network, no server): the first page, pages deep in the cursor and
the last page, with a session and with a Bearer token. For each: median and p95
latency, SQL queries per request, and a baseline — the same 50 rows fetched with
raw SQL through the database cursor — with the ratio API / raw.

    make bench                                  # every benchmark
    .venv/bin/python -m bench.products_list --runs 500

Seeding is idempotent: a workspace `bench` with exactly N products is reused.
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from dataclasses import dataclass
from typing import Any

from bench import _harness as h

PAGE_SIZE = 50
WORKSPACE_SLUG = "bench"
USER_EMAIL = "bench@bench.pmtool.dev"

ADJECTIVES = [
    "Agile",
    "Bright",
    "Clever",
    "Daring",
    "Eager",
    "Fluent",
    "Gentle",
    "Honest",
    "Ideal",
    "Jolly",
    "Keen",
    "Lucid",
    "Mighty",
    "Nimble",
    "Open",
    "Prime",
    "Quick",
    "Rapid",
    "Solid",
    "Swift",
    "Tidy",
    "Urban",
    "Vivid",
    "Wise",
    "Young",
    "Zesty",
]
NOUNS = [
    "Analytics",
    "Billing",
    "Compass",
    "Dashboard",
    "Engine",
    "Forecast",
    "Gateway",
    "Hub",
    "Insights",
    "Journey",
    "Kiosk",
    "Ledger",
    "Monitor",
    "Navigator",
    "Orders",
    "Portal",
    "Quotes",
    "Radar",
    "Scheduler",
    "Tracker",
    "Uplink",
    "Vault",
    "Workflow",
]
STAGES = ("idea", "development", "launch", "growth", "maturity", "decline")


def seed(count: int) -> tuple[Any, Any]:
    """The bench workspace with exactly `count` active products, and its admin user."""
    from django.db import connection, transaction

    from pmtool.models import Membership, Product, Role, User, Workspace

    user = User.objects.filter(email=USER_EMAIL).first() or User.objects.create_user(
        email=USER_EMAIL, password=None, name="Bench Admin"
    )
    workspace, _ = Workspace.objects.get_or_create(
        slug=WORKSPACE_SLUG, defaults={"name": "Bench Workspace", "created_by": user}
    )
    Membership.objects.get_or_create(workspace=workspace, user=user, defaults={"role": Role.ADMIN})
    products = Product.objects.filter(workspace=workspace)
    if products.count() == count and not products.filter(archived_at__isnull=False).exists():
        print(f"Seed: reusing {count:,} products in workspace '{WORKSPACE_SLUG}'")
        return workspace, user

    started = time.perf_counter()
    rng = random.Random(20251121)  # the same names on every machine
    with transaction.atomic():
        products.delete()
        Product.objects.bulk_create(
            (
                Product(
                    workspace=workspace,
                    name=f"{rng.choice(ADJECTIVES)} {rng.choice(NOUNS)} {i:05d}",
                    slug=f"product-{i:05d}",
                    description=(
                        f"Benchmark product {i}: a realistic one-paragraph description of what it does, "
                        "for whom, and why it matters to the business this quarter."
                    ),
                    stage=STAGES[i % len(STAGES)],
                    created_by=user,
                )
                for i in range(count)
            ),
            batch_size=2000,
        )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE pmtool_product")
    print(f"Seed: created {count:,} products in workspace '{WORKSPACE_SLUG}' in {time.perf_counter() - started:.1f}s")
    return workspace, user


RAW_SQL = """
    SELECT id, workspace_id, name, slug, description, stage, archived_at, version, created_at, updated_at
    FROM pmtool_product
    WHERE workspace_id = %s AND archived_at IS NULL {after}
    ORDER BY name, id
    LIMIT %s
"""


def raw_page(workspace_id: int, after_name: str | None) -> list[tuple]:
    """The same page as the API, by hand: one SELECT, rows as tuples (the floor)."""
    from django.db import connection

    params: list[Any] = [workspace_id]
    after = ""
    if after_name is not None:
        after = "AND name > %s"
        params.append(after_name)
    params.append(PAGE_SIZE + 1)  # as the cursor paginator does, to know whether a next page exists
    with connection.cursor() as cursor:
        cursor.execute(RAW_SQL.format(after=after), params)
        return cursor.fetchall()


@dataclass
class Page:
    number: int
    url: str
    after_name: str | None  # the last name of the page before, the cursor's position
    first_name: str


def walk(client: Any, first_url: str) -> tuple[list[Page], float]:
    """Follow `next` from the first page to the last; every page's URL and cursor position."""
    pages: list[Page] = []
    url: str | None = first_url
    after: str | None = None
    seen = 0
    started = time.perf_counter()
    while url:
        response = client.get(url)
        if response.status_code != 200:
            sys.exit(f"GET {url} answered {response.status_code}: {response.content[:300]!r}")
        body = response.json()
        results = body["results"]
        pages.append(Page(len(pages) + 1, url, after, results[0]["name"] if results else ""))
        seen += len(results)
        after = results[-1]["name"] if results else after
        url = body["next"]
    return pages, (time.perf_counter() - started) * 1000


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--products", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=200, help="timed requests per scenario")
    parser.add_argument("--warmup", type=int, default=20, help="untimed requests first")
    args = parser.parse_args(argv)

    database = h.setup_django()
    import django
    from django.db import connection
    from django.test import Client

    from pmtool import services

    workspace, user = seed(args.products)

    session = Client()
    session.force_login(user)
    _token, raw_token = services.api_token_create(user=user, name="bench")
    bearer = Client(headers={"authorization": f"Bearer {raw_token}"})

    first_url = f"/api/v1/workspaces/{workspace.id}/products/?page_size={PAGE_SIZE}"
    pages, walk_ms = walk(session, first_url)
    total_pages = len(pages)
    if total_pages != -(-args.products // PAGE_SIZE):
        print(f"WARNING: walked {total_pages} pages, expected {-(-args.products // PAGE_SIZE)}")
    middle = pages[total_pages // 2]
    deep = pages[max(0, total_pages - 1 - total_pages // 10)]
    last = pages[-1]

    scenarios = [
        ("page 1 (session)", session, pages[0]),
        (f"page {middle.number} (session)", session, middle),
        (f"page {deep.number} (session)", session, deep),
        (f"page {last.number}, last (session)", session, last),
        ("page 1 (Bearer token)", bearer, pages[0]),
        (f"page {middle.number} (Bearer token)", bearer, middle),
    ]

    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        pg_version = cursor.fetchone()[0] if connection.vendor == "postgresql" else "-"

    print(
        f"\nProducts list API — {args.products:,} products, page_size={PAGE_SIZE}, "
        f"{args.runs} timed requests per row after {args.warmup} warm-up"
    )
    print(
        f"Database: {database} ({connection.vendor} {pg_version})   Django {django.get_version()}   "
        f"Python {sys.version.split()[0]}   in-process test Client, DEBUG off"
    )
    print(f"Machine: {h.machine()}")

    rows = []
    for label, client, page in scenarios:
        response = client.get(page.url)
        if response.status_code != 200 or response.json()["results"][0]["name"] != page.first_name:
            sys.exit(f"{label}: unexpected answer {response.status_code}")
        expected = [row[2] for row in raw_page(workspace.id, page.after_name)][:PAGE_SIZE]
        if [p["name"] for p in response.json()["results"]] != expected:
            sys.exit(f"{label}: the raw SQL baseline does not return the API's page")
        api = h.measure(lambda c=client, u=page.url: c.get(u), runs=args.runs, warmup=args.warmup)
        queries = h.count_queries(lambda c=client, u=page.url: c.get(u))
        raw = h.measure(lambda a=page.after_name: raw_page(workspace.id, a), runs=args.runs, warmup=args.warmup)
        rows.append(
            (
                label,
                api.median_ms,
                api.p95_ms,
                queries,
                raw.median_ms,
                raw.p95_ms,
                f"{api.median_ms / raw.median_ms:.1f}x",
            )
        )
    h.print_table(
        ("scenario", "median ms", "p95 ms", "queries/req", "raw SQL median ms", "raw SQL p95 ms", "API/raw"),
        rows,
    )
    print(
        f"\nFull walk: {total_pages} pages by the `next` cursor in {walk_ms:.0f} ms "
        f"({walk_ms / total_pages:.2f} ms per page, first request cold).\n"
        "queries/req: SQL statements per request (CaptureQueriesContext). raw SQL: the same page as one "
        "SELECT through the DB cursor, no ORM, no serialisation, no HTTP stack. "
        "Figures only: nothing here is asserted."
    )


if __name__ == "__main__":
    main()
