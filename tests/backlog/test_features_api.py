"""The feature API: answers and statuses, filters, keyset pages in every sort (deep pages, both
ways), versions (409 / 412), archive and restore, and the bad-body table (tests/harness/bodies.py)."""

from __future__ import annotations

import datetime as dt
import random
from typing import Any
from urllib.parse import parse_qs, urlparse

import pytest

from backlog.filters import SORTS
from backlog.models import Feature, FeatureStatus
from backlog.services.features import feature_create, feature_update
from tests.harness.bodies import BAD_IF_MATCH, Endpoint, assert_error, body_cases, check_bad_body

pytestmark = pytest.mark.django_db


@pytest.fixture
def editor(team: Any, api_as: Any) -> Any:
    return api_as(team.editor)


def add(team: Any, product: Any, title: str, **kwargs: Any) -> Feature:
    return feature_create(actor=team.actor("editor"), product=product, title=title, **kwargs)


def list_url(product: Any) -> str:
    return f"/api/v1/products/{product.pk}/features/"


def test_create_and_read(team: Any, product: Any, editor: Any) -> None:
    epic = add(team, product, "Onboarding", type="epic")
    body = {
        "title": "Dark mode", "description": "**x**", "type": "feature", "parent": epic.pk, "owner": team.viewer.pk,
        "tags": ["ui", "UI", "night"], "start_date": "2026-01-01", "due_date": "2026-02-01",
        "reach": 1000, "impact": 0.5, "confidence": 80, "effort": 2, "moscow": "should",
    }  # fmt: skip
    response = editor.post(list_url(product), body, format="json")
    assert response.status_code == 201, response.json()
    data = response.json()
    assert response["ETag"] == '"1"'
    assert data["rice_score"] == pytest.approx(200) and data["impact"] == 0.5 and data["effort"] == 2.0
    assert data["tags"] == ["night", "ui"] and data["parent"] == epic.pk and data["owner"] == team.viewer.pk
    assert data["status"]["category"] == "backlog" and set(data["status"]) == {"id", "name", "category", "colour"}
    assert data["url"] == f"/api/v1/features/{data['id']}/" and data["archived"] is False
    assert data["created_by"] == team.editor.pk and data["created_at"].endswith("Z")
    detail = editor.get(data["url"])
    assert detail.json() == data
    listed = editor.get(list_url(product)).json()["results"]
    assert [row for row in listed if row["id"] == data["id"]] == [data]  # one schema for list and detail


def test_effort_zero_is_a_field_error(team: Any, product: Any, editor: Any) -> None:
    response = editor.post(list_url(product), {"title": "X", "effort": 0}, format="json")
    assert_error(response, 400, "invalid", ("effort",))
    assert response.json()["error"]["fields"]["effort"] == ["Effort must be more than 0 person-months."]


def test_update_versions_409_and_412(team: Any, product: Any, editor: Any) -> None:
    feature = add(team, product, "Dark mode", reach=10, impact=1, confidence=100, effort=1)
    url = f"/api/v1/features/{feature.pk}/"
    ok = editor.patch(url, {"version": 1, "reach": 20}, format="json")
    assert ok.status_code == 200 and ok.json()["rice_score"] == pytest.approx(20) and ok["ETag"] == '"2"'
    stale = editor.patch(url, {"version": 1, "title": "Lost"}, format="json")
    assert_error(stale, 409, "stale_version", ("version",))
    assert stale["ETag"] == '"2"'
    precondition = editor.patch(url, {"title": "Lost"}, format="json", HTTP_IF_MATCH='"1"')
    assert_error(precondition, 412, "stale_version", ("version",))
    via_header = editor.patch(url, {"title": "Found"}, format="json", HTTP_IF_MATCH='"2"')
    assert via_header.status_code == 200 and via_header.json()["title"] == "Found"
    missing = editor.patch(url, {"title": "No version"}, format="json")
    assert_error(missing, 400, "invalid", ("version",))
    for header in BAD_IF_MATCH:
        assert editor.patch(url, {"title": "x"}, format="json", HTTP_IF_MATCH=header).status_code in (400, 412)
    feature.refresh_from_db()
    assert feature.title == "Found" and feature.version == 3


def test_archive_restore_delete(team: Any, product: Any, editor: Any) -> None:
    feature = add(team, product, "Dark mode")
    base = f"/api/v1/features/{feature.pk}/"
    archived = editor.post(base + "archive/", {"version": 1}, format="json")
    assert archived.status_code == 200 and archived.json()["archived"] is True
    assert_error(editor.post(base + "archive/", {"version": 2}, format="json"), 400, "already_archived", ())
    assert editor.get(list_url(product)).json()["results"] == []
    assert [r["id"] for r in editor.get(list_url(product) + "?archived=1").json()["results"]] == [feature.pk]
    assert_error(editor.post(base + "restore/", {"version": 1}, format="json"), 409, "stale_version", ("version",))
    restored = editor.post(base + "restore/", {}, format="json", HTTP_IF_MATCH='"2"')
    assert restored.status_code == 200 and restored.json()["archived"] is False
    assert_error(editor.delete(base, {"version": 1}, format="json"), 409, "stale_version", ("version",))
    assert editor.delete(base, {"version": 3}, format="json").status_code == 204
    assert not Feature.objects.exists()


