"""Features in the browser: create a feature with RICE inputs and see its score; edit RICE inline in
the backlog list (htmx, no reload), including a stale edit; filter, search and sort the backlog; the
keyboard shortcuts."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from backlog.models import Feature, FeatureStatus
from backlog.services.features import feature_create, feature_update
from pmtool.activity import Actor

pytestmark = pytest.mark.browser


def _seed(team, product) -> None:
    actor = Actor(user=team.editor)
    done = FeatureStatus.objects.get(workspace=team.workspace, category="done")
    feature_create(
        actor=actor, product=product, title="Export to CSV", reach=500, impact=1, confidence=80, effort=2,
        tags=["data"], moscow="must",
    )  # fmt: skip
    feature_create(actor=actor, product=product, title="Billing bug", type="bug", status_id=done.pk)
    feature_create(
        actor=actor, product=product, title="Dark mode", description="Night colours for late work.",
        reach=100, impact=0.5, confidence=50, effort=1, tags=["ui"],
    )  # fmt: skip


def test_create_a_feature_with_rice_and_see_its_score(web, signed_in, team, product):
    page = signed_in(team.editor)
    page.goto("/w/acme/products/atlas/")
    page.get_by_role("link", name="Backlog", exact=True).last.click()
    expect(page.get_by_role("heading", name="Backlog of Atlas", level=1)).to_be_visible()
    expect(page.get_by_text("No features yet")).to_be_visible()
    page.get_by_role("link", name="New feature").first.click()
    page.get_by_label("Title").fill("Offline mode")
    page.get_by_label("Tags").fill("mobile, sync")
    page.get_by_label("Reach").fill("2000")
    page.get_by_label("Impact").select_option("2")
    page.get_by_label("Confidence (%)").fill("80")
    page.get_by_label("Effort (person-months)").fill("0")
    page.get_by_role("button", name="Create feature").click()
    expect(page.locator(".errorlist")).to_contain_text("Effort must be more than 0 person-months")
    web.shot(page, "features-01-create-effort-zero")
    page.get_by_label("Effort (person-months)").fill("4")
    page.get_by_label("Description").fill("Work **without** a connection.")
    web.shot(page, "features-02-create-form")
    page.get_by_role("button", name="Create feature").click()
    expect(page.get_by_role("heading", name="Offline mode", level=1)).to_be_visible()
    expect(page.locator('[data-score="rice"]')).to_have_text("800")  # 2000 × 2 × 0.8 ÷ 4
    expect(page.locator(".markdown strong")).to_have_text("without")
    web.shot(page, "features-03-detail-with-score")
    page.get_by_role("link", name="Atlas").click()
    row = page.locator("li[data-feature-id]", has_text="Offline mode")
    expect(row.locator('[data-score="rice"]')).to_contain_text("800")
    expect(row.get_by_role("button", name="Move Offline mode")).to_be_visible()
    web.shot(page, "features-04-backlog-one-feature")


def test_edit_rice_inline_in_the_list(web, signed_in, team, product):
    _seed(team, product)
    page = signed_in(team.editor)
    page.goto("/w/acme/products/atlas/backlog/")
    page.evaluate("window.__noReload = true")
    row = page.locator("li[data-feature-id]", has_text="Dark mode")
    expect(row.locator('[data-score="rice"]')).to_contain_text("25")  # 100 × 0.5 × 0.5 ÷ 1
    row.get_by_role("link", name="Edit scores of Dark mode").click()
    form = row.locator("form.rice-form")
    expect(form.get_by_label("Reach")).to_have_value("100")
    expect(form.get_by_label("Reach")).to_be_focused()
    form.get_by_label("Reach").fill("400")
    form.get_by_label("Impact").select_option("2")
    web.shot(page, "features-05-inline-form")
    form.get_by_role("button", name="Save").click()
    row = page.locator("li[data-feature-id]", has_text="Dark mode")
    expect(row.get_by_role("status")).to_have_text("Saved")
    expect(row.locator('[data-score="rice"]')).to_contain_text("400")  # 400 × 2 × 0.5 ÷ 1
    web.shot(page, "features-06-inline-saved")
    # someone else changes it meanwhile: the stale edit shows the conflict in the row
    row.get_by_role("link", name="Edit scores of Dark mode").click()
    dark = Feature.objects.get(title="Dark mode")
    feature_update(actor=Actor(user=team.admin), feature_id=dark.pk, version=dark.version, reach=10)
    form = row.locator("form.rice-form")
    form.get_by_label("Confidence (%)").fill("100")
    form.get_by_role("button", name="Save").click()
    expect(row.locator(".rice-conflict")).to_contain_text("Someone else changed this feature")
    expect(row.locator(".rice-conflict")).to_contain_text("reach 10")
    web.shot(page, "features-07-inline-conflict")
    row.locator("form.rice-form").get_by_label("Reach").fill("10")
    row.locator("form.rice-form").get_by_role("button", name="Save").click()
    expect(row.get_by_role("status")).to_have_text("Saved")
    expect(row.locator('[data-score="rice"]')).to_contain_text("20")  # 10 × 2 × 1 ÷ 1
    assert page.evaluate("window.__noReload") is True  # never a page load


def test_filter_search_and_sort(web, signed_in, team, product):
    _seed(team, product)
    page = signed_in(team.viewer)
    page.goto("/w/acme/products/atlas/backlog/")
    rows = page.locator("li[data-feature-id] .feature-link")
    expect(rows).to_have_text(["Export to CSV", "Billing bug", "Dark mode"])
    expect(page.get_by_role("button", name=re.compile("Move"))).to_have_count(0)  # a viewer: no handles
    page.get_by_label("Search", exact=True).fill("colours")
    expect(rows).to_have_text(["Dark mode"])
    assert "q=colours" in page.url
    web.shot(page, "features-08-search")
    page.get_by_label("Search", exact=True).fill("")
    page.get_by_label("Type", exact=True).select_option("bug")
    expect(rows).to_have_text(["Billing bug"])
    page.get_by_label("Type", exact=True).select_option("")
    page.get_by_label("Tag", exact=True).select_option("ui")
    expect(rows).to_have_text(["Dark mode"])
    page.get_by_label("Tag", exact=True).select_option("")
    page.get_by_label("Sort", exact=True).select_option("rice")
    expect(rows).to_have_text(["Export to CSV", "Dark mode", "Billing bug"])
    web.shot(page, "features-09-sorted-by-rice")
    page.get_by_label("Category", exact=True).select_option("done")
    expect(rows).to_have_text(["Billing bug"])


def test_keyboard_shortcuts(web, signed_in, team, product):
    _seed(team, product)
    page = signed_in(team.editor)
    page.goto("/w/acme/products/atlas/backlog/")
    page.locator("body").press("?")
    dialog = page.get_by_role("dialog", name="Keyboard shortcuts")
    expect(dialog).to_be_visible()
    web.shot(page, "features-10-shortcuts")
    page.keyboard.press("Escape")
    expect(dialog).to_be_hidden()
    page.keyboard.press("j")
    page.keyboard.press("j")
    focused = page.locator("li[data-feature-id]:focus")
    expect(focused).to_contain_text("Billing bug")
    page.keyboard.press("k")
    expect(page.locator("li[data-feature-id]:focus")).to_contain_text("Export to CSV")
    page.keyboard.press("e")
    expect(page.locator("li[data-feature-id]", has_text="Export to CSV").locator("form.rice-form")).to_be_visible()
    page.keyboard.press("Escape")
    expect(page.locator("form.rice-form")).to_have_count(0)
    page.locator("body").press("/")
    expect(page.get_by_label("Search", exact=True)).to_be_focused()
    page.get_by_label("Search", exact=True).press("Escape")
    page.locator("body").click(position={"x": 5, "y": 5})
    page.keyboard.press("n")
    expect(page.get_by_role("heading", name="New feature in Atlas")).to_be_visible()
