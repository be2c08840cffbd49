"""Bulk edits: one validated change, stale rows reported and not written, the rest set-based (one
UPDATE), tags through bulk insert/delete, an activity event per feature; the API's 200 / 409 and
constant queries for 5 and 50 items."""

from __future__ import annotations

from typing import Any

import pytest

from backlog.filters import parse_query
from backlog.models import Feature, FeatureStatus, Tag
from backlog.services.bulk import AllStale, ViewChanged, features_bulk_update, features_bulk_update_matching
from pmtool.errors import ValidationError
from pmtool.models import ActivityEvent
from strategy.services.initiatives import initiative_create
from tests.factories import FeatureFactory, ProductFactory, ReleaseFactory, TeamFactory
from tests.harness.queries import api

pytestmark = pytest.mark.django_db


def _items(features: list[Feature]) -> list[tuple[int, int]]:
    return [(f.pk, f.version) for f in features]


def _status(product: Any, name: str) -> FeatureStatus:
    return FeatureStatus.objects.get(workspace_id=product.workspace_id, name=name)


def test_stale_rows_are_reported_and_not_written_the_rest_are_updated(team, product):
    features = FeatureFactory.create_batch(5, product=product)
    items = _items(features)
    Feature.objects.filter(pk__in=[features[1].pk, features[3].pk]).update(version=7)  # someone else saved
    planned = _status(product, "Planned")

    result = features_bulk_update(
        actor=team.actor("editor"), product=product, items=items, changes={"status": planned.pk}
    )

    assert sorted(result.updated_ids) == sorted(f.pk for f in (features[0], features[2], features[4]))
    assert [(s.id, s.current_version) for s in result.stale] == [(features[1].pk, 7), (features[3].pk, 7)]
    assert result.message() == (
        f"2 of 5 changed since you loaded the page: “{features[1].title}”, “{features[3].title}”; "
        "the other 3 were updated."
    )
    rows = dict(Feature.objects.values_list("id", "status_id"))
    assert rows[features[1].pk] != planned.pk and rows[features[3].pk] != planned.pk
    assert {rows[f.pk] for f in (features[0], features[2], features[4])} == {planned.pk}
    written = Feature.objects.get(pk=features[0].pk)
    assert (written.version, written.updated_by_id) == (2, team.editor.pk)
    events = ActivityEvent.objects.filter(action="updated", target_id__in=result.updated_ids)
    assert events.count() == 3
    assert events.first().changes["status"]["to"] == "Planned"


def test_all_stale_is_a_conflict_and_creates_nothing(team, product):
    feature = FeatureFactory(product=product)
    with pytest.raises(AllStale) as caught:
        features_bulk_update(
            actor=team.actor(), product=product, items=[(feature.pk, 9)], changes={"add_tags": ["brand-new"]}
        )
    assert caught.value.status_code == 409
    assert "is at version 1" in caught.value.fields["items"][0]


def test_all_stale_rolls_back_tags_it_created(team, product):
    feature = FeatureFactory(product=product)
    with pytest.raises(AllStale):
        features_bulk_update(actor=team.actor(), product=product, items=[(feature.pk, 9)], changes={"add_tags": ["x"]})
    assert not Tag.objects.filter(name="x").exists()


def test_every_field_kind_in_one_change(team, product):
    features = FeatureFactory.create_batch(3, product=product)
    release = ReleaseFactory(product=product)
    squad = TeamFactory(workspace=team.workspace)
    initiative = initiative_create(actor=team.actor(), workspace=team.workspace, title="Growth", product_id=product.pk)
    features[0].tags.add(Tag.objects.create(workspace=team.workspace, name="Old"))

    result = features_bulk_update(
        actor=team.actor(),
        product=product,
        items=_items(features),
        changes={
            "moscow": "must",
            "owner": team.viewer.pk,
            "initiative": initiative.pk,
            "release": release.pk,
            "team": squad.pk,
            "add_tags": ["Mobile", "mobile"],
            "remove_tags": ["old"],
        },
    )

    assert len(result.updated_ids) == 3
    assert set(Feature.objects.values_list("moscow", "owner_id", "initiative_id", "release_id", "team_id")) == {
        ("must", team.viewer.pk, initiative.pk, release.pk, squad.pk)
    }
    assert sorted(Feature.tags.through.objects.values_list("feature_id", "tag__name")) == sorted(
        (f.pk, "Mobile") for f in features
    )


