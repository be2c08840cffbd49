"""The schema is generated once per process, also when threads ask for it at once: a gthread
worker's first requests meet the warm-up thread (pmtool/wsgi.py), and drf-spectacular run in two
threads at once answered a 500 (an extension half-loaded by the other thread: AttributeError)."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import pytest
from django.test import RequestFactory
from drf_spectacular.generators import SchemaGenerator

from pmtool.api import schema
from pmtool.api.schema_view import CachedSchemaView

THREADS = 4


def _counting_generations(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Count the real generator's runs (it still runs), by thread."""
    runs: list[str] = []
    real = SchemaGenerator.get_schema

    def counted(self: SchemaGenerator, *args: Any, **kwargs: Any) -> Any:
        runs.append(threading.current_thread().name)
        return real(self, *args, **kwargs)

    monkeypatch.setattr(SchemaGenerator, "get_schema", counted)
    return runs


def _at_once(work: Callable[[], Any]) -> list[Any]:
    barrier = threading.Barrier(THREADS)
    results: list[Any] = []
    errors: list[BaseException] = []

    def run() -> None:
        barrier.wait()
        try:
            results.append(work())
        except BaseException as exc:  # noqa: BLE001 - collected, asserted below
            errors.append(exc)

    threads = [threading.Thread(target=run, name=f"asker-{i}") for i in range(THREADS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not errors, errors
    assert len(results) == THREADS
    return results


def test_documented_query_parameters_generate_the_schema_once_for_threads_at_once(monkeypatch):
    runs = _counting_generations(monkeypatch)
    monkeypatch.setattr(schema, "_QUERY_NAMES", None)
    route = "api/v1/workspaces/<id:workspace_id>/products/"
    results = _at_once(lambda: schema.documented_query_parameters(route, "GET"))
    assert len(runs) == 1, runs
    assert all(r == results[0] for r in results)
    assert results[0] is not None and "page_size" in results[0]


def test_the_schema_view_generates_once_for_threads_at_once(monkeypatch):
    runs = _counting_generations(monkeypatch)
    monkeypatch.setattr(CachedSchemaView, "_cache", {})
    view = CachedSchemaView.as_view()
    factory = RequestFactory()
    responses = _at_once(lambda: view(factory.get("/api/v1/schema/?format=json")))
    assert len(runs) == 1, runs
    assert {r.status_code for r in responses} == {200}
    assert len({r["ETag"] for r in responses}) == 1
