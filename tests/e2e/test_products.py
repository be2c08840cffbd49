"""Products in the browser: sign in, create, list, search, validation, read-only viewers, edit conflicts."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from pmtool.models import Product
from tests.factories import ProductFactory

from .conftest import PHONE, sign_in

pytestmark = pytest.mark.browser


def test_sign_in_create_product_and_see_it_listed(web, team):
    page = web.page()
    page.goto("/")
    expect(page).to_have_url(re.compile(r"/account/login/"))
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    web.shot(page, "01-sign-in")

    page.get_by_label("E-mail").fill(team.admin.email)
    page.get_by_label("Password").fill("correct-horse-battery")
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(re.compile(r"/w/acme/$"))
    expect(page.get_by_role("heading", name="No products yet")).to_be_visible()
    web.shot(page, "02-home-empty")

    page.get_by_role("link", name="New product").first.click()
    expect(page.get_by_role("heading", name="New product")).to_be_visible()
    page.get_by_label("Name").fill("Orbit Planner")
    page.get_by_label("Lifecycle stage").select_option("development")
    page.get_by_label("Description").fill("Capacity planning for field service teams.\nSecond paragraph.")
    page.get_by_role("button", name="Create product").click()

    expect(page).to_have_url(re.compile(r"/w/acme/products/orbit-planner/$"))
    expect(page.get_by_role("status")).to_contain_text("Product “Orbit Planner” created.")
    expect(page.get_by_role("heading", name="Orbit Planner", level=1)).to_be_visible()
    # The history panel shows who created it.
    history = page.locator(".history")
    expect(history).to_contain_text(team.admin.display_name)
    expect(history).to_contain_text("created")

    page.get_by_role("navigation", name="Sections").get_by_role("link", name="Products").click()
    row = page.get_by_role("row", name=re.compile("Orbit Planner"))
    expect(row).to_be_visible()
    expect(row).to_contain_text("Development")
    web.shot(page, "03-products-list-after-create")

    product = Product.objects.get(workspace=team.workspace, slug="orbit-planner")
    assert product.stage == "development"
    assert product.created_by_id == team.admin.pk


def test_products_list_and_detail_with_history(web, signed_in, team):
    for name, stage, description in (
        ("Atlas Analytics", "growth", "Self-serve dashboards for operations teams at mid-size retailers."),
        ("Beacon Mobile", "launch", "The companion app for store managers: alerts and approvals on the floor."),
        ("Compass API", "maturity", "Public REST API and webhooks that partners use to sync orders."),
        ("Drift Assistant", "idea", "An onboarding assistant that sets up dashboards from point-of-sale data."),
        ("Ember Billing", "development", "Usage-based billing and invoicing."),
    ):
        ProductFactory(
            workspace=team.workspace,
            name=name,
            slug=name.lower().replace(" ", "-"),
            stage=stage,
            description=description,
        )
    page = signed_in(team.editor)
    page.goto("/w/acme/products/")
    expect(page.get_by_role("row")).to_have_count(6)  # header + 5
    web.shot(page, "04-products-list")

    # Edit a product twice so the history panel has changes to show.
    page.get_by_role("link", name="Atlas Analytics").click()
    page.get_by_role("link", name="Edit").click()
    page.get_by_label("Lifecycle stage").select_option("maturity")
    page.get_by_label("Description").fill("Dashboards for operations teams: stock, sales and staffing in one place.")
    page.get_by_role("button", name="Save changes").click()
    expect(page.get_by_role("status")).to_contain_text("Saved")
    page.get_by_role("link", name="Edit").click()
    page.get_by_label("Name").fill("Atlas Insights")
    page.get_by_role("button", name="Save changes").click()
    expect(page.get_by_role("heading", name="Atlas Insights", level=1)).to_be_visible()
    history = page.locator(".history")
    # Factory rows record no event; the two edits do, and being one person's burst they read as one entry.
    expect(history.locator(".history-item")).to_have_count(1)
    expect(history.locator(".history-action")).to_have_text("edited 2 times")
    expect(history).to_contain_text("Atlas Analytics")
    expect(history).to_contain_text("Atlas Insights")
    expect(history).to_contain_text("Growth → Maturity")  # stages by their labels
    expect(history.locator("ins").first).to_be_visible()
    web.shot(page, "05-product-detail-history")

    # Archive, then find it under Archived and restore it.
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Archive").click()
    expect(page.get_by_role("status")).to_contain_text("archived")
    expect(page.get_by_role("link", name="Atlas Insights")).to_have_count(0)
    page.get_by_text("Archived", exact=True).click()
    expect(page.get_by_role("link", name="Atlas Insights")).to_be_visible()
    page.get_by_role("link", name="Atlas Insights").click()
    page.get_by_role("button", name="Restore").click()
    expect(page.get_by_role("status")).to_contain_text("restored")


def test_viewer_sees_no_create_or_edit_buttons(web, signed_in, team, product):
    page = signed_in(team.viewer)
    page.goto("/w/acme/products/")
    expect(page.get_by_role("link", name="Atlas")).to_be_visible()
    expect(page.get_by_role("link", name="New product")).to_have_count(0)
    page.get_by_role("link", name="Atlas").click()
    expect(page.get_by_role("heading", name="Atlas", level=1)).to_be_visible()
    expect(page.get_by_role("link", name="Edit")).to_have_count(0)
    expect(page.get_by_role("button", name="Archive")).to_have_count(0)
    web.shot(page, "06-product-detail-viewer")

    # Typing the address anyway gives the friendly 403 page, not a form.
    page.goto("/w/acme/products/atlas/edit/")
    expect(page.get_by_role("heading", name="Not allowed")).to_be_visible()
    expect(page.get_by_role("textbox")).to_have_count(0)


def test_search_as_you_type_filters_the_table_with_htmx(web, signed_in, team):
    for name in ("Atlas", "Beacon", "Compass"):
        ProductFactory(workspace=team.workspace, name=name, slug=name.lower(), stage="growth")
    ProductFactory(workspace=team.workspace, name="Drift", slug="drift", stage="idea")
    page = signed_in(team.viewer)
    page.goto("/w/acme/products/")
    table = page.locator("#product-table")
    expect(table.get_by_role("link")).to_have_count(4)
    # A marker on window survives an htmx swap but not a full page load.
    page.evaluate("window.__noReload = true")

    with page.expect_response(lambda r: "q=bea" in r.url and r.request.headers.get("hx-request") == "true"):
        page.get_by_label("Search products").press_sequentially("bea", delay=40)
    expect(table.get_by_role("link")).to_have_count(1)
    expect(table.get_by_role("link", name="Beacon")).to_be_visible()
    expect(page).to_have_url(re.compile(r"q=bea"))
    assert page.evaluate("window.__noReload") is True

    page.get_by_label("Search products").fill("zzz-nothing")
    expect(page.get_by_role("heading", name="No products match")).to_be_visible()

    page.get_by_label("Search products").fill("")
    page.get_by_label("Lifecycle stage").select_option("idea")
    expect(table.get_by_role("link")).to_have_count(1)
    expect(table.get_by_role("link", name="Drift")).to_be_visible()
    assert page.evaluate("window.__noReload") is True
    web.shot(page, "07-products-filtered")


def test_validation_errors_appear_beside_their_fields(web, signed_in, team, product):
    page = signed_in(team.editor)
    page.goto("/w/acme/products/new/")
    page.get_by_label("Address").fill("Not a slug!")
    page.get_by_role("button", name="Create product").click()

    expect(page.locator(".form-errors")).to_contain_text("Please correct the 2 fields marked below")
    name_field = page.locator(".field", has=page.get_by_label("Name"))
    expect(name_field.locator(".errorlist")).to_contain_text("This field is required")
    expect(page.get_by_label("Name")).to_have_attribute("aria-invalid", "true")
    slug_field = page.locator(".field", has=page.get_by_label("Address"))
    expect(slug_field.locator(".errorlist")).to_contain_text("valid")
    # What the user typed is kept.
    expect(page.get_by_label("Address")).to_have_value("Not a slug!")
    web.shot(page, "08-product-form-errors")

    # A service-level error (address already taken) lands beside its field too.
    page.get_by_label("Name").fill("Atlas two")
    page.get_by_label("Address").fill("atlas")
    page.get_by_role("button", name="Create product").click()
    slug_field = page.locator(".field", has=page.get_by_label("Address"))
    expect(slug_field.locator(".errorlist")).to_be_visible()
    expect(page.get_by_label("Name")).to_have_value("Atlas two")


def test_edit_conflict_shows_what_was_saved_and_lets_the_user_save_again(web, team, product):
    first = web.context().new_page()
    second = web.context().new_page()
    sign_in(first, team.admin.email)
    sign_in(second, team.editor.email)
    first.goto("/w/acme/products/atlas/edit/")
    second.goto("/w/acme/products/atlas/edit/")

    first.get_by_label("Name").fill("Atlas One")
    first.get_by_role("button", name="Save changes").click()
    expect(first.get_by_role("heading", name="Atlas One", level=1)).to_be_visible()

    second.get_by_label("Description").fill("The editor's careful rewrite.")
    second.get_by_role("button", name="Save changes").click()
    panel = second.get_by_role("alert").filter(has_text="Someone else saved this product")
    expect(panel).to_be_visible()
    expect(panel).to_contain_text("Atlas One")
    # The user's edit is still in the form; nothing of it was saved.
    expect(second.get_by_label("Description")).to_have_value("The editor's careful rewrite.")
    assert Product.objects.get(pk=product.pk).description == "A product for tests."
    web.shot(second, "09-product-edit-conflict")

    # Saving again applies the edit on top of the current version.
    second.get_by_label("Name").fill("Atlas One")
    second.get_by_role("button", name="Save changes").click()
    expect(second.get_by_role("status")).to_contain_text("Saved")
    saved = Product.objects.get(pk=product.pk)
    assert (saved.name, saved.description) == ("Atlas One", "The editor's careful rewrite.")


def test_products_page_works_on_a_phone(web, signed_in, team):
    for name, stage in (("Atlas Analytics", "growth"), ("Beacon Mobile", "launch"), ("Compass API", "maturity")):
        ProductFactory(workspace=team.workspace, name=name, slug=name.lower().replace(" ", "-"), stage=stage)
    team.workspace.name = "Acme Product Team Europe"  # a long name must not push the top bar off-screen
    team.workspace.save()
    page = signed_in(team.admin, viewport=PHONE)
    page.goto("/w/acme/products/")
    expect(page.get_by_role("link", name="Beacon Mobile")).to_be_visible()
    expect(page.get_by_role("link", name="New product")).to_be_visible()
    nav = page.get_by_role("navigation", name="Sections")
    expect(nav.get_by_role("link", name="Products")).to_be_visible()
    no_sideways_scroll = "document.documentElement.scrollWidth <= window.innerWidth"
    assert page.evaluate(no_sideways_scroll), "the products page scrolls sideways on a phone"
    web.shot(page, "10-products-phone")

    # Menus open and fit on the screen.
    page.locator("details.usermenu > summary").click()
    menu = page.get_by_role("menu")
    expect(menu.get_by_role("menuitem", name="Sign out")).to_be_visible()
    box = menu.bounding_box()
    assert box and box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"] + 0.5
    page.keyboard.press("Escape")

    page.locator("details.switcher > summary").click()
    box = page.get_by_role("menu").bounding_box()
    assert box and box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"] + 0.5
    page.keyboard.press("Escape")

    page.get_by_role("link", name="Atlas Analytics").click()
    expect(page.get_by_role("heading", name="Atlas Analytics", level=1)).to_be_visible()
    assert page.evaluate(no_sideways_scroll)
    web.shot(page, "11-product-detail-phone")

    page.get_by_role("link", name="Edit").click()
    expect(page.get_by_role("heading", name="Edit product")).to_be_visible()
    assert page.evaluate(no_sideways_scroll)
    web.shot(page, "12-product-form-phone")

    # The smallest phones in use (320 px wide) still get no sideways scrolling.
    page.set_viewport_size({"width": 320, "height": 640})
    page.goto("/w/acme/products/")
    assert page.evaluate(no_sideways_scroll)
    web.shot(page, "13-products-320px", full_page=False)
