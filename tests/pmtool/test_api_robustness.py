"""API robustness (issue 7): no input answers a 500, and a refused request changed nothing.

Every routed API URL is taken from the permission matrices (core and strategy), with the ids of
the matrices' world, so a new endpoint is covered here as soon as it has its matrix rows."""

from __future__ import annotations

import base64
import json
import logging
from typing import Any

import pytest
from django.test import Client
from django.urls import resolve
from rest_framework.pagination import CursorPagination

from pmtool.api.parsers import JSON_MAX_DEPTH
from pmtool.api.views import ApiView
from pmtool.models import Product, Workspace
from strategy.models import Competitor, MetricSample
from tests.pmtool.test_api import assert_error
from tests.pmtool.test_permissions import API_MATRIX as CORE_MATRIX
from tests.pmtool.test_permissions import api_caller, snapshot, world  # noqa: F401 - the fixture
from tests.strategy.test_permissions import API_MATRIX as STRATEGY_MATRIX
from tests.strategy.test_permissions import params  # noqa: F401 - the fixture

pytestmark = pytest.mark.django_db

ROWS = [*CORE_MATRIX, *STRATEGY_MATRIX]
PATHS = sorted({path for _name, _method, path, *_cells in ROWS})
WRITES = sorted({(method, path) for _name, method, path, *_cells in ROWS if method in {"POST", "PUT", "PATCH"}})


@pytest.fixture
def ids(world: Any, params: dict[str, Any]) -> dict[str, Any]:  # noqa: F811 - the imported fixtures
    return {**world.params("editor"), **params}


def _view_class(path: str) -> Any:
    return resolve("/api/v1/" + path.format_map(dict.fromkeys(_placeholders(path), "1"))).func.cls


def _placeholders(path: str) -> list[str]:
    return [part.split("}")[0] for part in path.split("{")[1:]]


# --- 2. OPTIONS ----------------------------------------------------------------------


@pytest.mark.parametrize("path", PATHS)
def test_options_describes_every_api_url(world: Any, ids: dict[str, Any], path: str) -> None:  # noqa: F811
    response = api_caller(world, "editor").options("/api/v1/" + path.format(**ids), HTTP_ACCEPT="application/json")
    assert response.status_code == 200, response.content[:300]
    body = response.json()
    allowed = {m.strip() for m in response["Allow"].split(",")}
    assert set(body["methods"]) == allowed
    assert "OPTIONS" in allowed
    routed = {m.upper() for m in ("get", "post", "put", "patch", "delete") if hasattr(_view_class(path), m)}
    assert routed <= allowed
    assert body["schema"] == "/api/v1/schema/"


def test_options_needs_a_signed_in_caller(world: Any) -> None:  # noqa: F811
    assert_error(api_caller(world, "anonymous").options("/api/v1/workspaces/"), 401, "not_authenticated")


# --- 4. edited cursors -----------------------------------------------------------------


def _cursor(position: str) -> str:
    return base64.b64encode(f"p={position}".encode()).decode()


def _paginates(path: str) -> bool:
    """A list view: it names its own cursor pagination (the default on other views is unused)."""
    pagination = _view_class(path).__dict__.get("pagination_class")
    return isinstance(pagination, type) and issubclass(pagination, CursorPagination)


# The cursor-paginated lists an editor of acme reads (cells: anon, out, view, edit, admin, rw, ro).
CURSOR_LISTS = sorted(
    {path for _name, method, path, *cells in ROWS if method == "GET" and cells[3] == 200 and _paginates(path)}
)


def test_there_are_cursor_lists() -> None:
    assert len(CURSOR_LISTS) >= 8, CURSOR_LISTS


@pytest.mark.parametrize("path", CURSOR_LISTS)
@pytest.mark.parametrize("position", ["%00", "a\x00b"])
def test_a_cursor_holding_nul_is_a_400(world: Any, ids: dict[str, Any], path: str, position: str) -> None:  # noqa: F811
    response = api_caller(world, "editor").get("/api/v1/" + path.format(**ids), {"cursor": _cursor(position)})
    error = assert_error(response, 400, "invalid")
    assert list(error["fields"]) == ["cursor"]


