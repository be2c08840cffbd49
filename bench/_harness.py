"""Shared pieces of the benchmarks in bench/: a real PostgreSQL, timing, a table.

A benchmark is a module `bench/<name>.py` with a `main()`; `make bench` (scripts/bench.sh)
runs every one of them as `python -m bench.<name>`. Benchmarks print figures and ratios;
they never assert times (a loaded machine must not turn them red).

    from bench import _harness as h

    h.setup_django()          # DATABASE_URL (default: PostgreSQL pmtool_bench), created and migrated
    stats = h.measure(lambda: client.get(url), runs=200, warmup=20)
    h.print_table([...])
"""

from __future__ import annotations

import os
import statistics
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/pmtool_bench"


def _ensure_postgres_database(url: str) -> None:
    """CREATE DATABASE when the database named in `url` does not exist yet."""
    import psycopg2
    from psycopg2 import sql

    parts = urlsplit(url)
    name = parts.path.lstrip("/").split("?")[0]
    maintenance = urlunsplit(parts._replace(path="/postgres"))
    connection = psycopg2.connect(maintenance)
    connection.autocommit = True
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
            if cursor.fetchone() is None:
                cursor.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
                print(f"Created database {name}")
    finally:
        connection.close()


def setup_django(*, migrate: bool = True) -> str:
    """Configure Django for a benchmark: production-like settings (DEBUG off), the
    bench database created and migrated. Returns the database URL (without password)."""
    os.environ.setdefault("DATABASE_URL", DEFAULT_DATABASE_URL)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "pmtool.settings")
    os.environ["DEBUG"] = "0"
    os.environ.setdefault("SECRET_KEY", "bench-only-secret-key-not-for-production-0123456789")
    os.environ.setdefault("ALLOWED_HOSTS", "testserver")
    os.environ["SECURE_SSL_REDIRECT"] = "0"  # the test Client speaks plain HTTP
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    os.environ.pop("REDIS_URL", None)  # tasks in-process: a benchmark measures the request, not a broker
    (ROOT / "staticfiles").mkdir(exist_ok=True)  # WhiteNoise warns when STATIC_ROOT is missing
    url = os.environ["DATABASE_URL"]
    if url.startswith(("postgres://", "postgresql://")):
        _ensure_postgres_database(url)
    else:
        print(f"WARNING: DATABASE_URL is not PostgreSQL ({url.split(':')[0]}): figures are not comparable.")

    import django

    django.setup()
    if migrate:
        from django.core.management import call_command

        call_command("migrate", interactive=False, verbosity=0)
    parts = urlsplit(url)
    return urlunsplit(parts._replace(netloc=parts.hostname + (f":{parts.port}" if parts.port else "")))


def machine() -> str:
    """CPUs and load: figures from a busy machine are noisy, so every run says how busy it was."""
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    return f"{os.cpu_count()} CPUs, load average {load}"


@dataclass
class Stats:
    runs: int
    median_ms: float
    p95_ms: float
    min_ms: float
    max_ms: float


def percentile(values: Sequence[float], fraction: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    index = min(len(ordered) - 1, max(0, round(fraction * (len(ordered) - 1))))
    return ordered[index]


def measure(call: Callable[[], Any], *, runs: int = 200, warmup: int = 20) -> Stats:
    """Call `call` `warmup` times untimed, then `runs` times timed (perf_counter)."""
    for _ in range(warmup):
        call()
    timings = []
    for _ in range(runs):
        started = time.perf_counter()
        call()
        timings.append((time.perf_counter() - started) * 1000)
    return Stats(
        runs=runs,
        median_ms=statistics.median(timings),
        p95_ms=percentile(timings, 0.95),
        min_ms=min(timings),
        max_ms=max(timings),
    )


def count_queries(call: Callable[[], Any]) -> int:
    """SQL statements one call runs (Django's CaptureQueriesContext)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        call()
    return len(captured.captured_queries)


def print_table(headers: Sequence[str], rows: Iterable[Sequence[Any]], *, title: str = "") -> None:
    """A plain-text table, numbers right-aligned."""
    cells = [[_format(value) for value in row] for row in rows]
    widths = [max(len(str(h)), *(len(row[i]) for row in cells)) if cells else len(h) for i, h in enumerate(headers)]
    numeric = [all(_is_number(row[i]) for row in cells) if cells else False for i in range(len(headers))]

    def line(values: Sequence[str]) -> str:
        return "  ".join(v.rjust(w) if num else v.ljust(w) for v, w, num in zip(values, widths, numeric, strict=True))

    if title:
        print(f"\n{title}")
    print(line(list(headers)))
    print("  ".join("-" * w for w in widths))
    for row in cells:
        print(line(row))


def _format(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:.2f}"
    return str(value)


def _is_number(text: str) -> bool:
    try:
        float(text.rstrip("x"))
    except ValueError:
        return False
    return True
