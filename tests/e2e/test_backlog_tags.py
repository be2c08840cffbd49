"""Tags in the browser: an editor fixes a misspelt tag by renaming it, runs into an existing tag's
name, follows the offered merge, confirms it (the page says how many features move) and follows the
tag's count to the backlog filtered by it, where every feature that had either tag is found.
Screenshots under the pytest temp dir (`screens`)."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from backlog.models import Tag
from backlog.services.features import feature_create

pytestmark = pytest.mark.browser


def test_editor_renames_a_tag_and_merges_two(web, signed_in, team, product):
    actor = team.actor("editor")
    for title, tags in (
        ("Offline mode", ["Mobil"]),
        ("Push notifications", ["Mobil", "Mobile"]),
        ("Home screen widget", ["Mobile"]),
        ("Dark mode", ["Phne"]),
        ("CSV export", []),
    ):
        feature_create(actor=actor, product=product, title=title, tags=tags)

    page = signed_in(team.editor)
    page.goto("/w/acme/settings/")
    page.get_by_role("navigation", name="Settings").get_by_role("link", name="Tags").click()
    expect(page.get_by_role("heading", name="Tags", exact=True)).to_be_visible()

    # A plain rename: "Phne" → "Phone", with a colour.
    page.get_by_role("link", name="Edit Phne").click()
    page.get_by_label("Name").fill("Phone")
    page.get_by_label("Colour").fill("#0f766e")
    page.get_by_role("button", name="Save changes").click()
    expect(page.get_by_role("status")).to_contain_text("Saved “Phone”.")
    expect(page.get_by_role("row", name=re.compile("Phone"))).to_contain_text("1")

    # Renaming "Mobil" to "mobile" meets the existing tag: the page offers the merge instead.
    page.get_by_role("link", name="Edit Mobil", exact=True).click()
    page.get_by_label("Name").fill("mobile")
    page.get_by_role("button", name="Save changes").click()
    expect(page.get_by_role("heading", name="“Mobile” already exists")).to_be_visible()
    web.shot(page, "70-tag-rename-clash")
    page.get_by_role("link", name="Merge into “Mobile”…").click()
    expect(page.get_by_role("heading", name="Merge “Mobil” into “Mobile”?")).to_be_visible()
    expect(page.locator(".merge-summary")).to_contain_text("1 feature moves from “Mobil” to “Mobile”")
    expect(page.locator(".merge-summary")).to_contain_text("1 already has both")
    web.shot(page, "71-tag-merge-confirm")
    page.get_by_role("button", name="Merge into “Mobile”").click()
    expect(page.get_by_role("status")).to_contain_text("Merged “Mobil” into “Mobile”.")
    expect(page.get_by_role("row", name=re.compile("Mobil\\b"))).to_have_count(0)
    row = page.get_by_role("row", name=re.compile("Mobile"))
    expect(row).to_contain_text("3")
    web.shot(page, "72-tags-after-merge")
    assert list(Tag.objects.filter(workspace=team.workspace).values_list("name", flat=True)) == ["Mobile", "Phone"]

    # The count leads to the backlog filtered by the tag: the three features, and only those.
    row.get_by_role("link", name=re.compile("3 features tagged Mobile")).click()
    expect(page).to_have_url(re.compile(r"/products/atlas/backlog/\?tag=Mobile$"))
    for title in ("Offline mode", "Push notifications", "Home screen widget"):
        expect(page.get_by_role("link", name=title, exact=True)).to_be_visible()
    expect(page.get_by_role("link", name="Dark mode", exact=True)).to_have_count(0)
    expect(page.get_by_role("link", name="CSV export", exact=True)).to_have_count(0)
    web.shot(page, "73-backlog-filtered-by-tag")

    # The colour given to "Phone" shows on its features' rows as a dot before the name.
    page.goto("/w/acme/products/atlas/backlog/")
    dark_mode = product.features.get(title="Dark mode")
    phone = page.locator(f"#feature-{dark_mode.pk} .col-tags .tag")
    expect(phone).to_have_text("Phone")
    expect(phone.locator("svg.tag-chip circle")).to_have_attribute("fill", "#0f766e")
    assert phone.locator("svg.tag-chip").bounding_box()["width"] == 8
    web.shot(page, "74-backlog-tag-colours")