def test_a_change_that_leaves_rows_as_they_are_writes_nothing(team, product):
    features = FeatureFactory.create_batch(2, product=product, moscow="must")
    result = features_bulk_update(
        actor=team.actor(), product=product, items=_items(features), changes={"moscow": "must"}
    )
    assert result.updated_ids == [] and len(result.unchanged_ids) == 2
    assert set(Feature.objects.values_list("version", flat=True)) == {1}
    assert not ActivityEvent.objects.filter(target_id__in=[f.pk for f in features], action="updated").exists()


def test_archive_then_restore(team, product):
    features = FeatureFactory.create_batch(2, product=product)
    result = features_bulk_update(
        actor=team.actor(), product=product, items=_items(features), changes={"archive": True}
    )
    assert len(result.updated_ids) == 2
    assert Feature.objects.filter(archived_at__isnull=False).count() == 2
    assert ActivityEvent.objects.filter(action="archived").count() == 2
    items = list(Feature.objects.values_list("id", "version"))
    features_bulk_update(actor=team.actor(), product=product, items=items, changes={"restore": True})
    assert Feature.objects.filter(archived_at__isnull=True).count() == 2


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({}, "changes"),
        ({"status": None}, "status"),
        ({"moscow": "maybe"}, "moscow"),
        ({"archive": True, "restore": True}, "restore"),
        ({"add_tags": ["a"], "remove_tags": ["A"]}, "remove_tags"),
        ({"add_tags": ["x" * 41]}, "add_tags"),
    ],
)
def test_bad_changes_are_refused_once(team, product, changes, field):
    feature = FeatureFactory(product=product)
    with pytest.raises(ValidationError) as caught:
        features_bulk_update(actor=team.actor(), product=product, items=[(feature.pk, 1)], changes=changes)
    assert field in caught.value.fields


def test_references_must_belong_to_the_workspace_or_product(team, product):
    feature = FeatureFactory(product=product)
    other = ProductFactory(workspace=team.other_workspace)
    foreign = {
        "status": FeatureStatus.objects.filter(workspace=team.other_workspace).first().pk,
        "owner": team.outsider.pk,
        "release": ReleaseFactory(product=other).pk,
        "team": TeamFactory(workspace=team.other_workspace).pk,
        "initiative": initiative_create(actor=team.actor("outsider"), workspace=team.other_workspace, title="T").pk,
    }
    for name, value in foreign.items():
        with pytest.raises(ValidationError) as caught:
            features_bulk_update(actor=team.actor(), product=product, items=[(feature.pk, 1)], changes={name: value})
        assert name in caught.value.fields
    assert Feature.objects.get(pk=feature.pk).version == 1


def test_items_are_checked(team, product):
    feature = FeatureFactory(product=product)
    for items in ([], [(feature.pk, 1), (feature.pk, 1)], [(i, 1) for i in range(1, 502)]):
        with pytest.raises(ValidationError) as caught:
            features_bulk_update(actor=team.actor(), product=product, items=items, changes={"moscow": "must"})
        assert "items" in caught.value.fields


def test_features_of_another_product_are_missing_not_written(team, product):
    mine = FeatureFactory(product=product)
    theirs = FeatureFactory(product=ProductFactory(workspace=team.workspace))
    result = features_bulk_update(
        actor=team.actor(), product=product, items=[(mine.pk, 1), (theirs.pk, 1)], changes={"moscow": "could"}
    )
    assert result.missing_ids == [theirs.pk]
    assert Feature.objects.get(pk=theirs.pk).moscow == ""


# --- API ---------------------------------------------------------------------------------------


def _url(product: Any) -> str:
    return f"/api/v1/products/{product.pk}/features/bulk/"


