"""The backlog permission matrix: every backlog endpoint and page, every routed method, for
anonymous, outsider, viewer, editor, admin (and, for the API, the admin's write / read-only tokens).

The rows live with their area, in tests/backlog/matrix_*.py (the same shape as
tests/strategy/test_permissions.py's areas)."""

from __future__ import annotations

from typing import Any

import pytest

from tests.harness import matrix, routes
from tests.harness.matrix import (
    LOGIN,
    World,
    api_caller,
    body_of,
    page_caller,
    world,  # noqa: F401 - the fixture
)

from . import matrix_plan

pytestmark = pytest.mark.django_db

COVERS = {"backlog.urls", "backlog.api.urls"}
AREAS = (matrix_plan,)

API_MATRIX = [row for area in AREAS for row in area.API_MATRIX]
PAGE_MATRIX = [row for area in AREAS for row in area.PAGE_MATRIX]
API_BODIES: dict[str, Any] = {k: v for area in AREAS for k, v in area.API_BODIES.items()}
PAGE_BODIES: dict[str, Any] = {k: v for area in AREAS for k, v in area.PAGE_BODIES.items()}


def test_row_names_are_unique() -> None:
    matrix.assert_unique_names(API_MATRIX, PAGE_MATRIX)


@pytest.fixture
def params(world: World) -> dict[str, Any]:  # noqa: F811 - the imported fixture
    values: dict[str, Any] = {"ws": world.team.workspace.pk, "product": world.product.pk}
    for area in AREAS:
        values.update(area.setup(world))
    return values


def snapshot() -> dict[str, Any]:
    state = matrix.core_snapshot()
    for area in AREAS:
        state[area.__name__] = area.snapshot()
    return state


@pytest.mark.parametrize(("name", "method", "path", "who", "expected"), matrix.api_cases(API_MATRIX))
def test_api_permission_matrix(world, params, name, method, path, who, expected):  # noqa: F811
    url = "/api/v1/" + path.format(**params)
    before = snapshot()

    response = getattr(api_caller(world, who), method.lower())(url, body_of(API_BODIES, name, params), format="json")

    matrix.check_api_cell(response, who, expected, snapshot=snapshot, before=before)


def test_api_matrix_covers_every_endpoint_and_method():
    matrix.assert_api_matrix_covers(API_MATRIX, COVERS)


@pytest.mark.parametrize(("method", "path"), routes.unrouted(API_MATRIX))
def test_api_methods_not_routed_are_405(world, params, method, path):  # noqa: F811
    response = api_caller(world, "admin").generic(method, "/api/v1/" + path.format(**params))
    matrix.assert_method_not_allowed(response)


@pytest.mark.parametrize(("name", "method", "path", "who", "expected"), matrix.page_cases(PAGE_MATRIX))
def test_page_permission_matrix(world, params, name, method, path, who, expected):  # noqa: F811
    url = path.format(**params)
    before = snapshot()

    response = matrix.call_page(page_caller(world, who), method, url, body_of(PAGE_BODIES, name, params))

    protected = matrix.cells_of(PAGE_MATRIX, name)[0] == LOGIN
    matrix.check_page_cell(response, url, expected, snapshot=snapshot, before=before, protected=protected)


def test_page_matrix_covers_every_page():
    matrix.assert_page_matrix_covers(PAGE_MATRIX, COVERS)
