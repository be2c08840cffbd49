"""The permission matrix (after Taiga's tests/integration/resources_permissions): every API endpoint
and every page, every routed method, asserted for anonymous, outsider, viewer, editor and admin in
one literal table per surface. Plus the pure predicates of pmtool/permissions.py.

Reading the tables:
- `outsider` is signed in and admins a workspace of their own, but is not a member of "acme":
  anything of acme answers 404, never 403 (existence is not leaked).
- API columns `rw` / `ro` are the admin calling with a personal API token of scope write / read
  (`Authorization: Bearer …`): a read-only token gets 403 on every write.
- Page cells: LOGIN = 302 to the sign-in page (with ?next=); NOOP = 302 back with an error
  message and nothing changed; an int is the exact status.
- Every 4xx and every NOOP is checked to have changed nothing in the database.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from pmtool import services
from pmtool.errors import NotFound, PermissionDenied
from pmtool.models import ApiToken, Invitation, Membership, Product, Role
from pmtool.permissions import (
    access_membership,
    access_product,
    access_workspace,
    can_edit_content,
    can_edit_product,
    can_manage_workspace,
    can_view_workspace,
    role_at_least,
)
from tests.factories import ProductFactory, UserFactory
from tests.harness import matrix, routes
from tests.harness.matrix import LOGIN, NOOP, api_caller, page_caller

pytestmark = pytest.mark.django_db

PASSWORD = "correct-horse-battery"  # tests/factories.py

# fmt: off
API_MATRIX = [
    # name                  method    path under /api/v1/                           anon out  view edit admn rw   ro
    ("schema",              "GET",    "schema/",                                    200, 200, 200, 200, 200, 200, 200),
    ("me",                  "GET",    "me/",                                        401, 200, 200, 200, 200, 200, 200),
    ("workspaces",          "GET",    "workspaces/",                                401, 200, 200, 200, 200, 200, 200),
    ("workspace-create",    "POST",   "workspaces/",                                401, 201, 201, 201, 201, 201, 403),
    ("workspace",           "GET",    "workspaces/{ws}/",                           401, 404, 200, 200, 200, 200, 200),
    ("workspace-rename",    "PATCH",  "workspaces/{ws}/",                           401, 404, 403, 403, 200, 200, 403),
    ("members",             "GET",    "workspaces/{ws}/members/",                   401, 404, 200, 200, 200, 200, 200),
    ("member-role",         "PATCH",  "workspaces/{ws}/members/{member}/",          401, 404, 403, 403, 200, 200, 403),
    ("member-remove",       "DELETE", "workspaces/{ws}/members/{member}/",          401, 404, 403, 403, 204, 204, 403),
    ("member-leave",        "DELETE", "workspaces/{ws}/members/{me}/",              401, 404, 204, 204, 409, 409, 403),
    ("invitations",         "GET",    "workspaces/{ws}/invitations/",               401, 404, 403, 403, 200, 200, 200),
    ("invitation-create",   "POST",   "workspaces/{ws}/invitations/",               401, 404, 403, 403, 201, 201, 403),
    ("invitation-resend",   "POST",   "workspaces/{ws}/invitations/{invitation}/resend/", 401, 404, 403, 403, 200, 200, 403),  # noqa: E501
    ("invitation-revoke",   "DELETE", "workspaces/{ws}/invitations/{invitation}/",  401, 404, 403, 403, 204, 204, 403),
    ("products",            "GET",    "workspaces/{ws}/products/",                  401, 404, 200, 200, 200, 200, 200),
    ("product-create",      "POST",   "workspaces/{ws}/products/",                  401, 404, 403, 201, 201, 201, 403),
    ("workspace-activity",  "GET",    "workspaces/{ws}/activity/",                  401, 404, 200, 200, 200, 200, 200),
    ("product",             "GET",    "products/{product}/",                        401, 404, 200, 200, 200, 200, 200),
    ("product-update",      "PATCH",  "products/{product}/",                        401, 404, 403, 200, 200, 200, 403),
    ("product-archive",     "POST",   "products/{product}/archive/",                401, 404, 403, 200, 200, 200, 403),
    ("product-restore",     "POST",   "products/{archived}/restore/",               401, 404, 403, 200, 200, 200, 403),
    ("product-activity",    "GET",    "products/{product}/activity/",               401, 404, 200, 200, 200, 200, 200),
    ("tokens",              "GET",    "tokens/",                                    401, 200, 200, 200, 200, 200, 200),
    ("token-create",        "POST",   "tokens/",                                    401, 201, 201, 201, 201, 403, 403),
    ("token-revoke",        "DELETE", "tokens/{my_token}/",                         401, 204, 204, 204, 204, 204, 403),
    ("token-revoke-other",  "DELETE", "tokens/{admins_token}/",                     401, 404, 404, 404, 204, 204, 403),
]

PAGE_MATRIX = [
    # name                   method  path                                               anon    out   view  edit  admin
    ("home",                 "GET",  "/",                                               LOGIN,  302,  302,  302,  302),
    ("healthz",              "GET",  "/healthz",                                        200,    200,  200,  200,  200),
    ("login",                "GET",  "/account/login/",                                 200,    302,  302,  302,  302),
    ("login-submit",         "POST", "/account/login/",                                 302,    302,  302,  302,  302),
    ("logout",               "POST", "/account/logout/",                                302,    302,  302,  302,  302),
    ("password-reset",       "GET",  "/account/password-reset/",                        200,    200,  200,  200,  200),
    ("password-reset-send",  "POST", "/account/password-reset/",                        302,    302,  302,  302,  302),
    ("password-reset-sent",  "GET",  "/account/password-reset/sent/",                   200,    200,  200,  200,  200),
    ("password-reset-link",  "GET",  "/account/reset/MQ/bad-token/",                    200,    200,  200,  200,  200),
    ("password-reset-done",  "GET",  "/account/reset/done/",                            200,    200,  200,  200,  200),
    ("password-change",      "GET",  "/account/password/",                              LOGIN,  200,  200,  200,  200),
    ("password-change-save", "POST", "/account/password/",                              LOGIN,  302,  302,  302,  302),
    ("password-change-done", "GET",  "/account/password/done/",                         LOGIN,  200,  200,  200,  200),
    ("tokens",               "GET",  "/account/tokens/",                                LOGIN,  200,  200,  200,  200),
    ("token-create",         "POST", "/account/tokens/",                                LOGIN,  200,  200,  200,  200),
    ("token-revoke",         "POST", "/account/tokens/{my_token}/revoke/",              LOGIN,  302,  302,  302,  302),
    ("token-revoke-other",   "POST", "/account/tokens/{admins_token}/revoke/",          LOGIN,  NOOP, NOOP, NOOP, 302),
    ("workspaces",           "GET",  "/workspaces/",                                    LOGIN,  200,  200,  200,  200),
    ("workspace-new",        "GET",  "/workspaces/new/",                                LOGIN,  200,  200,  200,  200),
    ("workspace-create",     "POST", "/workspaces/new/",                                LOGIN,  302,  302,  302,  302),
    ("invitation",           "GET",  "/invitations/{invite_token}/",                    200,    200,  200,  200,  200),
    ("invitation-accept",    "POST", "/invitations/{invite_token}/",                    302,    NOOP, NOOP, NOOP, NOOP),
    ("invitation-forged",    "GET",  "/invitations/forged-token/",                      404,    404,  404,  404,  404),
    ("workspace-unknown",    "GET",  "/w/nope/products/",                               LOGIN,  404,  404,  404,  404),
    ("workspace-home",       "GET",  "/w/acme/",                                        LOGIN,  404,  200,  200,  200),
    ("products",             "GET",  "/w/acme/products/",                               LOGIN,  404,  200,  200,  200),
    ("product-new",          "GET",  "/w/acme/products/new/",                           LOGIN,  404,  403,  200,  200),
    ("product-create",       "POST", "/w/acme/products/new/",                           LOGIN,  404,  403,  302,  302),
    ("product",              "GET",  "/w/acme/products/atlas/",                         LOGIN,  404,  200,  200,  200),
    ("product-edit",         "GET",  "/w/acme/products/atlas/edit/",                    LOGIN,  404,  403,  200,  200),
    ("product-save",         "POST", "/w/acme/products/atlas/edit/",                    LOGIN,  404,  403,  302,  302),
    ("product-archive",      "POST", "/w/acme/products/atlas/archive/",                 LOGIN,  404,  403,  302,  302),
    ("product-restore",      "POST", "/w/acme/products/old/restore/",                   LOGIN,  404,  403,  302,  302),
    ("activity",             "GET",  "/w/acme/activity/",                               LOGIN,  404,  200,  200,  200),
    ("settings",             "GET",  "/w/acme/settings/",                               LOGIN,  404,  200,  200,  200),
    ("workspace-rename",     "POST", "/w/acme/settings/",                               LOGIN,  404,  403,  403,  302),
    ("members",              "GET",  "/w/acme/settings/members/",                       LOGIN,  404,  200,  200,  200),
    ("invite",               "POST", "/w/acme/settings/members/",                       LOGIN,  404,  403,  403,  302),
    ("member-role",          "POST", "/w/acme/settings/members/{member}/role/",         LOGIN,  404,  403,  403,  302),
    ("member-remove",        "POST", "/w/acme/settings/members/{member}/remove/",       LOGIN,  404,  403,  403,  302),
    ("member-leave",         "POST", "/w/acme/settings/members/{me}/remove/",           LOGIN,  404,  302,  302,  NOOP),
    ("invitation-resend",    "POST", "/w/acme/settings/invitations/{invitation}/resend/", LOGIN, 404, 403,  403,  302),
    ("invitation-revoke",    "POST", "/w/acme/settings/invitations/{invitation}/revoke/", LOGIN, 404, 403,  403,  302),
    ("roadmaps",             "GET",  "/w/acme/roadmaps/",                               LOGIN,  404,  200,  200,  200),
    ("feedback",             "GET",  "/w/acme/feedback/",                               LOGIN,  404,  200,  200,  200),
    ("api-docs",             "GET",  "/api/docs/",                                      200,    200,  200,  200,  200),
    ("api-root",             "GET",  "/api/",                                           302,    302,  302,  302,  302),
]
# fmt: on

# The URL modules whose routes these tables cover (tests/test_route_coverage.py checks that every
# URL module of the project is covered by some matrix).
# (backlog.urls, the backlog section page included: tests/backlog/test_permissions.py)
COVERS = {"pmtool.urls", "pmtool.api.urls", "roadmaps.urls", "feedback.urls"}


# Request bodies of the writes (the same for every caller; valid, so a refusal is about permission).
API_BODIES: dict[str, dict[str, Any]] = {
    "workspace-create": {"name": "New Co"},
    "workspace-rename": {"name": "Acme Corp"},
    "member-role": {"role": "editor"},
    "invitation-create": {"email": "new@example.test", "role": "viewer"},
    "product-create": {"name": "Borealis", "stage": "idea"},
    "product-update": {"name": "Atlas Maps", "version": 1},
    "product-archive": {"version": 1},
    "product-restore": {"version": 2},
    "token-create": {"name": "CI", "scope": "read"},
}
PAGE_BODIES: dict[str, dict[str, Any]] = {
    "login-submit": {"username": "admin@acme.test", "password": PASSWORD},
    "password-reset-send": {"email": "admin@acme.test"},
    "password-change-save": {
        "old_password": PASSWORD,
        "new_password1": "a-new-long-passphrase-77",
        "new_password2": "a-new-long-passphrase-77",
    },
    "token-create": {"name": "CI", "scope": "read", "expires_in": "30"},
    "workspace-create": {"name": "New Co", "slug": ""},
    "invitation-accept": {
        "name": "Ines Invitee",
        "password1": "a-new-long-passphrase-77",
        "password2": "a-new-long-passphrase-77",
    },
    "product-create": {"name": "Borealis", "slug": "", "stage": "idea", "description": ""},
    "product-save": {"name": "Atlas Maps", "slug": "atlas", "stage": "growth", "description": "", "version": "1"},
    "workspace-rename": {"name": "Acme Corp"},
    "invite": {"email": "new@example.test", "role": "viewer"},
    "member-role": {"role": "editor"},
}


@dataclass
class World(matrix.World):
    """The harness's world (tests/harness/matrix.py) plus one more member, a pending invitation and
    everyone's tokens."""

    member: Membership  # "extra@acme.test", a viewer: the target of role changes and removals
    invitation: Invitation
    invite_token: str
    my_tokens: dict[str, ApiToken]
    admins_token: ApiToken

    def params(self, who: str) -> dict[str, Any]:
        user = self.user_of(who)
        me = Membership.objects.filter(workspace=self.team.workspace, user=user).first() if user else None
        return {
            **super().params(who),
            "member": self.member.pk,
            "me": (me or self.member).pk,
            "invitation": self.invitation.pk,
            "invite_token": quote(self.invite_token),
            "my_token": self.my_tokens[who if who in self.my_tokens else "admin"].pk,
            "admins_token": self.admins_token.pk,
        }


