"""The route table: every routed URL pattern of the project with its view and the URL module that
routes it, the methods an API view implements, and the (method, path) pairs a matrix leaves out
(each must answer 405). Reads the resolver only: no database."""

from __future__ import annotations

import ast
import importlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.urls import URLPattern, URLResolver, get_resolver, resolve

METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")
API_PREFIX = "api/v1/"


@dataclass(frozen=True)
class Route:
    route: str  # the pattern as Django spells it, e.g. "api/v1/products/<int:product_id>/"
    callback: Any  # the view function (an API view's class is callback.cls)
    module: str  # the URL module that routes it, e.g. "strategy.api.urls"

    @property
    def is_api(self) -> bool:
        return self.route.startswith(API_PREFIX)

    def methods(self) -> set[str]:
        """The HTTP methods the view implements (API views: the handlers of its class)."""
        return {m for m in METHODS if hasattr(self.callback.cls, m.lower())}


class Ids(dict):
    """Any placeholder resolves to a plausible id/token (for route lookups without a database)."""

    def __missing__(self, key: str) -> str:
        return "token" if key == "invite_token" else "1"


def all_routes() -> list[Route]:
    """Every URL pattern of the project; an include of a list belongs to its includer."""
    found: list[Route] = []

    def walk(patterns: list[Any], prefix: str, module: str) -> None:
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                name = pattern.urlconf_name
                inner = name if isinstance(name, str) else getattr(name, "__name__", module)
                walk(pattern.url_patterns, prefix + str(pattern.pattern), inner)
            elif isinstance(pattern, URLPattern):
                found.append(Route(prefix + str(pattern.pattern), pattern.callback, module))

    walk(get_resolver().url_patterns, "", "pmtool.urls")
    return found


def routes_of(modules: Iterable[str] | None = None) -> list[Route]:
    """The routes of the URL modules in `modules` (all of them when None)."""
    wanted = None if modules is None else set(modules)
    return [r for r in all_routes() if wanted is None or r.module in wanted]


def url_modules() -> set[str]:
    """Every URL module that routes at least one pattern."""
    return {r.module for r in all_routes()}


def route_of(path: str) -> str:
    """The route pattern a matrix path (with {placeholders}) resolves to."""
    return resolve(path.format_map(Ids())).route


def api_methods_in(rows: Sequence[tuple]) -> dict[str, set[str]]:
    """{route: methods} listed by an API matrix (rows: name, method, path under /api/v1/, cells...)."""
    listed: dict[str, set[str]] = {}
    for _name, method, path, *_cells in rows:
        listed.setdefault(route_of("/" + API_PREFIX + path), set()).add(method)
    return listed


def api_methods_routed(modules: Iterable[str]) -> dict[str, set[str]]:
    """{route: methods its view implements} of every API route of `modules`."""
    return {r.route: r.methods() for r in routes_of(modules) if r.is_api}


def pages_in(rows: Sequence[tuple]) -> set[str]:
    """The routes a page matrix lists (rows: name, method, path, cells...)."""
    return {route_of(path) for _name, _method, path, *_cells in rows}


def pages_routed(modules: Iterable[str]) -> set[str]:
    """Every route outside /api/v1/ of `modules`."""
    return {r.route for r in routes_of(modules) if not r.is_api}


def unrouted(rows: Sequence[tuple]) -> list[tuple[str, str]]:
    """(method, path) pairs an API matrix does not list: one sample path per route, every other method."""
    listed: dict[str, set[str]] = {}
    sample: dict[str, str] = {}
    for _name, method, path, *_cells in rows:
        route = route_of("/" + API_PREFIX + path)
        listed.setdefault(route, set()).add(method)
        sample.setdefault(route, path)
    return [(method, sample[route]) for route in sample for method in METHODS if method not in listed[route]]


# --- which matrix covers which URL module ------------------------------------------------

TESTS_ROOT = Path(__file__).resolve().parent.parent


def _declares_covers(source: str) -> bool:
    """The module assigns COVERS at its top level (read without importing it)."""
    for node in ast.parse(source).body:
        targets = (
            node.targets if isinstance(node, ast.Assign) else [node.target] if isinstance(node, ast.AnnAssign) else []
        )
        if any(isinstance(t, ast.Name) and t.id == "COVERS" for t in targets):
            return True
    return False


def matrix_modules(root: Path = TESTS_ROOT, package: str = "tests") -> list[str]:
    """Dotted names of the modules under `root` (the package `package`) that declare COVERS: the
    permission matrices. A new app's tests/<app>/test_permissions.py is found without a list."""
    found = []
    for path in sorted(root.rglob("*.py")):
        if _declares_covers(path.read_text(encoding="utf-8")):
            parts = path.relative_to(root).with_suffix("").parts
            found.append(".".join((package, *parts)))
    return found


def covered(modules: Iterable[str]) -> set[str]:
    """The URL modules the matrix modules `modules` declare in their COVERS."""
    return set().union(*(set(importlib.import_module(name).COVERS) for name in modules))


def uncovered(routed: Iterable[str] | None = None, matrices: Iterable[str] | None = None) -> set[str]:
    """URL modules (every routed one by default) that no matrix module covers."""
    routed = url_modules() if routed is None else set(routed)
    return set(routed) - covered(matrix_modules() if matrices is None else matrices)