@pytest.mark.parametrize("path", CURSOR_LISTS)
def test_a_cursor_position_of_the_wrong_type_is_a_400(world: Any, ids: dict[str, Any], path: str) -> None:  # noqa: F811
    view = _view_class(path)
    field = view.pagination_class.ordering[0].lstrip("-")
    text_ordered = field in {"name", "title"}
    response = api_caller(world, "editor").get("/api/v1/" + path.format(**ids), {"cursor": _cursor("zzz")})
    if text_ordered:
        assert response.status_code == 200, response.content[:300]  # "zzz" is a fine name to start after
    else:
        error = assert_error(response, 400, "invalid")
        assert list(error["fields"]) == ["cursor"]


def test_a_huge_integer_cursor_position_is_a_400(world: Any, ids: dict[str, Any]) -> None:  # noqa: F811
    url = "/api/v1/products/{product}/vision/revisions/".format(**ids)
    response = api_caller(world, "editor").get(url, {"cursor": _cursor("9" * 30)})
    assert assert_error(response, 400, "invalid")["fields"] == {
        "cursor": ["Invalid cursor: use the 'next' or 'previous' link."]
    }


def test_a_real_next_link_still_works(world: Any) -> None:  # noqa: F811
    client = api_caller(world, "editor")
    url = "/api/v1/workspaces/{ws}/products/".format(**world.params("editor"))
    first = client.get(url, {"archived": "all", "page_size": 1}).json()
    assert first["next"]
    second = client.get(first["next"])
    assert second.status_code == 200
    assert second.json()["results"] != first["results"]


# --- 5. deep and large JSON --------------------------------------------------------------


@pytest.mark.parametrize("depth", [JSON_MAX_DEPTH + 1, 900, 5000, 100_000])
def test_deeply_nested_json_is_a_400(world: Any, depth: int) -> None:  # noqa: F811
    before = snapshot()
    body = "[" * depth + "]" * depth
    response = api_caller(world, "editor").post("/api/v1/workspaces/", body, content_type="application/json")
    error = assert_error(response, 400, "parse_error")
    assert "nested too deeply" in error["message"]
    assert snapshot() == before


def test_json_at_the_depth_limit_is_parsed(world: Any) -> None:  # noqa: F811
    nested: Any = "x"
    for _ in range(JSON_MAX_DEPTH - 1):
        nested = [nested]
    response = api_caller(world, "editor").post("/api/v1/workspaces/", {"name": nested}, format="json")
    assert assert_error(response, 400, "invalid")["fields"] == {"name": ["Must be a string."]}


def test_an_oversized_json_body_is_a_413(world: Any, settings: Any) -> None:  # noqa: F811
    before = snapshot()
    body = json.dumps({"name": "x" * (settings.API_MAX_BODY_BYTES + 10)})
    response = api_caller(world, "editor").post("/api/v1/workspaces/", body, content_type="application/json")
    error = assert_error(response, 413, "too_large")
    assert f"{settings.API_MAX_BODY_BYTES:,}" in error["message"]
    assert snapshot() == before


def test_an_oversized_multipart_field_is_a_413_json_body(world: Any, ids: dict[str, Any], settings: Any) -> None:  # noqa: F811
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    url = "/api/v1/metrics/{metric}/samples/upload/".format(**ids)
    response = api_caller(world, "editor").post(url, {"csv": "ts,value\n" + "2026-01-01,1\n" * 200})
    assert_error(response, 413, "too_large")


def test_an_oversized_form_on_a_page_is_a_413(settings: Any) -> None:
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    response = Client().post("/account/login/", {"username": "x" * 2000, "password": "y"})
    assert response.status_code == 413


