"""The workspace home in the browser: sign in lands there, each product shows its stage, goals and next
steps, a next step leads to the page that does it, a viewer sees no write prompts; desktop and phone.
And the activity page: a burst of edits is one entry, a long one folds, a bad filter is named."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from backlog.services.features import feature_create
from pmtool import services
from pmtool.activity import Actor
from strategy.models import Goal, KeyResult, Metric, Vision
from tests.factories import ProductFactory

from .conftest import PHONE, sign_in

pytestmark = pytest.mark.browser

NO_SIDEWAYS_SCROLL = "document.documentElement.scrollWidth <= window.innerWidth"


@pytest.fixture
def strategy_data(team, product):
    today = timezone.localdate()
    Vision.objects.create(product=product, statement="Store teams run their day from one screen.")
    Metric.objects.create(product=product, name="Weekly active stores")
    goal = Goal.objects.create(
        workspace=team.workspace,
        product=product,
        title="Halve the support load per store",
        start_date=today - dt.timedelta(days=20),
        end_date=today + dt.timedelta(days=70),
        progress=46,
        status="at_risk",
    )
    KeyResult.objects.create(goal=goal, title="Tickets per store", kind="manual", percent=46)
    feature_create(actor=Actor(user=team.editor), product=product, title="Offline tills")
    ProductFactory(workspace=team.workspace, name="Beacon Mobile", slug="beacon", stage="launch")


def test_sign_in_lands_on_the_home_and_a_next_step_leads_to_its_page(web, team, product, strategy_data):
    page = web.page()
    sign_in(page, team.editor.email)
    expect(page).to_have_url(re.compile(r"/w/acme/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Acme")
    nav = page.get_by_role("navigation", name="Sections")
    expect(nav.get_by_role("link", name="Home")).to_have_attribute("aria-current", "page")

    atlas = page.locator(".home-product", has=page.get_by_role("heading", name="Atlas"))
    expect(atlas.locator(".stage")).to_have_text("Growth")
    expect(atlas.get_by_role("link", name="Halve the support load per store")).to_be_visible()
    expect(atlas.get_by_role("progressbar")).to_have_attribute("aria-valuenow", "46")
    expect(atlas.locator(".goal-status")).to_contain_text("At risk")
    expect(atlas.locator(".home-next")).to_have_count(0)  # nothing missing
    expect(atlas.get_by_role("link", name="1 feature")).to_have_attribute("href", "/w/acme/products/atlas/backlog/")

    beacon = page.locator(".home-product", has=page.get_by_role("heading", name="Beacon Mobile"))
    expect(beacon.locator(".stage")).to_have_text("Launch")
    for step in ("Write a vision", "Set a goal", "Add a metric"):
        expect(beacon.get_by_role("link", name=step)).to_be_visible()
    expect(page.get_by_role("link", name="All activity →")).to_be_visible()
    web.shot(page, "home-01-desktop")

    beacon.get_by_role("link", name="Write a vision").click()
    expect(page).to_have_url(re.compile(r"/w/acme/products/beacon/vision/edit/$"))
    page.get_by_label("Vision statement").fill("Store managers approve in one tap.")
    page.get_by_role("button", name="Save vision").click()
    page.get_by_role("navigation", name="Sections").get_by_role("link", name="Home").click()
    beacon = page.locator(".home-product", has=page.get_by_role("heading", name="Beacon Mobile"))
    expect(beacon.get_by_role("link", name="Set a goal")).to_be_visible()
    expect(beacon.get_by_role("link", name="Write a vision")).to_have_count(0)

    phone = web.page(viewport=PHONE)
    sign_in(phone, team.editor.email)
    expect(phone.get_by_role("heading", level=1)).to_have_text("Acme")
    assert phone.evaluate(NO_SIDEWAYS_SCROLL)
    web.shot(phone, "home-02-phone")


def test_a_viewer_sees_the_home_without_write_prompts(web, signed_in, team, product, strategy_data):
    page = signed_in(team.viewer)
    page.goto("/w/acme/")
    expect(page.locator(".home-product")).to_have_count(2)
    expect(page.locator(".home-next")).to_have_count(0)
    expect(page.get_by_role("link", name="New product")).to_have_count(0)
    web.shot(page, "home-03-viewer")


def test_an_empty_workspace_says_what_to_do_first(web, signed_in, team):
    page = signed_in(team.editor)
    page.goto("/w/acme/")
    expect(page.get_by_role("heading", name="No products yet")).to_be_visible()
    page.get_by_role("link", name="Create your first product").click()
    expect(page.get_by_role("heading", name="New product")).to_be_visible()


def test_activity_merges_a_burst_folds_long_entries_and_names_a_bad_filter(web, signed_in, team, product):
    services.product_create(
        actor=team.actor("admin"), workspace=team.workspace, name="Orbit", stage="development", description="Plans."
    )
    version = product.version
    for name in ("Atlas 2", "Atlas 3", "Atlas Pro"):
        version = services.product_update(
            actor=team.actor("editor"), product=product, version=version, name=name
        ).version
    page = signed_in(team.viewer)
    page.goto("/w/acme/activity/")
    burst = page.locator(".history-item").first
    expect(burst.locator(".history-action")).to_have_text("edited 3 times")
    expect(burst.locator(".changes")).to_contain_text("Atlas → Atlas Pro")
    created = page.locator(".history-item", has_text="created").first
    expect(created.locator("details summary")).to_contain_text("fields set")
    expect(created.locator("details .changes")).to_be_hidden()
    created.locator("details summary").click()
    expect(created.locator("details .changes")).to_contain_text("Development")
    web.shot(page, "activity-01-dense")

    response = page.goto("/w/acme/activity/?from=notadate")
    assert response is not None and response.status == 400
    expect(page.get_by_role("alert")).to_contain_text("From")
    expect(page.get_by_role("alert")).to_contain_text("is not a date")
    expect(page.get_by_role("heading", level=1)).to_have_text("Activity")
    web.shot(page, "activity-02-bad-filter")
