"""The tag API: the list (by name, cursor pages, feature counts), create, read with ETag, change and
delete with versions (body `version` or If-Match; stale 409 / 412), a rename onto another tag's name
(400 `tag_name_taken`, naming it), and the merge (both versions; the target's stale version is a 409
naming `into_version`). Bad input on every endpoint is a 4xx with the one error body and changes
nothing."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest

from backlog.models import Feature, Tag
from backlog.services.tags import tag_create
from pmtool.models import ActivityEvent
from tests.factories import FeatureFactory
from tests.harness.bodies import (
    BAD_IDS,
    BAD_IF_MATCH,
    Endpoint,
    FillIds,
    assert_error,
    body_cases,
    check_bad_body,
    send,
)

pytestmark = pytest.mark.django_db


@dataclass
class Ids(FillIds):
    ws: int
    tag: int
    typo: int
    theirs: int


@pytest.fixture
def ids(team: Any, product: Any) -> Ids:
    actor = team.actor()
    mobile = tag_create(actor=actor, workspace=team.workspace, name="Mobile", colour="#4f46e5")
    typo = tag_create(actor=actor, workspace=team.workspace, name="Mobil")
    theirs = tag_create(actor=team.actor("outsider"), workspace=team.other_workspace, name="Theirs")
    return Ids(ws=team.workspace.pk, tag=mobile.pk, typo=typo.pk, theirs=theirs.pk)


def snapshot() -> tuple:
    return (
        sorted(Tag.objects.values_list("id", "name", "colour", "description", "version")),
        sorted(Feature.tags.through.objects.values_list("feature_id", "tag_id")),
        ActivityEvent.objects.count(),
    )


# --- the bad-input table ---------------------------------------------------------------------

VERSION_WRONG = ({"version": "abc"}, {"version": 1.5}, {"version": True}, {"version": 0}, {"version": 2**70})
COLOUR_WRONG = ({"colour": "red"}, {"colour": "#12345"}, {"colour": "#1234567"}, {"colour": 5}, {"colour": None})
NAME_WRONG = ({"name": ""}, {"name": "   "}, {"name": None}, {"name": 5}, {"name": ["x"]}, {"name": {"a": 1}})
ID_WRONG = ("abc", 1.5, True, 0, -1, 2**70, None, [1])
INTO = 987_654_321  # stands for the merge target's id in the table; the test puts the real one in

ENDPOINTS = (
    Endpoint(
        "tag-create",
        "post",
        "/api/v1/workspaces/{ws}/tags/",
        {"name": "Onboarding", "colour": "#4f46e5", "description": "First run"},
        strings={"name": 40, "description": 200},
        required=("name",),
        wrong_types=(*NAME_WRONG, *COLOUR_WRONG, {"description": None}, {"description": 5}),
        unknown=("bogus", "id", "feature_count", "version"),
        ok=201,
    ),
    Endpoint(
        "tag-update",
        "patch",
        "/api/v1/tags/{tag}/",
        {"version": 1, "name": "Mobile apps", "colour": "", "description": "Phones"},
        strings={"name": 40, "description": 200},
        required=("version",),
        wrong_types=(*VERSION_WRONG, *COLOUR_WRONG, {"name": ""}, {"name": None}, {"description": None}),
        unknown=("bogus", "id", "feature_count", "updated_at"),
    ),
    Endpoint(
        "tag-merge",
        "post",
        "/api/v1/tags/{typo}/merge/",
        {"into": INTO, "version": 1, "into_version": 1},
        required=("into", "version", "into_version"),
        wrong_types=(
            *VERSION_WRONG,
            *({"into": v} for v in ID_WRONG),
            *({"into_version": v} for v in ID_WRONG),
        ),
    ),
)


def _valid(endpoint: Endpoint, ids: Ids) -> Endpoint:
    if endpoint.name != "tag-merge":
        return endpoint
    return Endpoint(**{**endpoint.__dict__, "valid": {**endpoint.valid, "into": ids.tag}})


def _with_target(payload: Any, ids: Ids) -> Any:
    if isinstance(payload, dict) and payload.get("into") == INTO:
        return {**payload, "into": ids.tag}
    if isinstance(payload, str):
        return payload.replace(str(INTO), str(ids.tag))
    return payload


@pytest.mark.parametrize("endpoint", ENDPOINTS, ids=str)
def test_valid_body_is_accepted(api_as, team, ids, endpoint):
    endpoint = _valid(endpoint, ids)
    response = send(api_as(team.editor), endpoint.method, ids.fill(endpoint.url), endpoint.valid)
    assert response.status_code == endpoint.ok, response.content


@pytest.mark.parametrize(("endpoint", "kind", "payload", "code", "fields"), body_cases(ENDPOINTS))
def test_bad_body_is_a_4xx_with_the_error_body(api_as, team, ids, endpoint, kind, payload, code, fields):
    endpoint = _valid(endpoint, ids)
    payload = _with_target(payload, ids)
    before = snapshot()
    check_bad_body(api_as(team.editor), ids.fill(endpoint.url), endpoint, kind, payload, code, fields)
    assert snapshot() == before


ID_ENDPOINTS = (
    ("get", "/api/v1/workspaces/{x}/tags/", None),
    ("post", "/api/v1/workspaces/{x}/tags/", {"name": "X"}),
    ("get", "/api/v1/tags/{x}/", None),
    ("patch", "/api/v1/tags/{x}/", {"version": 1, "name": "X"}),
    ("delete", "/api/v1/tags/{x}/", {"version": 1}),
    ("post", "/api/v1/tags/{x}/merge/", {"into": 1, "version": 1, "into_version": 1}),
)


@pytest.mark.parametrize("bad_id", BAD_IDS)
@pytest.mark.parametrize(("method", "template", "body"), ID_ENDPOINTS, ids=lambda v: v if isinstance(v, str) else "")
def test_unknown_or_malformed_id_is_a_json_404(api_as, team, ids, method, template, body, bad_id):
    before = snapshot()
    assert_error(send(api_as(team.editor), method, ids.fill(template, x=bad_id), body), 404, "not_found")
    assert snapshot() == before


@pytest.mark.parametrize("header", BAD_IF_MATCH)
def test_malformed_if_match_is_a_400(api_as, team, ids, header):
    before = snapshot()
    response = send(api_as(team.editor), "patch", ids.fill("/api/v1/tags/{tag}/"), {"name": "X"}, HTTP_IF_MATCH=header)
    assert_error(response, 400)
    assert snapshot() == before


# --- reads ----------------------------------------------------------------------------------


def test_list_by_name_with_counts_and_cursor_pages(api_as, team, ids, product):
    feature = FeatureFactory(product=product)
    feature.tags.add(ids.tag)
    body = api_as(team.viewer).get(f"/api/v1/workspaces/{ids.ws}/tags/").json()
    assert [(t["name"], t["feature_count"]) for t in body["results"]] == [("Mobil", 0), ("Mobile", 1)]
    assert set(body["results"][1]) == {"id", "name", "colour", "description", "feature_count", "version", "updated_at"}
    first = api_as(team.viewer).get(f"/api/v1/workspaces/{ids.ws}/tags/?page_size=1").json()
    assert [t["name"] for t in first["results"]] == ["Mobil"] and first["next"]
    second = api_as(team.viewer).get(first["next"]).json()
    assert [t["name"] for t in second["results"]] == ["Mobile"]


def test_read_answers_the_etag(api_as, team, ids):
    response = api_as(team.viewer).get(f"/api/v1/tags/{ids.tag}/")
    assert response.status_code == 200 and response["ETag"] == '"1"'
    assert response.json()["colour"] == "#4f46e5"


# --- writes ---------------------------------------------------------------------------------


def test_create_a_taken_name_ignoring_case_is_400_on_name(api_as, team, ids):
    before = snapshot()
    assert_error(send(api_as(team.editor), "post", f"/api/v1/workspaces/{ids.ws}/tags/", {"name": "MOBILE"}), 400,
                 "tag_name_taken", ("name",))  # fmt: skip
    assert snapshot() == before


def test_rename_onto_another_tag_is_400_offering_the_merge(api_as, team, ids):
    before = snapshot()
    response = send(api_as(team.editor), "patch", f"/api/v1/tags/{ids.typo}/", {"version": 1, "name": "mobile"})
    error = assert_error(response, 400, "tag_name_taken", ("name",))
    assert f"id {ids.tag}" in error["fields"]["name"][0] and "merge" in error["message"]
    assert snapshot() == before


def test_stale_update_is_409_and_412_with_if_match(api_as, team, ids):
    client = api_as(team.editor)
    url = f"/api/v1/tags/{ids.tag}/"
    ok = send(client, "patch", url, {"version": 1, "description": "Phones"})
    assert ok.status_code == 200 and ok["ETag"] == '"2"' and ok.json()["version"] == 2
    before = snapshot()
    stale = send(client, "patch", url, {"version": 1, "name": "Phones"})
    assert assert_error(stale, 409, "stale_version", ("version",)) and stale["ETag"] == '"2"'
    assert_error(send(client, "patch", url, {"name": "Phones"}, HTTP_IF_MATCH='"1"'), 412)
    assert_error(send(client, "delete", url, HTTP_IF_MATCH='"1"'), 412)
    assert_error(send(client, "delete", url, {"version": 1}), 409, "stale_version")
    assert_error(send(client, "delete", url), 400, None, ("version",))
    assert snapshot() == before
    assert send(client, "delete", url, HTTP_IF_MATCH='"2"').status_code == 204
    assert not Tag.objects.filter(pk=ids.tag).exists()


def test_merge_answers_the_tag_that_stays(api_as, team, ids, product):
    both, only_typo = FeatureFactory.create_batch(2, product=product)
    both.tags.add(ids.tag, ids.typo)
    only_typo.tags.add(ids.typo)
    response = send(
        api_as(team.editor),
        "post",
        f"/api/v1/tags/{ids.typo}/merge/",
        {"into": ids.tag, "version": 1, "into_version": 1},
    )
    assert response.status_code == 200, response.content
    assert response["ETag"] == '"2"'
    assert (response.json()["id"], response.json()["feature_count"], response.json()["version"]) == (ids.tag, 2, 2)
    assert not Tag.objects.filter(pk=ids.typo).exists()
    assert Feature.tags.through.objects.filter(feature=both).count() == 1


def test_merge_with_stale_versions_is_409_or_412_and_merges_nothing(api_as, team, ids):
    client = api_as(team.editor)
    url = f"/api/v1/tags/{ids.typo}/merge/"
    send(client, "patch", f"/api/v1/tags/{ids.tag}/", {"version": 1, "colour": ""})
    before = snapshot()
    stale_into = send(client, "post", url, {"into": ids.tag, "version": 1, "into_version": 1})
    error = assert_error(stale_into, 409, "stale_version", ("into_version",))
    assert error["fields"]["into_version"] == ["The current version is 2."]
    assert_error(send(client, "post", url, {"into": ids.tag, "version": 3, "into_version": 2}), 409, "stale_version",
                 ("version",))  # fmt: skip
    assert_error(send(client, "post", url, {"into": ids.tag, "into_version": 2}, HTTP_IF_MATCH='"3"'), 412)
    assert_error(send(client, "post", url, {"into": ids.tag, "into_version": 2}), 400, None, ("version",))
    assert snapshot() == before
    merged = send(client, "post", url, {"into": ids.tag, "into_version": 2}, HTTP_IF_MATCH='"1"')
    assert merged.status_code == 200 and merged.json()["version"] == 3


def test_merge_into_itself_or_another_workspaces_tag_is_400(api_as, team, ids):
    client = api_as(team.editor)
    before = snapshot()
    # Another workspace's tag is "no such tag" whatever version is sent (its version is not leaked).
    for into, into_version in ((ids.typo, 1), (ids.theirs, 1), (ids.theirs, 5), (999_999, 1)):
        body = {"into": into, "version": 1, "into_version": into_version}
        assert_error(send(client, "post", f"/api/v1/tags/{ids.typo}/merge/", body), 400, "invalid", ("into",))
    assert snapshot() == before


def test_a_viewer_reads_tags_but_cannot_change_them(api_as, team, ids):
    client = api_as(team.viewer)
    before = snapshot()
    assert client.get(f"/api/v1/tags/{ids.tag}/").status_code == 200
    assert_error(send(client, "patch", f"/api/v1/tags/{ids.tag}/", {"version": 1, "name": "X"}), 403)
    merge = {"into": ids.tag, "version": 1, "into_version": 1}
    assert_error(send(client, "post", f"/api/v1/tags/{ids.typo}/merge/", merge), 403)
    assert snapshot() == before
