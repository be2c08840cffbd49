"""The harness's own checks can fail: a refused write that changed something, a bad-body case the
generator would drop, a 200 where a refusal was expected, an unlisted method."""

from __future__ import annotations

import json

import pytest

from tests.harness import bodies, matrix, routes


def test_assert_unchanged_names_what_moved() -> None:
    state = {"products": [(1, "Atlas")], "events": 3}
    matrix.assert_unchanged(lambda: dict(state), dict(state))
    with pytest.raises(AssertionError, match="events"):
        matrix.assert_unchanged(lambda: {**state, "events": 4}, state)
    with pytest.raises(AssertionError):
        matrix.assert_unchanged(lambda: (1, 2), (1, 3))


class _Response(dict):
    def __init__(self, status: int, body: dict | None = None, **headers: str) -> None:
        super().__init__(headers)
        self.status_code = status
        self.content = json.dumps(body or {}).encode()

    def json(self) -> dict:
        return json.loads(self.content)


def test_an_api_cell_fails_on_the_wrong_status_or_a_changed_database() -> None:
    refused = _Response(403, {"error": {"code": "permission_denied", "message": "No.", "fields": {}}})
    matrix.check_api_cell(refused, "viewer", 403, snapshot=lambda: 1, before=1)
    with pytest.raises(AssertionError):
        matrix.check_api_cell(refused, "viewer", 403, snapshot=lambda: 2, before=1)
    with pytest.raises(AssertionError):
        matrix.check_api_cell(_Response(200), "viewer", 403, snapshot=lambda: 1, before=1)
    with pytest.raises(AssertionError):  # a read-only token's refusal says why
        matrix.check_api_cell(refused, "ro", 403, snapshot=lambda: 1, before=1)


def test_a_page_cell_checks_the_sign_in_redirect() -> None:
    to_login = _Response(302, Location="/account/login/?next=/w/acme/")
    matrix.check_page_cell(to_login, "/w/acme/", matrix.LOGIN, snapshot=lambda: 1, before=1, protected=True)
    with pytest.raises(AssertionError):
        matrix.check_page_cell(to_login, "/w/acme/", 302, snapshot=lambda: 1, before=1, protected=True)
    with pytest.raises(AssertionError):
        matrix.check_page_cell(to_login, "/w/acme/", matrix.NOOP, snapshot=lambda: 1, before=1, protected=True)


ENDPOINT = bodies.Endpoint(
    "thing-create",
    "post",
    "/api/v1/things/",
    {"name": "A", "notes": ""},
    strings={"name": 120, "notes": 10_000, "kind": None},
    required=("name",),
    wrong_types=({"name": 5},),
    unknown=("bogus", "progress"),
    ok=201,
)


def test_the_generator_has_every_kind_of_bad_body() -> None:
    ids = {case.id.removeprefix("thing-create-") for case in bodies.body_cases([ENDPOINT])}
    expected = {
        *("malformed-json", "trailing-comma", "binary", "nan", "truncated"),
        *(f"{kind}-body" for kind in ("array", "empty-array", "string", "number", "null")),
        "unknown", "unknown-progress", "surrogate-key", "missing-name",
        "too-long-name", "huge-name", "nul-name", "surrogate-name",
        "too-long-notes", "nul-notes", "surrogate-notes",  # 10,000 characters fit in notes
        "huge-kind", "nul-kind", "surrogate-kind",
        "wrong-name-0",
    }  # fmt: skip
    assert ids == expected
    too_long = next(c for c in bodies.body_cases([ENDPOINT]) if c.id.endswith("too-long-name"))
    assert len(too_long.values[2]["name"]) == 121


def test_assert_error_refuses_a_success_and_a_bare_body() -> None:
    with pytest.raises(AssertionError):
        bodies.assert_error(_Response(200, {}, **{"Content-Type": "application/json"}), 400)
    with pytest.raises(AssertionError):
        bodies.assert_error(_Response(400, {"detail": "x"}, **{"Content-Type": "application/json"}), 400)
    good = {"error": {"code": "invalid", "message": "Bad.", "fields": {"name": ["Too long."]}}}
    assert bodies.assert_error(_Response(400, good, **{"Content-Type": "application/json"}), 400, "invalid", ("name",))
    with pytest.raises(AssertionError):
        bodies.assert_error(_Response(400, good, **{"Content-Type": "application/json"}), 400, "invalid", ("slug",))


def test_unrouted_lists_every_method_a_matrix_leaves_out() -> None:
    rows = [("me", "GET", "me/", 401, 200, 200, 200, 200, 200, 200)]
    assert routes.unrouted(rows) == [("POST", "me/"), ("PUT", "me/"), ("PATCH", "me/"), ("DELETE", "me/")]
    with pytest.raises(AssertionError):
        matrix.assert_api_matrix_covers(rows, {"pmtool.api.urls"})
