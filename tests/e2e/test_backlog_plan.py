"""The plan in the browser: an editor creates a release and a team, an admin moves a status up
with its button; a viewer reads them. Screenshots under the pytest temp dir (`screens`)."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from backlog.models import FeatureStatus, Release, Team
from tests.factories import FeatureFactory

pytestmark = pytest.mark.browser


def test_editor_creates_a_release_and_a_team(web, signed_in, team, product):
    page = signed_in(team.editor)
    page.goto("/w/acme/products/atlas/")
    page.get_by_role("link", name="Releases").click()
    expect(page.get_by_role("heading", name="No releases yet")).to_be_visible()
    page.get_by_role("link", name="New release").first.click()

    page.get_by_label("Name").fill("2026.2 (summer)")
    page.get_by_label("Start date").fill("2026-06-01")
    page.get_by_label("Release date").fill("2026-05-01")
    page.get_by_role("button", name="Create release").click()
    expect(page.locator(".errorlist")).to_contain_text("on or after the start date")
    web.shot(page, "60-release-date-error")
    page.get_by_label("Release date").fill("2026-08-31")
    page.get_by_role("button", name="Create release").click()
    expect(page.get_by_role("status")).to_contain_text("Release “2026.2 (summer)” created.")
    release = Release.objects.get(name="2026.2 (summer)")
    FeatureFactory.create_batch(3, product=product, release=release)
    page.reload()
    row = page.get_by_role("row", name=re.compile("2026.2"))
    expect(row).to_contain_text("Aug 31, 2026")
    expect(row).to_contain_text("3 backlog")
    web.shot(page, "61-releases")

    page.goto("/w/acme/teams/")
    page.get_by_role("link", name="New team").first.click()
    page.get_by_label("Name").fill("Growth squad")
    page.get_by_label("Capacity").fill("4.5")
    page.get_by_label(team.editor.display_name).check()
    page.get_by_label(team.viewer.display_name).check()
    page.get_by_role("button", name="Create team").click()
    expect(page.get_by_role("status")).to_contain_text("Team “Growth squad” created.")
    row = page.get_by_role("row", name=re.compile("Growth squad"))
    expect(row).to_contain_text("4.50 pm/month")
    expect(row).to_contain_text(team.viewer.display_name)
    web.shot(page, "62-teams")
    created = Team.objects.get(name="Growth squad")
    assert set(created.members.values_list("pk", flat=True)) == {team.editor.pk, team.viewer.pk}


def test_admin_moves_a_status_up_with_its_button(web, signed_in, team):
    page = signed_in(team.admin)
    page.goto("/w/acme/settings/")
    page.get_by_role("navigation", name="Settings").get_by_role("link", name="Statuses").click()
    expect(page.get_by_role("heading", name="Feature statuses")).to_be_visible()
    web.shot(page, "63-statuses-before")
    page.get_by_role("button", name="Move Planned up").click()
    expect(page.get_by_role("status")).to_contain_text("Moved “Planned” up.")
    names = page.locator("tbody tr").evaluate_all("rows => rows.map(r => r.dataset.status)")
    assert names[:3] == ["New", "Planned", "Under consideration"]
    assert list(FeatureStatus.objects.filter(workspace=team.workspace).values_list("name", flat=True))[:3] == names[:3]
    expect(page.get_by_role("button", name="Move New up")).to_be_disabled()
    # The keyboard works too: focus the button and press Enter.
    page.get_by_role("button", name="Move Planned down").focus()
    page.keyboard.press("Enter")
    expect(page.get_by_role("status")).to_contain_text("Moved “Planned” down.")
    web.shot(page, "64-statuses-after")


def test_viewer_reads_statuses_and_teams_without_buttons(web, signed_in, team):
    page = signed_in(team.viewer)
    page.goto("/w/acme/settings/statuses/")
    expect(page.get_by_role("row", name=re.compile("Shipped"))).to_be_visible()
    expect(page.get_by_role("button", name=re.compile("Move"))).to_have_count(0)
    expect(page.get_by_text("Only admins can change")).to_be_visible()
    page.goto("/w/acme/teams/")
    expect(page.get_by_role("link", name="New team")).to_have_count(0)


def test_strategy_pages_show_initiative_progress_and_top_features(web, signed_in, team, product):
    from backlog.services.progress import initiatives_progress_refresh
    from strategy.services.initiatives import initiative_create

    initiative = initiative_create(
        actor=team.actor(), workspace=team.workspace, title="Guided setup", product_id=product.pk, colour="#d97706"
    )
    statuses = {s.category: s for s in FeatureStatus.objects.filter(workspace=team.workspace).order_by("-position")}
    for title, category in (
        ("Setup checklist on first login", "done"),
        ("Sample data for a demo store", "in_progress"),
        ("Invite your store managers step", "planned"),
        ("Import staff list from CSV", "wont_do"),
    ):
        FeatureFactory(product=product, initiative=initiative, status=statuses[category], title=title)
    initiatives_progress_refresh([initiative.pk])

    page = signed_in(team.viewer)
    page.goto("/w/acme/products/atlas/strategy/")
    initiatives = page.get_by_role("region", name="Initiatives")
    expect(initiatives).to_contain_text("1 of 3 features done")
    expect(initiatives.get_by_role("progressbar", name="Progress of Guided setup")).to_have_attribute(
        "aria-valuenow", "33"
    )
    features = page.get_by_role("region", name="Features")
    expect(features).to_contain_text("Setup checklist on first login")
    expect(features).to_contain_text("Import staff list from CSV")
    web.shot(page, "65-product-strategy-features")
    page.get_by_role("link", name="Guided setup").first.click()
    expect(page.get_by_role("region", name="Features")).to_contain_text("1 of 3 features done")
    web.shot(page, "66-initiative-features")