def test_filters_and_unknown_parameters(team: Any, product: Any, editor: Any) -> None:
    done = FeatureStatus.objects.get(workspace=team.workspace, category="done")
    a = add(team, product, "Dark mode", tags=["ui"], moscow="must")
    b = add(team, product, "Billing bug", type="bug", status_id=done.pk, owner_id=team.viewer.pk)

    def ids(query: str) -> list[int]:
        response = editor.get(list_url(product) + query)
        assert response.status_code == 200, response.json()
        return [r["id"] for r in response.json()["results"]]

    assert ids("?category=done") == [b.pk]
    assert ids(f"?status={done.pk}") == [b.pk]
    assert ids("?type=bug&type=feature") == [a.pk, b.pk]
    assert ids("?tag=UI") == [a.pk]
    assert ids("?moscow=must") == [a.pk]
    assert ids("?owner=none") == [a.pk]
    assert ids("?q=billing") == [b.pk]
    for bad in ("?sort=nope", "?status=x", "?bogus=1", "?page_size=0", "?page_size=201", "?cursor=abc", "?type=story"):
        response = editor.get(list_url(product) + bad)
        assert response.status_code == 400, bad
        assert set(response.json()["error"]) == {"code", "message", "fields"}


def _walk(client: Any, url: str) -> tuple[list[int], list[str]]:
    """Every page forward by `next`; the ids, and the cursors seen."""
    ids: list[int] = []
    cursors: list[str] = []
    while url:
        response = client.get(url)
        assert response.status_code == 200, response.json()
        body = response.json()
        ids += [r["id"] for r in body["results"]]
        url = body["next"]
        if url:
            cursors.append(parse_qs(urlparse(url).query)["cursor"][0])
    return ids, cursors


@pytest.mark.parametrize("sort", list(SORTS))
def test_every_sort_pages_correctly_deep_and_back(team: Any, product: Any, editor: Any, sort: str) -> None:
    rng = random.Random(7)
    start = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    for i in range(23):
        feature = add(
            team, product, f"T{rng.randint(0, 5)}",  # repeated titles: ties broken by rank
            reach=rng.choice([None, 10, 10, 50]), impact=1, confidence=100, effort=1,
            due_date=rng.choice([None, dt.date(2026, 3, 1), dt.date(2026, 4, 1)]),
        )  # fmt: skip
        # repeated timestamps too (ties on updated / created)
        Feature.objects.filter(pk=feature.pk).update(
            created_at=start + dt.timedelta(hours=i % 4), updated_at=start + dt.timedelta(hours=i % 3)
        )
    expected = [f.pk for f in Feature.objects.filter(product=product).order_by(*SORTS[sort][1])]
    ids, cursors = _walk(editor, list_url(product) + f"?sort={sort}&page_size=4")
    assert ids == expected and len(cursors) == 5
    # and back: from the last page, `previous` links walk the same order in reverse
    last = editor.get(list_url(product) + f"?sort={sort}&page_size=4&cursor={cursors[-1]}").json()
    back: list[int] = [r["id"] for r in last["results"]]
    url = last["previous"]
    while url:
        body = editor.get(url).json()
        back = [r["id"] for r in body["results"]] + back
        url = body["previous"]
    assert back == expected
    # a cursor of another sort is refused
    other = "title" if sort != "title" else "rank"
    response = editor.get(list_url(product) + f"?sort={other}&cursor={cursors[0]}")
    assert_error(response, 400, "invalid", ("cursor",))


def test_pages_stay_stable_when_rows_are_added(team: Any, product: Any, editor: Any) -> None:
    for i in range(6):
        add(team, product, f"F{i}")
    first = editor.get(list_url(product) + "?page_size=3").json()
    add(team, product, "New at the bottom")
    second = editor.get(first["next"]).json()
    assert [r["title"] for r in second["results"]] == ["F3", "F4", "F5"]


def test_others_cannot_see_or_change(team: Any, product: Any, api_as: Any) -> None:
    feature = add(team, product, "Dark mode")
    outsider = api_as(team.outsider)
    assert_error(outsider.get(f"/api/v1/features/{feature.pk}/"), 404, "not_found", ())
    assert_error(outsider.get(list_url(product)), 404, "not_found", ())
    viewer = api_as(team.viewer)
    assert (
        viewer.patch(f"/api/v1/features/{feature.pk}/", {"version": 1, "title": "x"}, format="json").status_code == 403
    )