@pytest.fixture
def world(team: Any) -> World:
    base = matrix.make_world(team)
    extra = UserFactory(email="extra@acme.test", name="Extra")
    member = Membership.objects.create(workspace=team.workspace, user=extra, role=Role.VIEWER)
    invitation = services.invitation_create(
        actor=team.actor(), workspace=team.workspace, email="invitee@example.test", role=Role.EDITOR
    )
    my_tokens = {
        who: services.api_token_create(user=getattr(team, who), name=f"{who}'s")[0]
        for who in ("outsider", "viewer", "editor", "admin")
    }
    admins_token = services.api_token_create(user=team.admin, name="admin's other")[0]
    return World(
        **vars(base),
        member=member,
        invitation=invitation,
        invite_token=services.invitation_token(invitation),
        my_tokens=my_tokens,
        admins_token=admins_token,
    )


snapshot = matrix.core_snapshot  # everything a core write could change


# --- API ------------------------------------------------------------------------


@pytest.mark.parametrize(("name", "method", "path", "who", "expected"), matrix.api_cases(API_MATRIX))
def test_api_permission_matrix(world, name, method, path, who, expected):
    url = "/api/v1/" + path.format(**world.params(who))
    before = snapshot()

    response = getattr(api_caller(world, who), method.lower())(url, API_BODIES.get(name), format="json")

    codes = {**matrix.API_ERROR_CODES, 409: "last_admin"}
    matrix.check_api_cell(response, who, expected, snapshot=snapshot, before=before, codes=codes)


