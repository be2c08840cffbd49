"""Permission-matrix rows of this strategy area (see tests/strategy/test_permissions.py)."""

from __future__ import annotations

from typing import Any

from tests.pmtool.test_permissions import LOGIN

API_MATRIX: list[tuple] = []
# fmt: off
PAGE_MATRIX: list[tuple] = [
    # name                   method  path                                               anon    out   view  edit  admin
    ("strategy",             "GET",  "/w/acme/strategy/",                               LOGIN,  404,  200,  200,  200),
]
# fmt: on
API_BODIES: dict[str, Any] = {}
PAGE_BODIES: dict[str, Any] = {}


def setup(world: Any) -> dict[str, Any]:
    return {}


def snapshot() -> dict[str, Any]:
    return {}