def test_api_partial_success_is_200_with_the_stale_rows(team, product):
    features = FeatureFactory.create_batch(3, product=product)
    Feature.objects.filter(pk=features[0].pk).update(version=4)
    body = {"items": [{"id": f.pk, "version": 1} for f in features], "changes": {"moscow": "should"}}
    response = api(team.editor).post(_url(product), body, format="json")
    assert response.status_code == 200, response.content
    data = response.json()
    assert sorted(data["updated"]) == sorted(f.pk for f in features[1:])
    assert data["stale"] == [{"id": features[0].pk, "title": features[0].title, "current_version": 4}]
    assert data["message"].startswith("1 of 3 changed since you loaded the page")


def test_api_all_stale_is_409_with_the_error_body(team, product):
    feature = FeatureFactory(product=product)
    body = {"items": [{"id": feature.pk, "version": 3}], "changes": {"moscow": "should"}}
    response = api(team.editor).post(_url(product), body, format="json")
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "stale_version"
    assert response.json()["error"]["fields"]["items"]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"changes": {"moscow": "must"}}, "items"),
        ({"items": [], "changes": {"moscow": "must"}}, "items"),
        ({"items": [{"id": 1}], "changes": {"moscow": "must"}}, "items"),
        ({"items": [{"id": 1, "version": 1}]}, "changes"),
        ({"items": [{"id": 1, "version": 1}], "changes": {"colour": "red"}}, "changes"),
        ({"items": [{"id": 1, "version": 1}], "changes": {"status": "x"}}, "changes"),
        ({"items": [{"id": 1, "version": 1}] * 501, "changes": {"moscow": "must"}}, "items"),
    ],
)
def test_api_bad_bodies_are_400(team, product, body, field):
    response = api(team.editor).post(_url(product), body, format="json")
    assert response.status_code == 400, response.content
    assert field in response.json()["error"]["fields"]


def test_api_queries_do_not_grow_with_items(team, product, django_assert_max_num_queries):
    status = _status(product, "Planned")
    client = api(team.editor)
    counts = []
    for n in (5, 50):
        features = FeatureFactory.create_batch(n, product=product)
        body = {
            "items": [{"id": f.pk, "version": f.version} for f in features],
            "changes": {"status": status.pk, "add_tags": ["bulk"], "remove_tags": ["old"]},
        }
        client.post(
            _url(product), {**body, "items": body["items"][:1]}, format="json"
        )  # warm caches; features[0] is stale now
        with django_assert_max_num_queries(20) as captured:
            response = client.post(_url(product), body, format="json")
        assert response.status_code == 200, response.content
        assert len(response.json()["updated"]) == n - 1
        counts.append(len(captured))
    assert counts[0] == counts[1]


# --- every feature matching a view ------------------------------------------------------------


def test_all_matching_changes_every_feature_the_filter_matches_and_no_other(team, product):
    mobile = FeatureFactory.create_batch(3, product=product)
    for feature in mobile:
        feature.tags.add(Tag.objects.get_or_create(workspace_id=product.workspace_id, name="mobile")[0])
    others = FeatureFactory.create_batch(2, product=product)
    archived = FeatureFactory(product=product)
    archived.tags.add(Tag.objects.get(name="mobile"))
    Feature.objects.filter(pk=archived.pk).update(archived_at="2026-01-01T00:00:00Z")
    Feature.objects.filter(pk=mobile[0].pk).update(version=5)  # edited since: still matches, still written
    planned = _status(product, "Planned")

    result = features_bulk_update_matching(
        actor=team.actor("editor"), product=product, query=parse_query({"tag": ["Mobile"]}), expected=3,
        changes={"status": planned.pk},
    )  # fmt: skip

    assert sorted(result.updated_ids) == sorted(f.pk for f in mobile)
    assert result.stale == [] and result.message() == "3 features updated."
    rows = dict(Feature.objects.values_list("id", "status_id"))
    assert {rows[f.pk] for f in mobile} == {planned.pk}
    assert planned.pk not in {rows[f.pk] for f in (*others, archived)}
    assert Feature.objects.get(pk=mobile[0].pk).version == 6
    assert ActivityEvent.objects.filter(action="updated", target_id__in=result.updated_ids).count() == 3


