"""The backlog permission matrix: every backlog endpoint and page, every routed method, for
anonymous, outsider, viewer, editor, admin (and, for the API, the admin's write / read-only tokens).

The rows live with their area, in tests/backlog/matrix_<area>.py, found here by name (so each area
adds a module and edits no list); the tests are tests/harness/areas.py's."""

from __future__ import annotations

import pytest

from tests.harness.areas import area_modules, matrix_tests
from tests.harness.matrix import world  # noqa: F401 - the fixture

pytestmark = pytest.mark.django_db

COVERS = {"backlog.urls", "backlog.api.urls"}
AREAS = area_modules(__package__, __file__)
globals().update(matrix_tests(AREAS, COVERS))
