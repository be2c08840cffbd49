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
The tests are tests/harness/areas.py's; the callers, cells and reading rules tests/harness/matrix.py's
(outsider → 404, never 403).
"""

from __future__ import annotations

import pytest

from tests.harness.areas import matrix_tests
from tests.harness.matrix import world  # noqa: F401 - the fixture

from . import matrix_goals, matrix_metrics, matrix_research, matrix_vision

pytestmark = pytest.mark.django_db

COVERS = {"strategy.urls", "strategy.api.urls"}
AREAS = (matrix_vision, matrix_goals, matrix_research, matrix_metrics)
globals().update(matrix_tests(AREAS, COVERS))