def test_ten_thousand_samples_fit_the_limit(world: Any, ids: dict[str, Any]) -> None:  # noqa: F811
    samples = [
        {"ts": f"2025-01-01T00:{i // 60 % 60:02d}:{i % 60:02d}.{i:06d}+00:00", "value": i * 1.5} for i in range(10_000)
    ]
    body = json.dumps({"samples": samples}, indent=2)
    url = "/api/v1/metrics/{metric}/samples/".format(**ids)
    response = api_caller(world, "editor").post(url, body, content_type="application/json")
    assert response.status_code in (200, 201), response.content[:300]
    assert MetricSample.objects.filter(metric_id=ids["metric"]).count() >= 10_000


def test_a_two_megabyte_csv_fits_as_json(world: Any, ids: dict[str, Any]) -> None:  # noqa: F811
    """The CSV upload takes up to 2 MB; sent as JSON {"csv": …} it still fits the body limit (the
    CSV itself is refused for what it is, not for the size of the JSON around it)."""
    text = "ts,value\n" + "x" * (2 * 1024 * 1024 - 20)
    url = "/api/v1/metrics/{metric}/samples/upload/".format(**ids)
    response = api_caller(world, "editor").post(url, {"csv": text}, format="json")
    assert response.status_code == 400, response.content[:300]
    assert list(response.json()["error"]["fields"]) == ["csv"]


# --- 6. responses that match the schema ------------------------------------------------------


def test_a_competitor_without_a_website_answers_null(world: Any, ids: dict[str, Any]) -> None:  # noqa: F811
    client = api_caller(world, "editor")
    created = client.post("/api/v1/products/{product}/competitors/".format(**ids), {"name": "Initech"}, format="json")
    assert created.status_code == 201
    assert created.json()["website"] is None
    assert Competitor.objects.get(pk=created.json()["id"]).website == ""


def test_the_schema_says_what_the_responses_hold() -> None:
    schema = Client().get("/api/v1/schema/?format=json").json()
    components = schema["components"]["schemas"]
    assert components["Competitor"]["properties"]["website"]["nullable"] is True
    assert components["Vision"]["properties"]["updated_at"]["nullable"] is True


# --- 8. smaller ------------------------------------------------------------------------------


def test_a_blank_slug_is_refused(world: Any) -> None:  # noqa: F811
    before = snapshot()
    for url in ("/api/v1/workspaces/", "/api/v1/workspaces/{ws}/products/".format(**world.params("editor"))):
        response = api_caller(world, "editor").post(url, {"name": "Blank Slug", "slug": ""}, format="json")
        assert list(assert_error(response, 400, "invalid")["fields"]) == ["slug"]
    assert snapshot() == before
    created = api_caller(world, "editor").post("/api/v1/workspaces/", {"name": "Derived Slug"}, format="json")
    assert created.json()["slug"] == "derived-slug"


@pytest.mark.parametrize("value", [0, 1.5, True, ["a"], {"a": 1}])
def test_a_string_field_refuses_other_json_types(world: Any, value: Any) -> None:  # noqa: F811
    before = snapshot()
    response = api_caller(world, "editor").post("/api/v1/workspaces/", {"name": value}, format="json")
    assert list(assert_error(response, 400, "invalid")["fields"]) == ["name"]
    assert snapshot() == before


@pytest.mark.parametrize(("field", "value"), [("version", "1"), ("version", True), ("stage", 1), ("name", 7)])
def test_every_strict_serializer_checks_json_types(world: Any, field: str, value: Any) -> None:  # noqa: F811
    before = snapshot()
    url = f"/api/v1/products/{world.product.pk}/"
    body = {"version": 1, field: value}
    response = api_caller(world, "editor").patch(url, body, format="json")
    assert list(assert_error(response, 400, "invalid")["fields"]) == [field]
    assert snapshot() == before


def test_query_strings_keep_their_string_values(world: Any) -> None:  # noqa: F811
    url = "/api/v1/workspaces/{ws}/activity/".format(**world.params("editor"))
    assert api_caller(world, "editor").get(url, {"product": world.product.pk, "page_size": "5"}).status_code == 200


