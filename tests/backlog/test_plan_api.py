"""The plan API: statuses (admin writes, reorder, delete with a replacement), releases, teams and
backlog settings: lists cursor-paginated, reads with ETag, changes and deletes with versions (body
`version` or If-Match; stale 409/412); bad input on every endpoint is a 4xx with the one error
body and changes nothing."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest

from backlog.models import BacklogSettings, Feature, FeatureStatus, Release, StatusCategory, Team
from backlog.services.releases import release_create
from backlog.services.statuses import status_create
from backlog.services.teams import team_create
from pmtool.models import ActivityEvent
from tests.factories import FeatureFactory, ProductFactory
from tests.harness.bodies import BAD_IDS, Endpoint, assert_error, body_cases, check_bad_body, send

pytestmark = pytest.mark.django_db

TEXT = 10_000


@dataclass
class Ids:
    ws: int
    product: int
    status: int
    release: int
    team: int
    editor: int
    outsider: int
    other_status: int

    def fill(self, template: str, **override: Any) -> str:
        return template.format(**{**self.__dict__, **override})


@pytest.fixture
def ids(team: Any, product: Any) -> Ids:
    actor = team.actor()
    parked = status_create(actor=actor, workspace=team.workspace, name="Parked")
    release = release_create(actor=actor, product=product, name="2026.1")
    platform = team_create(actor=actor, workspace=team.workspace, name="Platform")
    other = FeatureStatus.objects.filter(workspace=team.other_workspace).first()
    assert other is not None
    return Ids(
        ws=team.workspace.pk,
        product=product.pk,
        status=parked.pk,
        release=release.pk,
        team=platform.pk,
        editor=team.editor.pk,
        outsider=team.outsider.pk,
        other_status=other.pk,
    )


def snapshot() -> tuple:
    return (
        sorted(FeatureStatus.objects.values_list("id", "name", "colour", "category", "position", "version")),
        sorted(Release.objects.values_list("id", "name", "status", "start_date", "release_date", "version")),
        sorted(Team.objects.values_list("id", "name", "capacity", "version")),
        sorted(Team.members.through.objects.values_list("team_id", "user_id")),
        sorted(BacklogSettings.objects.values_list("product_id", "frameworks", "version")),
        ActivityEvent.objects.count(),
    )


# --- the bad-input table ---------------------------------------------------------------------


def _wrong(fields: dict[str, Any]) -> tuple[dict[str, Any], ...]:
    return tuple({name: value} for name in fields for value in (None, 5, ["x"], {"a": 1}, True))


VERSION_WRONG = ({"version": "abc"}, {"version": 1.5}, {"version": True}, {"version": 0}, {"version": 2**70})
COLOUR_WRONG = ({"colour": "red"}, {"colour": "#12345"}, {"colour": "#1234567"}, {"colour": 5}, {"colour": None})
CATEGORY_WRONG = ({"category": "finished"}, {"category": 3}, {"category": None}, {"category": ""})
DATES_WRONG = (
    {"start_date": "2026-13-01"},
    {"release_date": "tomorrow"},
    {"start_date": 20260101},
    {"release_date": "0001-01-01"},
    {"start_date": "3000-01-01"},
)
CAPACITY_WRONG = (
    {"capacity": -1},
    {"capacity": 10_000.01},
    {"capacity": 1.234},
    {"capacity": "lots"},
    {"capacity": True},
    {"capacity": [1]},
    {"capacity": "NaN"},
    {"capacity": "Infinity"},
)
MEMBERS_WRONG = ({"members": "1"}, {"members": [0]}, {"members": ["x"]}, {"members": [2**70]}, {"members": None})
FRAMEWORKS_WRONG = (
    {"frameworks": []},
    {"frameworks": ["kano"]},
    {"frameworks": "rice"},
    {"frameworks": [None]},
    {"frameworks": None},
    {"frameworks": ["rice"] * 11},
)

ENDPOINTS = (
    Endpoint(
        "status-create",
        "post",
        "/api/v1/workspaces/{ws}/statuses/",
        {"name": "Blocked", "category": "in_progress", "colour": "#dc2626"},
        strings={"name": 80},
        required=("name",),
        wrong_types=({"name": ""}, {"name": "  "}, *COLOUR_WRONG, *CATEGORY_WRONG, *_wrong({"name": 80})),
        ok=201,
    ),
    Endpoint(
        "status-update",
        "patch",
        "/api/v1/statuses/{status}/",
        {"version": 1, "name": "Parked for later", "position": 0},
        strings={"name": 80},
        required=("version",),
        wrong_types=(
            {"name": ""},
            *VERSION_WRONG,
            *COLOUR_WRONG,
            *CATEGORY_WRONG,
            {"position": -1},
            {"position": "top"},
            {"position": 1001},
            {"position": None},
        ),
    ),
    Endpoint(
        "release-create",
        "post",
        "/api/v1/products/{product}/releases/",
        {"name": "2026.2", "status": "planned", "start_date": "2026-04-01", "release_date": "2026-06-30"},
        strings={"name": 80, "description": TEXT},
        required=("name",),
        wrong_types=({"name": " "}, {"status": "shipped"}, *DATES_WRONG, *_wrong({"name": 80})),
        ok=201,
    ),
    Endpoint(
        "release-update",
        "patch",
        "/api/v1/releases/{release}/",
        {"version": 1, "status": "released", "release_date": "2026-03-31"},
        strings={"name": 80, "description": TEXT},
        required=("version",),
        wrong_types=(*VERSION_WRONG, {"status": None}, *DATES_WRONG),
    ),
    Endpoint(
        "team-create",
        "post",
        "/api/v1/workspaces/{ws}/teams/",
        {"name": "Growth", "capacity": 4.5, "members": []},
        strings={"name": 80, "description": TEXT},
        required=("name",),
        wrong_types=({"name": ""}, *CAPACITY_WRONG, *MEMBERS_WRONG, *_wrong({"name": 80})),
        ok=201,
    ),
    Endpoint(
        "team-update",
        "patch",
        "/api/v1/teams/{team}/",
        {"version": 1, "capacity": None, "members": []},
        strings={"name": 80, "description": TEXT},
        required=("version",),
        wrong_types=(*VERSION_WRONG, *CAPACITY_WRONG, *MEMBERS_WRONG),
    ),
    Endpoint(
        "backlog-settings-update",
        "patch",
        "/api/v1/products/{product}/backlog-settings/",
        {"version": 1, "frameworks": ["scorecard", "rice"]},
        required=("version",),
        wrong_types=(*VERSION_WRONG, *FRAMEWORKS_WRONG),
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


ID_ENDPOINTS = (
    ("get", "/api/v1/workspaces/{x}/statuses/", None),
    ("get", "/api/v1/statuses/{x}/", None),
    ("delete", "/api/v1/statuses/{x}/", {"version": 1}),
    ("get", "/api/v1/products/{x}/releases/", None),
    ("patch", "/api/v1/releases/{x}/", {"version": 1, "name": "X"}),
    ("get", "/api/v1/workspaces/{x}/teams/", None),
    ("get", "/api/v1/teams/{x}/", None),
    ("get", "/api/v1/products/{x}/backlog-settings/", None),
)


@pytest.mark.parametrize("bad_id", BAD_IDS)
@pytest.mark.parametrize(("method", "template", "body"), ID_ENDPOINTS, ids=lambda v: v if isinstance(v, str) else "")
def test_unknown_or_malformed_id_is_a_json_404(api_as, team, ids, method, template, body, bad_id):
    before = snapshot()
    assert_error(send(api_as(team.admin), method, ids.fill(template, x=bad_id), body), 404, "not_found")
    assert snapshot() == before


# --- statuses -------------------------------------------------------------------------------------


def test_status_list_is_in_order_with_feature_counts(api_as, team, ids, product):
    FeatureFactory.create_batch(2, product=product)  # in the first status, "New"
    body = api_as(team.viewer).get(f"/api/v1/workspaces/{ids.ws}/statuses/").json()
    names = [s["name"] for s in body["results"]]
    assert names[0] == "New" and names[-1] == "Parked" and len(names) == 8
    assert body["results"][0]["feature_count"] == 2
    assert [s["position"] for s in body["results"]] == list(range(8))


def test_status_patch_moves_it_and_answers_its_new_etag(api_as, team, ids):
    response = send(api_as(team.admin), "patch", f"/api/v1/statuses/{ids.status}/", {"version": 1, "position": 1})
    assert response.status_code == 200, response.content
    assert response.json()["position"] == 1
    assert response["ETag"] == f'"{response.json()["version"]}"'
    order = list(FeatureStatus.objects.filter(workspace_id=ids.ws).values_list("name", flat=True))
    assert order[:3] == ["New", "Parked", "Under consideration"]


def test_stale_status_update_is_409_and_412_with_if_match(api_as, team, ids):
    client = api_as(team.admin)
    assert (
        send(client, "patch", f"/api/v1/statuses/{ids.status}/", {"version": 1, "name": "Parked 2"}).status_code == 200
    )
    before = snapshot()
    stale = send(client, "patch", f"/api/v1/statuses/{ids.status}/", {"version": 1, "name": "Parked 3"})
    assert_error(stale, 409, "stale_version", ("version",))
    assert stale["ETag"] == '"2"'
    stale = send(client, "patch", f"/api/v1/statuses/{ids.status}/", {"name": "Parked 3"}, HTTP_IF_MATCH='"1"')
    assert_error(stale, 412, "stale_version")
    assert snapshot() == before


def test_status_name_taken_without_regard_to_case_is_400(api_as, team, ids):
    before = snapshot()
    response = send(api_as(team.admin), "post", f"/api/v1/workspaces/{ids.ws}/statuses/", {"name": "shipped"})
    assert_error(response, 400, "invalid", ("name",))
    assert snapshot() == before


def test_deleting_a_used_status_needs_a_replacement(api_as, team, ids, product):
    parked = FeatureStatus.objects.get(pk=ids.status)
    features = FeatureFactory.create_batch(3, product=product, status=parked)
    client = api_as(team.admin)
    before = snapshot()
    refused = send(client, "delete", f"/api/v1/statuses/{ids.status}/", {"version": 1})
    error = assert_error(refused, 409, "status_in_use")
    assert "3 features use" in error["message"]
    assert snapshot() == before
    foreign = send(client, "delete", f"/api/v1/statuses/{ids.status}/", {"version": 1, "replacement": ids.other_status})
    assert_error(foreign, 400, "invalid", ("replacement",))
    shipped = FeatureStatus.objects.get(workspace_id=ids.ws, name="Shipped")
    done = send(client, "delete", f"/api/v1/statuses/{ids.status}/", {"version": 1, "replacement": shipped.pk})
    assert done.status_code == 204, done.content
    assert set(Feature.objects.filter(pk__in=[f.pk for f in features]).values_list("status_id", "version")) == {
        (shipped.pk, 2)
    }
    assert not FeatureStatus.objects.filter(pk=ids.status).exists()


def test_the_last_backlog_status_stays(api_as, team, ids):
    client = api_as(team.admin)
    backlog = list(FeatureStatus.objects.filter(workspace_id=ids.ws, category=StatusCategory.BACKLOG))
    for status in backlog[:-1]:
        status.refresh_from_db()  # deletes renumber the rest (a new version for each row that moved)
        assert send(client, "delete", f"/api/v1/statuses/{status.pk}/", {"version": status.version}).status_code == 204
    last = backlog[-1]
    last.refresh_from_db()
    before = snapshot()
    assert_error(send(client, "delete", f"/api/v1/statuses/{last.pk}/", {"version": last.version}), 409, "conflict")
    moved = send(client, "patch", f"/api/v1/statuses/{last.pk}/", {"version": last.version, "category": "done"})
    assert_error(moved, 400, "invalid", ("category",))
    assert snapshot() == before


def test_an_editor_reads_statuses_but_cannot_change_them(api_as, team, ids):
    client = api_as(team.editor)
    assert client.get(f"/api/v1/statuses/{ids.status}/").status_code == 200
    refused = send(client, "patch", f"/api/v1/statuses/{ids.status}/", {"version": 1, "name": "Mine"})
    error = assert_error(refused, 403, "permission_denied")
    assert "admin" in error["message"]


# --- releases ------------------------------------------------------------------------------------------


def test_release_counts_features_by_category(api_as, team, ids, product):
    release = Release.objects.get(pk=ids.release)
    statuses = {s.category: s for s in FeatureStatus.objects.filter(workspace_id=ids.ws).order_by("position")}
    FeatureFactory.create_batch(2, product=product, release=release, status=statuses["done"])
    FeatureFactory(product=product, release=release, status=statuses["in_progress"])
    FeatureFactory(product=product, release=release, status=statuses["done"], archived_at="2026-01-01T00:00Z")
    body = api_as(team.viewer).get(f"/api/v1/releases/{ids.release}/").json()
    assert body["feature_counts"] == {
        "backlog": 0, "planned": 0, "in_progress": 1, "done": 2, "wont_do": 0, "total": 3,
    }  # fmt: skip


def test_release_dates_ordered_and_open_ended(api_as, team, ids):
    client = api_as(team.editor)
    url = f"/api/v1/products/{ids.product}/releases/"
    backwards = send(client, "post", url, {"name": "R", "start_date": "2026-05-01", "release_date": "2026-04-01"})
    assert_error(backwards, 400, "invalid", ("release_date",))
    only_release = send(client, "post", url, {"name": "R", "release_date": "2026-04-01"})
    assert only_release.status_code == 201 and only_release.json()["start_date"] is None
    patch = send(
        client, "patch", f"/api/v1/releases/{only_release.json()['id']}/", {"version": 1, "start_date": "2026-05-01"}
    )
    assert_error(patch, 400, "invalid", ("release_date",))


def test_release_list_filters_by_status(api_as, team, ids, product):
    release_create(actor=team.actor(), product=product, name="2025.4", status="released")
    client = api_as(team.viewer)
    names = [
        r["name"] for r in client.get(f"/api/v1/products/{ids.product}/releases/?status=released").json()["results"]
    ]
    assert names == ["2025.4"]
    assert_error(client.get(f"/api/v1/products/{ids.product}/releases/?status=gone"), 400, "invalid", ("status",))
    assert_error(client.get(f"/api/v1/products/{ids.product}/releases/?colour=red"), 400, "invalid", ("colour",))


def test_stale_release_delete_is_409(api_as, team, ids):
    client = api_as(team.editor)
    assert (
        send(client, "patch", f"/api/v1/releases/{ids.release}/", {"version": 1, "name": "2026.1a"}).status_code == 200
    )
    assert_error(send(client, "delete", f"/api/v1/releases/{ids.release}/", {"version": 1}), 409, "stale_version")
    assert_error(send(client, "delete", f"/api/v1/releases/{ids.release}/", HTTP_IF_MATCH='"1"'), 412)
    assert send(client, "delete", f"/api/v1/releases/{ids.release}/", HTTP_IF_MATCH='"2"').status_code == 204


# --- teams --------------------------------------------------------------------------------------------


def test_team_members_must_be_workspace_members(api_as, team, ids):
    client = api_as(team.editor)
    before = snapshot()
    refused = send(client, "post", f"/api/v1/workspaces/{ids.ws}/teams/", {"name": "G", "members": [ids.outsider]})
    error = assert_error(refused, 400, "invalid", ("members",))
    assert str(ids.outsider) in error["fields"]["members"][0]
    assert snapshot() == before
    made = send(
        client, "post", f"/api/v1/workspaces/{ids.ws}/teams/", {"name": "G", "members": [ids.editor], "capacity": 2.5}
    )
    assert made.status_code == 201, made.content
    assert made.json()["members"] == [{"id": team.editor.pk, "email": team.editor.email, "name": team.editor.name}]
    assert made.json()["capacity"] == 2.5


def test_team_members_replace_and_bump_the_version(api_as, team, ids):
    client = api_as(team.editor)
    response = send(client, "patch", f"/api/v1/teams/{ids.team}/", {"version": 1, "members": [ids.editor]})
    assert response.status_code == 200 and response.json()["version"] == 2
    same = send(client, "patch", f"/api/v1/teams/{ids.team}/", {"version": 2, "members": [ids.editor]})
    assert same.json()["version"] == 2  # nothing changed: no write


def test_team_name_unique_without_regard_to_case(api_as, team, ids):
    response = send(api_as(team.editor), "post", f"/api/v1/workspaces/{ids.ws}/teams/", {"name": "PLATFORM"})
    assert_error(response, 400, "invalid", ("name",))


# --- backlog settings -------------------------------------------------------------------------------------


def test_backlog_settings_default_without_a_row_and_created_on_first_write(api_as, team, ids):
    client = api_as(team.viewer)
    response = client.get(f"/api/v1/products/{ids.product}/backlog-settings/")
    assert response.json() == {
        "product": ids.product, "frameworks": ["rice", "moscow", "scorecard"], "version": 1,
        "updated_at": response.json()["updated_at"],
    }  # fmt: skip
    assert response["ETag"] == '"1"'
    assert not BacklogSettings.objects.exists()  # reads never write
    editor = api_as(team.editor)
    changed = send(
        editor,
        "patch",
        f"/api/v1/products/{ids.product}/backlog-settings/",
        {"version": 1, "frameworks": ["moscow", "moscow", "rice"]},
    )
    assert changed.status_code == 200, changed.content
    assert changed.json()["frameworks"] == ["moscow", "rice"] and changed.json()["version"] == 2
    stale = send(
        editor,
        "patch",
        f"/api/v1/products/{ids.product}/backlog-settings/",
        {"frameworks": ["rice"]},
        HTTP_IF_MATCH='"1"',
    )
    assert_error(stale, 412, "stale_version")


def test_backlog_settings_of_another_workspace_are_404(api_as, team):
    theirs = ProductFactory(workspace=team.other_workspace)
    assert_error(api_as(team.admin).get(f"/api/v1/products/{theirs.pk}/backlog-settings/"), 404, "not_found")
