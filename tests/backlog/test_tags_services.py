"""The tag services: create (names unique ignoring case, cleaned with the features' bound), update
(rename / recolour / describe with the version; a rename onto another tag's name refused with the
offer to merge), merge (set-based: features with both keep the target once; both versions checked;
same workspace only) and delete (version required; features lose the tag). Each change records an
activity event; nothing is written when nothing changed."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from backlog.models import TAG_MAX, Feature, Tag
from backlog.selectors.tags import merge_counts, tag_products, tags_of
from backlog.services import tags
from backlog.services.features import feature_archive, feature_create
from pmtool.errors import NotFound, ValidationError
from pmtool.models import ActivityEvent
from pmtool.versioning import StaleVersion
from tests.factories import FeatureFactory, ProductFactory
from tests.harness.race import race

pytestmark = pytest.mark.django_db


def tagged(tag: Tag) -> set[int]:
    return set(Feature.objects.filter(tags=tag).values_list("pk", flat=True))


def tag_names(feature: Feature) -> list[str]:
    return sorted(feature.tags.values_list("name", flat=True))


@pytest.fixture
def pair(team: Any, product: Any) -> tuple[Tag, Tag]:
    typo = tags.tag_create(actor=team.actor(), workspace=team.workspace, name="Mobil")
    mobile = tags.tag_create(actor=team.actor(), workspace=team.workspace, name="Mobile")
    return typo, mobile


# --- create ---------------------------------------------------------------------------------


def test_create_cleans_and_records(team):
    made = tags.tag_create(
        actor=team.actor(), workspace=team.workspace, name="  Onboarding ", colour="#4F46E5",
        description="  First run\nexperience  ",
    )  # fmt: skip
    assert (made.name, made.colour, made.description, made.version) == (
        "Onboarding", "#4f46e5", "First run experience", 1,
    )  # fmt: skip
    event = ActivityEvent.objects.get(target_id=made.pk, action="created")
    assert event.changes["name"] == {"from": None, "to": "Onboarding"}


def test_create_refuses_a_name_taken_ignoring_case_and_bad_input(team, pair):
    cases = [
        ({"name": "MOBILE"}, "name"),
        ({"name": "   "}, "name"),
        ({"name": "x" * (TAG_MAX + 1)}, "name"),
        ({"name": "a\x00b"}, "name"),
        ({"name": "Ok", "colour": "red"}, "colour"),
        ({"name": "Ok", "description": "d" * 201}, "description"),
    ]
    for arguments, field in cases:
        with pytest.raises(ValidationError) as caught:
            tags.tag_create(actor=team.actor(), workspace=team.workspace, **arguments)
        assert field in caught.value.fields, arguments
    assert Tag.objects.filter(workspace=team.workspace).count() == 2
    assert tags.tag_create(actor=team.actor(), workspace=team.workspace, name="x" * TAG_MAX).name == "x" * TAG_MAX


def test_the_same_name_in_another_workspace_is_another_tag(team, pair):
    theirs = tags.tag_create(actor=team.actor("outsider"), workspace=team.other_workspace, name="mobile")
    assert theirs.workspace_id == team.other_workspace.pk


# --- update ---------------------------------------------------------------------------------


def test_rename_recolour_and_clear_the_colour(team, pair):
    typo, _mobile = pair
    renamed = tags.tag_update(actor=team.actor(), tag_id=typo.pk, version=1, name="Mobile web", colour="#ABCDEF")
    assert (renamed.name, renamed.colour, renamed.version) == ("Mobile web", "#abcdef", 2)
    cleared = tags.tag_update(actor=team.actor(), tag_id=typo.pk, version=2, colour="")
    assert (cleared.colour, cleared.version) == ("", 3)
    event = ActivityEvent.objects.filter(target_id=typo.pk, action="updated").order_by("id").first()
    assert event.changes["name"] == {"from": "Mobil", "to": "Mobile web"}


def test_rename_onto_another_tags_name_is_refused_and_names_it(team, pair):
    typo, mobile = pair
    with pytest.raises(tags.TagNameTaken) as caught:
        tags.tag_update(actor=team.actor(), tag_id=typo.pk, version=1, name="mobile")
    assert caught.value.existing.pk == mobile.pk
    assert caught.value.code == "tag_name_taken"
    assert "merge “Mobil” into “Mobile”" in caught.value.fields["name"][0]
    typo.refresh_from_db()
    assert (typo.name, typo.version) == ("Mobil", 1)  # no silent merge, nothing written
    assert tagged(mobile) == set()


def test_a_change_of_case_is_a_rename(team, pair):
    typo, _mobile = pair
    assert tags.tag_update(actor=team.actor(), tag_id=typo.pk, version=1, name="MOBIL").name == "MOBIL"


def test_stale_update_and_nothing_changed(team, pair):
    typo, _mobile = pair
    same = tags.tag_update(actor=team.actor(), tag_id=typo.pk, version=1, name="Mobil", description="")
    assert same.version == 1 and not ActivityEvent.objects.filter(target_id=typo.pk, action="updated").exists()
    tags.tag_update(actor=team.actor(), tag_id=typo.pk, version=1, description="Typo")
    with pytest.raises(StaleVersion) as caught:
        tags.tag_update(actor=team.actor(), tag_id=typo.pk, version=1, name="Mobi")
    assert caught.value.current_version == 2


# --- merge ----------------------------------------------------------------------------------


def test_merge_moves_features_and_a_feature_with_both_keeps_the_target_once(team, product, pair):
    typo, mobile = pair
    only_typo, both, only_mobile = FeatureFactory.create_batch(3, product=product)
    untouched = FeatureFactory(product=product)
    only_typo.tags.add(typo)
    both.tags.add(typo, mobile)
    only_mobile.tags.add(mobile)
    assert merge_counts(typo, mobile).moving == 1 and merge_counts(typo, mobile).both == 1

    merged = tags.tag_merge(actor=team.actor(), tag_id=typo.pk, version=1, into_id=mobile.pk, into_version=1)

    assert merged.pk == mobile.pk and merged.version == 2
    assert not Tag.objects.filter(pk=typo.pk).exists()
    assert tagged(mobile) == {only_typo.pk, both.pk, only_mobile.pk}
    assert Feature.tags.through.objects.filter(feature=both).count() == 1
    assert tag_names(untouched) == []
    event = ActivityEvent.objects.get(action="merged")
    assert event.target_id == mobile.pk
    assert event.changes == {"merged": {"from": "Mobil", "to": "Mobile"}, "features": {"from": 2, "to": 3}}


def test_merge_is_set_based(team, product, pair):
    typo, mobile = pair
    for feature in FeatureFactory.create_batch(30, product=product):
        feature.tags.add(typo)
    with CaptureQueriesContext(connection) as queries:
        tags.tag_merge(actor=team.actor(), tag_id=typo.pk, version=1, into_id=mobile.pk, into_version=1)
    inserts = [q["sql"] for q in queries if "ON CONFLICT" in q["sql"]]
    assert len(inserts) == 1 and "INSERT INTO" in inserts[0] and "SELECT" in inserts[0]
    assert len(tagged(mobile)) == 30
    assert len(queries) < 20  # constant: no statement per feature


def test_merge_checks_both_versions(team, pair):
    typo, mobile = pair
    tags.tag_update(actor=team.actor(), tag_id=mobile.pk, version=1, colour="#000000")
    with pytest.raises(StaleVersion) as stale_target:
        tags.tag_merge(actor=team.actor(), tag_id=typo.pk, version=1, into_id=mobile.pk, into_version=1)
    assert stale_target.value.current.pk == mobile.pk
    with pytest.raises(StaleVersion) as stale_source:
        tags.tag_merge(actor=team.actor(), tag_id=typo.pk, version=7, into_id=mobile.pk, into_version=2)
    assert stale_source.value.current.pk == typo.pk
    assert Tag.objects.filter(pk=typo.pk).exists()


def test_merge_refuses_itself_another_workspace_and_a_missing_tag(team, pair):
    typo, _mobile = pair
    theirs = tags.tag_create(actor=team.actor("outsider"), workspace=team.other_workspace, name="Theirs")
    for into_id, into_version in ((typo.pk, 1), (theirs.pk, 1), (999_999, 1)):
        with pytest.raises(ValidationError) as caught:
            tags.tag_merge(actor=team.actor(), tag_id=typo.pk, version=1, into_id=into_id, into_version=into_version)
        assert "into" in caught.value.fields
    with pytest.raises(NotFound):
        tags.tag_merge(actor=team.actor(), tag_id=999_999, version=1, into_id=typo.pk, into_version=1)
    assert Tag.objects.filter(pk=typo.pk).exists() and Tag.objects.filter(pk=theirs.pk).exists()


# --- delete ---------------------------------------------------------------------------------


def test_delete_needs_the_version_and_removes_the_tag_from_its_features(team, product, pair):
    typo, mobile = pair
    feature = FeatureFactory(product=product)
    feature.tags.add(typo, mobile)
    tags.tag_update(actor=team.actor(), tag_id=typo.pk, version=1, colour="#111111")
    with pytest.raises(StaleVersion):
        tags.tag_delete(actor=team.actor(), tag_id=typo.pk, version=1)
    tags.tag_delete(actor=team.actor(), tag_id=typo.pk, version=2)
    assert tag_names(feature) == ["Mobile"] and Feature.objects.filter(pk=feature.pk).exists()
    event = ActivityEvent.objects.get(action="deleted", target_id=typo.pk)
    assert event.changes["features"] == {"from": 1, "to": 0}


# --- selectors and the features' own tag creation ---------------------------------------------


def test_counts_leave_archived_features_out_and_products_are_listed(team, product):
    other = ProductFactory(workspace=team.workspace, name="Beacon", slug="beacon")
    feature_create(actor=team.actor(), product=product, title="A", tags=["mobile"])
    archived = feature_create(actor=team.actor(), product=product, title="B", tags=["Mobile"])
    feature_archive(actor=team.actor(), feature_id=archived.pk, version=1)
    feature_create(actor=team.actor(), product=other, title="C", tags=["MOBILE"])
    (mobile,) = tags_of(team.workspace)
    assert (mobile.name, mobile.feature_count) == ("mobile", 2)  # the first spelling, archived left out
    where = tag_products(team.workspace)[mobile.pk]
    assert [(w.product.slug, w.count) for w in where] == [("atlas", 1), ("beacon", 1)]


def test_a_feature_naming_a_renamed_tag_finds_it(team, product, pair):
    typo, _mobile = pair
    tags.tag_update(actor=team.actor(), tag_id=typo.pk, version=1, name="Tablet")
    feature = feature_create(actor=team.actor(), product=product, title="A", tags=["tablet"])
    assert list(feature.tags.values_list("pk", flat=True)) == [typo.pk]


@pytest.mark.postgres
def test_a_create_racing_another_of_the_same_name_answers_tag_name_taken(transactional_db, team):
    """Two creates of one name at once: the second waits on the unique index, then is told the name
    is taken (TagNameTaken, a 400), never an IntegrityError (a 500)."""
    result = race(
        lambda: Tag.objects.create(workspace_id=team.workspace.pk, name="Tablet"),  # the first, not committed yet
        lambda: tags.tag_create(actor=team.actor(), workspace=team.workspace, name="tablet"),
    )
    assert result.waited, "the second create never waited on the first"
    assert not result.errors.get("hold") and isinstance(result.errors.get("then"), tags.TagNameTaken), result
    assert list(Tag.objects.filter(workspace=team.workspace).values_list("name", flat=True)) == ["Tablet"]


# --- the features' versions -----------------------------------------------------------------


def _versions(*features: Feature) -> list[int]:
    return [Feature.objects.get(pk=f.pk).version for f in features]


def test_a_rename_merge_or_delete_moves_the_versions_of_the_features_it_changes(team, product, pair):
    """A feature's tag list reads differently after each of these, so its version goes up (one UPDATE
    for all); a recolour or a description does not change what a feature reads, and leaves them."""
    typo, mobile = pair
    both, only_typo, only_mobile, untagged = FeatureFactory.create_batch(4, product=product)
    both.tags.add(typo, mobile)
    only_typo.tags.add(typo)
    only_mobile.tags.add(mobile)
    tags.tag_update(actor=team.actor(), tag_id=typo.pk, version=1, colour="#123456", description="Typo")
    assert _versions(both, only_typo, only_mobile, untagged) == [1, 1, 1, 1]
    tags.tag_update(actor=team.actor(), tag_id=typo.pk, version=2, name="Mobil")  # the same name: no change
    assert _versions(both, only_typo, only_mobile, untagged) == [1, 1, 1, 1]
    tags.tag_update(actor=team.actor(), tag_id=typo.pk, version=2, name="Mobiel")
    assert _versions(both, only_typo, only_mobile, untagged) == [2, 2, 1, 1]
    assert Feature.objects.get(pk=only_typo.pk).updated_by == team.admin
    tags.tag_merge(actor=team.actor(), tag_id=typo.pk, version=3, into_id=mobile.pk, into_version=1)
    assert _versions(both, only_typo, only_mobile, untagged) == [3, 3, 1, 1]
    tags.tag_delete(actor=team.actor(), tag_id=mobile.pk, version=2)
    assert _versions(both, only_typo, only_mobile, untagged) == [4, 4, 2, 1]


def test_a_feature_edit_from_before_a_rename_is_stale_and_does_not_bring_the_old_name_back(team, product, pair):
    typo, _mobile = pair
    feature = feature_create(actor=team.actor(), product=product, title="A", tags=["Mobil"])
    tags.tag_update(actor=team.actor(), tag_id=typo.pk, version=1, name="Tablet")
    with pytest.raises(StaleVersion):  # the form still lists "Mobil"
        feature_update_tags(team, feature, ["Mobil"], version=1)
    assert list(Tag.objects.filter(workspace=team.workspace, name="Mobil")) == []
    assert tag_names(feature) == ["Tablet"]


def test_a_stale_tag_version_leaves_the_features_versions_as_they_were(team, product, pair):
    typo, mobile = pair
    feature = FeatureFactory(product=product)
    feature.tags.add(typo)
    for call in (
        lambda: tags.tag_update(actor=team.actor(), tag_id=typo.pk, version=9, name="Tablet"),
        lambda: tags.tag_merge(actor=team.actor(), tag_id=typo.pk, version=9, into_id=mobile.pk, into_version=1),
        lambda: tags.tag_delete(actor=team.actor(), tag_id=typo.pk, version=9),
    ):
        with pytest.raises(StaleVersion):
            call()
    assert _versions(feature) == [1]


def feature_update_tags(team: Any, feature: Feature, names: list[str], *, version: int) -> Feature:
    from backlog.services.features import feature_update

    return feature_update(actor=team.actor(), feature_id=feature.pk, version=version, tags=names)


@pytest.mark.postgres
@pytest.mark.parametrize("change", ["rename", "merge", "delete"])
def test_a_tag_change_racing_a_feature_edit_that_adds_the_tag_lets_both_finish(transactional_db, team, product, change):
    """A feature edit that adds a tag holds it (FOR KEY SHARE) until it commits: a merge or delete
    started meanwhile waits, then finds the new tag row and carries it along. Without the hold the
    edit's commit failed the tag row's foreign key (a 500). A rename waits the same way."""
    typo = tags.tag_create(actor=team.actor(), workspace=team.workspace, name="Mobil")
    mobile = tags.tag_create(actor=team.actor(), workspace=team.workspace, name="Mobile")
    feature = FeatureFactory(product=product)
    other = FeatureFactory(product=product)
    other.tags.add(typo)
    changes = {
        "rename": lambda: tags.tag_update(actor=team.actor(), tag_id=typo.pk, version=1, name="Tablet"),
        "merge": lambda: tags.tag_merge(
            actor=team.actor(), tag_id=typo.pk, version=1, into_id=mobile.pk, into_version=1
        ),
        "delete": lambda: tags.tag_delete(actor=team.actor(), tag_id=typo.pk, version=1),
    }
    result = race(lambda: feature_update_tags(team, feature, ["Mobil"], version=1), changes[change])
    assert result.errors == {}, result
    expected = {"rename": ["Tablet"], "merge": ["Mobile"], "delete": []}[change]
    assert tag_names(Feature.objects.get(pk=feature.pk)) == expected
    assert tag_names(Feature.objects.get(pk=other.pk)) == expected