def test_api_matrix_covers_every_endpoint_and_method():
    """Every route of pmtool/api/urls.py, with exactly the methods its view implements."""
    matrix.assert_api_matrix_covers(API_MATRIX, COVERS)


@pytest.mark.parametrize(("method", "path"), routes.unrouted(API_MATRIX))
def test_api_methods_not_routed_are_405(world, method, path):
    response = api_caller(world, "admin").generic(method, "/api/v1/" + path.format(**world.params("admin")))
    # The schema endpoint answers in its own media type (OpenAPI YAML); everything else in JSON.
    matrix.assert_method_not_allowed(response, json=path != "schema/")


def test_an_outsider_gets_the_same_404_as_for_an_id_that_does_not_exist(world):
    outsider = api_caller(world, "outsider")
    pairs = [
        (f"/api/v1/products/{world.product.pk}/", "/api/v1/products/999999999/"),
        (f"/api/v1/workspaces/{world.team.workspace.pk}/", "/api/v1/workspaces/999999999/"),
    ]
    for existing, missing in pairs:
        first, second = outsider.get(existing), outsider.get(missing)
        assert (first.status_code, first.json()) == (second.status_code, second.json())


@pytest.mark.parametrize(
    "header",
    ["Bearer pmt_not-a-real-token", "Bearer", "Bearer two parts", "Bearer {revoked}", "Bearer {expired}"],
)
def test_a_bad_bearer_token_is_401(world, header):
    revoked, raw_revoked = services.api_token_create(user=world.team.admin, name="revoked")
    services.api_token_revoke(user=world.team.admin, token_id=revoked.pk)
    expired, raw_expired = services.api_token_create(user=world.team.admin, name="expired")
    ApiToken.objects.filter(pk=expired.pk).update(expires_at=timezone.now() - dt.timedelta(seconds=1))
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=header.format(revoked=raw_revoked, expired=raw_expired))

    response = client.get("/api/v1/me/")

    assert response.status_code == 401
    assert response.json()["error"]["code"] == "authentication_failed"
    assert response["WWW-Authenticate"] == 'Bearer realm="api"'


