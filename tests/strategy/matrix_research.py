"""Permission-matrix rows of this strategy area (see tests/strategy/test_permissions.py)."""

from __future__ import annotations

from typing import Any

API_MATRIX: list[tuple] = []
PAGE_MATRIX: list[tuple] = []
API_BODIES: dict[str, Any] = {}
PAGE_BODIES: dict[str, Any] = {}


def setup(world: Any) -> dict[str, Any]:
    return {}


def snapshot() -> dict[str, Any]:
    return {}
