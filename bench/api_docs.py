"""What /api/docs/ waits for: /api/v1/schema/ (Swagger UI shows a blank spinner until the schema
arrives, then parses it: JSON, several times faster than YAML). Prints the first (cold) schema
answer of a process, the warm ones (cached per process: pmtool.api.schema_view), a generation
without the cache, and an ETag revalidation."""

from __future__ import annotations

import time

from bench import _harness as h


def main() -> None:
    h.setup_django()
    from django.test import Client
    from drf_spectacular.generators import SchemaGenerator

    client = Client()
    start = time.perf_counter()
    first = client.get("/api/v1/schema/")
    cold = time.perf_counter() - start
    etag = first["ETag"]
    warm = h.measure(lambda: client.get("/api/v1/schema/"), runs=20, warmup=2)
    uncached = h.measure(lambda: SchemaGenerator().get_schema(request=None, public=True), runs=3, warmup=0)
    revalidate = h.measure(lambda: client.get("/api/v1/schema/", HTTP_IF_NONE_MATCH=etag), runs=50, warmup=5)
    as_json = h.measure(lambda: client.get("/api/v1/schema/?format=json"), runs=20, warmup=2)
    print(f"schema: {len(first.content):,} bytes (YAML); first answer of a process {cold * 1000:.0f} ms")
    rows = [
        ("generate the schema (no cache: every request before)", uncached),
        ("GET /api/v1/schema/ warm (cached)", warm),
        ("GET /api/v1/schema/ If-None-Match (304)", revalidate),
        ("GET /api/v1/schema/?format=json warm (what /api/docs/ reads)", as_json),
    ]
    h.print_table(
        ["what", "median ms", "p95 ms"], [(name, s.median_ms, s.p95_ms) for name, s in rows], title="/api/docs/"
    )


if __name__ == "__main__":
    main()