def test_session_writes_need_the_csrf_token(world):
    """The browser's session auth: a write without the CSRF token is refused."""
    client = APIClient(enforce_csrf_checks=True)
    client.force_login(world.team.admin)
    response = client.post(f"/api/v1/workspaces/{world.team.workspace.pk}/products/", {"name": "X"}, format="json")
    assert response.status_code == 403
    assert not Product.objects.filter(name="X").exists()
    assert client.get("/api/v1/me/").status_code == 200


# --- pages ----------------------------------------------------------------------


@pytest.mark.parametrize(("name", "method", "path", "who", "expected"), matrix.page_cases(PAGE_MATRIX))
def test_page_permission_matrix(world, name, method, path, who, expected):
    url = path.format(**world.params(who))
    before = snapshot()

    response = matrix.call_page(page_caller(world, who), method, url, PAGE_BODIES.get(name, {}))

    protected = matrix.cells_of(PAGE_MATRIX, name)[0] == LOGIN
    matrix.check_page_cell(response, url, expected, snapshot=snapshot, before=before, protected=protected)


def test_page_matrix_covers_every_page():
    """Every route outside /api/v1/ (pmtool/urls.py and the roadmaps/feedback urls)."""
    matrix.assert_page_matrix_covers(PAGE_MATRIX, COVERS)


