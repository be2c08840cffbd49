"""Every URL module of the project is covered by a permission matrix: each matrix module says which
URL modules it covers in COVERS and checks its own tables against their routes; the matrix modules
are found by walking the tests package (tests/harness/routes.py), not listed here."""

from __future__ import annotations

from pathlib import Path

from tests.harness import routes


def test_every_url_module_has_a_permission_matrix() -> None:
    assert routes.url_modules(), "no routes found"
    assert not routes.uncovered()


def test_the_matrices_are_discovered_by_walking_the_tests_package() -> None:
    found = routes.matrix_modules()
    assert {"tests.pmtool.test_permissions", "tests.strategy.test_permissions"} <= set(found)
    assert "tests.test_route_coverage" not in found  # mentions COVERS, assigns none
    assert {"strategy.urls", "strategy.api.urls", "pmtool.urls", "pmtool.api.urls"} <= routes.covered(found)


def test_a_routed_module_that_no_matrix_covers_is_reported() -> None:
    assert routes.uncovered({"pmtool.urls", "strategy.api.urls", "newapp.urls"}) == {"newapp.urls"}
    # Without the strategy matrix, strategy's URL modules are reported too.
    assert routes.uncovered(matrices=["tests.pmtool.test_permissions"]) >= {"strategy.urls", "strategy.api.urls"}


def test_a_new_apps_matrix_is_picked_up_without_editing_a_list(tmp_path: Path) -> None:
    (tmp_path / "newapp").mkdir()
    (tmp_path / "newapp" / "test_permissions.py").write_text('COVERS = {"newapp.urls"}\n')
    (tmp_path / "newapp" / "matrix_rows.py").write_text("API_MATRIX: list[tuple] = []\n")
    (tmp_path / "typed.py").write_text('COVERS: set[str] = {"typed.urls"}\n')
    (tmp_path / "mentions.py").write_text('def f():\n    COVERS = {"local.urls"}\n    return COVERS\n')
    assert routes.matrix_modules(tmp_path, "pkg") == ["pkg.newapp.test_permissions", "pkg.typed"]
