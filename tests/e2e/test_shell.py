"""The web shell: every page loads with no console error or CSP violation, keyboard use, error pages, API docs."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.factories import ProductFactory

from .conftest import PHONE

pytestmark = pytest.mark.browser

NO_SIDEWAYS_SCROLL = "document.documentElement.scrollWidth <= window.innerWidth"


def test_tab_from_page_start_reaches_skip_link_first(web, signed_in, team, product):
    page = signed_in(team.admin)
    page.goto("/w/acme/products/")
    page.keyboard.press("Tab")
    focused = page.evaluate("[document.activeElement.textContent.trim(), document.activeElement.getAttribute('href')]")
    assert focused == ["Skip to content", "#main"]
    expect(page.get_by_role("link", name="Skip to content")).to_be_in_viewport()
    web.shot(page, "30-skip-link-focused", full_page=False)
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main"
    # The next Tab lands inside the page content, not back in the navigation.
    page.keyboard.press("Tab")
    assert page.evaluate("document.getElementById('main').contains(document.activeElement)")

    # Same signed out, on a page without an autofocused field.
    anon = web.page()
    anon.goto("/account/password-reset/")
    anon.keyboard.press("Tab")
    assert anon.evaluate("document.activeElement.textContent.trim()") == "Skip to content"


def test_keyboard_opens_menus_and_escape_closes_them(web, signed_in, team):
    page = signed_in(team.admin)
    page.goto("/w/acme/products/")
    summary = page.locator("details.usermenu > summary")
    summary.focus()
    page.keyboard.press("Enter")
    expect(page.get_by_role("menuitem", name="API tokens")).to_be_visible()
    page.keyboard.press("Escape")
    expect(page.get_by_role("menuitem", name="API tokens")).to_be_hidden()
    assert page.evaluate("document.activeElement.tagName") == "SUMMARY"
    # Focus is visible: a focused control draws a ring.
    shadow = page.evaluate("getComputedStyle(document.activeElement).boxShadow")
    assert shadow and shadow != "none", "focused element shows no focus ring"


PAGES = [
    # (screenshot name, path, heading)
    ("39-home", "/w/acme/", "Acme"),
    ("40-products", "/w/acme/products/", "Products"),
    ("41-product-detail", "/w/acme/products/atlas/", "Atlas"),
    ("42-product-new", "/w/acme/products/new/", "New product"),
    ("43-product-edit", "/w/acme/products/atlas/edit/", "Edit product"),
    ("44-activity", "/w/acme/activity/", "Activity"),
    ("45-settings-general", "/w/acme/settings/", "Settings"),
    ("46-settings-members", "/w/acme/settings/members/", "Settings"),
    ("47-tokens", "/account/tokens/", "API tokens"),
    ("48-workspaces", "/workspaces/", "Your workspaces"),
    ("49-workspace-new", "/workspaces/new/", "New workspace"),
    ("50-password-change", "/account/password/", None),
    ("51-strategy-pending", "/w/acme/strategy/", "Strategy"),
    ("52-backlog", "/w/acme/backlog/", "Backlog"),
    ("53-roadmaps-pending", "/w/acme/roadmaps/", "Roadmaps"),
    ("54-feedback-pending", "/w/acme/feedback/", "Feedback"),
    ("55-metrics-pending", "/w/acme/metrics/", "Metrics"),
]


def test_every_page_renders_without_console_errors_or_csp_violations(web, signed_in, team, product):
    ProductFactory(workspace=team.workspace, name="Beacon", slug="beacon", stage="launch")
    page = signed_in(team.admin)
    for name, path, heading in PAGES:
        response = page.goto(path)
        assert response is not None and response.status == 200, f"{path}: {response and response.status}"
        if heading:
            expect(page.get_by_role("heading", level=1)).to_have_text(heading)
        else:
            expect(page.get_by_role("heading", level=1)).to_be_visible()
        # Every page of the shell marks where you are in the navigation.
        if path.startswith("/w/"):
            expect(page.locator('.sidenav a[aria-current="page"]')).to_have_count(1)
        web.shot(page, name)


def test_sections_not_built_yet_say_so(web, signed_in, team):
    page = signed_in(team.viewer)
    page.goto("/w/acme/products/")
    for section in ("Roadmaps", "Feedback"):
        page.get_by_role("navigation", name="Sections").get_by_role("link", name=section).click()
        expect(page.get_by_role("heading", level=1)).to_have_text(section)
        expect(page.get_by_text("Not built yet", exact=True)).to_be_visible()
        expect(page.get_by_role("heading", name=f"{section} is planned")).to_be_visible()
        current = page.get_by_role("navigation", name="Sections").locator('[aria-current="page"]')
        expect(current).to_have_text(section)


def test_error_pages_are_friendly(web, signed_in, team, product):
    page = signed_in(team.viewer)
    response = page.goto("/w/acme/products/does-not-exist/")
    assert response is not None and response.status == 404
    expect(page.get_by_role("heading", name="Not found")).to_be_visible()
    expect(page.get_by_role("link", name="Go to your workspace")).to_be_visible()
    web.shot(page, "60-error-404")

    # A workspace you are not in is a 404 too (existence is not leaked).
    response = page.goto("/w/other/products/")
    assert response is not None and response.status == 404

    response = page.goto("/w/acme/products/new/")
    assert response is not None and response.status == 403
    expect(page.get_by_role("heading", name="Not allowed")).to_be_visible()
    web.shot(page, "61-error-403")

    anon = web.page()
    response = anon.goto("/no/such/page/")
    assert response is not None and response.status == 404
    expect(anon.get_by_role("heading", name="Not found")).to_be_visible()
    web.shot(anon, "62-error-404-signed-out")


def test_signed_out_pages(web, team):
    page = web.page()
    page.goto("/account/login/")
    page.get_by_label("E-mail").fill(team.admin.email)
    page.get_by_label("Password").fill("wrong password")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("alert")).to_contain_text("do not match an account")
    expect(page.get_by_label("E-mail")).to_have_value(team.admin.email)
    web.shot(page, "63-sign-in-error")

    page.get_by_role("link", name="Forgot your password?").click()
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    web.shot(page, "64-password-reset")

    phone = web.page(viewport=PHONE)
    phone.goto("/account/login/")
    assert phone.evaluate(NO_SIDEWAYS_SCROLL)
    web.shot(phone, "65-sign-in-phone")


def test_phone_pages_do_not_scroll_sideways(web, signed_in, team, product):
    page = signed_in(team.admin, viewport=PHONE)
    for name, path in (
        ("70-members-phone", "/w/acme/settings/members/"),
        ("71-activity-phone", "/w/acme/activity/"),
        ("72-tokens-phone", "/account/tokens/"),
        ("73-pending-phone", "/w/acme/roadmaps/"),
    ):
        page.goto(path)
        assert page.evaluate(NO_SIDEWAYS_SCROLL), f"{path} scrolls sideways on a phone"
        if path.startswith("/w/"):
            # The section nav scrolls sideways on a phone; the current section is scrolled into view.
            expect(page.locator('.sidenav [aria-current="page"]')).to_be_in_viewport(ratio=0.9)
        # Nothing inside a card is cut off at the right edge.
        clipped = page.evaluate(
            """() => [...document.querySelectorAll('main button, main a.button, main select, main input')]
                 .filter(el => el.offsetParent && el.getBoundingClientRect().right > window.innerWidth + 0.5)
                 .map(el => el.outerHTML.slice(0, 80))"""
        )
        assert clipped == [], f"{path}: controls past the right edge: {clipped}"
        web.shot(page, name)


def test_api_docs_render_locally_under_the_csp(web, signed_in, team, live_server):
    page = signed_in(team.admin)
    external: list[str] = []
    page.on("request", lambda r: None if r.url.startswith(live_server.url) else external.append(r.url))
    response = page.goto("/api/docs/")
    assert response is not None and response.status == 200
    expect(page.locator(".swagger-ui .info .title")).to_contain_text("pmtool API")
    expect(page.locator(".opblock-tag").first).to_be_visible()
    # "Try it out" works from the page itself (session auth, same origin, under the CSP).
    me = page.locator(".opblock.opblock-get", has=page.locator(".opblock-summary-path", has_text="/api/v1/me/"))
    me.locator(".opblock-summary").click()
    me.get_by_role("button", name="Try it out").click()
    me.get_by_role("button", name="Execute").click()
    expect(me.locator(".live-responses-table tbody .response-col_status").first).to_contain_text("200")
    expect(me.locator(".live-responses-table")).to_contain_text(team.admin.email)
    # Swagger UI draws the page after "load", where the watcher's audit may or may not catch it:
    # audit it as drawn, with an operation open and a response shown.
    web.audit(page, again=True)
    web.shot(page, "80-api-docs", full_page=False)
    assert external == [], f"the docs page loaded files from elsewhere: {external}"
    csp = response.headers["content-security-policy"]
    assert "'unsafe-eval'" not in csp
    assert "script-src 'self'" in csp


def test_the_watcher_catches_csp_violations_and_console_errors(web, signed_in, team):
    """The "no console errors, no CSP violations" checks above are not vacuous."""
    page = signed_in(team.viewer)
    page.goto("/w/acme/products/")
    page.evaluate("document.body.insertAdjacentHTML('beforeend', '<div style=\"color: red\">inline</div>')")
    page.evaluate(
        "() => { const s = document.createElement('script'); s.textContent = 'window.x = 1'; "
        "document.body.appendChild(s); }"
    )
    page.evaluate("console.error('boom')")
    expect(page.locator("text=inline")).to_be_attached()
    page.wait_for_timeout(200)  # violation reports are queued as tasks
    texts = [p.text for p in web.unexpected_problems()]
    assert any("CSP violation: style-src" in t for t in texts), texts
    assert any("CSP violation: script-src" in t for t in texts), texts
    assert "boom" in texts
    assert page.evaluate("window.x") is None  # the inline script did not run
    web.problems.clear()