def test_refused_page_writes_explain_themselves(world):
    """NOOP cells: the error reaches the person as a message on the page they land on."""
    client = page_caller(world, "admin")
    response = client.post(f"/w/acme/settings/members/{world.params('admin')['me']}/remove/", follow=True)
    assert "last admin" in response.content.decode()

    client = page_caller(world, "viewer")
    response = client.post(f"/invitations/{quote(world.invite_token)}/", follow=True)
    assert "invitee@example.test" in response.content.decode()


# --- pure predicates ------------------------------------------------------------

# fmt: off
PREDICATES = [
    # role        view   edit   manage
    (None,        False, False, False),
    ("",          False, False, False),
    ("owner",     False, False, False),  # not a role
    (Role.VIEWER, True,  False, False),
    (Role.EDITOR, True,  True,  False),
    (Role.ADMIN,  True,  True,  True),
]
# fmt: on


@pytest.mark.parametrize(("role", "view", "edit", "manage"), PREDICATES)
def test_role_predicates(role, view, edit, manage):
    assert can_view_workspace(role) is view
    assert can_edit_content(role) is edit
    assert can_manage_workspace(role) is manage
    assert role_at_least(role, Role.VIEWER) is view
    assert role_at_least(role, Role.EDITOR) is edit
    assert role_at_least(role, Role.ADMIN) is manage


