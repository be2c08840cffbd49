"""PUT /api/v1/features/<id>/moscow/: the column and the version (body or If-Match; stale 409/412
with the current version), the no-op, the activity event; every bad body and id a 4xx with the one
error body, never a 500, and nothing changed."""

from __future__ import annotations

from typing import Any

import pytest

from backlog.models import Feature, ScoreEvent
from backlog.services.moscow import feature_moscow_set
from pmtool.models import ActivityEvent
from tests.factories import FeatureFactory, ProductFactory
from tests.harness.bodies import BAD_IDS, BAD_IF_MATCH, Endpoint, assert_error, body_cases, check_bad_body, send

pytestmark = pytest.mark.django_db

URL = "/api/v1/features/{feature}/moscow/"


@pytest.fixture
def feature(product: Any) -> Feature:
    return FeatureFactory(product=product, title="Offline maps")


@pytest.fixture
def client(api_as: Any, team: Any) -> Any:
    return api_as(team.editor)


def snapshot() -> tuple:
    return (
        sorted(Feature.objects.values_list("id", "moscow", "version")),
        ActivityEvent.objects.count(),
        ScoreEvent.objects.count(),
    )


def test_moves_and_answers_the_new_version_as_etag(client: Any, feature: Feature) -> None:
    response = client.put(URL.format(feature=feature.pk), {"moscow": "must", "version": 1}, format="json")

    assert response.status_code == 200, response.content
    assert response["ETag"] == '"2"'
    body = response.json()
    assert body == {
        "id": feature.pk,
        "product": feature.product_id,
        "title": "Offline maps",
        "moscow": "must",
        "version": 2,
        "updated_at": body["updated_at"],
    }
    assert ActivityEvent.objects.filter(target_id=feature.pk, action="updated").count() == 1


def test_empty_is_not_yet_sorted(client: Any, feature: Feature, team: Any) -> None:
    feature_moscow_set(actor=team.actor(), feature_id=feature.pk, version=1, moscow="could")
    response = client.put(URL.format(feature=feature.pk), {"moscow": "", "version": 2}, format="json")
    assert response.status_code == 200
    assert response.json()["moscow"] == ""


def test_the_column_it_is_in_keeps_the_version(client: Any, feature: Feature) -> None:
    response = client.put(URL.format(feature=feature.pk), {"moscow": "", "version": 1}, format="json")
    assert response.status_code == 200
    assert response["ETag"] == '"1"'
    assert ActivityEvent.objects.count() == 0


def test_if_match_carries_the_version(client: Any, feature: Feature) -> None:
    response = client.put(URL.format(feature=feature.pk), {"moscow": "should"}, format="json", HTTP_IF_MATCH='"1"')
    assert response.status_code == 200
    assert response.json()["version"] == 2


def test_a_stale_body_version_is_409_with_the_current_version(client: Any, feature: Feature, team: Any) -> None:
    feature_moscow_set(actor=team.actor(), feature_id=feature.pk, version=1, moscow="should")
    before = snapshot()

    response = client.put(URL.format(feature=feature.pk), {"moscow": "must", "version": 1}, format="json")

    error = assert_error(response, 409, "stale_version", ("version",))
    assert "version 2" in error["message"]
    assert response["ETag"] == '"2"'
    assert snapshot() == before


def test_a_stale_if_match_is_412(client: Any, feature: Feature, team: Any) -> None:
    feature_moscow_set(actor=team.actor(), feature_id=feature.pk, version=1, moscow="should")
    before = snapshot()
    response = client.put(URL.format(feature=feature.pk), {"moscow": "must"}, format="json", HTTP_IF_MATCH='"1"')
    assert_error(response, 412, "stale_version", ("version",))
    assert snapshot() == before


def test_a_weak_if_match_is_412(client: Any, feature: Feature) -> None:
    response = client.put(URL.format(feature=feature.pk), {"moscow": "must"}, format="json", HTTP_IF_MATCH='W/"1"')
    assert_error(response, 412, "weak_etag")
    assert Feature.objects.get(pk=feature.pk).moscow == ""


@pytest.mark.parametrize("header", BAD_IF_MATCH)
def test_a_malformed_if_match_is_400(client: Any, feature: Feature, header: str) -> None:
    before = snapshot()
    response = client.put(URL.format(feature=feature.pk), {"moscow": "must"}, format="json", HTTP_IF_MATCH=header)
    assert response.status_code == 400
    assert set(response.json()["error"]) == {"code", "message", "fields"}
    assert snapshot() == before


def test_body_and_if_match_that_differ_are_400(client: Any, feature: Feature) -> None:
    response = client.put(
        URL.format(feature=feature.pk), {"moscow": "must", "version": 2}, format="json", HTTP_IF_MATCH='"1"'
    )
    assert_error(response, 400, "invalid", ("version",))


def test_without_a_version_is_400(client: Any, feature: Feature) -> None:
    response = client.put(URL.format(feature=feature.pk), {"moscow": "must"}, format="json")
    assert_error(response, 400, "invalid", ("version",))


def test_a_feature_of_another_workspace_is_404(client: Any, team: Any) -> None:
    other = FeatureFactory(product=ProductFactory(workspace=team.other_workspace))
    response = client.put(URL.format(feature=other.pk), {"moscow": "must", "version": 1}, format="json")
    assert_error(response, 404, "not_found")
    assert Feature.objects.get(pk=other.pk).moscow == ""


@pytest.mark.parametrize("bad", BAD_IDS)
def test_bad_ids_are_4xx_with_the_error_body(client: Any, bad: str) -> None:
    response = client.put(f"/api/v1/features/{bad}/moscow/", {"moscow": "must", "version": 1}, format="json")
    assert response.status_code in (400, 404)
    assert set(response.json()["error"]) == {"code", "message", "fields"}


def test_an_undocumented_query_parameter_is_400(client: Any, feature: Feature) -> None:
    response = client.put(URL.format(feature=feature.pk) + "?force=1", {"moscow": "must", "version": 1}, format="json")
    assert_error(response, 400, "invalid", ("force",))


# --- the bad-input table -----------------------------------------------------------------------

VERSION_WRONG = (
    {"version": "abc"},
    {"version": 1.5},
    {"version": True},
    {"version": 0},
    {"version": -1},
    {"version": 2**70},
)
MOSCOW_WRONG = (
    {"moscow": "MUST"},
    {"moscow": "later"},
    {"moscow": "none"},
    {"moscow": None},
    {"moscow": 1},
    {"moscow": ["must"]},
    {"moscow": {"a": 1}},
    {"moscow": True},
)
ENDPOINTS = (
    Endpoint(
        "feature-moscow",
        "put",
        URL,
        {"moscow": "must", "version": 1},
        strings={"moscow": None},
        required=("moscow",),
        wrong_types=(*MOSCOW_WRONG, *VERSION_WRONG),
        unknown=("bogus", "id", "title", "rank", "product"),
    ),
)


@pytest.mark.parametrize(("endpoint", "kind", "payload", "code", "fields"), body_cases(ENDPOINTS))
def test_bad_bodies(client: Any, feature: Feature, endpoint: Endpoint, kind: str, payload: Any, code: Any, fields: Any):
    before = snapshot()
    check_bad_body(client, endpoint.url.format(feature=feature.pk), endpoint, kind, payload, code, fields)
    assert snapshot() == before


def test_the_valid_body_of_the_table_is_accepted(client: Any, feature: Feature) -> None:
    response = send(client, "put", URL.format(feature=feature.pk), ENDPOINTS[0].valid)
    assert response.status_code == ENDPOINTS[0].ok
