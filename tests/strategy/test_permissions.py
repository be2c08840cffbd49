"""The strategy permission matrix: every strategy endpoint and page, every routed method, for
anonymous, outsider, viewer, editor, admin (and, for the API, the admin's write / read-only tokens).

The rows live with their area, in tests/strategy/matrix_*.py; each area module defines:
- API_MATRIX:  (name, method, path under /api/v1/, anon, out, view, edit, admin, rw, ro)
- PAGE_MATRIX: (name, method, path, anon, out, view, edit, admin)  (LOGIN / NOOP / status)
- API_BODIES / PAGE_BODIES: {name: body or callable(params) -> body}; valid bodies, so a refusal
  is about permission
- setup(world) -> {placeholder: value}: creates the area's objects in "acme" (world.product is
  "atlas", world.archived is "old"; "Theirs" is a product of the outsider's workspace)
- snapshot() -> dict: everything a write of the area could change
The same reading rules as tests/pmtool/test_permissions.py apply (outsider → 404, never 403).
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

import pytest
from django.urls import resolve

from tests.pmtool.test_permissions import (
    API_CALLERS,
    LOGIN,
    NOOP,
    PAGE_CALLERS,
    World,
    _Ids,
    _routes,
    api_caller,
    page_caller,
    world,  # noqa: F401 - the fixture
)
from tests.pmtool.test_permissions import snapshot as core_snapshot

from . import matrix_goals, matrix_metrics, matrix_research, matrix_vision

pytestmark = pytest.mark.django_db

COVERS = {"strategy.urls", "strategy.api.urls"}
AREAS = (matrix_vision, matrix_goals, matrix_research, matrix_metrics)

API_MATRIX = [row for area in AREAS for row in area.API_MATRIX]
PAGE_MATRIX = [row for area in AREAS for row in area.PAGE_MATRIX]
API_BODIES: dict[str, Any] = {k: v for area in AREAS for k, v in area.API_BODIES.items()}
PAGE_BODIES: dict[str, Any] = {k: v for area in AREAS for k, v in area.PAGE_BODIES.items()}


def test_row_names_are_unique() -> None:
    for table in (API_MATRIX, PAGE_MATRIX):
        names = [row[0] for row in table]
        assert len(names) == len(set(names))


@pytest.fixture
def params(world: World) -> dict[str, Any]:  # noqa: F811 - the imported fixture
    values: dict[str, Any] = {"ws": world.team.workspace.pk, "product": world.product.pk}
    for area in AREAS:
        values.update(area.setup(world))
    return values


def snapshot() -> dict[str, Any]:
    state = core_snapshot()
    for area in AREAS:
        state[area.__name__] = area.snapshot()
    return state


def _body(table: dict[str, Any], name: str, params: dict[str, Any]) -> Any:
    body = table.get(name)
    return body(params) if callable(body) else body


API_CASES = [
    pytest.param(name, method, path, who, expected, id=f"{name}-{method}-{who}")
    for name, method, path, *cells in API_MATRIX
    for who, expected in zip(API_CALLERS, cells, strict=True)
]


@pytest.mark.parametrize(("name", "method", "path", "who", "expected"), API_CASES)
def test_api_permission_matrix(world, params, name, method, path, who, expected):  # noqa: F811
    url = "/api/v1/" + path.format(**params)
    before = snapshot()

    response = getattr(api_caller(world, who), method.lower())(url, _body(API_BODIES, name, params), format="json")

    assert response.status_code == expected, response.content[:500]
    if expected >= 400:
        error = response.json()["error"]
        assert set(error) == {"code", "message", "fields"}
        codes = {401: "not_authenticated", 403: "permission_denied", 404: "not_found"}
        assert error["code"] == codes[expected]
        assert snapshot() == before
    if expected == 403 and who == "ro":
        assert "read-only" in response.json()["error"]["message"]


def _route(path: str) -> str:
    return resolve(path.format_map(_Ids())).route


def test_api_matrix_covers_every_endpoint_and_method():
    in_matrix: dict[str, set[str]] = {}
    for _name, method, path, *_cells in API_MATRIX:
        in_matrix.setdefault(_route("/api/v1/" + path), set()).add(method)
    routed = {
        route: {m.upper() for m in ("get", "post", "put", "patch", "delete") if hasattr(callback.cls, m)}
        for route, callback in _routes(COVERS)
        if route.startswith("api/v1/")
    }
    assert in_matrix == routed


def _unrouted() -> list[tuple[str, str]]:
    listed: dict[str, set[str]] = {}
    sample: dict[str, str] = {}
    for _name, method, path, *_cells in API_MATRIX:
        route = _route("/api/v1/" + path)
        listed.setdefault(route, set()).add(method)
        sample.setdefault(route, path)
    return [
        (method, sample[route])
        for route in sample
        for method in ("GET", "POST", "PUT", "PATCH", "DELETE")
        if method not in listed[route]
    ]


@pytest.mark.parametrize(("method", "path"), _unrouted())
def test_api_methods_not_routed_are_405(world, params, method, path):  # noqa: F811
    response = api_caller(world, "admin").generic(method, "/api/v1/" + path.format(**params))
    assert response.status_code == 405
    assert response.json()["error"]["code"] == "method_not_allowed"


PAGE_CASES = [
    pytest.param(name, method, path, who, expected, id=f"{name}-{method}-{who}")
    for name, method, path, *cells in PAGE_MATRIX
    for who, expected in zip(PAGE_CALLERS, cells, strict=True)
]


@pytest.mark.parametrize(("name", "method", "path", "who", "expected"), PAGE_CASES)
def test_page_permission_matrix(world, params, name, method, path, who, expected):  # noqa: F811
    url = path.format(**params)
    before = snapshot()
    client = page_caller(world, who)

    if method == "GET":
        response = client.get(url)
    else:
        response = client.post(url, _body(PAGE_BODIES, name, params) or {})

    if expected == LOGIN:
        assert response.status_code == 302
        assert response["Location"] == f"/account/login/?next={quote(url)}"
    elif expected == NOOP:
        assert response.status_code == 302, response.content[:500]
        assert not response["Location"].startswith("/account/login/")
        assert snapshot() == before
    else:
        assert response.status_code == expected, response.content[:500]
        if expected >= 400:
            assert snapshot() == before
            assert "text/html" in response["Content-Type"]


def test_page_matrix_covers_every_page():
    in_matrix = {_route(path) for _n, _m, path, *_c in PAGE_MATRIX}
    routed = {route for route, _callback in _routes(COVERS) if not route.startswith("api/v1/")}
    assert in_matrix == routed
