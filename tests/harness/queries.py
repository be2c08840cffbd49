"""Query-count measurement shared by every tests/*/test_*queries.py (after Zulip's
assert_database_query_count): a surface is requested with 5 rows and again with 60; both stay
within the same bound, and the count does not move at all with the number of rows."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.test import Client
from rest_framework.test import APIClient


def measure(
    bounds: dict[str, int],
    assert_max: Any,
    surface: str,
    fetch: Callable[[], Any],
    grow: Callable[[int], None],
    rows: Callable[[Any], int],
) -> int:
    """5 rows, then 60: same bound, same count, and more rows really are on the page. Returns the count."""
    bound = bounds[surface]
    grow(5)
    fetch()  # warm per-process caches (content types) so both measurements see the same state
    with assert_max(bound) as small:
        response = fetch()
    shown = rows(response)
    assert shown >= 5
    grow(55)
    with assert_max(bound) as large:
        response = fetch()
    assert rows(response) > shown
    assert len(large) == len(small), f"{surface}: {len(small)} queries with 5 rows, {len(large)} with 60"
    return len(small)


def page(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def api(user: Any) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def ok(response: Any) -> Any:
    assert response.status_code == 200, response.content[:500]
    return response
