"""The tag pages: the list (colour chip, description, feature counts linked to each product's backlog
filtered by the tag; buttons for editors only), create and edit with errors beside their fields, the
conflict panel on a stale version, a rename onto another tag's name offering the merge, the merge in
two steps (choose, then a confirmation that counts the features that move) and the delete
confirmation that says how many features lose the tag."""

from __future__ import annotations

from typing import Any

import pytest

from backlog.models import Feature, Tag
from backlog.services.tags import tag_create, tag_update
from tests.factories import FeatureFactory, ProductFactory
from tests.harness.queries import page

pytestmark = pytest.mark.django_db


def html(response: Any) -> str:
    return response.content.decode()


@pytest.fixture
def pair(team: Any) -> tuple[Tag, Tag]:
    typo = tag_create(actor=team.actor(), workspace=team.workspace, name="Mobil")
    mobile = tag_create(
        actor=team.actor(), workspace=team.workspace, name="Mobile", colour="#4f46e5", description="Phones & tablets"
    )
    return typo, mobile


def test_list_shows_chips_descriptions_and_links_to_each_products_filter(team, product, pair):
    typo, mobile = pair
    beacon = ProductFactory(workspace=team.workspace, name="Beacon", slug="beacon")
    FeatureFactory(product=product).tags.add(mobile)
    FeatureFactory(product=beacon).tags.add(mobile)
    FeatureFactory(product=product).tags.add(typo)
    editor = html(page(team.editor).get("/w/acme/tags/"))
    assert 'fill="#4f46e5"' in editor and "Phones &amp; tablets" in editor
    assert '/w/acme/products/atlas/backlog/?tag=Mobile">Atlas (1)</a>' in editor
    assert '/w/acme/products/beacon/backlog/?tag=Mobile">Beacon (1)</a>' in editor
    assert '/w/acme/products/atlas/backlog/?tag=Mobil"' in editor  # one product: the count is the link
    assert f"/w/acme/tags/{typo.pk}/merge/" in editor and "New tag" in editor
    assert 'aria-current="page">Tags' in editor  # the settings tab
    viewer = html(page(team.viewer).get("/w/acme/tags/"))
    assert "Mobile" in viewer and "/merge/" not in viewer and "New tag" not in viewer
    assert "Only editors and admins can change" in viewer


def test_the_link_finds_the_features_in_the_backlog(team, product, pair):
    _typo, mobile = pair
    feature = FeatureFactory(product=product, title="Offline mode")
    feature.tags.add(mobile)
    FeatureFactory(product=product, title="Dark mode")
    backlog = html(page(team.viewer).get("/w/acme/products/atlas/backlog/?tag=Mobile"))
    assert "Offline mode" in backlog and "Dark mode" not in backlog


def test_the_settings_tabs_link_the_tags_page(team):
    assert "/w/acme/tags/" in html(page(team.viewer).get("/w/acme/teams/"))


def test_create_and_errors_beside_their_fields(team, pair):
    client = page(team.editor)
    made = client.post("/w/acme/tags/new/", {"name": " Onboarding ", "colour": "#ABCDEF", "description": "First run"})
    assert made.status_code == 302
    assert Tag.objects.filter(name="Onboarding", colour="#abcdef", description="First run").exists()
    taken = client.post("/w/acme/tags/new/", {"name": "mobile", "colour": "", "description": ""})
    assert taken.status_code == 400 and "A tag “Mobile” exists" in html(taken)
    assert taken.context["form"].errors["name"]
    bad = client.post("/w/acme/tags/new/", {"name": "", "colour": "blue", "description": "x" * 201})
    assert bad.status_code == 400 and set(bad.context["form"].errors) == {"name", "colour", "description"}
    assert Tag.objects.filter(workspace=team.workspace).count() == 3


def test_edit_clears_the_colour_and_a_stale_version_shows_the_conflict_panel(team, pair):
    _typo, mobile = pair
    client = page(team.editor)
    url = f"/w/acme/tags/{mobile.pk}/edit/"
    assert client.post(url, {"name": "Mobile", "colour": "", "description": "", "version": 1}).status_code == 302
    mobile.refresh_from_db()
    assert (mobile.colour, mobile.version) == ("", 2)
    tag_update(actor=team.actor(), tag_id=mobile.pk, version=2, description="Apps")
    stale = client.post(url, {"name": "Mobile apps", "colour": "#000000", "description": "", "version": 2})
    assert stale.status_code == 409
    text = html(stale)
    assert "Someone else saved this tag" in text and "Apps" in text and 'value="Mobile apps"' in text
    assert 'name="version" value="3"' in text
    mobile.refresh_from_db()
    assert mobile.name == "Mobile"


