"""The permission-matrix tests of an app whose rows live in area modules (tests/<app>/matrix_*.py).

An app's tests/<app>/test_permissions.py declares COVERS (its URL modules, read by
tests/test_route_coverage.py) and AREAS, then takes its tests from here:

    AREAS = area_modules(__package__, __file__)
    globals().update(matrix_tests(AREAS, COVERS))

Each area module defines API_MATRIX, PAGE_MATRIX, API_BODIES, PAGE_BODIES, setup(world) ->
{placeholder: value} and snapshot() -> dict (tests/strategy/test_permissions.py describes the rows).
The callers, cells and reading rules are tests/harness/matrix.py's (outsider → 404, never 403)."""

from __future__ import annotations

import importlib
import pkgutil
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from . import matrix, routes
from .matrix import LOGIN, World, api_caller, body_of, page_caller


def area_modules(package: str, file: str) -> tuple[ModuleType, ...]:
    """The matrix_*.py modules beside `file`, by name (so an area adds a module and edits no list)."""
    here = Path(file).parent
    names = sorted(m.name for m in pkgutil.iter_modules([str(here)]) if m.name.startswith("matrix_"))
    return tuple(importlib.import_module(f"{package}.{name}") for name in names)


def matrix_tests(areas: tuple[ModuleType, ...], covers: set[str]) -> dict[str, Any]:
    """The rows, the `params` fixture, `snapshot` and the matrix tests of these areas, for a test
    module's globals."""
    api_matrix = [row for area in areas for row in area.API_MATRIX]
    page_matrix = [row for area in areas for row in area.PAGE_MATRIX]
    api_bodies: dict[str, Any] = {k: v for area in areas for k, v in area.API_BODIES.items()}
    page_bodies: dict[str, Any] = {k: v for area in areas for k, v in area.PAGE_BODIES.items()}

    def test_row_names_are_unique() -> None:
        matrix.assert_unique_names(api_matrix, page_matrix)

    @pytest.fixture
    def params(world: World) -> dict[str, Any]:
        values: dict[str, Any] = {"ws": world.team.workspace.pk, "product": world.product.pk}
        for area in areas:
            values.update(area.setup(world))
        return values

    def snapshot() -> dict[str, Any]:
        state = matrix.core_snapshot()
        for area in areas:
            state[area.__name__] = area.snapshot()
        return state

    @pytest.mark.parametrize(("name", "method", "path", "who", "expected"), matrix.api_cases(api_matrix))
    def test_api_permission_matrix(world, params, name, method, path, who, expected):  # type: ignore[no-untyped-def]
        url = "/api/v1/" + path.format(**params)
        before = snapshot()
        body = body_of(api_bodies, name, params)
        response = getattr(api_caller(world, who), method.lower())(url, body, format="json")
        matrix.check_api_cell(response, who, expected, snapshot=snapshot, before=before)

    def test_api_matrix_covers_every_endpoint_and_method() -> None:
        matrix.assert_api_matrix_covers(api_matrix, covers)

    @pytest.mark.parametrize(("method", "path"), routes.unrouted(api_matrix))
    def test_api_methods_not_routed_are_405(world, params, method, path):  # type: ignore[no-untyped-def]
        response = api_caller(world, "admin").generic(method, "/api/v1/" + path.format(**params))
        matrix.assert_method_not_allowed(response)

    @pytest.mark.parametrize(("name", "method", "path", "who", "expected"), matrix.page_cases(page_matrix))
    def test_page_permission_matrix(world, params, name, method, path, who, expected):  # type: ignore[no-untyped-def]
        url = path.format(**params)
        before = snapshot()
        response = matrix.call_page(page_caller(world, who), method, url, body_of(page_bodies, name, params))
        protected = matrix.cells_of(page_matrix, name)[0] == LOGIN
        matrix.check_page_cell(response, url, expected, snapshot=snapshot, before=before, protected=protected)

    def test_page_matrix_covers_every_page() -> None:
        matrix.assert_page_matrix_covers(page_matrix, covers)

    return {
        "API_MATRIX": api_matrix,
        "PAGE_MATRIX": page_matrix,
        "API_BODIES": api_bodies,
        "PAGE_BODIES": page_bodies,
        "params": params,
        "snapshot": snapshot,
        "test_row_names_are_unique": test_row_names_are_unique,
        "test_api_permission_matrix": test_api_permission_matrix,
        "test_api_matrix_covers_every_endpoint_and_method": test_api_matrix_covers_every_endpoint_and_method,
        "test_api_methods_not_routed_are_405": test_api_methods_not_routed_are_405,
        "test_page_permission_matrix": test_page_permission_matrix,
        "test_page_matrix_covers_every_page": test_page_matrix_covers_every_page,
    }
