"""The persona and competitor API: create, list (cursor-paginated by name), read with ETag,
change and delete with versions (required: body `version` or If-Match; stale 409/412); bad input
on every endpoint is a 4xx with the one error body, never a 500."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

import pytest
from rest_framework.test import APIClient

from pmtool.models import ActivityEvent
from strategy.models import Competitor, Persona
from strategy.services.research import competitor_create, persona_create
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


@dataclass
class Ids(FillIds):
    product: int
    persona: int
    competitor: int
    other_product: int
    other_persona: int
    other_competitor: int


@pytest.fixture
def ids(team: Any, product: Any) -> Ids:
    persona = persona_create(actor=team.actor(), product=product, name="Sam", role="Store manager")
    competitor = competitor_create(actor=team.actor(), product=product, name="Initech")
    other = ProductFactory(workspace=team.other_workspace, name="Secret", slug="secret")
    outsider = team.actor("outsider")
    return Ids(
        product=product.pk,
        persona=persona.pk,
        competitor=competitor.pk,
        other_product=other.pk,
        other_persona=persona_create(actor=outsider, product=other, name="Their persona").pk,
        other_competitor=competitor_create(actor=outsider, product=other, name="Their rival").pk,
    )


def snapshot() -> tuple:
    return (
        sorted(Persona.objects.values_list("id", "name", "role", "goals", "pains", "quote", "version")),
        sorted(Competitor.objects.values_list("id", "name", "website", "threat_level", "positioning", "version")),
        ActivityEvent.objects.count(),
    )


# --- the bad-input table ---------------------------------------------------------------------

PERSONA_TEXT = {"name": 120, "role": 120, "goals": TEXT, "pains": TEXT, "quote": 1000}
COMPETITOR_TEXT = {
    "name": 120,
    "website": 300,
    "positioning": TEXT,
    "strengths": TEXT,
    "weaknesses": TEXT,
    "pricing_notes": TEXT,
}


def _wrong(fields: dict[str, int]) -> tuple[dict[str, Any], ...]:
    return tuple({name: value} for name in fields for value in (None, 5, ["x"], {"a": 1}, True))


VERSION_WRONG = (
    {"version": "abc"},
    {"version": 1.5},
    {"version": True},
    {"version": 0},
    {"version": -1},
    {"version": 2**70},
    {"version": None},
)
WEBSITE_WRONG = (
    {"website": "javascript:alert(1)"},
    {"website": "ftp://example.com"},
    {"website": "example.com"},
    {"website": "https://"},
    {"website": "https://exa mple.com"},
)
THREAT_WRONG = ({"threat_level": "extreme"}, {"threat_level": 5}, {"threat_level": None}, {"threat_level": ""})

ENDPOINTS = (
    Endpoint(
        "persona-create",
        "post",
        "/api/v1/products/{product}/personas/",
        {"name": "Olivia"},
        strings=PERSONA_TEXT,
        required=("name",),
        wrong_types=({"name": ""}, {"name": "   "}, *_wrong(PERSONA_TEXT)),
        ok=201,
    ),
    Endpoint(
        "persona-update",
        "patch",
        "/api/v1/personas/{persona}/",
        {"version": 1, "name": "Samira"},
        strings=PERSONA_TEXT,
        required=("version",),
        wrong_types=({"name": ""}, *VERSION_WRONG, *_wrong(PERSONA_TEXT)),
    ),
    Endpoint(
        "competitor-create",
        "post",
        "/api/v1/products/{product}/competitors/",
        {"name": "Globex", "website": "https://globex.example", "threat_level": "high"},
        strings=COMPETITOR_TEXT,
        required=("name",),
        wrong_types=({"name": " "}, *WEBSITE_WRONG, *THREAT_WRONG, *_wrong(COMPETITOR_TEXT)),
        ok=201,
    ),
    Endpoint(
        "competitor-update",
        "patch",
        "/api/v1/competitors/{competitor}/",
        {"version": 1, "threat_level": "low"},
        strings=COMPETITOR_TEXT,
        required=("version",),
        wrong_types=(*VERSION_WRONG, *WEBSITE_WRONG, *THREAT_WRONG, *_wrong(COMPETITOR_TEXT)),
    ),
)


@pytest.mark.parametrize("endpoint", ENDPOINTS, ids=str)
def test_valid_body_is_accepted(api_as, team, ids, endpoint):
    response = send(api_as(team.admin), endpoint.method, ids.fill(endpoint.url), endpoint.valid)
    assert response.status_code == endpoint.ok, response.content


@pytest.mark.parametrize(("endpoint", "kind", "payload", "code", "fields"), body_cases(ENDPOINTS))
def test_bad_body_is_a_4xx_with_the_error_body(api_as, team, ids, endpoint, kind, payload, code, fields):
    before = snapshot()
    check_bad_body(api_as(team.admin), ids.fill(endpoint.url), endpoint, kind, payload, code, fields)
    assert snapshot() == before


@pytest.mark.parametrize(
    ("method", "url"),
    [("patch", "/api/v1/personas/{persona}/"), ("delete", "/api/v1/personas/{persona}/"),
     ("patch", "/api/v1/competitors/{competitor}/"), ("delete", "/api/v1/competitors/{competitor}/")],
)  # fmt: skip
def test_malformed_if_match_is_400(api_as, team, ids, method, url):
    before = snapshot()
    for header in BAD_IF_MATCH:
        body = {"name": "X"} if method == "patch" else None  # a delete's body may carry only a version
        response = send(api_as(team.editor), method, ids.fill(url), body, HTTP_IF_MATCH=header)
        assert_error(response, 400, "invalid_if_match")
    assert snapshot() == before


ID_ENDPOINTS = (
    ("get", "/api/v1/products/{x}/personas/", None),
    ("post", "/api/v1/products/{x}/personas/", {"name": "X"}),
    ("get", "/api/v1/personas/{x}/", None),
    ("patch", "/api/v1/personas/{x}/", {"version": 1, "name": "X"}),
    ("delete", "/api/v1/personas/{x}/", None),
    ("get", "/api/v1/products/{x}/competitors/", None),
    ("post", "/api/v1/products/{x}/competitors/", {"name": "X"}),
    ("get", "/api/v1/competitors/{x}/", None),
    ("patch", "/api/v1/competitors/{x}/", {"version": 1, "name": "X"}),
    ("delete", "/api/v1/competitors/{x}/", None),
)


@pytest.mark.parametrize("bad_id", BAD_IDS)
@pytest.mark.parametrize(("method", "template", "body"), ID_ENDPOINTS, ids=lambda v: v if isinstance(v, str) else "")
def test_unknown_or_malformed_id_is_a_json_404(api_as, team, ids, method, template, body, bad_id):
    before = snapshot()
    assert_error(send(api_as(team.admin), method, ids.fill(template, x=bad_id), body), 404, "not_found")
    assert snapshot() == before


FOREIGN = (
    ("get", "/api/v1/products/{other_product}/personas/", None),
    ("post", "/api/v1/products/{other_product}/personas/", {"name": "Mine"}),
    ("get", "/api/v1/personas/{other_persona}/", None),
    ("patch", "/api/v1/personas/{other_persona}/", {"version": 1, "name": "Mine"}),
    ("delete", "/api/v1/personas/{other_persona}/", None),
    ("get", "/api/v1/products/{other_product}/competitors/", None),
    ("post", "/api/v1/products/{other_product}/competitors/", {"name": "Mine"}),
    ("get", "/api/v1/competitors/{other_competitor}/", None),
    ("patch", "/api/v1/competitors/{other_competitor}/", {"version": 1, "name": "Mine"}),
    ("delete", "/api/v1/competitors/{other_competitor}/", None),
)


@pytest.mark.parametrize(("method", "template", "body"), FOREIGN, ids=lambda v: v if isinstance(v, str) else "")
def test_objects_of_other_workspaces_are_404(api_as, team, ids, method, template, body):
    before = snapshot()
    assert_error(send(api_as(team.admin), method, ids.fill(template), body), 404, "not_found")
    assert snapshot() == before


def test_an_outsider_gets_the_same_404_as_for_an_id_that_does_not_exist(api_as, team, ids):
    outsider = api_as(team.outsider)
    for existing, missing in (
        (f"/api/v1/personas/{ids.persona}/", "/api/v1/personas/999999999/"),
        (f"/api/v1/competitors/{ids.competitor}/", "/api/v1/competitors/999999999/"),
    ):
        first, second = outsider.get(existing), outsider.get(missing)
        assert first.status_code == second.status_code == 404
        assert first.json() == second.json()


def _query_cases() -> list[Any]:
    personas = "/api/v1/products/{product}/personas/"
    competitors = "/api/v1/products/{product}/competitors/"
    cases = [
        (personas, {"page_size": "0"}, "page_size"),
        (personas, {"page_size": "abc"}, "page_size"),
        (personas, {"page_size": TOO_BIG_ID}, "page_size"),
        (personas, {"cursor": "garbage"}, "cursor"),
        (personas, {"cursor": "x" * 10_000}, "cursor"),
        (personas, {"q": "x"}, "q"),
        (personas, {"bogus": "1"}, "bogus"),
        (competitors, {"threat_level": "extreme"}, "threat_level"),
        (competitors, {"threat_level": ""}, "threat_level"),
        (competitors, {"threat_level": "a\x00b"}, "threat_level"),
        (competitors, {"threat_level": "x" * 10_000}, "threat_level"),
        (competitors, {"page_size": "-1"}, "page_size"),
        (competitors, {"page_size": "1.5"}, "page_size"),
        (competitors, {"cursor": "garbage"}, "cursor"),
        (competitors, {"sort": "name"}, "sort"),
    ]
    return [
        pytest.param(url, params, name, id=f"{url.split('/')[-2]}-{name}-{i}")
        for i, (url, params, name) in enumerate(cases)
    ]


@pytest.mark.parametrize(("template", "params", "name"), _query_cases())
def test_bad_query_params_are_400(api_as, team, ids, template, params, name):
    response = api_as(team.viewer).get(f"{ids.fill(template)}?{urlencode(params)}")
    assert_error(response, 400, fields=(name,))


ALL = (
    ("get", "/api/v1/products/{product}/personas/"),
    ("post", "/api/v1/products/{product}/personas/"),
    ("get", "/api/v1/personas/{persona}/"),
    ("patch", "/api/v1/personas/{persona}/"),
    ("delete", "/api/v1/personas/{persona}/"),
    ("get", "/api/v1/products/{product}/competitors/"),
    ("post", "/api/v1/products/{product}/competitors/"),
    ("get", "/api/v1/competitors/{competitor}/"),
    ("patch", "/api/v1/competitors/{competitor}/"),
    ("delete", "/api/v1/competitors/{competitor}/"),
)


@pytest.mark.parametrize(("method", "template"), ALL)
def test_anonymous_gets_401_with_error_body(ids, method, template):
    response = send(APIClient(), method, ids.fill(template), {})
    assert_error(response, 401, "not_authenticated")


def test_method_not_allowed_is_405_with_error_body(api_as, team, ids):
    client = api_as(team.admin)
    for url in (f"/api/v1/personas/{ids.persona}/", f"/api/v1/competitors/{ids.competitor}/"):
        assert_error(send(client, "put", url, {"name": "x"}), 405, "method_not_allowed")
        assert_error(send(client, "post", url, {"name": "x"}), 405, "method_not_allowed")
    for url in (f"/api/v1/products/{ids.product}/personas/", f"/api/v1/products/{ids.product}/competitors/"):
        assert_error(send(client, "delete", url), 405, "method_not_allowed")


# --- happy paths ------------------------------------------------------------------------------


def test_persona_create_list_read_change_delete(api_as, team, product):
    client = api_as(team.editor)
    base = f"/api/v1/products/{product.pk}/personas/"
    response = client.post(
        base,
        {"name": "Olivia", "role": "Operations lead", "goals": "- One plan", "pains": "Spreadsheets", "quote": "Hi."},
        format="json",
    )
    assert response.status_code == 201, response.content
    created = response.json()
    assert response["ETag"] == '"1"'
    assert {k: created[k] for k in ("product", "name", "role", "goals", "pains", "quote", "version")} == {
        "product": product.pk,
        "name": "Olivia",
        "role": "Operations lead",
        "goals": "- One plan",
        "pains": "Spreadsheets",
        "quote": "Hi.",
        "version": 1,
    }
    client.post(base, {"name": "Aaron"}, format="json")
    listed = client.get(base).json()
    assert [p["name"] for p in listed["results"]] == ["Aaron", "Olivia"]

    url = f"/api/v1/personas/{created['id']}/"
    assert client.get(url)["ETag"] == '"1"'
    response = client.patch(url, {"version": 1, "role": "Head of operations"}, format="json")
    assert (response.status_code, response.json()["version"], response["ETag"]) == (200, 2, '"2"')
    assert_error(client.patch(url, {"version": 1, "role": "Stale"}, format="json"), 409, "stale_version")
    assert_error(client.patch(url, {"role": "Stale"}, format="json", HTTP_IF_MATCH='"1"'), 412, "stale_version")
    assert_error(client.patch(url, {"role": "No version"}, format="json"), 400, "invalid", ("version",))
    # A delete that names a stale version deletes nothing.
    assert_error(client.delete(url, HTTP_IF_MATCH='"1"'), 412, "stale_version")
    assert client.delete(url, HTTP_IF_MATCH='"2"').status_code == 204
    assert_error(client.get(url), 404, "not_found")
    assert_error(client.delete(url), 404, "not_found")

    actions = list(
        ActivityEvent.objects.filter(target_id=created["id"], target_type__model="persona")
        .order_by("id")
        .values_list("action", flat=True)
    )
    assert actions == ["created", "updated", "deleted"]


def test_competitor_create_list_filter_change_delete(api_as, team, product):
    client = api_as(team.editor)
    base = f"/api/v1/products/{product.pk}/competitors/"
    response = client.post(
        base,
        {
            "name": "Globex",
            "website": "https://globex.example",
            "positioning": "Enterprise suite.",
            "strengths": "Brand.",
            "weaknesses": "Slow.",
            "pricing_notes": "$40/seat.",
            "threat_level": "high",
        },
        format="json",
    )
    assert response.status_code == 201, response.content
    created = response.json()
    assert (created["website"], created["threat_level"], created["version"]) == ("https://globex.example", "high", 1)
    low = client.post(base, {"name": "Acme Lite"}, format="json").json()
    assert low["threat_level"] == "medium"  # the default

    assert [c["name"] for c in client.get(base).json()["results"]] == ["Acme Lite", "Globex"]
    assert [c["name"] for c in client.get(base + "?threat_level=high").json()["results"]] == ["Globex"]

    url = f"/api/v1/competitors/{created['id']}/"
    response = client.patch(url, {"website": "", "threat_level": "low"}, format="json", HTTP_IF_MATCH='"1"')
    assert (response.status_code, response.json()["website"], response.json()["version"]) == (200, None, 2)
    error = assert_error(
        client.patch(url, {"version": 2, "website": "javascript:alert(1)"}, format="json"), 400, "invalid"
    )
    assert "http" in error["fields"]["website"][0]
    assert client.delete(url, HTTP_IF_MATCH='"2"').status_code == 204
    assert list(Competitor.objects.values_list("name", flat=True)) == ["Acme Lite"]


@pytest.mark.parametrize("kind", ["personas", "competitors"])
def test_a_delete_without_a_version_is_400_and_deletes_nothing(api_as, team, ids, kind):
    url = f"/api/v1/{kind}/{ids.persona if kind == 'personas' else ids.competitor}/"
    before = snapshot()
    client = api_as(team.editor)
    assert_error(client.delete(url), 400, "invalid", ("version",))
    assert_error(client.delete(url, {}, format="json"), 400, "invalid", ("version",))
    assert_error(client.delete(url, {"version": 1, "name": "x"}, format="json"), 400, "invalid", ("name",))
    assert_error(client.delete(url, {"version": 1}, format="json", HTTP_IF_MATCH='"2"'), 400, "invalid", ("version",))
    assert snapshot() == before
    # The body version works as well as If-Match; a stale one answers 409 with the current version.
    client.patch(url, {"version": 1, "name": "Renamed"}, format="json")
    stale = client.delete(url, {"version": 1}, format="json")
    assert_error(stale, 409, "stale_version", ("version",))
    assert stale["ETag"] == '"2"'
    assert client.delete(url, {"version": 2}, format="json").status_code == 204


def test_lists_page_with_a_cursor(api_as, team, product):
    for i in range(7):
        persona_create(actor=team.actor(), product=product, name=f"Persona {i}")
        competitor_create(actor=team.actor(), product=product, name=f"Rival {i}")
    client = api_as(team.viewer)
    for kind, prefix in (("personas", "Persona"), ("competitors", "Rival")):
        url = f"/api/v1/products/{product.pk}/{kind}/?page_size=3"
        names: list[str] = []
        while url:
            body = client.get(url).json()
            names += [item["name"] for item in body["results"]]
            url = body["next"]
        assert names == [f"{prefix} {i}" for i in range(7)]


def test_the_schema_documents_the_research_endpoints():
    response = APIClient().get("/api/v1/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    paths = json.loads(response.content)["paths"]
    assert {"get", "post"} <= set(paths["/api/v1/products/{product_id}/personas/"])
    assert {"get", "patch", "delete"} <= set(paths["/api/v1/personas/{persona_id}/"])
    assert {"get", "post"} <= set(paths["/api/v1/products/{product_id}/competitors/"])
    assert {"get", "patch", "delete"} <= set(paths["/api/v1/competitors/{competitor_id}/"])