def test_rename_onto_another_tag_offers_the_merge(team, pair):
    typo, mobile = pair
    response = page(team.editor).post(
        f"/w/acme/tags/{typo.pk}/edit/", {"name": "MOBILE", "colour": "", "description": "", "version": 1}
    )
    assert response.status_code == 400
    text = html(response)
    assert "“Mobile” already exists" in text
    assert f'/w/acme/tags/{typo.pk}/merge/?into={mobile.pk}"' in text
    assert Tag.objects.get(pk=typo.pk).name == "Mobil"


def test_merge_in_two_steps_counts_what_moves(team, product, pair):
    typo, mobile = pair
    both, only_typo, also_only_typo = FeatureFactory.create_batch(3, product=product)
    both.tags.add(typo, mobile)
    only_typo.tags.add(typo)
    also_only_typo.tags.add(typo)
    client = page(team.editor)
    url = f"/w/acme/tags/{typo.pk}/merge/"
    choose = html(client.get(url))
    assert f'<option value="{mobile.pk}">Mobile (1)</option>' in choose and f'value="{typo.pk}"' not in choose
    confirm = client.get(f"{url}?into={mobile.pk}")
    text = html(confirm)
    assert confirm.status_code == 200
    assert "<strong>2 features</strong> move from “Mobil” to “Mobile”" in text
    assert "1 already has both and keeps “Mobile” once" in text
    done = client.post(url, {"into": mobile.pk, "version": 1, "into_version": 1})
    assert done.status_code == 302 and done["Location"].endswith(f"#tag-{mobile.pk}")
    assert not Tag.objects.filter(pk=typo.pk).exists()
    assert set(Feature.objects.filter(tags=mobile).values_list("pk", flat=True)) == {
        both.pk, only_typo.pk, also_only_typo.pk,
    }  # fmt: skip


def test_merge_choice_errors_and_a_stale_confirmation(team, pair):
    typo, mobile = pair
    theirs = tag_create(actor=team.actor("outsider"), workspace=team.other_workspace, name="Theirs")
    client = page(team.editor)
    url = f"/w/acme/tags/{typo.pk}/merge/"
    for into in (typo.pk, theirs.pk, "abc"):
        assert client.get(f"{url}?into={into}").status_code == 400
    tag_update(actor=team.actor(), tag_id=mobile.pk, version=1, colour="")
    stale = client.post(url, {"into": mobile.pk, "version": 1, "into_version": 1})
    assert stale.status_code == 409 and "Someone else changed one of these tags" in html(stale)
    assert 'name="into_version" value="2"' in html(stale)
    assert Tag.objects.filter(pk=typo.pk).exists()
    assert client.post(url, {"into": theirs.pk, "version": 1, "into_version": 1}).status_code == 404
    assert client.post(url, {"into": mobile.pk, "version": 1, "into_version": 2}).status_code == 302


def test_merge_of_the_only_tag_says_there_is_nothing_to_merge_into(team):
    only = tag_create(actor=team.actor(), workspace=team.workspace, name="Only")
    assert "No other tag" in html(page(team.editor).get(f"/w/acme/tags/{only.pk}/merge/"))


def test_delete_confirmation_counts_the_features_and_a_stale_one_asks_again(team, product, pair):
    typo, mobile = pair
    FeatureFactory(product=product).tags.add(mobile)
    FeatureFactory(product=product).tags.add(mobile)
    client = page(team.editor)
    url = f"/w/acme/tags/{mobile.pk}/delete/"
    assert "from its 2 features (the features stay)" in html(client.get(url))
    assert "(no feature has it)" in html(client.get(f"/w/acme/tags/{typo.pk}/delete/"))
    tag_update(actor=team.actor(), tag_id=mobile.pk, version=1, description="x")
    assert client.post(url, {"version": 1}).status_code == 409
    assert client.post(url, {"version": 2}).status_code == 302
    assert not Tag.objects.filter(pk=mobile.pk).exists() and Feature.objects.count() == 2


def test_the_activity_page_shows_a_merge(team, pair):
    typo, mobile = pair
    page(team.editor).post(f"/w/acme/tags/{typo.pk}/merge/", {"into": mobile.pk, "version": 1, "into_version": 1})
    response = page(team.viewer).get("/w/acme/activity/?action=merged")
    assert response.status_code == 200
    text = html(response)
    assert "Mobil" in text and "Mobile" in text
