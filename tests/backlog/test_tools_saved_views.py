"""Saved views: the query is validated with backlog.filters.parse_query and stored as its parameters;
personal views are their owner's alone, shared ones visible to the workspace; only the owner writes;
versions on update and delete (409 / 412)."""

from __future__ import annotations

from typing import Any

import pytest

from backlog.models import SavedView
from backlog.services.saved_views import saved_view_create, saved_view_delete, saved_view_update
from pmtool.errors import Conflict, NotFound, ValidationError
from pmtool.models import ActivityEvent
from pmtool.versioning import StaleVersion
from tests.harness.queries import api

pytestmark = pytest.mark.django_db


def test_the_query_is_stored_as_parameters_defaults_left_out(team, product):
    view = saved_view_create(
        actor=team.actor("editor"),
        product=product,
        name=" Mobile bugs ",
        query={"type": ["bug"], "tag": ["mobile"], "sort": ["rank"], "moscow": ["none"]},
    )
    assert view.name == "Mobile bugs"
    assert view.query == {"type": ["bug"], "tag": ["mobile"], "moscow": ["none"]}
    assert ActivityEvent.objects.filter(action="created", target_id=view.pk).exists()


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({"colour": ["red"]}, "query.colour"),
        ({"sort": ["loudest"]}, "query.sort"),
        ({"status": ["x"]}, "query.status"),
        ({"q": ["x" * 201]}, "query.q"),
    ],
)
def test_a_bad_query_is_refused_naming_the_filter(team, product, query, field):
    with pytest.raises(ValidationError) as caught:
        saved_view_create(actor=team.actor(), product=product, name="V", query=query)
    assert field in caught.value.fields
    assert not SavedView.objects.exists()


def test_names_are_unique_per_owner_ignoring_case(team, product):
    saved_view_create(actor=team.actor(), product=product, name="Mine", query={})
    with pytest.raises(Conflict):
        saved_view_create(actor=team.actor(), product=product, name="MINE", query={})
    saved_view_create(actor=team.actor("editor"), product=product, name="mine", query={})  # someone else's: fine


def test_update_and_delete_need_the_current_version_and_the_owner(team, product):
    view = saved_view_create(actor=team.actor(), product=product, name="V", query={})
    updated = saved_view_update(actor=team.actor(), view_id=view.pk, version=1, name="W", shared=True)
    assert (updated.name, updated.shared, updated.version) == ("W", True, 2)
    with pytest.raises(StaleVersion):
        saved_view_update(actor=team.actor(), view_id=view.pk, version=1, name="X")
    with pytest.raises(NotFound):
        saved_view_update(actor=team.actor("editor"), view_id=view.pk, version=2, name="Theirs now")
    with pytest.raises(NotFound):
        saved_view_delete(actor=team.actor("editor"), view_id=view.pk, version=2)
    saved_view_delete(actor=team.actor(), view_id=view.pk, version=2)
    assert not SavedView.objects.exists()


# --- API ---------------------------------------------------------------------------------------


@pytest.fixture
def views(team: Any, product: Any) -> dict[str, SavedView]:
    return {
        "mine": saved_view_create(actor=team.actor("editor"), product=product, name="A mine", query={"type": ["bug"]}),
        "shared": saved_view_create(
            actor=team.actor(), product=product, name="B shared", query={"sort": ["rice"]}, shared=True
        ),
        "private": saved_view_create(actor=team.actor(), product=product, name="C private", query={}),
    }


def test_the_list_has_mine_and_shared_ones(team, product, views):
    response = api(team.editor).get(f"/api/v1/products/{product.pk}/views/")
    assert response.status_code == 200
    assert [v["name"] for v in response.json()["results"]] == ["A mine", "B shared"]


def test_another_persons_personal_view_is_not_found(team, views):
    assert api(team.editor).get(f"/api/v1/views/{views['private'].pk}/").status_code == 404
    response = api(team.editor).get(f"/api/v1/views/{views['shared'].pk}/")
    assert response.status_code == 200 and response["ETag"] == '"1"'
    assert response.json()["query"] == {"sort": ["rice"]}


def test_only_the_owner_changes_a_shared_view(team, views):
    url = f"/api/v1/views/{views['shared'].pk}/"
    assert api(team.editor).patch(url, {"version": 1, "name": "Mine"}, format="json").status_code == 404
    response = api(team.admin).patch(url, {"version": 1, "name": "Top RICE"}, format="json")
    assert response.status_code == 200 and response.json()["name"] == "Top RICE"


def test_create_patch_delete_round_trip_with_versions(team, product):
    client = api(team.editor)
    created = client.post(
        f"/api/v1/products/{product.pk}/views/",
        {"name": "Must", "query": {"moscow": ["must"]}, "shared": True},
        format="json",
    )
    assert created.status_code == 201, created.content
    url = f"/api/v1/views/{created.json()['id']}/"
    assert client.patch(url, {"name": "X"}, format="json").status_code == 400  # no version
    assert client.patch(url, {"version": 1, "query": {"moscow": ["should"]}}, format="json").status_code == 200
    assert client.patch(url, {"version": 1, "name": "Y"}, format="json").status_code == 409
    assert client.patch(url, {"name": "Y"}, format="json", HTTP_IF_MATCH='"1"').status_code == 412
    assert client.delete(url, {"version": 1}, format="json").status_code == 409
    assert client.delete(url, {"version": 2}, format="json").status_code == 204


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({}, "name"),
        ({"name": ""}, "name"),
        ({"name": "x" * 81}, "name"),
        ({"name": "V", "query": {"status": "3"}}, "query"),
        ({"name": "V", "query": {"nope": ["1"]}}, "query.nope"),
        ({"name": "V", "query": []}, "query"),
        ({"name": "V", "shared": "maybe"}, "shared"),
        ({"name": "V", "owner": 3}, "owner"),
    ],
)
def test_api_bad_create_bodies_are_400(team, product, body, field):
    response = api(team.editor).post(f"/api/v1/products/{product.pk}/views/", body, format="json")
    assert response.status_code == 400, response.content
    assert field in response.json()["error"]["fields"]
    assert not SavedView.objects.exists()


def test_the_list_queries_do_not_grow(team, product, django_assert_max_num_queries):
    from tests.harness.queries import measure

    client = api(team.editor)
    made = [0]

    def grow(n: int) -> None:
        for _ in range(n):
            made[0] += 1
            saved_view_create(actor=team.actor(), product=product, name=f"V{made[0]}", query={}, shared=True)

    measure(
        {"views": 8},
        django_assert_max_num_queries,
        "views",
        lambda: client.get(f"/api/v1/products/{product.pk}/views/?page_size=200"),
        grow,
        lambda r: len(r.json()["results"]),
    )