def test_all_matching_with_another_count_than_seen_is_409_and_writes_nothing(team, product):
    features = FeatureFactory.create_batch(4, product=product)
    before = dict(Feature.objects.values_list("id", "version"))
    with pytest.raises(ViewChanged) as caught:
        features_bulk_update_matching(
            actor=team.actor("editor"), product=product, query=parse_query({}), expected=3,
            changes={"add_tags": ["brand-new"]},
        )  # fmt: skip
    assert caught.value.status_code == 409 and caught.value.code == "view_changed"
    assert "4 features match it now, not 3" in caught.value.message
    assert dict(Feature.objects.values_list("id", "version")) == before
    assert not Tag.objects.filter(name="brand-new").exists()  # the tag it would have created: rolled back
    assert len(features) == 4


def test_all_matching_is_bounded(team, product, monkeypatch):
    monkeypatch.setattr("backlog.services.bulk.MAX_MATCHING", 3)
    FeatureFactory.create_batch(4, product=product)
    with pytest.raises(ValidationError) as caught:
        features_bulk_update_matching(
            actor=team.actor("editor"), product=product, query=parse_query({}), expected=4, changes={"moscow": "must"}
        )
    assert "expected_count" in caught.value.fields
    assert not Feature.objects.filter(moscow="must").exists()


def test_api_all_matching_reads_the_lists_filters(team, product):
    must = FeatureFactory.create_batch(2, product=product, moscow="must")
    could = FeatureFactory(product=product, moscow="could")
    body = {"all_matching": True, "expected_count": 2, "changes": {"moscow": "should"}}
    response = api(team.editor).post(_url(product) + "?moscow=must", body, format="json")
    assert response.status_code == 200, response.content
    assert sorted(response.json()["updated"]) == sorted(f.pk for f in must)
    assert Feature.objects.get(pk=could.pk).moscow == "could"

    again = api(team.editor).post(_url(product) + "?moscow=must", body, format="json")  # none match now
    assert again.status_code == 409
    assert again.json()["error"]["code"] == "view_changed"
    assert again.json()["error"]["fields"]["expected_count"] == ["0 match now."]


@pytest.mark.parametrize(
    ("query", "body", "field"),
    [
        ("", {"all_matching": True, "changes": {"moscow": "must"}}, "expected_count"),
        ("", {"all_matching": True, "expected_count": 0, "changes": {"moscow": "must"}}, "expected_count"),
        ("", {"all_matching": True, "expected_count": 5001, "changes": {"moscow": "must"}}, "expected_count"),
        ("", {"all_matching": True, "expected_count": 1, "items": [{"id": 1, "version": 1}], "changes": {}}, "items"),
        (
            "",
            {"items": [{"id": 1, "version": 1}], "expected_count": 1, "changes": {"moscow": "must"}},
            "expected_count",
        ),
        ("?moscow=must", {"items": [{"id": 1, "version": 1}], "changes": {"moscow": "must"}}, "moscow"),
        ("?moscow=nope", {"all_matching": True, "expected_count": 1, "changes": {"moscow": "must"}}, "moscow"),
        ("?status=", {"all_matching": True, "expected_count": 1, "changes": {"moscow": "must"}}, "status"),
        ("?colour=red", {"all_matching": True, "expected_count": 1, "changes": {"moscow": "must"}}, "colour"),
    ],
)
def test_api_all_matching_bad_input_is_400_and_changes_nothing(team, product, query, body, field):
    feature = FeatureFactory(product=product)
    response = api(team.editor).post(_url(product) + query, body, format="json")
    assert response.status_code == 400, response.content
    assert field in response.json()["error"]["fields"], response.json()
    assert Feature.objects.get(pk=feature.pk).version == 1


def test_api_all_matching_queries_do_not_grow_with_rows(team, product, django_assert_max_num_queries):
    status = _status(product, "Planned")
    client = api(team.editor)
    counts = []
    for n in (5, 5, 60):  # the first run warms the caches and creates the tag
        Feature.objects.filter(product=product).delete()
        FeatureFactory.create_batch(n, product=product, moscow="could")
        body = {"all_matching": True, "expected_count": n, "changes": {"status": status.pk, "add_tags": ["bulk"]}}
        with django_assert_max_num_queries(20) as captured:
            response = client.post(_url(product) + "?moscow=could", body, format="json")
        assert response.status_code == 200, response.content
        assert len(response.json()["updated"]) == n
        counts.append(len(captured))
    assert counts[1] == counts[2]
