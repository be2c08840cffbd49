"""Benchmark: moving a feature in a backlog of 100,000 features, on PostgreSQL.

POST /api/v1/features/<id>/move/ with a Bearer token, to the top (before the first feature), the
middle (between two adjacent features near the middle) and the bottom (after the last), and to
the top with `to=top` (no neighbour named): median and p95 latency, SQL statements per move, and
rows of backlog_feature written per move (from pg_stat_user_tables: n_tup_upd + n_tup_ins +
n_tup_del before and after a batch of moves, flushed; must be 1.00).

Twice: in-process (Django's test Client, no network) and over HTTP against gunicorn with 2
workers (gthread, keep-alive), from a second process on one persistent http.client connection,
so the figures can be set beside other servers on the same machine. Every move names neighbours
that are adjacent at that moment (the order is tracked here, move by move), so none is a 409.

Also: the re-key of the whole product (one UPDATE), which the seed runs to start from even keys.

    make bench ARGS=backlog_move
    .venv/bin/python -m bench.backlog_move --features 100000 --runs 200

Seeding is idempotent: a workspace `bench-ranking` with a product of exactly N features is reused.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from bench import _harness as h

WORKSPACE_SLUG = "bench-ranking"
PRODUCT_SLUG = "backlog-100k"
USER_EMAIL = "bench-ranking@bench.pmtool.dev"
Move = tuple[int, dict[str, Any]]


def seed(count: int) -> tuple[Any, Any, list[int]]:
    """The bench product with exactly `count` features (even keys), its editor, and the order (ids)."""
    from django.db import connection, transaction

    from backlog.models import Feature, FeatureStatus
    from backlog.services.ranking import features_rekey
    from backlog.services.statuses import statuses_create_defaults
    from pmtool.models import Membership, Product, Role, User, Workspace
    from pmtool.ranking import even_keys

    user = User.objects.filter(email=USER_EMAIL).first() or User.objects.create_user(
        email=USER_EMAIL, password=None, name="Bench Ranker"
    )
    workspace, _ = Workspace.objects.get_or_create(
        slug=WORKSPACE_SLUG, defaults={"name": "Bench Ranking", "created_by": user}
    )
    Membership.objects.get_or_create(workspace=workspace, user=user, defaults={"role": Role.EDITOR})
    statuses_create_defaults(workspace)
    product, _ = Product.objects.get_or_create(
        workspace=workspace, slug=PRODUCT_SLUG, defaults={"name": "Backlog 100k", "created_by": user}
    )
    features = Feature.objects.filter(product=product)
    if features.count() != count or features.filter(archived_at__isnull=False).exists():
        started = time.perf_counter()
        status = FeatureStatus.objects.filter(workspace=workspace).order_by("position").first()
        with transaction.atomic():
            features.delete()
            Feature.objects.bulk_create(
                (
                    Feature(product=product, title=f"Feature {i:06d}", rank=key, status=status, created_by=user)
                    for i, key in enumerate(even_keys(count))
                ),
                batch_size=5000,
            )
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE backlog_feature")
        print(f"Seed: created {count:,} features in {time.perf_counter() - started:.1f}s")
    else:
        print(f"Seed: reusing {count:,} features of '{WORKSPACE_SLUG}/{PRODUCT_SLUG}'")
    started = time.perf_counter()
    rewritten = features_rekey(product_id=product.pk)
    print(f"Re-key (one UPDATE, even keys): {rewritten:,} rows rewritten in {time.perf_counter() - started:.2f}s")
    order = list(features.order_by("rank").values_list("id", flat=True))
    return product, user, order


class Plan:
    """The product's order, tracked move by move, to name neighbours adjacent at that moment."""

    def __init__(self, order: list[int], seed: int) -> None:
        self.order = order
        self.rng = random.Random(seed)

    def _mover(self) -> int:
        # a feature from the second quarter: far from all three targets
        n = len(self.order)
        return self.order[self.rng.randrange(n // 4, n // 2)]

    def next(self, where: str) -> Move:
        mover = self._mover()
        rest_first, rest_last = self.order[0], self.order[-1]
        if where == "top":
            body: dict[str, Any] = {"before_id": rest_first}
        elif where == "top (to=top)":
            body = {"to": "top"}
        elif where == "bottom":
            body = {"after_id": rest_last}
        else:
            i = self.rng.randrange(len(self.order) * 55 // 100, len(self.order) * 60 // 100)
            body = {"after_id": self.order[i], "before_id": self.order[i + 1]}
        self.apply(mover, body)
        return mover, body

    def apply(self, mover: int, body: dict[str, Any]) -> None:
        self.order.remove(mover)
        if body.get("to") == "top" or ("before_id" in body and "after_id" not in body):
            self.order.insert(0, mover)
        elif "after_id" in body:
            self.order.insert(self.order.index(body["after_id"]) + 1, mover)


def rows_written() -> int:
    """Rows of backlog_feature inserted, updated or deleted so far (statistics flushed)."""
    from django.db import connection

    time.sleep(1.2)  # the statistics of the other backends (gunicorn's) reach shared memory within a second
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_stat_force_next_flush()")
        cursor.execute("SELECT 1")  # a transaction end: this backend's counters are flushed
        cursor.execute("SELECT pg_stat_clear_snapshot()")
        cursor.execute(
            "SELECT n_tup_upd + n_tup_ins + n_tup_del FROM pg_stat_user_tables WHERE relname = 'backlog_feature'"
        )
        return int(cursor.fetchone()[0])


def stats(timings: list[float]) -> tuple[float, float]:
    return statistics.median(timings), h.percentile(timings, 0.95)


def run_in_process(client: Any, moves: list[Move], warmup: int) -> list[float]:
    timings = []
    for i, (feature_id, body) in enumerate(moves):
        started = time.perf_counter()
        response = client.post(f"/api/v1/features/{feature_id}/move/", body, content_type="application/json")
        elapsed = (time.perf_counter() - started) * 1000
        if response.status_code != 200:
            sys.exit(f"move {feature_id} {body}: {response.status_code} {response.content[:300]!r}")
        if i >= warmup:
            timings.append(elapsed)
    return timings


def queries_per_move(client: Any, move: Move) -> tuple[int, int]:
    """(SQL statements, UPDATE statements on backlog_feature) of one move."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    feature_id, body = move
    with CaptureQueriesContext(connection) as captured:
        client.post(f"/api/v1/features/{feature_id}/move/", body, content_type="application/json")
    sqls = [q["sql"].lstrip() for q in captured.captured_queries]
    return len(sqls), sum(1 for s in sqls if s.startswith('UPDATE "backlog_feature"'))


# --- over HTTP: gunicorn, and a client in a second process ------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_gunicorn(port: int) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "DEBUG": "0",
        "SECURE_SSL_REDIRECT": "0",
        "LOG_LEVEL": "WARNING",
        "DB_CONN_MAX_AGE": "600",
    }
    server = subprocess.Popen(
        [
            str(Path(sys.executable).parent / "gunicorn"),
            "pmtool.wsgi",
            "-w",
            "2",
            "-k",
            "gthread",
            "--threads",
            "1",
            "--keep-alive",
            "30",
            "-b",
            f"127.0.0.1:{port}",
            "--log-level",
            "warning",
        ],
        cwd=h.ROOT,
        env=env,
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            return server
        except OSError:
            time.sleep(0.2)
    server.terminate()
    sys.exit("gunicorn did not start within 30 s")


def client_main(port: int, token: str, moves_file: str, warmup: int) -> None:
    """The second process: every move on one keep-alive connection; prints the timings as JSON."""
    import http.client

    moves = json.loads(Path(moves_file).read_text())
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json", "Host": "127.0.0.1"}
    timings, reconnects = [], 0
    for i, (feature_id, body) in enumerate(moves):
        payload = json.dumps(body)
        started = time.perf_counter()
        connection.request("POST", f"/api/v1/features/{feature_id}/move/", body=payload, headers=headers)
        response = connection.getresponse()
        data = response.read()
        elapsed = (time.perf_counter() - started) * 1000
        if response.status != 200:
            sys.exit(f"HTTP move {feature_id} {body}: {response.status} {data[:300]!r}")
        if response.getheader("Connection", "").lower() == "close":
            reconnects += 1
        if i >= warmup:
            timings.append(elapsed)
    print(json.dumps({"timings": timings, "reconnects": reconnects}))


def run_over_http(port: int, token: str, moves: list[Move], warmup: int) -> list[float]:
    handle, name = tempfile.mkstemp(prefix="bench-backlog-move-", suffix=".json")
    os.close(handle)
    path = Path(name)
    path.write_text(json.dumps(moves))
    try:
        out = subprocess.run(
            [sys.executable, "-m", "bench.backlog_move", "--client", str(port), token, str(path), str(warmup)],
            cwd=h.ROOT, capture_output=True, text=True, check=False, env={**os.environ},
        )  # fmt: skip
    finally:
        path.unlink(missing_ok=True)
    if out.returncode != 0:
        sys.exit(f"HTTP client failed: {out.stdout[-500:]} {out.stderr[-1500:]}")
    report = json.loads(out.stdout.strip().splitlines()[-1])
    if report["reconnects"]:
        print(f"WARNING: the server closed the connection {report['reconnects']} times (no keep-alive)")
    return list(report["timings"])


def main(argv: list[str] | None = None) -> None:
    if argv is None and len(sys.argv) > 1 and sys.argv[1] == "--client":
        _, _, port, token, moves_file, warmup = sys.argv
        client_main(int(port), token, moves_file, int(warmup))
        return
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--features", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=200, help="timed moves per scenario")
    parser.add_argument("--warmup", type=int, default=20, help="untimed moves first")
    parser.add_argument("--no-http", action="store_true", help="skip the gunicorn figures")
    args = parser.parse_args(argv)

    database = h.setup_django()
    import django
    from django.db import connection
    from django.test import Client

    from pmtool import services

    product, user, order = seed(args.features)
    _token, raw_token = services.api_token_create(user=user, name="bench move", scope="write")
    client = Client(headers={"authorization": f"Bearer {raw_token}"})
    plan = Plan(order, seed=20261202)
    positions = ("top", "middle", "bottom", "top (to=top)")

    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        pg_version = cursor.fetchone()[0]
    print(
        f"\nFeature move API — {args.features:,} features in one product, Bearer token, "
        f"{args.runs} timed moves per row after {args.warmup} warm-up"
    )
    print(
        f"Database: {database} (postgresql {pg_version})   Django {django.get_version()}   "
        f"Python {sys.version.split()[0]}"
    )
    print(f"Machine: {h.machine()}")

    rows: list[tuple[Any, ...]] = []
    for where in positions:
        statements, updates = queries_per_move(client, plan.next(where))
        moves = [plan.next(where) for _ in range(args.warmup + args.runs)]
        before = rows_written()
        timings = run_in_process(client, moves, args.warmup)
        written = (rows_written() - before) / len(moves)
        median, p95 = stats(timings)
        rows.append((f"{where}, in-process", median, p95, statements, updates, f"{written:.2f}"))

    # the floor under the API: the service alone (its SQL, the ORM, the commit), no request stack
    from backlog.services.ranking import feature_move
    from pmtool.activity import Actor

    actor = Actor(user=user)
    for where in positions:
        moves = [plan.next(where) for _ in range(args.warmup + args.runs)]
        timings = []
        for i, (feature_id, body) in enumerate(moves):
            started = time.perf_counter()
            feature_move(actor=actor, feature_id=feature_id, product_id=product.pk, **body)
            if i >= args.warmup:
                timings.append((time.perf_counter() - started) * 1000)
        median, p95 = stats(timings)
        rows.append((f"{where}, service call only", median, p95, "-", "-", "-"))
    with connection.cursor() as cursor:
        started = time.perf_counter()
        for _ in range(200):
            cursor.execute("SELECT 1")
        round_trip = (time.perf_counter() - started) * 1000 / 200

    for where in () if args.no_http else positions:
        # a server per row: its backends flush their statistics when they exit, so the count is exact
        moves = [plan.next(where) for _ in range(args.warmup + args.runs)]
        before = rows_written()
        port = free_port()
        server = start_gunicorn(port)
        try:
            timings = run_over_http(port, raw_token, moves, args.warmup)
        finally:
            server.terminate()
            server.wait(timeout=10)
        written = (rows_written() - before) / len(moves)
        median, p95 = stats(timings)
        rows.append((f"{where}, HTTP gunicorn -w 2", median, p95, "-", "-", f"{written:.2f}"))

    h.print_table(("move to", "median ms", "p95 ms", "SQL/move", "UPDATEs of features", "rows written/move"), rows)
    final = list(product.features.order_by("rank").values_list("id", flat=True))
    print(f"\nOrder check: the database order {'equals' if final == plan.order else 'DIFFERS FROM'} the tracked order.")
    print(f"One SELECT 1 round trip to the database: {round_trip:.3f} ms.")
    longest = max(len(k) for k in product.features.values_list("rank", flat=True))
    from backlog.services.ranking import features_rekey

    started = time.perf_counter()
    rewritten = features_rekey(product_id=product.pk)
    print(
        f"Re-key after the moves (one UPDATE): {rewritten:,} of {args.features:,} rows rewritten "
        f"in {time.perf_counter() - started:.2f}s; the order is unchanged: "
        f"{list(product.features.order_by('rank').values_list('id', flat=True)) == final}."
    )
    print(
        f"Longest key now: {longest} characters.\n"
        "rows written/move: (n_tup_upd + n_tup_ins + n_tup_del of backlog_feature) after minus before a "
        "batch, over its moves (pg_stat_user_tables, flushed). SQL/move: statements of one move, "
        "authentication included (CaptureQueriesContext). HTTP: a second process on one keep-alive "
        "connection (http.client) to gunicorn (2 gthread workers). Figures only: nothing here is asserted."
    )


if __name__ == "__main__":
    main()
