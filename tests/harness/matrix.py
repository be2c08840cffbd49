"""Permission-matrix machinery shared by every tests/<app>/test_permissions.py (after Taiga's
tests/integration/resources_permissions): the callers, the world they act in, one pytest case per
cell, the checks of an API cell and of a page cell, and the "a refused write changed nothing" check.

A matrix row is (name, method, path, *cells), one cell per caller:
- API rows (path under /api/v1/): API_CALLERS, each cell an exact status.
- Page rows: PAGE_CALLERS, each cell LOGIN (302 to the sign-in page with ?next=), NOOP (302
  back with an error message and nothing changed) or an exact status.
`outsider` is signed in and admins a workspace of their own ("other", with the product "Theirs"),
but is not a member of "acme": anything of acme answers 404, never 403. `rw` / `ro` are the admin
calling with a personal API token of scope write / read (a read-only token gets 403 on writes).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

import pytest
from django.test import Client
from django.utils import timezone
from rest_framework.test import APIClient

from pmtool import services
from pmtool.models import ActivityEvent, ApiToken, Invitation, Membership, Product, User, Workspace
from tests.factories import ProductFactory

from .routes import api_methods_in, api_methods_routed, pages_in, pages_routed

LOGIN = "login"
NOOP = "noop"
API_CALLERS = ("anonymous", "outsider", "viewer", "editor", "admin", "rw", "ro")
PAGE_CALLERS = ("anonymous", "outsider", "viewer", "editor", "admin")
# The error code of each refusal an API cell can expect (a matrix may pass more, e.g. 409).
API_ERROR_CODES = {401: "not_authenticated", 403: "permission_denied", 404: "not_found"}


@dataclass
class World:
    """The acme team (tests/conftest.py `team`), its products and the admin's two API tokens."""

    team: Any
    product: Product  # "Atlas" (slug atlas) of acme
    archived: Product  # "Old" (slug old) of acme, archived, version 2
    theirs: Product  # "Theirs" (slug theirs) of the outsider's workspace
    raw: dict[str, str]  # "rw" / "ro": the admin's token secrets

    def user_of(self, who: str) -> User | None:
        return self.team.admin if who in ("rw", "ro") else self.team.user(who)

    def params(self, who: str) -> dict[str, Any]:
        """Placeholder values for a matrix path, as `who` calls it."""
        return {"ws": self.team.workspace.pk, "product": self.product.pk, "archived": self.archived.pk}


def make_world(team: Any) -> World:
    product = ProductFactory(workspace=team.workspace, name="Atlas", slug="atlas", stage="growth")
    archived = ProductFactory(workspace=team.workspace, name="Old", slug="old", archived_at=timezone.now(), version=2)
    theirs = ProductFactory(workspace=team.other_workspace, name="Theirs", slug="theirs")
    raw = {
        "rw": services.api_token_create(user=team.admin, name="rw", scope="write")[1],
        "ro": services.api_token_create(user=team.admin, name="ro", scope="read")[1],
    }
    return World(team, product, archived, theirs, raw)


@pytest.fixture
def world(team: Any) -> World:
    """Import it into a matrix module (`from tests.harness.matrix import world  # noqa: F401`)."""
    return make_world(team)


def core_snapshot() -> dict[str, Any]:
    """Everything a core write could change (not last_used_at: reading with a token updates it).
    An app's matrix adds its own tables to it."""
    return {
        "users": sorted(User.objects.values_list("id", "email", "password", "is_active")),
        "workspaces": sorted(Workspace.objects.values_list("id", "name", "slug")),
        "members": sorted(Membership.objects.values_list("id", "workspace_id", "user_id", "role")),
        "invitations": sorted(Invitation.objects.values_list("id", "accepted_at", "revoked_at")),
        "products": sorted(Product.objects.values_list("id", "name", "slug", "stage", "version", "archived_at")),
        "tokens": sorted(ApiToken.objects.values_list("id", "revoked_at")),
        "events": ActivityEvent.objects.count(),
    }


# --- callers ----------------------------------------------------------------------


def api_caller(world: World, who: str) -> APIClient:
    client = APIClient()
    if who in world.raw:
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {world.raw[who]}")
    elif who != "anonymous":
        client.force_authenticate(world.user_of(who))
    return client


def page_caller(world: World, who: str) -> Client:
    client = Client()
    user = world.user_of(who)
    if user is not None:
        client.force_login(user)
    return client


