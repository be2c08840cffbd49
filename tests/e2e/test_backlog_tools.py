"""The backlog tools in the browser: save a filtered view and reopen it from the menu; import a CSV
with one bad row (the page names its line) and import the clean rows only; select three rows and
change their status in one go; change every feature of a filtered view, across pages, after a
confirmation that names the count."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from backlog.models import Feature, SavedView
from tests.factories import FeatureFactory

pytestmark = pytest.mark.browser


def shot(web, page, name: str) -> None:
    path = web.screens / f"{name}.png"
    page.screenshot(path=str(path), full_page=True, caret="initial")
    print(f"\n[e2e] screenshot {name}: {path}")


def _backlog(live_server, product, query: str = "") -> str:
    return f"{live_server.url}/w/acme/products/{product.slug}/backlog/{query}"


def test_save_a_view_and_reopen_it(web, signed_in, team, product, live_server):
    FeatureFactory(product=product, title="Crash on login", type="bug")
    FeatureFactory(product=product, title="Dark mode")
    page = signed_in(team.editor)
    page.goto(_backlog(live_server, product, "?type=bug"))
    expect(page.get_by_role("link", name="Crash on login", exact=True)).to_be_visible()
    expect(page.get_by_role("link", name="Dark mode", exact=True)).to_have_count(0)

    page.get_by_text("Saved views", exact=True).click()
    page.get_by_label("Save this view as").fill("Bugs only")
    page.get_by_label("Share with the workspace").check()
    shot(web, page, "tools-save-view")
    page.get_by_role("button", name="Save this view").click()
    expect(page.get_by_text("Saved the view “Bugs only”.")).to_be_visible()
    assert SavedView.objects.get().query == {"type": ["bug"]}

    page.goto(_backlog(live_server, product))
    expect(page.get_by_role("link", name="Dark mode", exact=True)).to_be_visible()
    page.get_by_text("Saved views (1)").click()
    page.get_by_role("link", name="Bugs only").click()
    expect(page).to_have_url(re.compile(r"/backlog/\?type=bug$"))
    expect(page.get_by_role("link", name="Crash on login", exact=True)).to_be_visible()
    expect(page.get_by_role("link", name="Dark mode", exact=True)).to_have_count(0)
    shot(web, page, "tools-view-reopened")


CSV = (
    "Summary,Points,Status,Assignee\n"
    "Offline mode,5,Planned,editor@acme.test\n"
    "Bulk export,0,Planned,\n"  # line 3: effort 0
    "Two-factor sign-in,3,,\n"
)


def test_import_a_csv_with_one_bad_row(web, signed_in, team, product, live_server, tmp_path):
    source = tmp_path / "roadmap.csv"
    source.write_text(CSV, encoding="utf-8")
    page = signed_in(team.editor)
    page.goto(_backlog(live_server, product))
    page.get_by_role("link", name="Import CSV").click()
    page.get_by_label("CSV file").set_input_files(str(source))
    page.get_by_role("button", name="Upload and map columns").click()

    expect(page.get_by_label("Summary")).to_have_value("title")
    expect(page.get_by_label("Points")).to_have_value("effort")
    expect(page.locator("#line-3")).to_contain_text("Line 3: effort: Effort must be more than 0 person-months.")
    expect(page.get_by_text("1 of 3 rows have errors.")).to_be_visible()
    shot(web, page, "tools-import-review")

    page.get_by_role("button", name="Import", exact=True).click()
    expect(page.locator("#import-error")).to_contain_text("nothing was imported")
    assert not Feature.objects.exists()

    page.get_by_label("Import the 2 clean rows only").check()
    page.get_by_role("button", name="Import", exact=True).click()
    expect(page.get_by_text("Imported 2 features; 1 bad row skipped.")).to_be_visible()
    expect(page.get_by_role("link", name="Offline mode", exact=True)).to_be_visible()
    expect(page.get_by_role("link", name="Two-factor sign-in", exact=True)).to_be_visible()
    shot(web, page, "tools-imported")
    assert sorted(Feature.objects.values_list("title", flat=True)) == ["Offline mode", "Two-factor sign-in"]


def test_bulk_change_the_status_of_three_rows(web, signed_in, team, product, live_server):
    features = [FeatureFactory(product=product, title=t) for t in ("Search", "Sync", "Share", "Settings")]
    page = signed_in(team.editor)
    page.goto(_backlog(live_server, product))
    apply = page.locator("[data-bulk-apply]")
    expect(apply).to_be_hidden()  # nothing selected: the bar is folded to its count
    expect(page.locator("#bulk-form").get_by_label("Status")).to_be_hidden()
    for title in ("Search", "Sync", "Share"):
        page.get_by_label(f"Select {title}").check()
    expect(page.locator("[data-bulk-count]")).to_have_text("3")
    expect(apply).to_be_enabled()
    page.locator("#bulk-form").get_by_label("Status").select_option(label="Planned")
    shot(web, page, "tools-bulk-selected")
    apply.click()

    expect(page.get_by_text("3 features updated.")).to_be_visible()
    statuses = dict(Feature.objects.values_list("title", "status__name"))
    assert statuses == {"Search": "Planned", "Sync": "Planned", "Share": "Planned", "Settings": features[3].status.name}
    expect(page.locator(f"#feature-{features[0].pk}")).to_contain_text("Planned")
    shot(web, page, "tools-bulk-done")


def test_change_every_feature_matching_a_filtered_view_across_pages(web, signed_in, team, product, live_server):
    """60 bugs (two pages of 50) and one feature: filter to the bugs, tick "every feature matching
    this view", set MoSCoW, confirm the count on the confirmation page; all 60 change, the feature
    does not."""
    FeatureFactory.create_batch(60, product=product, type="bug")
    feature = FeatureFactory(product=product, type="feature", title="Not a bug")
    page = signed_in(team.editor)
    page.goto(_backlog(live_server, product, "?type=bug"))
    bar = page.locator("#bulk-form")
    expect(bar.get_by_label("MoSCoW")).to_be_hidden()  # folded while nothing is chosen
    bar.get_by_label("Every feature matching this view, on every page").check()
    bar.get_by_label("MoSCoW").select_option(label="Must have")
    expect(page.locator("[data-bulk-apply]")).to_be_hidden()
    shot(web, page, "tools-bulk-matching")
    bar.get_by_role("button", name="Apply to every matching feature…").click()

    expect(page.get_by_role("heading", name="Change 60 features?", level=1)).to_be_visible()
    expect(page.locator(".tools-bulk-summary")).to_contain_text("Must have")
    shot(web, page, "tools-bulk-matching-confirm")
    assert not Feature.objects.filter(moscow="must").exists()  # nothing before the confirmation
    page.get_by_role("button", name="Change 60 features").click()

    expect(page.get_by_text("60 features updated.")).to_be_visible()
    assert page.url.endswith("?type=bug")  # back to the view it came from
    assert Feature.objects.filter(type="bug", moscow="must").count() == 60
    assert Feature.objects.get(pk=feature.pk).moscow == ""