def test_dates_out_of_order_are_refused(team: Any, product: Any, editor: Any) -> None:
    body = {"title": "X", "start_date": "2026-03-01", "due_date": "2026-02-01"}
    assert_error(editor.post(list_url(product), body, format="json"), 400, "invalid", ("due_date",))


def test_links_of_another_workspace_are_refused(team: Any, product: Any, editor: Any) -> None:
    other_status = FeatureStatus.objects.filter(workspace=team.other_workspace).first()
    for field, value in (("status", other_status.pk), ("owner", team.outsider.pk), ("parent", 10**6)):
        response = editor.post(list_url(product), {"title": "X", field: value}, format="json")
        assert_error(response, 400, "invalid", (field,))
    assert not Feature.objects.exists()


# --- the bad-body table ----------------------------------------------------------------------------

ID_WRONG = ("abc", 1.5, True, [1], {"id": 1}, 0, -1, 2**63)
STRINGS = {"title": 200, "description": 10_000}
ENDPOINTS = (
    Endpoint(
        "feature-create",
        "post",
        "/api/v1/products/{product}/features/",
        {"title": "Dark mode"},
        strings=STRINGS,
        required=("title",),
        wrong_types=(
            {"title": None},
            {"title": ""},
            {"title": "   "},
            {"type": "story"},
            {"reach": -1},
            {"reach": "10"},
            {"reach": 1.5},
            {"impact": 4},
            {"impact": "2"},
            {"confidence": 101},
            {"effort": 0},
            {"effort": -2},
            {"effort": "1"},
            {"moscow": "maybe"},
            {"tags": "ui"},
            {"tags": [1]},
            {"tags": ["x" * 41]},
            {"tags": [f"t{i}" for i in range(21)]},
            {"start_date": "2026-13-01"},
            {"due_date": "1800-01-01"},
            *({"owner": v} for v in ID_WRONG),
            *({"status": v} for v in ID_WRONG),
            *({"parent": v} for v in ID_WRONG),
            *({"initiative": v} for v in ID_WRONG),
        ),
        unknown=("bogus", "id", "rank", "rice_score", "version", "product"),
        ok=201,
    ),
    Endpoint(
        "feature-update",
        "patch",
        "/api/v1/features/{feature}/",
        {"version": 1, "title": "Dark theme"},
        strings=STRINGS,
        required=("version",),
        wrong_types=(
            {"version": "1"},
            {"version": 0},
            {"version": None},
            {"title": None},
            {"title": ""},
            {"effort": 0},
            {"impact": 0.3},
            {"release": 999_999},
            {"team": 999_999},
            *({"release": v} for v in ID_WRONG),
        ),
        unknown=("bogus", "rank", "rice_score", "scorecard_score", "archived", "url"),
    ),
    Endpoint(
        "feature-delete",
        "delete",
        "/api/v1/features/{feature}/",
        {"version": 1},
        required=("version",),
        ok=204,
        wrong_types=({"version": "1"}, {"version": 0}),
    ),
    Endpoint(
        "feature-archive",
        "post",
        "/api/v1/features/{feature}/archive/",
        {"version": 1},
        required=("version",),
        wrong_types=({"version": "1"}, {"version": -1}),
    ),
)


@pytest.fixture
def urls(team: Any, product: Any) -> dict[str, Any]:
    return {"product": product.pk, "feature": add(team, product, "Dark mode").pk}


def snapshot() -> list[tuple[Any, ...]]:
    return sorted(Feature.objects.values_list("id", "title", "version", "reach", "effort", "archived_at"))


@pytest.mark.parametrize(("endpoint", "kind", "payload", "code", "fields"), body_cases(ENDPOINTS))
def test_bad_bodies(team: Any, urls: Any, api_as: Any, endpoint, kind, payload, code, fields) -> None:
    before = snapshot()
    url = endpoint.url.format(**urls)
    check_bad_body(api_as(team.editor), url, endpoint, kind, payload, code, fields)
    assert snapshot() == before


def test_the_valid_bodies_are_valid(team: Any, urls: Any, api_as: Any) -> None:
    client = api_as(team.editor)
    for endpoint in ENDPOINTS:
        feature = add(team, Feature.objects.get(pk=urls["feature"]).product, "Fresh")
        url = endpoint.url.format(product=urls["product"], feature=feature.pk)
        response = getattr(client, endpoint.method)(url, endpoint.valid, format="json")
        assert response.status_code == endpoint.ok, (endpoint.name, response.content[:300])


def test_stale_update_changes_nothing_else(team: Any, product: Any, editor: Any) -> None:
    feature = add(team, product, "Dark mode", tags=["a"])
    feature_update(actor=team.actor("admin"), feature_id=feature.pk, version=1, title="Theirs")
    response = editor.patch(f"/api/v1/features/{feature.pk}/", {"version": 1, "tags": ["b"]}, format="json")
    assert response.status_code == 409
    assert [t.name for t in Feature.objects.get(pk=feature.pk).tags.all()] == ["a"]