@pytest.mark.parametrize(
    ("who", "expected"),
    [("anonymous", False), ("outsider", False), ("viewer", False), ("editor", True), ("admin", True)],
)
def test_can_edit_product(team, product, who, expected):
    from django.contrib.auth.models import AnonymousUser

    user = team.user(who) or AnonymousUser()
    assert can_edit_product(user, product) is expected


def test_can_edit_product_uses_the_annotated_role_without_a_query(team, product, django_assert_num_queries):
    fetched = access_product(team.viewer, product.pk)
    with django_assert_num_queries(0):
        assert can_edit_product(team.viewer, fetched) is False
    fetched = access_product(team.editor, product.pk)
    with django_assert_num_queries(0):
        assert can_edit_product(team.editor, fetched) is True


# fmt: off
ACCESS_WORKSPACE = [
    # who          minimum        result
    ("anonymous",  Role.VIEWER,   NotFound),
    ("outsider",   Role.VIEWER,   NotFound),
    ("outsider",   Role.ADMIN,    NotFound),
    ("viewer",     Role.VIEWER,   "viewer"),
    ("viewer",     Role.EDITOR,   PermissionDenied),
    ("editor",     Role.EDITOR,   "editor"),
    ("editor",     Role.ADMIN,    PermissionDenied),
    ("admin",      Role.ADMIN,    "admin"),
]
# fmt: on


@pytest.mark.parametrize(("who", "minimum", "result"), ACCESS_WORKSPACE)
@pytest.mark.parametrize("by", ["slug", "id"])
def test_access_workspace(team, who, minimum, result, by):
    from django.contrib.auth.models import AnonymousUser

    user = team.user(who) or AnonymousUser()
    lookup = {"slug": "acme"} if by == "slug" else {"workspace_id": team.workspace.pk}
    if isinstance(result, str):
        workspace = access_workspace(user, minimum=minimum, **lookup)
        assert workspace == team.workspace
        assert workspace.my_role == result
    else:
        with pytest.raises(result):
            access_workspace(user, minimum=minimum, **lookup)


def test_access_workspace_that_does_not_exist(team):
    with pytest.raises(NotFound):
        access_workspace(team.admin, slug="nope")
    with pytest.raises(NotFound):
        access_workspace(team.admin, workspace_id=999999999)


# fmt: off
ACCESS_PRODUCT = [
    # who          write  result
    ("anonymous",  False, NotFound),
    ("outsider",   False, NotFound),
    ("outsider",   True,  NotFound),
    ("viewer",     False, "viewer"),
    ("viewer",     True,  PermissionDenied),
    ("editor",     True,  "editor"),
    ("admin",      True,  "admin"),
]
# fmt: on


@pytest.mark.parametrize(("who", "write", "result"), ACCESS_PRODUCT)
def test_access_product(team, product, who, write, result):
    from django.contrib.auth.models import AnonymousUser

    user = team.user(who) or AnonymousUser()
    for lookup in ({"product_id": product.pk}, {"workspace": team.workspace, "slug": "atlas"}):
        if isinstance(result, str):
            found = access_product(user, write=write, **lookup)
            assert found == product
            assert found.my_role == result
            assert found.workspace.my_role == result
        else:
            with pytest.raises(result):
                access_product(user, write=write, **lookup)


def test_access_product_by_slug_stays_inside_the_workspace(team, product):
    ProductFactory(workspace=team.other_workspace, name="Theirs", slug="theirs")
    with pytest.raises(NotFound):
        access_product(team.admin, workspace=team.workspace, slug="theirs")
    with pytest.raises(NotFound):
        access_product(team.outsider, workspace=team.workspace, slug="atlas")


def test_access_membership_stays_inside_the_workspace(team):
    theirs = Membership.objects.get(workspace=team.other_workspace)
    with pytest.raises(NotFound):
        access_membership(team.admin, theirs.pk, workspace=team.workspace)
    ours = Membership.objects.get(workspace=team.workspace, user=team.viewer)
    assert access_membership(team.admin, ours.pk, workspace=team.workspace) == ours