def test_a_blank_search_means_no_filter(world: Any) -> None:  # noqa: F811
    url = "/api/v1/workspaces/{ws}/products/".format(**world.params("editor"))
    client = api_caller(world, "editor")
    everything = client.get(url).json()["results"]
    assert everything
    response = client.get(url, {"q": ""})
    assert response.status_code == 200, response.content
    assert response.json()["results"] == everything


def test_a_weak_if_match_never_matches(world: Any) -> None:  # noqa: F811
    url = f"/api/v1/products/{world.product.pk}/"
    response = api_caller(world, "editor").patch(url, {"name": "Weak"}, format="json", HTTP_IF_MATCH='W/"1"')
    assert_error(response, 412, "weak_etag")
    assert Product.objects.get(pk=world.product.pk).name == "Atlas"


# --- error path: an unexpected exception ----------------------------------------------------------


class Boom(Exception):
    pass


@pytest.fixture
def exploding(monkeypatch: pytest.MonkeyPatch) -> None:
    """Fault injection: every API view fails unexpectedly once it has authenticated the caller."""

    def initial(self: Any, request: Any, *args: Any, **kwargs: Any) -> None:
        raise Boom("injected")

    monkeypatch.setattr(ApiView, "initial", initial)


@pytest.mark.parametrize("debug", [False, True])
@pytest.mark.parametrize(("method", "path"), sorted({(m, p) for _n, m, p, *_c in ROWS if p != "schema/"}))
def test_an_unexpected_exception_is_logged_and_answered_as_json(
    world: Any,  # noqa: F811
    ids: dict[str, Any],
    exploding: None,
    settings: Any,
    caplog: Any,
    debug: bool,
    method: str,
    path: str,
) -> None:
    settings.DEBUG = debug
    client = Client(raise_request_exception=False)
    client.force_login(world.team.editor)
    with caplog.at_level(logging.ERROR, logger="pmtool.api"):
        response = client.generic(method, "/api/v1/" + path.format(**ids), "{}", content_type="application/json")
    assert response.status_code == 500
    assert response["Content-Type"].startswith("application/json")
    error = response.json()["error"]
    assert (error["code"], error["fields"]) == ("server_error", {})
    request_id = response["X-Request-ID"]
    assert request_id in error["message"]
    records = [r for r in caplog.records if r.name == "pmtool.api"]
    assert len(records) == 1
    assert records[0].request_id == request_id
    assert records[0].exc_info and records[0].exc_info[0] is Boom


def test_a_sane_caller_request_id_is_kept(world: Any) -> None:  # noqa: F811
    response = api_caller(world, "editor").get("/api/v1/me/", HTTP_X_REQUEST_ID="trace-0123456789")
    assert response["X-Request-ID"] == "trace-0123456789"
    response = api_caller(world, "editor").get("/api/v1/me/", HTTP_X_REQUEST_ID="bad id\nwith newline")
    assert len(response["X-Request-ID"]) == 32


def test_workspaces_are_unchanged_by_refusals(world: Any) -> None:  # noqa: F811
    count = Workspace.objects.count()
    api_caller(world, "editor").post("/api/v1/workspaces/", "[" * 5000, content_type="application/json")
    assert Workspace.objects.count() == count


# --- 7. the schema documents every answer ------------------------------------------------------


@pytest.fixture(scope="module")
def openapi() -> dict[str, Any]:
    from drf_spectacular.generators import SchemaGenerator

    return SchemaGenerator().get_schema(request=None, public=True)


