"""The vision API: read and write with versions (0 = not written yet), ETag/If-Match, revisions
(cursor-paginated, newest first) and one revision; bad input on every endpoint is a 4xx with the
one error body, never a 500."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

import pytest
from rest_framework.test import APIClient

from pmtool.models import ActivityEvent
from strategy.models import Vision, VisionRevision
from strategy.selectors.vision import vision_of
from strategy.services.vision import vision_update
from tests.factories import ProductFactory
from tests.harness.bodies import (
    BAD_IDS,
    BAD_IF_MATCH,
    TOO_BIG_ID,
    Endpoint,
    FillIds,
    assert_error,
    body_cases,
    check_bad_body,
    send,
)

pytestmark = pytest.mark.django_db

TEXT = 10_000


# --- fixtures --------------------------------------------------------------------------------


@dataclass
class Ids(FillIds):
    product: int
    other_product: int


@pytest.fixture
def ids(team: Any, product: Any) -> Ids:
    other = ProductFactory(workspace=team.other_workspace, name="Secret", slug="secret")
    vision_update(actor=team.actor("outsider"), product=other, version=0, statement="Their plan.")
    return Ids(product=product.pk, other_product=other.pk)


MARKDOWN = dict.fromkeys(("statement", "target_customers", "problem", "differentiation", "business_model"), TEXT)
WRONG_TEXT = tuple({name: value} for name in MARKDOWN for value in (None, 5, ["x"], {"a": 1}, True))

ENDPOINTS = (
    Endpoint(
        "vision-put",
        "put",
        "/api/v1/products/{product}/vision/",
        {"version": 0, "statement": "Plan with confidence."},
        strings=MARKDOWN,
        required=("version",),
        wrong_types=(
            {"version": "abc"},
            {"version": 1.5},
            {"version": True},
            {"version": -1},
            {"version": 2**70},
            {"version": None},
            {"version": [0]},
            *WRONG_TEXT,
        ),
    ),
)


@pytest.mark.parametrize("endpoint", ENDPOINTS, ids=str)
def test_valid_body_is_accepted(api_as, team, ids, endpoint):
    response = send(api_as(team.admin), endpoint.method, ids.fill(endpoint.url), endpoint.valid)
    assert response.status_code == endpoint.ok, response.content


@pytest.mark.parametrize(("endpoint", "kind", "payload", "code", "fields"), body_cases(ENDPOINTS))
def test_bad_body_is_a_4xx_with_the_error_body(api_as, team, ids, endpoint, kind, payload, code, fields):
    check_bad_body(api_as(team.admin), ids.fill(endpoint.url), endpoint, kind, payload, code, fields)
    assert not Vision.objects.filter(product_id=ids.product).exists()
    assert not ActivityEvent.objects.filter(product_id=ids.product).exists()


def test_malformed_if_match_is_400(api_as, team, ids):
    for header in (*BAD_IF_MATCH, ""):
        response = api_as(team.editor).put(
            f"/api/v1/products/{ids.product}/vision/", {"statement": "X"}, format="json", HTTP_IF_MATCH=header
        )
        assert_error(response, 400, "invalid_if_match")
    assert not Vision.objects.filter(product_id=ids.product).exists()


ID_ENDPOINTS = (
    ("get", "/api/v1/products/{x}/vision/", None),
    ("put", "/api/v1/products/{x}/vision/", {"version": 0, "statement": "X"}),
    ("get", "/api/v1/products/{x}/vision/revisions/", None),
    ("get", "/api/v1/products/{x}/vision/revisions/1/", None),
    ("get", "/api/v1/products/{product}/vision/revisions/{x}/", None),
)


@pytest.mark.parametrize("bad_id", BAD_IDS)
@pytest.mark.parametrize(("method", "template", "body"), ID_ENDPOINTS, ids=lambda v: v if isinstance(v, str) else "")
def test_unknown_or_malformed_id_is_a_json_404(api_as, team, product, ids, method, template, body, bad_id):
    vision_update(actor=team.actor(), product=product, version=0, statement="S.")
    response = send(api_as(team.admin), method, ids.fill(template, x=bad_id), body)
    assert_error(response, 404, "not_found")


FOREIGN = (
    ("get", "/api/v1/products/{other_product}/vision/", None),
    ("put", "/api/v1/products/{other_product}/vision/", {"version": 1, "statement": "Mine."}),
    ("get", "/api/v1/products/{other_product}/vision/revisions/", None),
    ("get", "/api/v1/products/{other_product}/vision/revisions/1/", None),
)


@pytest.mark.parametrize(("method", "template", "body"), FOREIGN, ids=lambda v: v if isinstance(v, str) else "")
def test_the_vision_of_another_workspace_is_404(api_as, team, ids, method, template, body):
    assert_error(send(api_as(team.admin), method, ids.fill(template), body), 404, "not_found")
    assert Vision.objects.get(product_id=ids.other_product).statement == "Their plan."


def test_an_outsider_gets_the_same_404_as_for_a_product_that_does_not_exist(api_as, team, product, ids):
    outsider = api_as(team.outsider)
    for path in ("vision/", "vision/revisions/", "vision/revisions/1/"):
        vision_update(actor=team.actor(), product=product, version=vision_of(product).version, statement=f"S {path}")
        first = outsider.get(f"/api/v1/products/{ids.product}/{path}")
        second = outsider.get(f"/api/v1/products/999999999/{path}")
        assert (
            (first.status_code, first.json())
            == (second.status_code, second.json())
            == (
                404,
                {"error": {"code": "not_found", "message": "Product not found.", "fields": {}}},
            )
        )


def _query_cases() -> list[Any]:
    revisions = "/api/v1/products/{product}/vision/revisions/"
    cases = [
        ({"page_size": "0"}, "page_size"),
        ({"page_size": "-5"}, "page_size"),
        ({"page_size": "abc"}, "page_size"),
        ({"page_size": "201"}, "page_size"),
        ({"page_size": TOO_BIG_ID}, "page_size"),
        ({"cursor": "garbage"}, "cursor"),
        ({"cursor": "x" * 10_000}, "cursor"),
        ({"cursor": "a\x00b"}, "cursor"),
        ({"sort": "number"}, "sort"),
        ({"bogus": "1"}, "bogus"),
    ]
    return [pytest.param(revisions, params, name, id=f"revisions-{name}-{i}") for i, (params, name) in enumerate(cases)]


@pytest.mark.parametrize(("template", "params", "name"), _query_cases())
def test_bad_query_params_are_400(api_as, team, product, ids, template, params, name):
    vision_update(actor=team.actor(), product=product, version=0, statement="S.")
    response = api_as(team.viewer).get(f"{ids.fill(template)}?{urlencode(params)}")
    assert_error(response, 400, fields=(name,))


@pytest.mark.parametrize(
    ("method", "template"),
    [("get", "vision/"), ("put", "vision/"), ("get", "vision/revisions/"), ("get", "vision/revisions/1/")],
)
def test_anonymous_gets_401_with_error_body(ids, method, template):
    response = send(APIClient(), method, f"/api/v1/products/{ids.product}/{template}", {})
    assert_error(response, 401, "not_authenticated")
    assert response["WWW-Authenticate"].startswith("Bearer")


def test_method_not_allowed_is_405_with_error_body(api_as, team, ids):
    client = api_as(team.admin)
    url = f"/api/v1/products/{ids.product}/vision/"
    for method in ("post", "patch", "delete"):
        assert_error(send(client, method, url, {"statement": "x"}), 405, "method_not_allowed")
    assert_error(client.post(url + "revisions/", {}, format="json"), 405, "method_not_allowed")


# --- happy paths ------------------------------------------------------------------------------


def test_read_write_and_history_of_a_vision(api_as, team, product):
    client = api_as(team.editor)
    url = f"/api/v1/products/{product.pk}/vision/"

    response = client.get(url)
    assert response.status_code == 200
    assert response["ETag"] == '"0"'
    assert response.json() == {
        "product": product.pk,
        "statement": "",
        "target_customers": "",
        "problem": "",
        "differentiation": "",
        "business_model": "",
        "version": 0,
        "updated_at": None,
        "updated_by": None,
    }

    response = client.put(url, {"version": 0, "statement": "Plan with confidence.", "problem": "Chaos."}, format="json")
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["version"], body["statement"], body["problem"]) == (1, "Plan with confidence.", "Chaos.")
    assert body["updated_by"] == {"id": team.editor.pk, "email": team.editor.email, "name": team.editor.name}
    assert body["updated_at"]
    assert response["ETag"] == '"1"'
    assert client.get(url)["ETag"] == '"1"'

    # A weak tag never satisfies If-Match: 412, nothing written.
    response = client.put(url, {"version": 1, "statement": "Plan weekly."}, format="json", HTTP_IF_MATCH='W/"1"')
    assert response.status_code == 412, response.content
    assert response.json()["error"]["code"] == "weak_etag"
    # A body version that contradicts If-Match is refused (which one did the client read?).
    response = client.put(url, {"version": 99, "statement": "Plan weekly."}, format="json", HTTP_IF_MATCH='"1"')
    assert_error(response, 400, "invalid", ("version",))
    response = client.put(url, {"version": 1, "statement": "Plan weekly."}, format="json", HTTP_IF_MATCH='"1"')
    assert response.status_code == 200, response.content
    assert response.json()["version"] == 2

    # Nothing changed: same version, no revision.
    response = client.put(url, {"version": 2, "statement": "Plan weekly.\n"}, format="json")
    assert response.json()["version"] == 2

    listed = client.get(url + "revisions/").json()
    assert set(listed) == {"next", "previous", "results"}
    assert [(r["number"], r["changed_fields"]) for r in listed["results"]] == [
        (2, ["statement"]),
        (1, ["statement", "problem"]),
    ]
    assert listed["results"][0]["author"]["id"] == team.editor.pk
    assert listed["results"][0]["author_label"] == team.editor.email
    assert "statement" not in listed["results"][0]  # the list is light; one revision has the text

    first = client.get(url + "revisions/1/").json()
    assert (first["number"], first["statement"], first["problem"]) == (1, "Plan with confidence.", "Chaos.")
    assert_error(client.get(url + "revisions/3/"), 404, "not_found")

    actions = list(ActivityEvent.objects.filter(product=product).order_by("id").values_list("action", flat=True))
    assert actions == ["created", "updated"]


def test_revisions_of_a_product_without_a_vision_are_an_empty_list(api_as, team, product):
    response = api_as(team.viewer).get(f"/api/v1/products/{product.pk}/vision/revisions/")
    assert response.status_code == 200
    assert response.json()["results"] == []
    assert_error(api_as(team.viewer).get(f"/api/v1/products/{product.pk}/vision/revisions/1/"), 404, "not_found")


def test_put_without_a_version_is_400_and_stale_versions_are_409_or_412(api_as, team, product):
    client = api_as(team.editor)
    url = f"/api/v1/products/{product.pk}/vision/"
    assert_error(client.put(url, {"statement": "X"}, format="json"), 400, "invalid", ("version",))
    # Creating needs version 0: a product without a vision is not at version 1.
    error = assert_error(client.put(url, {"version": 1, "statement": "X"}, format="json"), 409, "stale_version")
    assert "version 0" in error["message"]
    assert client.put(url, {"version": 0, "statement": "A"}, format="json").status_code == 200
    # A second "create" is stale too.
    assert_error(client.put(url, {"version": 0, "statement": "B"}, format="json"), 409, "stale_version")
    assert_error(client.put(url, {"statement": "B"}, format="json", HTTP_IF_MATCH='"0"'), 412, "stale_version")
    assert Vision.objects.get(product=product).statement == "A"
    assert VisionRevision.objects.count() == 1


def test_two_clients_editing_the_same_version(api_as, team, product):
    alice, bob = api_as(team.editor), api_as(team.admin)
    url = f"/api/v1/products/{product.pk}/vision/"
    seen_alice, seen_bob = alice.get(url)["ETag"], bob.get(url)["ETag"]
    assert alice.put(url, {"problem": "Alice's"}, format="json", HTTP_IF_MATCH=seen_alice).status_code == 200
    assert_error(bob.put(url, {"problem": "Bob's"}, format="json", HTTP_IF_MATCH=seen_bob), 412, "stale_version")
    assert bob.get(url).json()["problem"] == "Alice's"


def test_revisions_page_with_a_cursor(api_as, team, product):
    for i in range(7):
        vision_update(actor=team.actor(), product=product, version=i, statement=f"Version {i + 1}.")
    client = api_as(team.viewer)
    url = f"/api/v1/products/{product.pk}/vision/revisions/?page_size=3"
    numbers: list[int] = []
    while url:
        body = client.get(url).json()
        numbers += [r["number"] for r in body["results"]]
        url = body["next"]
    assert numbers == [7, 6, 5, 4, 3, 2, 1]


def test_a_token_write_is_recorded_with_the_token(team, product):
    from pmtool.services import api_token_create

    _token, raw = api_token_create(user=team.editor, name="Sync")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    response = client.put(f"/api/v1/products/{product.pk}/vision/", {"version": 0, "statement": "S."}, format="json")
    assert response.status_code == 200
    revision = client.get(f"/api/v1/products/{product.pk}/vision/revisions/").json()["results"][0]
    assert revision["author_label"] == f"{team.editor.email} (API token Sync)"


def test_the_schema_documents_the_vision_endpoints():
    response = APIClient().get("/api/v1/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    paths = json.loads(response.content)["paths"]
    assert {"get", "put"} <= set(paths["/api/v1/products/{product_id}/vision/"])
    assert "get" in paths["/api/v1/products/{product_id}/vision/revisions/"]
    assert "get" in paths["/api/v1/products/{product_id}/vision/revisions/{number}/"]
