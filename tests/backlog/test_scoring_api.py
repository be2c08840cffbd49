"""The scorecard API: criteria (cursor list by position, read with ETag, change and delete with
versions: stale 409/412; a scale that leaves values outside 409), a feature's criterion values (the
answer carries the new score), its scores with their explanation, its history (cursor pages) and
"why did this move?" (validated datetimes). Bad input on every endpoint is a 4xx with the one
error body and changes nothing."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest

from backlog.models import BacklogSettings, CriterionValue, Feature, ScorecardCriterion, ScoreEvent
from backlog.services.scorecard import criterion_create, feature_values_set
from pmtool.models import ActivityEvent
from tests.factories import FeatureFactory, ProductFactory
from tests.harness.bodies import BAD_IDS, BAD_IF_MATCH, Endpoint, assert_error, body_cases, check_bad_body, send

pytestmark = pytest.mark.django_db


@dataclass
class Ids:
    product: int
    criterion: int
    risk: int
    feature: int
    other_product: int
    other_criterion: int
    other_feature: int

    def fill(self, template: str, **override: Any) -> str:
        return template.format(**{**self.__dict__, **override})


@pytest.fixture
def ids(team: Any, product: Any) -> Ids:
    actor = team.actor()
    value = criterion_create(actor=actor, product=product, name="Value", weight=3)
    risk = criterion_create(actor=actor, product=product, name="Risk", direction="cost")
    feature = FeatureFactory(product=product, title="Dark mode")
    feature_values_set(actor=actor, feature_id=feature.pk, version=1, values={value.pk: 4, risk.pk: 2})
    other = ProductFactory(workspace=team.other_workspace, name="Secret", slug="secret")
    outsider = team.actor("outsider")
    return Ids(
        product=product.pk,
        criterion=value.pk,
        risk=risk.pk,
        feature=feature.pk,
        other_product=other.pk,
        other_criterion=criterion_create(actor=outsider, product=other, name="Theirs").pk,
        other_feature=FeatureFactory(product=other).pk,
    )


def snapshot() -> tuple:
    return (
        sorted(
            ScorecardCriterion.objects.values_list(
                "id", "name", "weight", "direction", "scale_min", "scale_max", "version"
            )
        ),
        sorted(CriterionValue.objects.values_list("feature_id", "criterion_id", "value")),
        sorted(Feature.objects.values_list("id", "version", "scorecard_score")),
        ScoreEvent.objects.count(),
        ActivityEvent.objects.count(),
        sorted(BacklogSettings.objects.values_list("product_id", "scores_requested_at")),
    )


def _wrong(*names: str) -> tuple[dict[str, Any], ...]:
    return tuple({name: value} for name in names for value in (None, "x", ["x"], {"a": 1}, True, 1.5))


VERSION_WRONG = ({"version": "abc"}, {"version": 1.5}, {"version": True}, {"version": 0}, {"version": 2**70})
NUMBERS = ("weight", "scale_min", "scale_max")
RANGES = (
    {"weight": 0},
    {"weight": 101},
    {"scale_min": -101},
    {"scale_max": 101},
    {"direction": "sideways"},
    {"direction": None},
)

ENDPOINTS = (
    Endpoint(
        "criterion-create",
        "post",
        "/api/v1/products/{product}/criteria/",
        {"name": "Strategic fit", "weight": 2, "direction": "benefit", "scale_min": 0, "scale_max": 10},
        strings={"name": 80, "description": 10_000},
        required=("name",),
        wrong_types=({"name": ""}, {"name": "  "}, *RANGES, *_wrong(*NUMBERS)),
        ok=201,
    ),
    Endpoint(
        "criterion-update",
        "patch",
        "/api/v1/criteria/{criterion}/",
        {"version": 1, "weight": 4},
        strings={"name": 80, "description": 10_000},
        required=("version",),
        wrong_types=(*VERSION_WRONG, *RANGES, *_wrong(*NUMBERS)),
    ),
    Endpoint(
        "criterion-values",
        "put",
        "/api/v1/features/{feature}/criterion-values/",
        {"version": 2, "values": {}},
        required=("version", "values"),
        wrong_types=(
            *VERSION_WRONG,
            {"values": []},
            {"values": "x"},
            {"values": None},
            {"values": {"abc": 1}},
            {"values": {"0": 1}},
            {"values": {"1": "x"}},
            {"values": {"1": 1.5}},
            {"values": {"1": 1000}},
        ),
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


def test_values_answer_carries_the_new_score_and_version(api_as, team, ids):
    client = api_as(team.editor)
    response = send(client, "put", ids.fill("/api/v1/features/{feature}/criterion-values/"),
                    {"version": 2, "values": {str(ids.criterion): 5, str(ids.risk): 1}})  # fmt: skip
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["scorecard_score"] == pytest.approx(100.0)
    assert body["version"] == 3
    assert response["ETag"] == '"3"'
    assert body["values"] == {str(ids.criterion): 5, str(ids.risk): 1}
    assert body["explanation"]["scorecard"]["text"] == "Scorecard: 75 + 25 = 100 of 100"


def test_values_outside_a_scale_or_of_another_product_are_400(api_as, team, ids):
    before = snapshot()
    url = ids.fill("/api/v1/features/{feature}/criterion-values/")
    assert_error(send(api_as(team.admin), "put", url, {"version": 2, "values": {str(ids.criterion): 6}}),
                 400, "invalid", (f"values.{ids.criterion}",))  # fmt: skip
    assert_error(send(api_as(team.admin), "put", url, {"version": 2, "values": {str(ids.other_criterion): 1}}),
                 400, "invalid", (f"values.{ids.other_criterion}",))  # fmt: skip
    assert snapshot() == before


@pytest.mark.parametrize(
    ("method", "url", "body"),
    [
        ("patch", "/api/v1/criteria/{criterion}/", {"weight": 5}),
        ("delete", "/api/v1/criteria/{criterion}/", None),
        ("put", "/api/v1/features/{feature}/criterion-values/", {"values": {}}),
    ],
)
def test_stale_versions_are_409_or_412(api_as, team, ids, method, url, body):
    before = snapshot()
    client = api_as(team.editor)
    error = assert_error(send(client, method, ids.fill(url), {**(body or {}), "version": 9}), 409, "stale_version")
    assert "version" in error["fields"]
    assert_error(send(client, method, ids.fill(url), body, HTTP_IF_MATCH='"9"'), 412, "stale_version")
    for header in BAD_IF_MATCH:
        assert_error(send(client, method, ids.fill(url), body, HTTP_IF_MATCH=header), 400, "invalid_if_match")
    assert snapshot() == before


def test_a_scale_leaving_values_outside_is_409_naming_how_many(api_as, team, ids):
    before = snapshot()
    response = send(
        api_as(team.editor), "patch", ids.fill("/api/v1/criteria/{criterion}/"), {"version": 1, "scale_max": 3}
    )
    error = assert_error(response, 409, "values_outside_scale")
    assert error["message"].startswith("1 feature has a value of “Value” outside 1–3.")
    assert snapshot() == before


def test_criteria_list_is_cursor_paginated_in_scorecard_order(api_as, team, ids):
    response = api_as(team.viewer).get(ids.fill("/api/v1/products/{product}/criteria/?page_size=1"))
    assert response.status_code == 200
    body = response.json()
    assert [c["name"] for c in body["results"]] == ["Value"]
    second = api_as(team.viewer).get(body["next"])
    assert [c["name"] for c in second.json()["results"]] == ["Risk"]


def test_reorder_needs_every_criterion_once(api_as, team, ids):
    url = ids.fill("/api/v1/products/{product}/criteria/order/")
    response = send(api_as(team.editor), "put", url, {"criteria": [ids.risk, ids.criterion]})
    assert [c["name"] for c in response.json()] == ["Risk", "Value"]
    before = snapshot()
    assert_error(send(api_as(team.editor), "put", url, {"criteria": [ids.risk]}), 400, "invalid", ("criteria",))
    assert_error(send(api_as(team.editor), "put", url, {"criteria": [ids.risk, ids.risk]}), 400, "invalid")
    assert snapshot() == before


def test_scores_explain_in_words_and_structure(api_as, team, ids):
    response = api_as(team.viewer).get(ids.fill("/api/v1/features/{feature}/scores/"))
    assert response.status_code == 200
    assert response["ETag"] == '"2"'
    explanation = response.json()["explanation"]
    assert explanation["rice"]["missing"] == ["reach", "impact", "confidence", "effort"]
    value, risk = explanation["scorecard"]["parts"]
    assert (value["normalised"], value["points"]) == (0.75, pytest.approx(56.25))
    assert risk["text"].startswith("Risk: 2 on 1–5, lower is better → 0.75, weight 1")
    assert "Scorecard: 56.25 + 18.75 = 75 of 100" in explanation["text"]


def test_history_and_why_moved(api_as, team, ids):
    client = api_as(team.viewer)
    history = client.get(ids.fill("/api/v1/features/{feature}/score-history/")).json()
    assert [row["cause"] for row in history["results"]] == ["input_edited"]
    assert history["results"][0]["scorecard_score"] == pytest.approx(75.0)
    answer = client.get(ids.fill("/api/v1/features/{feature}/why-moved/?from=2000-01-01T00:00:00Z"))
    assert answer.status_code == 200, answer.content
    body = answer.json()
    assert body["start"]["recorded"] is False and body["end"]["scorecard_score"] == pytest.approx(75.0)
    assert "its scorecard score went from empty to 75: Admin changed its " in body["summary"]
    assert "Value from empty to 4" in body["summary"] and "Risk from empty to 2" in body["summary"]


@pytest.mark.parametrize(
    "query",
    ["from=yesterday", "to=2026-13-01T00:00:00Z", "from=0001-01-01T00:00:00Z", "to=9999-12-31T23:59:59Z",
     "from=%00", "bogus=1", "to=" + "1" * 2000],
)  # fmt: skip
def test_why_moved_refuses_bad_times_and_unknown_parameters(api_as, team, ids, query):
    response = api_as(team.viewer).get(ids.fill("/api/v1/features/{feature}/why-moved/?") + query)
    assert_error(response, 400)


@pytest.mark.parametrize("bad_id", BAD_IDS)
@pytest.mark.parametrize(
    ("method", "template", "body"),
    [
        ("get", "/api/v1/products/{x}/criteria/", None),
        ("post", "/api/v1/products/{x}/criteria/", {"name": "X"}),
        ("get", "/api/v1/criteria/{x}/", None),
        ("patch", "/api/v1/criteria/{x}/", {"version": 1, "weight": 2}),
        ("put", "/api/v1/features/{x}/criterion-values/", {"version": 1, "values": {}}),
        ("get", "/api/v1/features/{x}/scores/", None),
        ("get", "/api/v1/features/{x}/score-history/", None),
        ("get", "/api/v1/features/{x}/why-moved/", None),
    ],
    ids=lambda v: v if isinstance(v, str) else "",
)
def test_unknown_or_malformed_id_is_a_json_404(api_as, team, ids, method, template, body, bad_id):
    before = snapshot()
    assert_error(send(api_as(team.admin), method, ids.fill(template, x=bad_id), body), 404, "not_found")
    assert snapshot() == before


def test_another_workspaces_objects_are_404(api_as, team, ids):
    before = snapshot()
    for method, url, body in (
        ("get", "/api/v1/criteria/{other_criterion}/", None),
        ("put", "/api/v1/features/{other_feature}/criterion-values/", {"version": 1, "values": {}}),
        ("post", "/api/v1/products/{other_product}/criteria/", {"name": "Mine"}),
        ("get", "/api/v1/features/{other_feature}/why-moved/", None),
    ):
        assert_error(send(api_as(team.admin), method, ids.fill(url), body), 404, "not_found")
    assert snapshot() == before
