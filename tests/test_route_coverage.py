"""Every URL module of the project is covered by a permission matrix (each matrix module says
which URL modules it covers in COVERS, and checks its own tables against their routes)."""

from __future__ import annotations

from tests.pmtool import test_permissions as core_matrix
from tests.strategy import test_permissions as strategy_matrix

MATRICES = (core_matrix, strategy_matrix)


def test_every_url_module_has_a_permission_matrix() -> None:
    modules = {module for _route, _callback, module in core_matrix.routes_with_module()}
    covered = set().union(*(matrix.COVERS for matrix in MATRICES))
    assert modules <= covered, modules - covered
