"""The REST API: bad input on every endpoint, happy paths, optimistic locking,
tokens, activity, OpenAPI.

Every 4xx must carry {"error": {"code", "message", "fields"}} and no bad input
may produce a 500.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import threading
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

import pytest
from django.core import mail
from django.core.management import call_command
from django.db import connection
from django.utils import timezone
from rest_framework.test import APIClient

from pmtool import services
from pmtool.activity import Actor
from pmtool.models import ActivityEvent, ApiToken, Invitation, Membership, Product, Role, TokenScope
from tests.harness import routes
from tests.harness.bodies import (
    BAD_IDS,
    BAD_IF_MATCH,
    HUGE,
    TOO_BIG_ID,
    Endpoint,
    FillIds,
    assert_error,
    body_cases,
    check_bad_body,
    send,
)

from ..factories import ProductFactory

pytestmark = pytest.mark.django_db


# --- helpers ------------------------------------------------------------------------


def bearer(raw: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    return client


@dataclass
class Ids(FillIds):
    ws: int
    product: int
    member: int
    invitation: int
    token: int
    other_ws: int
    other_product: int
    other_member: int


@pytest.fixture
def ids(team: Any, product: Product) -> Ids:
    invitation = services.invitation_create(
        actor=team.actor("admin"), workspace=team.workspace, email="pending@acme.test", role=Role.VIEWER
    )
    token, _raw = services.api_token_create(user=team.admin, name="existing")
    other_product = ProductFactory(workspace=team.other_workspace, name="Secret", slug="secret")
    return Ids(
        ws=team.workspace.pk,
        product=product.pk,
        member=Membership.objects.get(workspace=team.workspace, user=team.editor).pk,
        invitation=invitation.pk,
        token=token.pk,
        other_ws=team.other_workspace.pk,
        other_product=other_product.pk,
        other_member=Membership.objects.get(workspace=team.other_workspace, user=team.outsider).pk,
    )


# --- the endpoint table -----------------------------------------------------------


BODY_ENDPOINTS = (
    Endpoint(
        "workspace-create",
        "post",
        "/api/v1/workspaces/",
        {"name": "Globex"},
        strings=("name", "slug"),
        required=("name",),
        wrong_types=({"name": None}, {"name": {"a": 1}}, {"name": ["x"]}, {"slug": ["x"]}, {"slug": "Not A Slug!"}),
        ok=201,
    ),
    Endpoint(
        "workspace-rename",
        "patch",
        "/api/v1/workspaces/{ws}/",
        {"name": "Acme Inc"},
        strings=("name",),
        required=("name",),
        wrong_types=({"name": None}, {"name": True}, {"name": {"a": 1}}),
    ),
    Endpoint(
        "member-role",
        "patch",
        "/api/v1/workspaces/{ws}/members/{member}/",
        {"role": "viewer"},
        strings=("role",),
        required=("role",),
        wrong_types=({"role": ["x"]}, {"role": 5}, {"role": None}, {"role": "owner"}, {"role": {"a": "b"}}),
    ),
    Endpoint(
        "invitation-create",
        "post",
        "/api/v1/workspaces/{ws}/invitations/",
        {"email": "new@acme.test", "role": "viewer"},
        strings=("email", "role"),
        required=("email",),
        wrong_types=({"email": 5}, {"email": "not-an-email"}, {"email": ["a@b.test"]}, {"role": ["x"]}),
        ok=201,
    ),
    Endpoint(
        "product-create",
        "post",
        "/api/v1/workspaces/{ws}/products/",
        {"name": "Zephyr"},
        strings=("name", "slug", "description", "stage"),
        required=("name",),
        wrong_types=(
            {"stage": 5},
            {"stage": "teenage"},
            {"name": None},
            {"name": True},
            {"name": ["x"]},
            {"description": ["x"]},
            {"slug": "Bad Slug"},
            {"name": "   "},
        ),
        ok=201,
    ),
    Endpoint(
        "product-update",
        "patch",
        "/api/v1/products/{product}/",
        {"version": 1, "name": "Atlas 2"},
        strings=("name", "slug", "description", "stage"),
        required=("version",),
        wrong_types=(
            {"version": "abc"},
            {"version": 1.5},
            {"version": True},
            {"version": 0},
            {"version": -1},
            {"version": 2**70},
            {"version": None},
            {"stage": 5},
            {"name": None},
            {"name": ""},
            {"slug": "Bad Slug"},
        ),
    ),
    Endpoint(
        "product-archive",
        "post",
        "/api/v1/products/{product}/archive/",
        {"version": 1},
        wrong_types=({"version": "abc"}, {"version": None}, {"version": 0}, {"version": 2**70}, {"version": [1]}),
    ),
    Endpoint(
        "product-restore",
        "post",
        "/api/v1/products/{product}/restore/",
        {"version": 1},
        wrong_types=({"version": "abc"}, {"version": None}, {"version": {"v": 1}}),
    ),
    Endpoint(
        "token-create",
        "post",
        "/api/v1/tokens/",
        {"name": "CI"},
        strings=("name", "scope", "expires_at"),
        required=("name",),
        wrong_types=(
            {"scope": ["x"]},
            {"scope": "admin"},
            {"expires_at": "notadate"},
            {"expires_at": 5},
            {"expires_at": "2001-01-01T00:00:00Z"},
            {"name": None},
        ),
        ok=201,
    ),
)


@pytest.mark.parametrize("endpoint", BODY_ENDPOINTS, ids=str)
def test_valid_body_is_accepted(api_as: Any, team: Any, ids: Ids, endpoint: Endpoint) -> None:
    """The baseline the bad-input table varies: the same request with a good body succeeds."""
    response = send(api_as(team.admin), endpoint.method, ids.fill(endpoint.url), endpoint.valid)
    assert response.status_code == endpoint.ok, response.content


@pytest.mark.parametrize(("endpoint", "kind", "payload", "code", "fields"), body_cases(BODY_ENDPOINTS))
def test_bad_body_is_a_4xx_with_the_error_body(
    api_as: Any, team: Any, ids: Ids, endpoint: Endpoint, kind: str, payload: Any, code: str | None, fields: tuple
) -> None:
    check_bad_body(api_as(team.admin), ids.fill(endpoint.url), endpoint, kind, payload, code, fields)
    # Nothing was written.
    assert Product.objects.filter(name__in=["Zephyr", "Atlas 2"]).count() == 0
    assert not Product.objects.filter(archived_at__isnull=False).exists()


def test_bad_body_writes_nothing_for_tokens_and_invitations(api_as: Any, team: Any, ids: Ids) -> None:
    client = api_as(team.admin)
    assert_error(send(client, "post", "/api/v1/tokens/", {"name": "ok", "scope": "nope"}), 400, fields=("scope",))
    assert_error(
        send(client, "post", f"/api/v1/workspaces/{ids.ws}/invitations/", {"email": "new@acme.test", "role": "x"}),
        400,
        fields=("role",),
    )
    assert ApiToken.objects.filter(name="ok").count() == 0
    assert not Invitation.objects.filter(email="new@acme.test").exists()


def test_unknown_field_is_named_in_the_error(api_as: Any, team: Any, product: Product) -> None:
    response = api_as(team.editor).patch(
        f"/api/v1/products/{product.pk}/", {"version": 1, "nmae": "Typo"}, format="json"
    )
    error = assert_error(response, 400, "invalid", ("nmae",))
    assert error["fields"]["nmae"] == ["Unknown field."]
    assert "nmae" in error["message"]
    product.refresh_from_db()
    assert product.name == "Atlas"


def test_form_encoded_body_is_415(api_as: Any, team: Any, ids: Ids) -> None:
    response = api_as(team.admin).post(f"/api/v1/workspaces/{ids.ws}/products/", {"name": "X"}, format="multipart")
    assert_error(response, 415, "unsupported_media_type")


def test_method_not_allowed_is_405_with_error_body(api_as: Any, team: Any, ids: Ids) -> None:
    client = api_as(team.admin)
    assert_error(client.put(f"/api/v1/products/{ids.product}/", {"name": "x"}), 405, "method_not_allowed")
    assert_error(client.delete(f"/api/v1/products/{ids.product}/"), 405, "method_not_allowed")
    assert_error(client.post("/api/v1/me/", {}), 405, "method_not_allowed")


def test_malformed_if_match_is_400(api_as: Any, team: Any, product: Product) -> None:
    for header in BAD_IF_MATCH:
        response = api_as(team.editor).patch(
            f"/api/v1/products/{product.pk}/", {"name": "X"}, format="json", HTTP_IF_MATCH=header
        )
        assert_error(response, 400, "invalid_if_match")


# --- unknown and out-of-range ids ----------------------------------------------------

ID_ENDPOINTS = (
    ("get", "/api/v1/workspaces/{x}/", None),
    ("patch", "/api/v1/workspaces/{x}/", {"name": "X"}),
    ("get", "/api/v1/workspaces/{x}/members/", None),
    ("patch", "/api/v1/workspaces/{ws}/members/{x}/", {"role": "viewer"}),
    ("delete", "/api/v1/workspaces/{ws}/members/{x}/", None),
    ("get", "/api/v1/workspaces/{x}/invitations/", None),
    ("post", "/api/v1/workspaces/{x}/invitations/", {"email": "a@b.test"}),
    ("delete", "/api/v1/workspaces/{ws}/invitations/{x}/", None),
    ("post", "/api/v1/workspaces/{ws}/invitations/{x}/resend/", {}),
    ("get", "/api/v1/workspaces/{x}/products/", None),
    ("post", "/api/v1/workspaces/{x}/products/", {"name": "X"}),
    ("get", "/api/v1/workspaces/{x}/activity/", None),
    ("get", "/api/v1/products/{x}/", None),
    ("patch", "/api/v1/products/{x}/", {"version": 1, "name": "X"}),
    ("post", "/api/v1/products/{x}/archive/", {}),
    ("post", "/api/v1/products/{x}/restore/", {}),
    ("get", "/api/v1/products/{x}/activity/", None),
    ("delete", "/api/v1/tokens/{x}/", None),
)


@pytest.mark.parametrize("bad_id", BAD_IDS)
@pytest.mark.parametrize(("method", "template", "body"), ID_ENDPOINTS, ids=lambda v: v if isinstance(v, str) else "")
def test_unknown_or_malformed_id_is_a_json_404(
    api_as: Any, team: Any, ids: Ids, method: str, template: str, body: Any, bad_id: str
) -> None:
    response = send(api_as(team.admin), method, ids.fill(template, x=bad_id), body)
    assert_error(response, 404, "not_found")


# The objects of a workspace the caller is not in: 404 (existence is not leaked), never 403.
FOREIGN = (
    ("get", "/api/v1/workspaces/{other_ws}/", None),
    ("patch", "/api/v1/workspaces/{other_ws}/", {"name": "Mine"}),
    ("get", "/api/v1/workspaces/{other_ws}/members/", None),
    ("patch", "/api/v1/workspaces/{ws}/members/{other_member}/", {"role": "viewer"}),
    ("delete", "/api/v1/workspaces/{ws}/members/{other_member}/", None),
    ("get", "/api/v1/workspaces/{other_ws}/products/", None),
    ("post", "/api/v1/workspaces/{other_ws}/products/", {"name": "Mine"}),
    ("get", "/api/v1/workspaces/{other_ws}/activity/", None),
    ("get", "/api/v1/products/{other_product}/", None),
    ("patch", "/api/v1/products/{other_product}/", {"version": 1, "name": "Mine"}),
    ("post", "/api/v1/products/{other_product}/archive/", {}),
    ("get", "/api/v1/products/{other_product}/activity/", None),
)


@pytest.mark.parametrize(("method", "template", "body"), FOREIGN, ids=lambda v: v if isinstance(v, str) else "")
def test_objects_of_other_workspaces_are_404(
    api_as: Any, team: Any, ids: Ids, method: str, template: str, body: Any
) -> None:
    assert_error(send(api_as(team.admin), method, ids.fill(template), body), 404, "not_found")


def test_someone_elses_token_is_404(api_as: Any, team: Any, ids: Ids) -> None:
    assert_error(api_as(team.editor).delete(f"/api/v1/tokens/{ids.token}/"), 404, "not_found")
    assert ApiToken.objects.get(pk=ids.token).revoked_at is None


def test_revoked_invitation_is_404(api_as: Any, team: Any, ids: Ids) -> None:
    Invitation.objects.filter(pk=ids.invitation).update(revoked_at=timezone.now())
    assert_error(api_as(team.admin).delete(f"/api/v1/workspaces/{ids.ws}/invitations/{ids.invitation}/"), 404)


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/nope/",
        "/api/v1/nope",
        "/api/v1/products/",
        "/api/v1/products/1/nope/",
        f"/api/v1/products/{TOO_BIG_ID}/",
        f"/api/v1/workspaces/{TOO_BIG_ID}/products/",
        "/api/v2/workspaces/",
    ],
)
def test_unknown_api_path_is_a_json_404(api_as: Any, team: Any, path: str) -> None:
    assert_error(api_as(team.admin).get(path), 404, "not_found")
    assert_error(APIClient().get(path), 404, "not_found")


# --- query parameters ----------------------------------------------------------------


def _query_cases() -> list[Any]:
    products = "/api/v1/workspaces/{ws}/products/"
    activity = "/api/v1/workspaces/{ws}/activity/"
    cases: list[tuple[str, dict[str, str], int, tuple[str, ...]]] = [
        (products, {"archived": "maybe"}, 400, ("archived",)),
        (products, {"archived": ""}, 400, ("archived",)),
        (products, {"stage": "teenage"}, 400, ("stage",)),
        (products, {"page_size": "0"}, 400, ("page_size",)),
        (products, {"page_size": "-5"}, 400, ("page_size",)),
        (products, {"page_size": "abc"}, 400, ("page_size",)),
        (products, {"page_size": "100000"}, 400, ("page_size",)),
        (products, {"page_size": TOO_BIG_ID}, 400, ("page_size",)),
        (products, {"q": HUGE}, 400, ("q",)),
        (products, {"q": "a\x00b"}, 400, ("q",)),
        (products, {"cursor": HUGE}, 400, ("cursor",)),
        (products, {"cursor": "garbage"}, 400, ("cursor",)),
        (products, {"sort": "name"}, 400, ("sort",)),
        (activity, {"since": "notadate"}, 400, ("since",)),
        (activity, {"until": "2024-02-30"}, 400, ("until",)),
        (activity, {"since": HUGE}, 400, ("since",)),
        (activity, {"actor": "abc"}, 400, ("actor",)),
        (activity, {"actor": TOO_BIG_ID}, 400, ("actor",)),
        (activity, {"product": "-1"}, 400, ("product",)),
        (activity, {"product": "1.5"}, 400, ("product",)),
        (activity, {"action": HUGE}, 400, ("action",)),
        (activity, {"kind": "a\x00b"}, 400, ("kind",)),
        (activity, {"page_size": "0"}, 400, ("page_size",)),
        (activity, {"cursor": "garbage"}, 400, ("cursor",)),
        (activity, {"bogus": "1"}, 400, ("bogus",)),
        ("/api/v1/workspaces/", {"page_size": "0"}, 400, ("page_size",)),
        ("/api/v1/workspaces/", {"page_size": "abc"}, 400, ("page_size",)),
        ("/api/v1/workspaces/", {"cursor": "garbage"}, 400, ("cursor",)),
        ("/api/v1/workspaces/", {"cursor": HUGE}, 400, ("cursor",)),
        ("/api/v1/products/{product}/activity/", {"page_size": "0"}, 400, ("page_size",)),
        ("/api/v1/products/{product}/activity/", {"cursor": "garbage"}, 400, ("cursor",)),
    ]
    return [
        pytest.param(url, params, status, fields, id=f"{url.split('{')[-1]}-{'-'.join(params)}-{i}")
        for i, (url, params, status, fields) in enumerate(cases)
    ]


@pytest.mark.parametrize(("template", "params", "status", "fields"), _query_cases())
def test_bad_query_params_are_4xx(
    api_as: Any, team: Any, ids: Ids, template: str, params: dict, status: int, fields: tuple
) -> None:
    response = api_as(team.viewer).get(f"{ids.fill(template)}?{urlencode(params)}")
    assert_error(response, status, fields=fields)


# --- authentication ------------------------------------------------------------------

ALL_ENDPOINTS = (
    ("get", "/api/v1/me/"),
    ("get", "/api/v1/workspaces/"),
    ("post", "/api/v1/workspaces/"),
    ("get", "/api/v1/workspaces/{ws}/"),
    ("patch", "/api/v1/workspaces/{ws}/"),
    ("get", "/api/v1/workspaces/{ws}/members/"),
    ("patch", "/api/v1/workspaces/{ws}/members/{member}/"),
    ("delete", "/api/v1/workspaces/{ws}/members/{member}/"),
    ("get", "/api/v1/workspaces/{ws}/invitations/"),
    ("post", "/api/v1/workspaces/{ws}/invitations/"),
    ("delete", "/api/v1/workspaces/{ws}/invitations/{invitation}/"),
    ("post", "/api/v1/workspaces/{ws}/invitations/{invitation}/resend/"),
    ("get", "/api/v1/workspaces/{ws}/products/"),
    ("post", "/api/v1/workspaces/{ws}/products/"),
    ("get", "/api/v1/workspaces/{ws}/activity/"),
    ("get", "/api/v1/products/{product}/"),
    ("patch", "/api/v1/products/{product}/"),
    ("post", "/api/v1/products/{product}/archive/"),
    ("post", "/api/v1/products/{product}/restore/"),
    ("get", "/api/v1/products/{product}/activity/"),
    ("get", "/api/v1/tokens/"),
    ("post", "/api/v1/tokens/"),
    ("delete", "/api/v1/tokens/{token}/"),
)


def _api_routes() -> set[str]:
    return {"/" + r.route for r in routes.routes_of({"pmtool.api.urls"}) if r.is_api}


def test_the_tables_cover_every_api_route() -> None:
    """A new endpoint must join the tables above (auth, ids, bodies)."""
    routes = {re.sub(r"<id:\w+>", "{}", r) for r in _api_routes()} - {"/api/v1/schema/"}
    covered = {re.sub(r"\{\w+\}", "{}", url) for _m, url in ALL_ENDPOINTS}
    assert routes == covered


@pytest.mark.parametrize(("method", "template"), ALL_ENDPOINTS)
def test_anonymous_gets_401_with_error_body(ids: Ids, method: str, template: str) -> None:
    response = send(APIClient(), method, ids.fill(template), {})
    assert_error(response, 401, "not_authenticated")
    assert response["WWW-Authenticate"].startswith("Bearer")


@pytest.mark.parametrize(
    "header",
    ["Bearer pmt_wrong", "Bearer", "Bearer a b", "bearer " + "x" * 10_000, "Bearer pmt_\u00e9\u00e8"],
)
def test_bad_bearer_token_is_401(ids: Ids, header: str) -> None:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=header)
    response = client.get("/api/v1/workspaces/")
    assert_error(response, 401, "authentication_failed")
    assert response["WWW-Authenticate"] == 'Bearer realm="api"'


def test_session_writes_need_csrf(team: Any, ids: Ids) -> None:
    client = APIClient(enforce_csrf_checks=True)
    client.force_login(team.admin)
    assert client.get(f"/api/v1/workspaces/{ids.ws}/products/").status_code == 200
    response = client.post(f"/api/v1/workspaces/{ids.ws}/products/", {"name": "Sneaky"}, format="json")
    assert_error(response, 403, "permission_denied")
    assert not Product.objects.filter(name="Sneaky").exists()


# --- products: happy paths -----------------------------------------------------------


def test_product_create_list_patch_archive_restore(api_as: Any, team: Any) -> None:
    client = api_as(team.editor)
    base = f"/api/v1/workspaces/{team.workspace.pk}/products/"
    response = client.post(
        base, {"name": "Nimbus", "description": "Cloud sync.", "stage": "development"}, format="json"
    )
    assert response.status_code == 201, response.content
    created = response.json()
    assert created["name"] == "Nimbus"
    assert created["slug"] == "nimbus"
    assert created["stage"] == "development"
    assert created["version"] == 1
    assert created["archived"] is False
    assert created["workspace"] == team.workspace.pk
    assert response["ETag"] == '"1"'
    pid = created["id"]

    # Same name again: a distinct slug.
    second = client.post(base, {"name": "Nimbus"}, format="json").json()
    assert second["slug"] == "nimbus-2"
    # An explicit slug that is taken: 409 naming the field.
    assert_error(client.post(base, {"name": "N", "slug": "nimbus"}, format="json"), 409, "conflict", ("slug",))

    listed = client.get(base).json()
    assert [p["name"] for p in listed["results"]] == ["Nimbus", "Nimbus"]
    assert set(listed) == {"next", "previous", "results"}

    response = client.get(f"/api/v1/products/{pid}/")
    assert response.status_code == 200
    assert response["ETag"] == '"1"'

    response = client.patch(f"/api/v1/products/{pid}/", {"version": 1, "stage": "launch"}, format="json")
    assert response.status_code == 200, response.content
    assert response.json()["stage"] == "launch"
    assert response.json()["version"] == 2
    assert response["ETag"] == '"2"'

    # A PATCH that changes nothing keeps the version.
    response = client.patch(f"/api/v1/products/{pid}/", {"version": 2, "stage": "launch"}, format="json")
    assert response.json()["version"] == 2

    response = client.post(f"/api/v1/products/{pid}/archive/", {"version": 2}, format="json")
    assert response.status_code == 200
    assert response.json()["archived"] is True
    assert response.json()["archived_at"]
    assert response.json()["version"] == 3
    assert [p["id"] for p in client.get(base).json()["results"]] == [second["id"]]
    assert [p["id"] for p in client.get(base + "?archived=true").json()["results"]] == [pid]
    # Archiving twice is harmless.
    assert client.post(f"/api/v1/products/{pid}/archive/").json()["version"] == 3

    response = client.post(f"/api/v1/products/{pid}/restore/")
    assert response.status_code == 200
    assert response.json()["archived"] is False
    assert response.json()["version"] == 4
    assert len(client.get(base).json()["results"]) == 2

    actions = list(
        ActivityEvent.objects.filter(target_id=pid, product_id=pid).order_by("id").values_list("action", flat=True)
    )
    assert actions == ["created", "updated", "archived", "restored"]


def test_archive_with_stale_version_is_409(api_as: Any, team: Any, product: Product) -> None:
    Product.objects.filter(pk=product.pk).update(version=5)
    response = api_as(team.editor).post(f"/api/v1/products/{product.pk}/archive/", {"version": 4}, format="json")
    assert_error(response, 409, "stale_version")
    product.refresh_from_db()
    assert product.archived_at is None


def test_viewer_cannot_write_products(api_as: Any, team: Any, product: Product) -> None:
    client = api_as(team.viewer)
    assert client.get(f"/api/v1/products/{product.pk}/").status_code == 200
    assert_error(
        client.post(f"/api/v1/workspaces/{team.workspace.pk}/products/", {"name": "X"}, format="json"),
        403,
        "permission_denied",
    )
    assert_error(client.patch(f"/api/v1/products/{product.pk}/", {"version": 1}, format="json"), 403)
    assert_error(client.post(f"/api/v1/products/{product.pk}/archive/"), 403)


def test_cursor_pagination_returns_every_product_once_in_name_order(api_as: Any, team: Any) -> None:
    import random

    names = [f"Product {i:03d}" for i in range(120)]
    shuffled = names[:]
    random.Random(7).shuffle(shuffled)
    for i, name in enumerate(shuffled):
        ProductFactory(workspace=team.workspace, name=name, slug=f"p-{i}")
    # Ties on name are broken by id: two products with one name both appear.
    ProductFactory(workspace=team.workspace, name="Product 050", slug="p-dup")
    client = api_as(team.viewer)
    url = f"/api/v1/workspaces/{team.workspace.pk}/products/?page_size=25"
    seen: list[tuple[str, int]] = []
    pages = 0
    while url:
        body = client.get(url).json()
        assert len(body["results"]) <= 25
        seen.extend((p["name"], p["id"]) for p in body["results"])
        url = body["next"]
        pages += 1
    assert pages == 5
    assert len(seen) == 121
    assert len({pid for _n, pid in seen}) == 121
    assert seen == sorted(seen)
    assert sorted({n for n, _ in seen}) == names

    # The default page is 50, and previous links go back.
    first = client.get(f"/api/v1/workspaces/{team.workspace.pk}/products/").json()
    assert len(first["results"]) == 50
    second = client.get(first["next"]).json()
    assert second["results"][0]["name"] == "Product 050"
    back = client.get(second["previous"]).json()
    assert [p["id"] for p in back["results"]] == [p["id"] for p in first["results"]]


def test_product_filters(api_as: Any, team: Any) -> None:
    ProductFactory(workspace=team.workspace, name="Atlas", slug="atlas", stage="growth", description="dashboards")
    ProductFactory(workspace=team.workspace, name="Beacon", slug="beacon", stage="launch", description="mobile app")
    ProductFactory(workspace=team.workspace, name="Compass", slug="compass", stage="launch", description="Public API")
    ProductFactory(
        workspace=team.workspace,
        name="Legacy",
        slug="legacy",
        stage="decline",
        description="old reports app",
        archived_at=timezone.now(),
    )
    ProductFactory(workspace=team.other_workspace, name="Beacon Other", slug="beacon", stage="launch")
    client = api_as(team.viewer)
    base = f"/api/v1/workspaces/{team.workspace.pk}/products/"

    def names(query: str = "") -> list[str]:
        response = client.get(base + query)
        assert response.status_code == 200, response.content
        return [p["name"] for p in response.json()["results"]]

    assert names() == ["Atlas", "Beacon", "Compass"]
    assert names("?archived=false") == ["Atlas", "Beacon", "Compass"]
    assert names("?archived=true") == ["Legacy"]
    assert names("?archived=all") == ["Atlas", "Beacon", "Compass", "Legacy"]
    assert names("?stage=launch") == ["Beacon", "Compass"]
    assert names("?q=BEA") == ["Beacon"]
    assert names("?q=api") == ["Compass"]  # description matches too, case-insensitively
    assert names("?q=app&archived=all") == ["Beacon", "Legacy"]
    assert names("?q=app&stage=decline&archived=all") == ["Legacy"]
    assert names("?q=nothing-like-this") == []
    assert names("?q=%25") == []  # a literal %, not a wildcard
    assert names("?q=_") == []


def test_workspaces_and_members(api_as: Any, team: Any) -> None:
    client = api_as(team.admin)
    body = client.get("/api/v1/workspaces/").json()
    assert [(w["slug"], w["role"]) for w in body["results"]] == [("acme", "admin")]

    response = client.post("/api/v1/workspaces/", {"name": "Globex Labs"}, format="json")
    assert response.status_code == 201
    assert response.json()["slug"] == "globex-labs"
    assert response.json()["role"] == "admin"
    assert_error(
        client.post("/api/v1/workspaces/", {"name": "X", "slug": "acme"}, format="json"), 409, fields=("slug",)
    )

    members = client.get(f"/api/v1/workspaces/{team.workspace.pk}/members/").json()
    assert {(m["user"]["email"], m["role"]) for m in members} == {
        ("admin@acme.test", "admin"),
        ("editor@acme.test", "editor"),
        ("viewer@acme.test", "viewer"),
    }
    admin_membership = next(m["id"] for m in members if m["role"] == "admin")
    # The last admin cannot step down nor be removed.
    assert_error(
        client.patch(
            f"/api/v1/workspaces/{team.workspace.pk}/members/{admin_membership}/", {"role": "viewer"}, format="json"
        ),
        409,
        "last_admin",
    )
    assert_error(
        client.delete(f"/api/v1/workspaces/{team.workspace.pk}/members/{admin_membership}/"), 409, "last_admin"
    )
    # An editor may not change roles; a viewer may leave.
    editor_membership = next(m["id"] for m in members if m["role"] == "editor")
    viewer_membership = next(m["id"] for m in members if m["role"] == "viewer")
    assert_error(
        api_as(team.editor).patch(
            f"/api/v1/workspaces/{team.workspace.pk}/members/{viewer_membership}/", {"role": "admin"}, format="json"
        ),
        403,
        "permission_denied",
    )
    assert_error(
        api_as(team.editor).delete(f"/api/v1/workspaces/{team.workspace.pk}/members/{viewer_membership}/"), 403
    )
    response = client.patch(
        f"/api/v1/workspaces/{team.workspace.pk}/members/{editor_membership}/", {"role": "admin"}, format="json"
    )
    assert response.status_code == 200
    assert response.json()["role"] == "admin"
    assert (
        api_as(team.viewer).delete(f"/api/v1/workspaces/{team.workspace.pk}/members/{viewer_membership}/").status_code
        == 204
    )
    assert not Membership.objects.filter(pk=viewer_membership).exists()


def test_invitations(api_as: Any, team: Any, django_capture_on_commit_callbacks: Any) -> None:
    client = api_as(team.admin)
    url = f"/api/v1/workspaces/{team.workspace.pk}/invitations/"
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, {"email": "New.Person@Example.test"}, format="json")
    assert response.status_code == 201
    assert response.json()["email"] == "new.person@example.test"
    assert response.json()["role"] == "editor"
    # The e-mail goes out after commit (in-process in unit tests), with the accept link.
    assert [m.to for m in mail.outbox] == [["new.person@example.test"]]
    assert "/invitations/" in mail.outbox[0].body
    assert Invitation.objects.get(pk=response.json()["id"]).sent_at is not None
    assert_error(client.post(url, {"email": "new.person@example.test"}, format="json"), 409, fields=("email",))
    assert_error(client.post(url, {"email": "viewer@acme.test"}, format="json"), 409, fields=("email",))
    listed = client.get(url).json()
    assert [i["email"] for i in listed] == ["new.person@example.test"]
    assert_error(api_as(team.editor).get(url), 403)
    assert client.delete(f"{url}{listed[0]['id']}/").status_code == 204
    assert client.get(url).json() == []


# --- optimistic locking --------------------------------------------------------------


def test_patch_without_version_is_400(api_as: Any, team: Any, product: Product) -> None:
    response = api_as(team.editor).patch(f"/api/v1/products/{product.pk}/", {"name": "New"}, format="json")
    assert_error(response, 400, "invalid", ("version",))
    product.refresh_from_db()
    assert product.name == "Atlas"


def test_stale_version_is_409(api_as: Any, team: Any, product: Product) -> None:
    client = api_as(team.editor)
    assert (
        client.patch(f"/api/v1/products/{product.pk}/", {"version": 1, "name": "One"}, format="json").status_code == 200
    )
    response = client.patch(f"/api/v1/products/{product.pk}/", {"version": 1, "name": "Two"}, format="json")
    error = assert_error(response, 409, "stale_version")
    assert "version 2" in error["message"]
    product.refresh_from_db()
    assert (product.name, product.version) == ("One", 2)


def test_if_match(api_as: Any, team: Any, product: Product) -> None:
    client = api_as(team.editor)
    url = f"/api/v1/products/{product.pk}/"
    etag = client.get(url)["ETag"]
    assert etag == '"1"'
    response = client.patch(url, {"name": "Matched"}, format="json", HTTP_IF_MATCH=etag)
    assert response.status_code == 200, response.content
    assert response["ETag"] == '"2"'
    assert response.json()["version"] == 2
    # The old ETag is stale now: 412.
    response = client.patch(url, {"name": "Stale"}, format="json", HTTP_IF_MATCH=etag)
    assert_error(response, 412, "stale_version")
    # A weak tag never satisfies If-Match (strong comparison): 412, nothing changed.
    response = client.patch(url, {"stage": "launch"}, format="json", HTTP_IF_MATCH='W/"2"')
    assert_error(response, 412, "weak_etag")
    # The bare form is understood.
    assert client.patch(url, {"stage": "launch"}, format="json", HTTP_IF_MATCH='"2"').status_code == 200
    assert client.patch(url, {"stage": "growth"}, format="json", HTTP_IF_MATCH="3").status_code == 200
    product.refresh_from_db()
    assert (product.name, product.stage, product.version) == ("Matched", "growth", 4)


def test_two_clients_editing_the_same_version(api_as: Any, team: Any, product: Product) -> None:
    alice, bob = api_as(team.editor), api_as(team.admin)
    url = f"/api/v1/products/{product.pk}/"
    version_alice = alice.get(url).json()["version"]
    version_bob = bob.get(url).json()["version"]
    assert alice.patch(url, {"version": version_alice, "description": "Alice's"}, format="json").status_code == 200
    assert_error(bob.patch(url, {"version": version_bob, "description": "Bob's"}, format="json"), 409, "stale_version")
    assert bob.get(url).json()["description"] == "Alice's"
    assert ActivityEvent.objects.filter(target_id=product.pk, action="updated").count() == 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_patches_of_one_version_let_exactly_one_win(team: Any) -> None:
    """Real concurrency: two threads, two database connections, one row lock."""
    product = ProductFactory(workspace=team.workspace, name="Race", slug="race")
    barrier = threading.Barrier(2)
    results: dict[str, Any] = {}

    def edit(who: str, user: Any) -> None:
        try:
            client = APIClient()
            client.force_authenticate(user)
            barrier.wait()
            response = client.patch(
                f"/api/v1/products/{product.pk}/", {"version": 1, "description": who}, format="json"
            )
            results[who] = (response.status_code, response.json())
        finally:
            connection.close()

    threads = [threading.Thread(target=edit, args=(w, u)) for w, u in (("a", team.editor), ("b", team.admin))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    statuses = sorted(code for code, _ in results.values())
    assert statuses == [200, 409], results
    winner = next(w for w, (code, _) in results.items() if code == 200)
    product.refresh_from_db()
    assert (product.description, product.version) == (winner, 2)


# --- tokens --------------------------------------------------------------------------


def test_token_create_shows_secret_once(api_as: Any, team: Any) -> None:
    client = api_as(team.editor)
    response = client.post("/api/v1/tokens/", {"name": "Jira sync", "scope": "read"}, format="json")
    assert response.status_code == 201
    created = response.json()
    secret = created["token"]
    assert secret.startswith("pmt_") and len(secret) > 30
    assert created["prefix"] == secret[: len(created["prefix"])]
    assert created["scope"] == "read"
    # Stored only as a hash.
    token = ApiToken.objects.get(pk=created["id"])
    assert secret not in (token.token_hash, token.prefix)
    assert token.token_hash == services.api_token_hash(secret)
    listed = client.get("/api/v1/tokens/")
    assert listed.status_code == 200
    assert secret not in listed.content.decode()
    assert all("token" not in t and "token_hash" not in t for t in listed.json())
    assert [t["name"] for t in listed.json()] == ["Jira sync"]
    # Another user's list does not show it.
    assert api_as(team.admin).get("/api/v1/tokens/").json() == []


def _token(user: Any, scope: str = TokenScope.WRITE, **kwargs: Any) -> tuple[ApiToken, str]:
    return services.api_token_create(user=user, name="integration", scope=scope, **kwargs)


def test_bearer_token_authenticates_and_records_last_use(team: Any, product: Product) -> None:
    token, raw = _token(team.editor)
    assert token.last_used_at is None
    client = bearer(raw)
    response = client.get("/api/v1/me/")
    assert response.status_code == 200
    assert response.json()["email"] == "editor@acme.test"
    token.refresh_from_db()
    assert token.last_used_at is not None
    assert timezone.now() - token.last_used_at < dt.timedelta(seconds=30)
    # Not rewritten on every request (at most once a minute).
    first = token.last_used_at
    client.get("/api/v1/me/")
    token.refresh_from_db()
    assert token.last_used_at == first
    # An old last-use is refreshed.
    ApiToken.objects.filter(pk=token.pk).update(last_used_at=timezone.now() - dt.timedelta(hours=1))
    client.get(f"/api/v1/products/{product.pk}/")
    token.refresh_from_db()
    assert timezone.now() - token.last_used_at < dt.timedelta(seconds=30)


def test_revoked_token_is_401(api_as: Any, team: Any) -> None:
    token, raw = _token(team.editor)
    assert bearer(raw).get("/api/v1/me/").status_code == 200
    assert api_as(team.editor).delete(f"/api/v1/tokens/{token.pk}/").status_code == 204
    response = bearer(raw).get("/api/v1/me/")
    assert_error(response, 401, "authentication_failed")
    assert response["WWW-Authenticate"] == 'Bearer realm="api"'
    # Revoking again is harmless; the list shows it revoked.
    assert api_as(team.editor).delete(f"/api/v1/tokens/{token.pk}/").status_code == 204
    assert api_as(team.editor).get("/api/v1/tokens/").json()[0]["revoked_at"]


def test_expired_token_is_401(team: Any) -> None:
    token, raw = _token(team.editor, expires_at=timezone.now() + dt.timedelta(days=1))
    assert bearer(raw).get("/api/v1/me/").status_code == 200
    ApiToken.objects.filter(pk=token.pk).update(expires_at=timezone.now() - dt.timedelta(seconds=1))
    response = bearer(raw).get("/api/v1/me/")
    assert_error(response, 401, "authentication_failed")
    assert response["WWW-Authenticate"] == 'Bearer realm="api"'


def test_token_of_a_deactivated_user_is_401(team: Any) -> None:
    _token_obj, raw = _token(team.editor)
    team.editor.is_active = False
    team.editor.save()
    assert_error(bearer(raw).get("/api/v1/me/"), 401, "authentication_failed")


def test_read_only_token_cannot_write(team: Any, product: Product) -> None:
    _token_obj, raw = _token(team.admin, scope=TokenScope.READ)
    client = bearer(raw)
    assert client.get(f"/api/v1/workspaces/{team.workspace.pk}/products/").status_code == 200
    assert client.get(f"/api/v1/products/{product.pk}/").status_code == 200
    writes = (
        client.post(f"/api/v1/workspaces/{team.workspace.pk}/products/", {"name": "X"}, format="json"),
        client.patch(f"/api/v1/products/{product.pk}/", {"version": 1, "name": "X"}, format="json"),
        client.post(f"/api/v1/products/{product.pk}/archive/"),
        client.post("/api/v1/workspaces/", {"name": "X"}, format="json"),
        client.post("/api/v1/tokens/", {"name": "escalate"}, format="json"),
    )
    for response in writes:
        error = assert_error(response, 403, "permission_denied")
        assert "read-only" in error["message"]
    product.refresh_from_db()
    assert (product.name, product.archived_at) == ("Atlas", None)
    assert ApiToken.objects.filter(user=team.admin).count() == 1


def test_token_keeps_the_users_role(team: Any, product: Product) -> None:
    _token_obj, raw = _token(team.viewer)
    response = bearer(raw).patch(f"/api/v1/products/{product.pk}/", {"version": 1, "name": "X"}, format="json")
    assert_error(response, 403, "permission_denied")
    _token_obj, raw = _token(team.outsider)
    assert_error(bearer(raw).get(f"/api/v1/products/{product.pk}/"), 404)


def test_writes_through_a_token_are_recorded_as_token(api_as: Any, team: Any) -> None:
    token, raw = _token(team.editor)
    client = bearer(raw)
    response = client.post(f"/api/v1/workspaces/{team.workspace.pk}/products/", {"name": "Via Token"}, format="json")
    assert response.status_code == 201
    pid = response.json()["id"]
    client.patch(f"/api/v1/products/{pid}/", {"version": 1, "stage": "launch"}, format="json")
    history = api_as(team.viewer).get(f"/api/v1/products/{pid}/activity/").json()["results"]
    assert [e["action"] for e in history] == ["updated", "created"]
    for event in history:
        assert event["actor"]["kind"] == "token"
        assert event["actor"]["token"] == token.pk
        assert event["actor"]["user"] == team.editor.pk
        assert "API token" in event["actor"]["label"]
    # The same write with the session is recorded as the user.
    api_as(team.editor).patch(f"/api/v1/products/{pid}/", {"version": 2, "stage": "growth"}, format="json")
    latest = api_as(team.viewer).get(f"/api/v1/products/{pid}/activity/").json()["results"][0]
    assert latest["actor"] == {"kind": "user", "user": team.editor.pk, "token": None, "label": "editor@acme.test"}


# --- activity ------------------------------------------------------------------------


@pytest.fixture
def history(team: Any) -> dict[str, Any]:
    """A small, known history: admin creates two products, editor changes one, admin invites."""
    admin, editor = team.actor("admin"), team.actor("editor")
    atlas = services.product_create(actor=admin, workspace=team.workspace, name="Atlas")
    beacon = services.product_create(actor=admin, workspace=team.workspace, name="Beacon")
    atlas = services.product_update(actor=editor, product=atlas, version=1, stage="launch")
    services.product_archive(actor=editor, product=beacon)
    services.invitation_create(actor=admin, workspace=team.workspace, email="new@acme.test")
    # Noise in another workspace must never show up.
    services.product_create(actor=Actor(user=team.outsider), workspace=team.other_workspace, name="Elsewhere")
    return {"atlas": atlas, "beacon": beacon}


def test_workspace_activity_filters(api_as: Any, team: Any, history: dict[str, Any]) -> None:
    client = api_as(team.viewer)
    base = f"/api/v1/workspaces/{team.workspace.pk}/activity/"

    def events(query: str = "") -> list[tuple[str, str]]:
        response = client.get(base + query)
        assert response.status_code == 200, response.content
        return [(e["action"], e["target"]["repr"]) for e in response.json()["results"]]

    everything = events()
    assert everything == [
        ("invited", "Invitation of new@acme.test"),
        ("archived", "Beacon"),
        ("updated", "Atlas"),
        ("created", "Beacon"),
        ("created", "Atlas"),
    ]
    assert events(f"?actor={team.editor.pk}") == [("archived", "Beacon"), ("updated", "Atlas")]
    assert events(f"?actor={team.outsider.pk}") == []
    assert events("?action=created") == [("created", "Beacon"), ("created", "Atlas")]
    assert events("?kind=invitation") == [everything[0]]
    assert events("?kind=product&action=updated") == [("updated", "Atlas")]
    assert events(f"?product={history['atlas'].pk}") == [("updated", "Atlas"), ("created", "Atlas")]
    today = timezone.localdate()
    assert events(f"?since={today.isoformat()}") == everything
    assert events(f"?until={today.isoformat()}") == everything
    assert events(f"?since={(today + dt.timedelta(days=1)).isoformat()}") == []
    assert events(f"?until={(today - dt.timedelta(days=1)).isoformat()}") == []
    # The update carries what changed, from what to what.
    update = client.get(base + "?action=updated").json()["results"][0]
    assert update["changes"] == {"stage": {"from": "idea", "to": "launch"}}
    assert update["actor"]["kind"] == "user"
    assert update["product"] == history["atlas"].pk
    assert update["target"]["kind"] == "product"


def test_workspace_activity_pages_with_a_cursor(api_as: Any, team: Any, history: dict[str, Any]) -> None:
    client = api_as(team.viewer)
    page = client.get(f"/api/v1/workspaces/{team.workspace.pk}/activity/?page_size=2").json()
    ids_seen = [e["id"] for e in page["results"]]
    while page["next"]:
        page = client.get(page["next"]).json()
        ids_seen.extend(e["id"] for e in page["results"])
    assert len(ids_seen) == 5 == len(set(ids_seen))
    assert ids_seen == sorted(ids_seen, reverse=True)


def test_activity_is_private_to_members(api_as: Any, team: Any, history: dict[str, Any]) -> None:
    assert_error(api_as(team.outsider).get(f"/api/v1/workspaces/{team.workspace.pk}/activity/"), 404)
    assert_error(api_as(team.outsider).get(f"/api/v1/products/{history['atlas'].pk}/activity/"), 404)


def test_product_history(api_as: Any, team: Any, history: dict[str, Any]) -> None:
    response = api_as(team.viewer).get(f"/api/v1/products/{history['atlas'].pk}/activity/")
    assert response.status_code == 200
    results = response.json()["results"]
    assert [e["action"] for e in results] == ["updated", "created"]
    created = results[1]
    assert created["changes"]["name"] == {"from": None, "to": "Atlas"}
    assert created["changes"]["slug"] == {"from": None, "to": "atlas"}
    assert created["actor"] == {"kind": "user", "user": team.admin.pk, "token": None, "label": "admin@acme.test"}
    assert set(created) == {"id", "at", "actor", "action", "target", "product", "changes"}


# --- OpenAPI and docs ----------------------------------------------------------------


def test_schema_is_a_valid_openapi_3_document(api_as: Any, team: Any) -> None:
    from drf_spectacular.validation import validate_schema

    response = APIClient().get("/api/v1/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert response.status_code == 200, response.content[:300]
    schema = json.loads(response.content)
    assert schema["openapi"].startswith("3.")
    validate_schema(schema)
    paths = set(schema["paths"])
    for route in _api_routes() - {"/api/v1/schema/"}:
        assert re.sub(r"<id:(\w+)>", r"{\1}", route) in paths
    # The YAML form is served too.
    assert b"openapi: 3" in APIClient().get("/api/v1/schema/").content


def test_spectacular_validates_without_warnings(tmp_path: Any) -> None:
    out = tmp_path / "schema.yaml"
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(out))
    assert out.read_text().startswith("openapi: 3")


def test_api_docs_are_served_from_our_own_static(client: Any, team: Any) -> None:
    client.force_login(team.viewer)
    response = client.get("/api/docs/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "swagger-ui" in html
    assert not re.search(r"https?://", html), "the docs page must not load anything from another host"
    assert "'unsafe-inline'" not in response["Content-Security-Policy"]
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html), "no inline script (the CSP forbids it)"
    # Every link is local; every asset (script, stylesheet, icon) loads from here.
    assert all(url.startswith("/") for url in re.findall(r'(?:src|href)="([^"]+)"', html))
    assets = re.findall(r'<(?:script|link|img)\b[^>]*\b(?:src|href)="([^"]+)"', html)
    static = [a for a in assets if a.startswith("/static/")]
    assert any(a.endswith(".js") for a in static)
    assert any(a.endswith(".css") for a in static)
    for asset in assets:
        assert asset.startswith("/"), asset
        fetched = client.get(asset.replace("&amp;", "&"))
        assert fetched.status_code == 200, asset
        # Read it through (the test client closes a streamed response at the end).
        content = b"".join(fetched.streaming_content) if fetched.streaming else fetched.content
        assert content, asset
    script = client.get("/api/docs/?script=")
    assert script.status_code == 200
    assert "javascript" in script["Content-Type"]
    body = script.content.decode()
    assert "/api/v1/schema/" in body
    assert not re.search(r"https?://(?!testserver)", body)
    # /api/ points at the docs.
    redirect = client.get("/api/")
    assert redirect.status_code == 302 and redirect["Location"] == "/api/docs/"
