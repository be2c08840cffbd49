"""POST /api/v1/features/<id>/move/: every status, the bodies, and that a refusal changes nothing."""

from __future__ import annotations

from typing import Any

import pytest

from backlog.models import Feature, ScoreEvent
from pmtool import services as core_services
from tests.factories import FeatureFactory, ProductFactory
from tests.harness.bodies import Endpoint, assert_error, body_cases, check_bad_body, send

pytestmark = pytest.mark.django_db


@pytest.fixture
def five(product: Any) -> list[Feature]:
    return [FeatureFactory(product=product, title=f"F{i}") for i in range(5)]


def url(feature: Feature | int) -> str:
    return f"/api/v1/features/{getattr(feature, 'pk', feature)}/move/"


def order(product: Any) -> list[int]:
    return list(Feature.objects.filter(product=product).order_by("rank").values_list("id", flat=True))


def snapshot() -> Any:
    return sorted(Feature.objects.values_list("id", "rank", "version")), ScoreEvent.objects.count()


def test_move_between_neighbours(api_as, team, product, five):
    a, b, _, _, e = five
    response = api_as(team.editor).post(url(e), {"after_id": a.pk, "before_id": b.pk}, format="json")
    assert response.status_code == 200, response.content
    moved = Feature.objects.get(pk=e.pk)
    assert response.json() == {"id": e.pk, "rank": moved.rank, "version": 2, "after_id": a.pk, "before_id": b.pk}
    assert order(product) == [a.pk, e.pk, b.pk, five[2].pk, five[3].pk]


@pytest.mark.parametrize(
    ("body", "expected_after", "expected_before", "place"),
    [
        ({"to": "top"}, None, 0, 0),
        ({"to": "bottom", "after_id": None, "before_id": None}, 3, None, 4),
        ({"after_id": 3}, 3, None, 4),
        ({"before_id": 0}, None, 0, 0),
        ({"after_id": 0, "before_id": None}, 0, 1, 1),
    ],
)
def test_ends_and_one_named_neighbour(api_as, team, product, five, body, expected_after, expected_before, place):
    mover = five[2]
    rest = [f for f in five if f != mover]
    resolved = {k: (rest[v].pk if isinstance(v, int) else v) for k, v in body.items() if k != "to"}
    if "to" in body:
        resolved["to"] = body["to"]
    response = api_as(team.editor).post(url(mover), resolved, format="json")
    assert response.status_code == 200, response.content
    data = response.json()
    assert data["after_id"] == (rest[expected_after].pk if expected_after is not None else None)
    assert data["before_id"] == (rest[expected_before].pk if expected_before is not None else None)
    assert order(product).index(mover.pk) == place


def test_with_a_bearer_token(team, product, five):
    from rest_framework.test import APIClient

    _, raw = core_services.api_token_create(user=team.editor, name="ci", scope="write")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    response = client.post(url(five[4]), {"to": "top"}, format="json")
    assert response.status_code == 200
    assert order(product)[0] == five[4].pk


def test_stale_neighbours_409_carries_the_current_ones(api_as, team, product, five):
    a, b, _, d, e = five
    api_as(team.admin).post(url(d), {"after_id": a.pk, "before_id": b.pk}, format="json")
    before = snapshot()
    response = api_as(team.editor).post(url(e), {"after_id": a.pk, "before_id": b.pk}, format="json")
    assert response.status_code == 409
    error = response.json()["error"]
    assert set(error) == {"code", "message", "fields", "current"}
    assert error["code"] == "stale_neighbours" and "before_id" in error["fields"]
    assert error["current"] == {"after_id": a.pk, "before_id": d.pk}
    assert snapshot() == before
    retry = api_as(team.editor).post(url(e), error["current"], format="json")
    assert retry.status_code == 200