def body_of(bodies: dict[str, Any], name: str, params: dict[str, Any]) -> Any:
    """The request body of row `name`: a value, or a callable(params) -> value (for ids, files)."""
    body = bodies.get(name)
    return body(params) if callable(body) else body


# --- cases and cells --------------------------------------------------------------


def cases(rows: Sequence[tuple], callers: Sequence[str]) -> list[Any]:
    """One pytest case (name, method, path, who, expected) per cell, id "name-METHOD-who"."""
    return [
        pytest.param(name, method, path, who, expected, id=f"{name}-{method}-{who}")
        for name, method, path, *cells in rows
        for who, expected in zip(callers, cells, strict=True)
    ]


def api_cases(rows: Sequence[tuple]) -> list[Any]:
    return cases(rows, API_CALLERS)


def page_cases(rows: Sequence[tuple]) -> list[Any]:
    return cases(rows, PAGE_CALLERS)


def cells_of(rows: Sequence[tuple], name: str) -> list[Any]:
    return next(cells for row_name, _method, _path, *cells in rows if row_name == name)


def assert_unchanged(snapshot: Callable[[], Any], before: Any) -> None:
    """A refused write changed nothing: `snapshot()` equals `before` (names the parts that moved)."""
    after = snapshot()
    if isinstance(before, dict) and isinstance(after, dict):
        moved = sorted(key for key in before.keys() | after.keys() if before.get(key) != after.get(key))
        assert not moved, f"a refused request changed {moved}"
    assert after == before


def check_api_cell(
    response: Any,
    who: str,
    expected: int,
    *,
    snapshot: Callable[[], Any],
    before: Any,
    codes: dict[int, str] = API_ERROR_CODES,
) -> None:
    """The status; a refusal carries the one error body with its code and changed nothing."""
    assert response.status_code == expected, response.content[:500]
    if expected >= 400:
        error = response.json()["error"]
        assert set(error) == {"code", "message", "fields"}
        assert error["code"] == codes[expected]
        assert_unchanged(snapshot, before)
    if expected == 401:
        assert response["WWW-Authenticate"] == 'Bearer realm="api"'
    if expected == 403 and who == "ro":
        assert "read-only" in response.json()["error"]["message"]


def call_page(client: Client, method: str, url: str, body: Any) -> Any:
    return client.get(url) if method == "GET" else client.post(url, body or {})


def check_page_cell(
    response: Any, url: str, expected: Any, *, snapshot: Callable[[], Any], before: Any, protected: bool
) -> None:
    """LOGIN, NOOP or the exact status; `protected`: the row sends anonymous callers to sign in, so a
    signed-in caller's 302 must lead onwards, not to the sign-in page."""
    if expected == LOGIN:
        assert response.status_code == 302
        assert response["Location"] == f"/account/login/?next={quote(url)}"
    elif expected == NOOP:
        assert response.status_code == 302, response.content[:500]
        assert not response["Location"].startswith("/account/login/")
        assert_unchanged(snapshot, before)
    else:
        assert response.status_code == expected, response.content[:500]
        if expected == 302 and protected:
            assert not response["Location"].startswith("/account/login/")
        if expected >= 400:
            assert_unchanged(snapshot, before)
            assert "text/html" in response["Content-Type"]


def assert_method_not_allowed(response: Any, *, json: bool = True) -> None:
    """405 with the error code (in the JSON error body unless the endpoint has its own media type)."""
    assert response.status_code == 405
    assert "method_not_allowed" in response.content.decode()
    if json or response["Content-Type"].startswith("application/json"):
        assert response.json()["error"]["code"] == "method_not_allowed"


# --- coverage of the routes ---------------------------------------------------------


def assert_api_matrix_covers(rows: Sequence[tuple], covers: set[str]) -> None:
    """Every API route of the URL modules in `covers`, with exactly the methods its view implements."""
    assert api_methods_in(rows) == api_methods_routed(covers)


def assert_page_matrix_covers(rows: Sequence[tuple], covers: set[str]) -> None:
    """Every route outside /api/v1/ of the URL modules in `covers`."""
    assert pages_in(rows) == pages_routed(covers)


def assert_unique_names(*tables: Sequence[tuple]) -> None:
    for table in tables:
        names = [row[0] for row in table]
        assert len(names) == len(set(names)), sorted({n for n in names if names.count(n) > 1})
