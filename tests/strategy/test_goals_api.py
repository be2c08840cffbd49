"""The goal, key result and initiative API: happy paths, filters and cursor pagination, versions
(409/412), progress computed by the rollup, and the bad-input table of every endpoint (every 4xx
carries {"error": {"code", "message", "fields"}}; no input is a 500)."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from functools import partial
from typing import Any
from urllib.parse import urlencode

import pytest
from rest_framework.test import APIClient

from pmtool.models import ActivityEvent
from strategy.models import Goal, Initiative, KeyResult, Metric
from strategy.services.goals import goal_create, key_result_create
from strategy.services.initiatives import initiative_create
from tests.factories import ProductFactory
from tests.harness import bodies
from tests.harness.bodies import BAD_IDS, HUGE, TOO_BIG_ID, FillIds, assert_error, body_cases, check_bad_body, send

pytestmark = pytest.mark.django_db


@dataclass
class Ids(FillIds):
    ws: int
    product: int
    company_goal: int
    goal: int
    key_result: int
    initiative: int
    metric: int
    other_ws: int
    other_goal: int
    other_key_result: int
    other_initiative: int


@pytest.fixture
def ids(team: Any, product: Any) -> Ids:
    actor = team.actor()
    company = goal_create(actor=actor, workspace=team.workspace, title="Win mid-market", quarter="2026-Q4")
    goal = goal_create(
        actor=actor, workspace=team.workspace, title="Activation", product_id=product.pk, parent_id=company.pk
    )
    kr = key_result_create(actor=actor, goal=goal, title="Activated", baseline=10, target=50, current=20)
    initiative = initiative_create(
        actor=actor, workspace=team.workspace, title="Guided setup", product_id=product.pk, goal_ids=[goal.pk]
    )
    metric = Metric.objects.create(product=product, name="Signups", unit="users")
    outsider = team.actor("outsider")
    other_goal = goal_create(actor=outsider, workspace=team.other_workspace, title="Theirs")
    return Ids(
        ws=team.workspace.pk,
        product=product.pk,
        company_goal=company.pk,
        goal=goal.pk,
        key_result=kr.pk,
        initiative=initiative.pk,
        metric=metric.pk,
        other_ws=team.other_workspace.pk,
        other_goal=other_goal.pk,
        other_key_result=key_result_create(actor=outsider, goal=other_goal, title="T", kind="manual").pk,
        other_initiative=initiative_create(actor=outsider, workspace=team.other_workspace, title="T").pk,
    )


def snapshot() -> tuple:
    return (
        sorted(Goal.objects.values_list("id", "title", "description", "product_id", "parent_id", "version")),
        sorted(KeyResult.objects.values_list("id", "title", "baseline", "target", "current", "percent", "version")),
        sorted(Initiative.objects.values_list("id", "title", "colour", "status", "version")),
        sorted(Initiative.goals.through.objects.values_list("initiative_id", "goal_id")),
        ActivityEvent.objects.count(),
    )


# --- the bad-input table ------------------------------------------------------------------------


# Goals, key results and initiatives also refuse their computed progress.
Endpoint = partial(bodies.Endpoint, unknown=("bogus", "progress"))

VERSION_WRONG = (
    {"version": "abc"},
    {"version": 1.5},
    {"version": True},
    {"version": 0},
    {"version": -1},
    {"version": 2**70},
    {"version": None},
    {"version": [1]},
)
ID_WRONG = ("abc", 0, -1, 1.5, True, 2**70, [1], {"id": 1})
GOAL_STRINGS = {"title": None, "description": 10_000, "quarter": None, "status": None, "status_source": None}
KR_STRINGS = ("title", "kind", "unit", "direction", "metric_period")
INITIATIVE_STRINGS = {"title": None, "description": 10_000, "colour": None, "status": None, "quarter": None}

BODY_ENDPOINTS = (
    Endpoint(
        "goal-create",
        "post",
        "/api/v1/workspaces/{ws}/goals/",
        {"title": "Grow revenue"},
        strings=GOAL_STRINGS,
        required=("title",),
        wrong_types=(
            {"title": None},
            {"title": ""},
            {"title": "   "},
            {"title": ["x"]},
            {"description": None},
            *({"owner": v} for v in ID_WRONG),
            *({"product": v} for v in ID_WRONG),
            *({"parent": v} for v in ID_WRONG),
            {"owner": 999_999},
            {"product": 999_999},
            {"parent": 999_999},
            {"start_date": "notadate"},
            {"start_date": 5},
            {"end_date": "2026-02-30"},
            {"quarter": "2026-Q5"},
            {"quarter": 4},
            {"status": "sleeping"},
            {"status": None},
            {"status_source": "guess"},
        ),
        ok=201,
    ),
    Endpoint(
        "goal-update",
        "patch",
        "/api/v1/goals/{goal}/",
        {"version": 1, "title": "Activation, faster"},
        strings=GOAL_STRINGS,
        required=("version",),
        wrong_types=(
            *VERSION_WRONG,
            {"title": None},
            {"title": ""},
            {"owner": "abc"},
            {"owner": 999_999},
            {"product": [1]},
            {"parent": 999_999},
            {"start_date": "2026-13-01"},
            {"quarter": "2026-Q9"},
            {"status": 5},
        ),
    ),
    Endpoint(
        "goal-delete",
        "delete",
        "/api/v1/goals/{goal}/",
        {"version": 1},
        required=("version",),
        wrong_types=VERSION_WRONG,
        ok=204,
    ),
    Endpoint(
        "key-result-create",
        "post",
        "/api/v1/goals/{goal}/key-results/",
        {"title": "Signups", "baseline": 0, "target": 100},
        strings=KR_STRINGS,
        required=("title",),
        wrong_types=(
            {"title": None},
            {"baseline": "5"},
            {"baseline": True},
            {"baseline": [1]},
            {"baseline": None},
            {"target": None},
            {"target": -5},  # up: the target must be above the baseline
            {"target": 1e16},
            {"current": {"v": 1}},
            {"current": 1e300},
            {"percent": 5},  # a measured key result has no percent
            {"weight": 0},
            {"weight": 101},
            {"weight": 1.5},
            {"weight": "x"},
            {"weight": None},
            *({"metric": v} for v in ID_WRONG),
            {"metric": 999_999},
            {"kind": "guess"},
            {"direction": "sideways"},
            {"metric_period": "year"},
        ),
        ok=201,
    ),
    Endpoint(
        "key-result-update",
        "patch",
        "/api/v1/key-results/{key_result}/",
        {"version": 1, "current": 30},
        strings=KR_STRINGS,
        required=("version",),
        wrong_types=(
            *VERSION_WRONG,
            {"current": "30"},
            {"target": 5},  # below the baseline (10) of a key result that goes up
            {"baseline": "x"},
            {"percent": 50},
            {"weight": -1},
            {"metric": 999_999},
        ),
    ),
    Endpoint(
        "key-result-delete",
        "delete",
        "/api/v1/key-results/{key_result}/",
        {"version": 1},
        required=("version",),
        wrong_types=VERSION_WRONG,
        ok=204,
    ),
    Endpoint(
        "initiative-create",
        "post",
        "/api/v1/workspaces/{ws}/initiatives/",
        {"title": "Onboarding"},
        strings=INITIATIVE_STRINGS,
        required=("title",),
        wrong_types=(
            {"title": None},
            {"colour": "red"},
            {"colour": "#12345g"},
            {"colour": 5},
            {"colour": None},
            {"status": "someday"},
            {"goals": "1"},
            {"goals": [0]},
            {"goals": ["x"]},
            {"goals": [None]},
            {"goals": [999_999]},
            {"goals": list(range(1, 102))},
            {"goals": {"a": 1}},
            *({"product": v} for v in ID_WRONG),
            {"product": 999_999},
            {"start_date": 5},
            {"quarter": "Q4"},
        ),
        ok=201,
    ),
    Endpoint(
        "initiative-update",
        "patch",
        "/api/v1/initiatives/{initiative}/",
        {"version": 1, "status": "active"},
        strings=INITIATIVE_STRINGS,
        required=("version",),
        wrong_types=(*VERSION_WRONG, {"title": ""}, {"colour": "#fff"}, {"goals": [999_999]}, {"product": 999_999}),
    ),
    Endpoint(
        "initiative-delete",
        "delete",
        "/api/v1/initiatives/{initiative}/",
        {"version": 1},
        required=("version",),
        wrong_types=VERSION_WRONG,
        ok=204,
    ),
)


@pytest.mark.parametrize("endpoint", BODY_ENDPOINTS, ids=str)
def test_valid_body_is_accepted(api_as: Any, team: Any, ids: Ids, endpoint: bodies.Endpoint) -> None:
    """The baseline the bad-input table varies: the same request with a good body succeeds."""
    response = send(api_as(team.editor), endpoint.method, ids.fill(endpoint.url), endpoint.valid)
    assert response.status_code == endpoint.ok, response.content


@pytest.mark.parametrize(("endpoint", "kind", "payload", "code", "fields"), body_cases(BODY_ENDPOINTS))
def test_bad_body_is_a_4xx_with_the_error_body(
    api_as: Any,
    team: Any,
    ids: Ids,
    endpoint: bodies.Endpoint,
    kind: str,
    payload: Any,
    code: str | None,
    fields: tuple,
) -> None:
    before = snapshot()
    check_bad_body(api_as(team.editor), ids.fill(endpoint.url), endpoint, kind, payload, code, fields)
    assert snapshot() == before


# --- ids ------------------------------------------------------------------------------------------

ID_ENDPOINTS = (
    ("get", "/api/v1/workspaces/{x}/goals/", None),
    ("post", "/api/v1/workspaces/{x}/goals/", {"title": "X"}),
    ("get", "/api/v1/goals/{x}/", None),
    ("patch", "/api/v1/goals/{x}/", {"version": 1, "title": "X"}),
    ("delete", "/api/v1/goals/{x}/", {"version": 1}),
    ("get", "/api/v1/goals/{x}/key-results/", None),
    ("post", "/api/v1/goals/{x}/key-results/", {"title": "X", "baseline": 0, "target": 1}),
    ("get", "/api/v1/key-results/{x}/", None),
    ("patch", "/api/v1/key-results/{x}/", {"version": 1, "title": "X"}),
    ("delete", "/api/v1/key-results/{x}/", {"version": 1}),
    ("get", "/api/v1/workspaces/{x}/initiatives/", None),
    ("post", "/api/v1/workspaces/{x}/initiatives/", {"title": "X"}),
    ("get", "/api/v1/initiatives/{x}/", None),
    ("patch", "/api/v1/initiatives/{x}/", {"version": 1, "title": "X"}),
    ("delete", "/api/v1/initiatives/{x}/", {"version": 1}),
)


@pytest.mark.parametrize("bad_id", BAD_IDS)
@pytest.mark.parametrize(("method", "template", "body"), ID_ENDPOINTS, ids=lambda v: v if isinstance(v, str) else "")
def test_unknown_or_malformed_id_is_a_json_404(
    api_as: Any, team: Any, ids: Ids, method: str, template: str, body: Any, bad_id: str
) -> None:
    response = send(api_as(team.admin), method, ids.fill(template, x=bad_id), body)
    assert_error(response, 404, "not_found")


FOREIGN = (
    ("get", "/api/v1/workspaces/{other_ws}/goals/", None),
    ("post", "/api/v1/workspaces/{other_ws}/goals/", {"title": "Mine"}),
    ("get", "/api/v1/goals/{other_goal}/", None),
    ("patch", "/api/v1/goals/{other_goal}/", {"version": 1, "title": "Mine"}),
    ("delete", "/api/v1/goals/{other_goal}/", {"version": 1}),
    ("get", "/api/v1/goals/{other_goal}/key-results/", None),
    ("post", "/api/v1/goals/{other_goal}/key-results/", {"title": "Mine", "kind": "manual"}),
    ("get", "/api/v1/key-results/{other_key_result}/", None),
    ("patch", "/api/v1/key-results/{other_key_result}/", {"version": 1, "percent": 90}),
    ("delete", "/api/v1/key-results/{other_key_result}/", {"version": 1}),
    ("get", "/api/v1/workspaces/{other_ws}/initiatives/", None),
    ("post", "/api/v1/workspaces/{other_ws}/initiatives/", {"title": "Mine"}),
    ("get", "/api/v1/initiatives/{other_initiative}/", None),
    ("patch", "/api/v1/initiatives/{other_initiative}/", {"version": 1, "title": "Mine"}),
    ("delete", "/api/v1/initiatives/{other_initiative}/", {"version": 1}),
)


@pytest.mark.parametrize(("method", "template", "body"), FOREIGN, ids=lambda v: v if isinstance(v, str) else "")
def test_objects_of_other_workspaces_are_404(
    api_as: Any, team: Any, ids: Ids, method: str, template: str, body: Any
) -> None:
    before = snapshot()
    assert_error(send(api_as(team.admin), method, ids.fill(template), body), 404, "not_found")
    assert snapshot() == before


def test_links_to_other_workspaces_objects_are_refused(api_as: Any, team: Any, ids: Ids) -> None:
    """Ids of another workspace in a body: a 400 naming the field (as unknown as a made-up id)."""
    client = api_as(team.admin)
    theirs = ProductFactory(workspace=team.other_workspace, name="Theirs", slug="theirs")
    url = f"/api/v1/workspaces/{ids.ws}/goals/"
    assert_error(client.post(url, {"title": "X", "parent": ids.other_goal}, format="json"), 400, fields=("parent",))
    assert_error(client.post(url, {"title": "X", "product": theirs.pk}, format="json"), 400, fields=("product",))
    assert_error(client.post(url, {"title": "X", "owner": team.outsider.pk}, format="json"), 400, fields=("owner",))
    url = f"/api/v1/workspaces/{ids.ws}/initiatives/"
    assert_error(client.post(url, {"title": "X", "goals": [ids.other_goal]}, format="json"), 400, fields=("goals",))


# --- query parameters ------------------------------------------------------------------------------


def _query_cases() -> list[Any]:
    goals, initiatives = "/api/v1/workspaces/{ws}/goals/", "/api/v1/workspaces/{ws}/initiatives/"
    cases: list[tuple[str, dict[str, str], tuple[str, ...]]] = []
    for url in (goals, initiatives):
        cases += [
            (url, {"product": "abc"}, ("product",)),
            (url, {"product": "0"}, ("product",)),
            (url, {"product": "-1"}, ("product",)),
            (url, {"product": TOO_BIG_ID}, ("product",)),
            (url, {"product": "companyx"}, ("product",)),
            (url, {"product": HUGE}, ("product",)),
            (url, {"product": "1\x00"}, ("product",)),
            (url, {"product": "١٢"}, ("product",)),  # Arabic-Indic digits are not an id
            (url, {"status": "x"}, ("status",)),
            (url, {"status": ""}, ("status",)),
            (url, {"page_size": "0"}, ("page_size",)),
            (url, {"page_size": "201"}, ("page_size",)),
            (url, {"page_size": "abc"}, ("page_size",)),
            (url, {"cursor": "garbage"}, ("cursor",)),
            (url, {"cursor": HUGE}, ("cursor",)),
            (url, {"bogus": "1"}, ("bogus",)),
        ]
    cases += [
        (goals, {"parent": "abc"}, ("parent",)),
        (goals, {"parent": "0"}, ("parent",)),
        (goals, {"parent": TOO_BIG_ID}, ("parent",)),
        (goals, {"status": "proposed"}, ("status",)),  # an initiative status, not a goal's
        (initiatives, {"goal": "x"}, ("goal",)),
        (initiatives, {"goal": "-5"}, ("goal",)),
        (initiatives, {"status": "on_track"}, ("status",)),
    ]
    return [
        pytest.param(url, params, fields, id=f"{url.split('/')[-2]}-{'-'.join(params)}-{i}")
        for i, (url, params, fields) in enumerate(cases)
    ]


@pytest.mark.parametrize(("template", "params", "fields"), _query_cases())
def test_bad_query_params_are_400(api_as: Any, team: Any, ids: Ids, template: str, params: dict, fields: tuple) -> None:
    response = api_as(team.viewer).get(f"{ids.fill(template)}?{urlencode(params)}")
    assert_error(response, 400, "invalid", fields)


# --- goals: happy paths ----------------------------------------------------------------------------


def test_goal_create_read_update_delete(api_as: Any, team: Any, product: Any) -> None:
    client = api_as(team.editor)
    base = f"/api/v1/workspaces/{team.workspace.pk}/goals/"
    response = client.post(
        base,
        {
            "title": "Grow mid-market",
            "description": "**Why:** retention.",
            "owner": team.viewer.pk,
            "quarter": "2026-q3",
            "status": "at_risk",
        },
        format="json",
    )
    assert response.status_code == 201, response.content
    created = response.json()
    assert response["ETag"] == '"1"'
    assert created["title"] == "Grow mid-market"
    assert created["owner"] == {"id": team.viewer.pk, "email": "viewer@acme.test", "name": "Viewer"}
    assert (created["start_date"], created["end_date"], created["quarter"]) == ("2026-07-01", "2026-09-30", "2026-Q3")
    assert (created["status"], created["status_source"]) == ("at_risk", "manual")
    assert created["product"] is None
    assert created["key_results"] == []
    assert created["children"] == []
    assert created["progress"] is None
    assert isinstance(created["expected_progress"], float)
    gid = created["id"]

    child = client.post(base, {"title": "Atlas activation", "product": product.pk, "parent": gid}, format="json")
    assert child.status_code == 201, child.content
    assert child.json()["parent"] == gid
    assert client.get(f"/api/v1/goals/{gid}/").json()["children"] == [child.json()["id"]]

    response = client.patch(
        f"/api/v1/goals/{gid}/",
        {"version": 1, "start_date": "2026-07-15", "end_date": None, "title": "Grow"},
        format="json",
    )
    assert_error(response, 400, "invalid", ("end_date",))  # a start date alone is no time frame
    response = client.patch(
        f"/api/v1/goals/{gid}/", {"version": 1, "title": "Grow", "start_date": None, "end_date": None}, format="json"
    )
    assert response.status_code == 200, response.content
    assert (response.json()["version"], response.json()["quarter"], response.json()["expected_progress"]) == (
        2,
        None,
        None,
    )
    assert response["ETag"] == '"2"'

    # Deleting needs the version: in the body, or as If-Match.
    assert_error(client.delete(f"/api/v1/goals/{gid}/"), 400, "invalid", ("version",))
    assert_error(client.delete(f"/api/v1/goals/{gid}/", {"version": 1}, format="json"), 409, "stale_version")
    assert_error(client.delete(f"/api/v1/goals/{gid}/", HTTP_IF_MATCH='"1"'), 412, "stale_version")
    assert client.delete(f"/api/v1/goals/{gid}/", HTTP_IF_MATCH='"2"').status_code == 204
    assert not Goal.objects.filter(pk=gid).exists()
    assert Goal.objects.get(pk=child.json()["id"]).parent_id is None
    assert list(
        ActivityEvent.objects.filter(target_id=gid, target_type__model="goal")
        .order_by("id")
        .values_list("action", flat=True)
    ) == ["created", "updated", "deleted"]


def test_progress_and_derived_status_cannot_be_written(api_as: Any, team: Any, ids: Ids) -> None:
    client = api_as(team.editor)
    for body in ({"version": 1, "progress": 90}, {"version": 1, "status": "done", "status_source": "derived"}):
        response = client.patch(f"/api/v1/goals/{ids.goal}/", body, format="json")
        assert_error(response, 400, "invalid")
    assert Goal.objects.get(pk=ids.goal).progress is None


def test_nothing_measured_statuses_are_read_only_and_documented(api_as: Any, team: Any, ids: Ids) -> None:
    client = api_as(team.editor)
    for status in ("no_key_results", "not_measured"):
        response = client.patch(f"/api/v1/goals/{ids.goal}/", {"version": 1, "status": status}, format="json")
        assert_error(response, 400, fields=("status",))
    assert Goal.objects.get(pk=ids.goal).version == 1  # the 400 changed nothing
    response = client.patch(f"/api/v1/goals/{ids.goal}/", {"version": 1, "status": "missed"}, format="json")
    assert (response.status_code, response.json()["status"], response.json()["status_source"]) == (
        200,
        "missed",
        "manual",
    )
    schema = json.loads(APIClient().get("/api/v1/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").content)[
        "components"
    ]["schemas"]
    assert schema["GoalStatusEnum"]["enum"] == [
        "on_track", "at_risk", "off_track", "done", "missed", "no_key_results", "not_measured"
    ]  # fmt: skip
    assert schema["ManualGoalStatusEnum"]["enum"] == ["on_track", "at_risk", "off_track", "done", "missed"]
    assert "ManualGoalStatusEnum" in json.dumps(schema["PatchedGoalUpdateRequest"]["properties"]["status"])


def test_goal_patch_if_match_and_conflicts(api_as: Any, team: Any, ids: Ids) -> None:
    client = api_as(team.editor)
    url = f"/api/v1/goals/{ids.goal}/"
    etag = client.get(url)["ETag"]
    assert client.patch(url, {"title": "One"}, format="json", HTTP_IF_MATCH=etag).status_code == 200
    assert_error(client.patch(url, {"title": "Two"}, format="json", HTTP_IF_MATCH=etag), 412, "stale_version")
    assert_error(client.patch(url, {"title": "Two", "version": 1}, format="json"), 409, "stale_version")
    assert_error(client.patch(url, {"title": "Two"}, format="json"), 400, "invalid", ("version",))
    assert_error(client.patch(url, {"title": "Two"}, format="json", HTTP_IF_MATCH="abc"), 400, "invalid_if_match")
    assert Goal.objects.get(pk=ids.goal).title == "One"


def test_goal_list_filters(api_as: Any, team: Any, ids: Ids, product: Any) -> None:
    goal_create(actor=team.actor(), workspace=team.workspace, title="Beta goal", status="done")
    client = api_as(team.viewer)
    base = f"/api/v1/workspaces/{ids.ws}/goals/"

    def titles(query: str = "") -> list[str]:
        response = client.get(base + query)
        assert response.status_code == 200, response.content
        assert set(response.json()) == {"next", "previous", "results"}
        return [g["title"] for g in response.json()["results"]]

    assert titles() == ["Activation", "Beta goal", "Win mid-market"]
    assert titles(f"?product={product.pk}") == ["Activation"]
    assert titles("?product=company") == ["Beta goal", "Win mid-market"]
    assert titles("?status=done") == ["Beta goal"]
    assert titles(f"?parent={ids.company_goal}") == ["Activation"]
    assert titles("?product=999999") == []
    listed = client.get(base).json()["results"][0]
    assert "key_results" not in listed  # nested only on a goal's own endpoint
    assert listed["parent"] == ids.company_goal


def test_goal_list_cursor_pagination(api_as: Any, team: Any) -> None:
    Goal.objects.bulk_create(Goal(workspace=team.workspace, title=f"Goal {i % 40:02d}") for i in range(120))
    client = api_as(team.viewer)
    url = f"/api/v1/workspaces/{team.workspace.pk}/goals/?page_size=25"
    seen: list[tuple[str, int]] = []
    while url:
        body = client.get(url).json()
        seen += [(g["title"], g["id"]) for g in body["results"]]
        url = body["next"]
    assert len(seen) == 120 == len({gid for _t, gid in seen})
    assert seen == sorted(seen)


# --- key results ---------------------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_key_results_move_the_goal_progress(api_as: Any, team: Any, product: Any) -> None:
    """Committed for real: the rollup runs on commit, in-process (the embedded mode's path)."""
    client = api_as(team.editor)
    response = client.post(
        f"/api/v1/workspaces/{team.workspace.pk}/goals/",
        {"title": "Activation", "product": product.pk, "start_date": "2020-01-01", "end_date": "2020-12-31"},
        format="json",
    )
    gid = response.json()["id"]
    first = client.post(
        f"/api/v1/goals/{gid}/key-results/",
        {"title": "Activated accounts", "baseline": 100, "target": 50, "current": 75, "direction": "down", "unit": "%"},
        format="json",
    )
    assert first.status_code == 201, first.content
    assert (first.json()["progress"], first.json()["position"], first.json()["version"]) == (50, 1, 1)
    assert first["ETag"] == '"1"'
    second = client.post(
        f"/api/v1/goals/{gid}/key-results/",
        {"title": "Docs rewritten", "kind": "manual", "percent": 90, "weight": 3},
        format="json",
    )
    assert second.status_code == 201, second.content
    assert second.json()["position"] == 2

    goal = client.get(f"/api/v1/goals/{gid}/").json()
    assert goal["progress"] == pytest.approx((50 + 90 * 3) / 4)
    assert goal["expected_progress"] == 100
    assert goal["status"] == "missed"  # 80 % done with the whole time frame gone
    assert [kr["title"] for kr in goal["key_results"]] == ["Activated accounts", "Docs rewritten"]

    kid = first.json()["id"]
    response = client.patch(f"/api/v1/key-results/{kid}/", {"current": 50}, format="json", HTTP_IF_MATCH='"1"')
    assert response.status_code == 200, response.content
    assert response.json()["progress"] == 100
    goal = client.get(f"/api/v1/goals/{gid}/").json()
    assert goal["progress"] == pytest.approx((100 + 90 * 3) / 4)

    assert (
        client.delete(f"/api/v1/key-results/{second.json()['id']}/", {"version": 1}, format="json").status_code == 204
    )
    goal = client.get(f"/api/v1/goals/{gid}/").json()
    assert (goal["progress"], goal["status"]) == (100, "done")
    listed = client.get(f"/api/v1/goals/{gid}/key-results/").json()
    assert [kr["id"] for kr in listed] == [kid]


def test_key_result_bound_to_a_metric(api_as: Any, team: Any, ids: Ids) -> None:
    client = api_as(team.editor)
    response = client.post(
        f"/api/v1/goals/{ids.goal}/key-results/",
        {"title": "Signups", "baseline": 0, "target": 1000, "metric": ids.metric, "metric_period": "week"},
        format="json",
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["metric"], body["metric_name"], body["metric_period"], body["unit"]) == (
        ids.metric,
        "Signups",
        "week",
        "users",
    )
    assert body["current"] is None
    response = client.patch(f"/api/v1/key-results/{body['id']}/", {"version": 1, "current": 5}, format="json")
    assert_error(response, 400, "invalid", ("current",))


def test_key_result_conflicts(api_as: Any, team: Any, ids: Ids) -> None:
    client = api_as(team.editor)
    url = f"/api/v1/key-results/{ids.key_result}/"
    assert client.patch(url, {"version": 1, "weight": 2}, format="json").json()["version"] == 2
    assert_error(client.patch(url, {"version": 1, "weight": 3}, format="json"), 409, "stale_version")
    assert_error(client.delete(url, HTTP_IF_MATCH='"1"'), 412, "stale_version")
    assert_error(client.delete(url), 400, "invalid", ("version",))
    assert KeyResult.objects.get(pk=ids.key_result).weight == 2


# --- initiatives -------------------------------------------------------------------------------------


def test_initiative_create_filter_update_delete(api_as: Any, team: Any, ids: Ids, product: Any) -> None:
    client = api_as(team.editor)
    base = f"/api/v1/workspaces/{ids.ws}/initiatives/"
    response = client.post(
        base,
        {
            "title": "Self-serve",
            "colour": "#0EA5E9",
            "status": "active",
            "quarter": "2027-Q1",
            "goals": [ids.company_goal, ids.goal],
            "product": product.pk,
        },
        format="json",
    )
    assert response.status_code == 201, response.content
    created = response.json()
    assert created["colour"] == "#0ea5e9"
    assert created["goals"] == [ids.goal, ids.company_goal]  # by title
    assert (created["start_date"], created["end_date"], created["quarter"]) == ("2027-01-01", "2027-03-31", "2027-Q1")
    iid = created["id"]
    other = client.post(base, {"title": "Workspace theme"}, format="json").json()
    assert (other["product"], other["goals"], other["status"], other["colour"]) == (None, [], "proposed", "#4f46e5")

    def titles(query: str = "") -> list[str]:
        response = client.get(base + query)
        assert response.status_code == 200, response.content
        return [i["title"] for i in response.json()["results"]]

    assert titles() == ["Guided setup", "Self-serve", "Workspace theme"]
    assert titles(f"?product={product.pk}") == ["Guided setup", "Self-serve"]
    assert titles("?product=company") == ["Workspace theme"]
    assert titles("?status=active") == ["Self-serve"]
    assert titles(f"?goal={ids.company_goal}") == ["Self-serve"]
    assert titles(f"?goal={ids.goal}&status=proposed") == ["Guided setup"]

    response = client.patch(f"/api/v1/initiatives/{iid}/", {"version": 1, "goals": []}, format="json")
    assert response.status_code == 200, response.content
    assert (response.json()["goals"], response.json()["version"]) == ([], 2)
    assert response["ETag"] == '"2"'
    assert_error(client.patch(f"/api/v1/initiatives/{iid}/", {"version": 1, "title": "X"}, format="json"), 409)
    assert client.delete(f"/api/v1/initiatives/{iid}/", HTTP_IF_MATCH='"2"').status_code == 204
    assert titles() == ["Guided setup", "Workspace theme"]


def test_viewer_cannot_write(api_as: Any, team: Any, ids: Ids) -> None:
    client = api_as(team.viewer)
    before = snapshot()
    for method, url, body in (
        ("post", f"/api/v1/workspaces/{ids.ws}/goals/", {"title": "X"}),
        ("patch", f"/api/v1/goals/{ids.goal}/", {"version": 1, "title": "X"}),
        ("post", f"/api/v1/goals/{ids.goal}/key-results/", {"title": "X", "kind": "manual"}),
        ("delete", f"/api/v1/key-results/{ids.key_result}/", {"version": 1}),
        ("patch", f"/api/v1/initiatives/{ids.initiative}/", {"version": 1, "title": "X"}),
    ):
        assert_error(send(client, method, url, body), 403, "permission_denied")
    assert snapshot() == before


def test_schema_documents_the_endpoints() -> None:
    response = APIClient().get("/api/v1/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    paths = json.loads(response.content)["paths"]
    for path in (
        "/api/v1/workspaces/{workspace_id}/goals/",
        "/api/v1/goals/{goal_id}/",
        "/api/v1/goals/{goal_id}/key-results/",
        "/api/v1/key-results/{key_result_id}/",
        "/api/v1/workspaces/{workspace_id}/initiatives/",
        "/api/v1/initiatives/{initiative_id}/",
    ):
        assert path in paths, path
    goal = paths["/api/v1/goals/{goal_id}/"]
    assert set(goal) >= {"get", "patch", "delete"}


def test_dates_are_iso(api_as: Any, team: Any, ids: Ids) -> None:
    body = api_as(team.viewer).get(f"/api/v1/goals/{ids.company_goal}/").json()
    assert dt.date.fromisoformat(body["start_date"]) == dt.date(2026, 10, 1)


def test_markdown_fields_hold_10000_characters(api_as: Any, team: Any, ids: Ids) -> None:
    client = api_as(team.editor)
    text = "word " * 2000
    assert len(text) == 10_000
    response = client.post(f"/api/v1/workspaces/{ids.ws}/goals/", {"title": "Long", "description": text}, format="json")
    assert response.status_code == 201, response.content
    assert response.json()["description"] == text.strip()
    response = client.post(
        f"/api/v1/workspaces/{ids.ws}/initiatives/", {"title": "L", "description": text}, format="json"
    )
    assert response.status_code == 201, response.content


@pytest.mark.parametrize("path", ["/api/v1/key-results/{key_result}/", "/api/v1/initiatives/{initiative}/"])
def test_a_delete_without_the_version_answers_400_and_deletes_nothing(api_as, team, ids, path):
    client = api_as(team.editor)
    before = snapshot()
    assert_error(client.delete(ids.fill(path)), 400, "invalid", ("version",))
    assert_error(client.delete(ids.fill(path), {}, format="json"), 400, "invalid", ("version",))
    assert snapshot() == before
    assert client.delete(ids.fill(path), HTTP_IF_MATCH='"1"').status_code == 204