def test_a_neighbour_of_another_workspace_is_stale_not_leaked(api_as, team, product, five):
    foreign = FeatureFactory(product=ProductFactory(workspace=team.other_workspace))
    before = snapshot()
    response = api_as(team.editor).post(url(five[1]), {"after_id": foreign.pk, "before_id": five[3].pk}, format="json")
    assert response.status_code == 409
    error = response.json()["error"]
    assert error["current"] == {"after_id": five[2].pk, "before_id": five[3].pk}
    assert snapshot() == before


@pytest.mark.parametrize(
    ("body", "fields"),
    [
        ({}, ("after_id", "before_id")),
        ({"after_id": None, "before_id": None}, ("after_id", "before_id")),
        ({"to": "top", "after_id": "first"}, ("to",)),
        ({"after_id": "self"}, ("after_id",)),
        ({"before_id": "self"}, ("before_id",)),
        ({"after_id": "first", "before_id": "first"}, ("before_id",)),
        ({"version": 1, "to": "top"}, ("version",)),
    ],
)
def test_impossible_moves_are_400(api_as, team, product, five, body, fields):
    ids = {"self": five[2].pk, "first": five[0].pk}
    body = {k: ids.get(v, v) if isinstance(v, str) and k != "to" else v for k, v in body.items()}
    before = snapshot()
    response = send(api_as(team.editor), "post", url(five[2]), body)
    assert_error(response, 400, "invalid", fields)
    assert snapshot() == before


def test_archived_feature_is_400(api_as, team, product, five):
    from django.utils import timezone

    Feature.objects.filter(pk=five[0].pk).update(archived_at=timezone.now())
    response = api_as(team.editor).post(url(five[0]), {"to": "bottom"}, format="json")
    assert_error(response, 400, "archived")


@pytest.mark.parametrize("who", ["viewer"])
def test_viewer_is_403(api_as, team, five, who):
    before = snapshot()
    assert_error(api_as(team.viewer).post(url(five[1]), {"to": "top"}, format="json"), 403, "permission_denied")
    assert snapshot() == before


def test_anonymous_is_401(api, five):
    assert_error(api.post(url(five[1]), {"to": "top"}, format="json"), 401, "not_authenticated")


def test_unknown_and_foreign_features_are_404(api_as, team, five):
    foreign = FeatureFactory(product=ProductFactory(workspace=team.other_workspace))
    for target in (10**15, foreign.pk):
        assert_error(api_as(team.editor).post(url(target), {"to": "top"}, format="json"), 404, "not_found")


def test_a_move_needs_no_version_and_bumps_it(api_as, team, five):
    Feature.objects.filter(pk=five[1].pk).update(version=7)
    response = api_as(team.editor).post(url(five[1]), {"to": "top"}, format="json")
    assert response.json()["version"] == 8


ENDPOINTS = (
    Endpoint(
        "feature-move",
        "post",
        "/api/v1/features/{feature}/move/",
        {"to": "top"},
        wrong_types=(
            {"to": "middle"},
            {"to": 1},
            {"to": ["top"]},
            {"after_id": "x"},
            {"after_id": 0},
            {"after_id": -3},
            {"after_id": 2**70},
            {"after_id": 1.5},
            {"after_id": True},
            {"before_id": "1"},
            {"before_id": [1]},
            {"before_id": {"id": 1}},
        ),
        unknown=("bogus", "version", "rank", "id"),
    ),
)


@pytest.mark.parametrize(("endpoint", "kind", "payload", "code", "fields"), body_cases(ENDPOINTS))
def test_bad_body_is_a_400_with_the_error_body(api_as, team, five, endpoint, kind, payload, code, fields):
    before = snapshot()
    check_bad_body(api_as(team.editor), endpoint.url.format(feature=five[2].pk), endpoint, kind, payload, code, fields)
    assert snapshot() == before


def test_query_parameters_are_refused(api_as, team, five):
    response = api_as(team.editor).post(url(five[2]) + "?force=1", {"to": "top"}, format="json")
    assert_error(response, 400, "invalid", ("force",))