def _operations(openapi: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [(path, method, op) for path, item in openapi["paths"].items() for method, op in item.items()]


def test_every_operation_documents_its_errors_with_the_error_body(openapi: dict[str, Any]) -> None:
    error = {"$ref": "#/components/schemas/Error"}
    assert openapi["components"]["schemas"]["Error"]["required"] == ["error"]
    for path, method, op in _operations(openapi):
        responses = op["responses"]
        for code in ("401", "403", *(("404",) if "{" in path else ())):
            assert responses[code]["content"]["application/json"]["schema"] == error, (method, path, code)
        if method in ("post", "put", "patch"):
            assert {"400", "409", "413", "415"} <= set(responses), (method, path)


def test_if_match_is_a_documented_header_where_a_view_reads_it(openapi: dict[str, Any]) -> None:
    expected = {
        ("patch", "/api/v1/products/{product_id}/"),
        ("put", "/api/v1/products/{product_id}/vision/"),
        ("patch", "/api/v1/goals/{goal_id}/"),
        ("delete", "/api/v1/goals/{goal_id}/"),
        ("patch", "/api/v1/competitors/{competitor_id}/"),
        ("delete", "/api/v1/competitors/{competitor_id}/"),
        ("patch", "/api/v1/metrics/{metric_id}/"),
    }
    with_header = set()
    for path, method, op in _operations(openapi):
        headers = [p for p in op.get("parameters", []) if p["in"] == "header" and p["name"] == "If-Match"]
        if headers:
            with_header.add((method, path))
            assert headers[0]["schema"]["pattern"]
            assert "412" in op["responses"], (method, path)
    assert expected <= with_header
    # Documented from what a view declares, not guessed: deleting a sample reads no version.
    assert ("delete", "/api/v1/metrics/{metric_id}/samples/{sample_id}/") not in with_header


def test_strict_inputs_refuse_unknown_fields_in_the_schema(openapi: dict[str, Any]) -> None:
    schemas = openapi["components"]["schemas"]
    for name in ("WorkspaceCreateRequest", "PatchedProductUpdateRequest", "CompetitorCreateRequest"):
        assert schemas[name]["additionalProperties"] is False, name


def test_page_size_and_ids_are_bounded_in_the_schema(openapi: dict[str, Any]) -> None:
    for path, method, op in _operations(openapi):
        for parameter in op.get("parameters", []):
            if parameter["in"] == "path":
                assert parameter["schema"]["minimum"] == 1, (method, path)
            if parameter["name"] == "page_size":
                assert parameter["schema"]["minimum"] == 1 and parameter["schema"]["maximum"] >= 200, (method, path)


def test_options_is_in_the_schema(openapi: dict[str, Any]) -> None:
    assert all("options" in item for item in openapi["paths"].values())


def test_the_schema_is_cached_and_revalidated() -> None:
    client = Client()
    first = client.get("/api/v1/schema/?format=json")
    assert first.status_code == 200 and first["ETag"]
    assert client.get("/api/v1/schema/?format=json").content == first.content
    assert client.get("/api/v1/schema/?format=json", HTTP_IF_NONE_MATCH=first["ETag"]).status_code == 304
    assert b"swagger" in client.get("/api/docs/").content.lower()


def test_formats_told_in_descriptions_are_in_the_schema(openapi: dict[str, Any]) -> None:
    schemas = openapi["components"]["schemas"]
    assert schemas["InitiativeCreateRequest"]["properties"]["colour"]["pattern"] == "^#[0-9a-fA-F]{6}$"
    samples = schemas["SampleBatchRequest"]["properties"]["samples"]
    assert (samples["minItems"], samples["maxItems"]) == (1, 10_000)


@pytest.mark.parametrize("path", ["products/{product}/activity/", "products/{product}/", "me/", "tokens/"])
def test_an_undocumented_query_parameter_is_a_400(world: Any, ids: dict[str, Any], path: str) -> None:  # noqa: F811
    response = api_caller(world, "editor").get("/api/v1/" + path.format(**ids), {"colour": "red"})
    assert assert_error(response, 400, "invalid")["fields"] == {"colour": ["Unknown parameter."]}
    assert api_caller(world, "editor").get("/api/v1/" + path.format(**ids), {"format": "json"}).status_code == 200
