"""Accessibility of the shell, checked in a real browser (issue 10.5 and the shell parts of 10.4).

The axe-core audit of every page is in conftest.py (the page watcher); these tests check what axe
cannot: the focus ring's contrast, focus never hidden under the sticky top bar, the top bar on a
phone, and that the audit itself catches a violation.
"""

from __future__ import annotations

import re

import pytest
from django.core.management import call_command
from playwright.sync_api import expect

from tests.factories import ProductFactory

from .conftest import DESKTOP, PHONE, sign_in

pytestmark = pytest.mark.browser

DEMO_STRATEGY = "/w/acme/products/atlas-analytics/strategy/"

# For the focused element: the colours of its focus ring (box-shadow or outline; for an element
# that draws none itself, the nearest ancestor that does, e.g. a card ringed by :focus-within),
# each composited over the background it is drawn on, and the best contrast ratio among them.
FOCUS_RING_CONTRAST = """() => {
  const el = document.activeElement;
  const parse = (c) => {
    const m = c.match(/rgba?\\(([^)]+)\\)/);
    if (!m) return null;
    const p = m[1].split(/[ ,\\/]+/).filter(Boolean).map(Number);
    return [p[0], p[1], p[2], p.length > 3 ? p[3] : 1];
  };
  const over = (top, base) => [0, 1, 2].map(i => top[i] * top[3] + base[i] * (1 - top[3]));
  const background = (node) => {  // what shows through at `node`: its own and its ancestors' backgrounds
    const layers = [];
    for (let n = node; n; n = n.parentElement) {
      const c = parse(getComputedStyle(n).backgroundColor);
      if (c && c[3] > 0) { layers.push(c); if (c[3] >= 1) break; }
    }
    return layers.reverse().reduce((base, c) => over(c, base), [255, 255, 255]);
  };
  const lum = (rgb) => {
    const [r, g, b] = rgb.map(v => { v /= 255; return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; });
    return 0.2126 * r + 0.7152 * g + 0.0722 * b;
  };
  const ratio = (a, b) => { const [x, y] = [lum(a), lum(b)].sort((p, q) => q - p); return (x + 0.05) / (y + 0.05); };
  const rings = (n) => {
    const cs = getComputedStyle(n), found = [];
    if (cs.boxShadow && cs.boxShadow !== "none") {
      for (const part of cs.boxShadow.split(/,(?![^(]*\\))/)) {
        const c = parse(part);
        if (c) found.push({ colour: c, inset: /inset/.test(part) });
      }
    }
    if (cs.outlineStyle !== "none" && parseFloat(cs.outlineWidth) > 0) {
      found.push({ colour: parse(cs.outlineColor), inset: false });
    }
    return found;
  };
  let node = el, found = rings(el);
  while (!found.length && node.parentElement && node.parentElement !== document.body) {
    node = node.parentElement;
    found = rings(node);
  }
  const best = Math.max(0, ...found.map(({ colour, inset }) => {
    const bg = background(inset ? node : (node.parentElement || node));
    return ratio(over(colour, bg), bg);
  }));
  return { element: el.outerHTML.slice(0, 90), ratio: Math.round(best * 100) / 100 };
}"""

FOCUS_UNDER_TOP_BAR = """() => {
  const el = document.activeElement;
  if (!el || el === document.body || el.closest(".topbar, .skip-link")) return null;
  const bar = document.querySelector(".topbar").getBoundingClientRect();
  const box = el.getBoundingClientRect();
  if (!box.width && !box.height) return null;
  return box.top < bar.bottom - 0.5 ? { element: el.outerHTML.slice(0, 90), top: box.top, bar: bar.bottom } : null;
}"""


def seed_demo_and_sign_in(web, viewport):
    call_command("seed_demo", verbosity=0)
    page = web.page(viewport=viewport)
    sign_in(page, "ada@demo.pmtool.dev", "pmtool-demo")
    return page


def test_menus_are_named_by_their_visible_text(web, signed_in, team):
    """WCAG 2.5.3: the switcher's name includes the role pill, the account menu's the user's name;
    neither uses an aria-label that leaves visible words out (axe checks it on every page too)."""
    team.workspace.name = "Acme Product Team"
    team.workspace.save()
    for viewport in (DESKTOP, PHONE):
        page = signed_in(team.admin, viewport=viewport)
        page.goto("/w/acme/products/")
        switcher = page.locator("details.switcher > summary")
        expect(switcher).to_have_accessible_name(re.compile(r"Acme Product Team admin", re.I))
        expect(switcher).to_have_accessible_name(re.compile(r"^Switch workspace, current: "))
        assert switcher.get_attribute("aria-label") is None
        account = page.locator("details.usermenu > summary")
        expect(account).to_have_accessible_name("Account menu for Admin")
        assert account.get_attribute("aria-label") is None
        visible = account.evaluate(
            "s => [...s.querySelectorAll('span')].filter(e => !e.closest('[aria-hidden=true]') && e.checkVisibility()"
            " && e.getBoundingClientRect().width > 1).map(e => e.textContent.trim()).join(' ')"
        )
        assert visible in ("Admin", ""), visible  # desktop shows the name; a phone only the avatar


@pytest.mark.parametrize("path", ["/w/acme/products/", "/w/acme/settings/members/", "/w/acme/products/new/"])
def test_focus_ring_has_3_to_1_contrast_on_every_stop(web, signed_in, team, product, path):
    ProductFactory(workspace=team.workspace, name="Beacon", slug="beacon", stage="launch")
    page = signed_in(team.admin)
    page.goto(path)
    weak = []
    for _ in range(30):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement === document.body"):
            break
        found = page.evaluate(FOCUS_RING_CONTRAST)
        if found["ratio"] < 3:
            weak.append(found)
    assert weak == [], f"{path}: focus rings under 3:1: {weak}"


def test_focus_ring_contrast_on_the_product_strategy_page(web):
    page = seed_demo_and_sign_in(web, DESKTOP)
    page.goto(DEMO_STRATEGY)
    weak = []
    for _ in range(80):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement === document.body"):
            break
        found = page.evaluate(FOCUS_RING_CONTRAST)
        if found["ratio"] < 3:
            weak.append(found)
    assert weak == [], f"focus rings under 3:1: {weak}"


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_tabbing_backwards_never_hides_focus_under_the_sticky_top_bar(web, viewport):
    """WCAG 2.2 2.4.11: from the end of the product strategy page, Shift+Tab through every stop."""
    page = seed_demo_and_sign_in(web, viewport)
    page.goto(DEMO_STRATEGY)
    page.locator("main a, main button, main summary, main input, main select, main textarea").last.focus()
    page.evaluate("window.scrollTo(0, document.documentElement.scrollHeight)")
    stops, hidden = 0, []
    for _ in range(200):
        page.keyboard.press("Shift+Tab")
        if page.evaluate("!!document.activeElement.closest('.topbar, .skip-link')"):
            break
        stops += 1
        under = page.evaluate(FOCUS_UNDER_TOP_BAR)
        if under:
            hidden.append(under)
    assert stops > 20, f"only {stops} focus stops: the walk did not cover the page"
    web.shot(page, f"90-shift-tab-strategy-{viewport['width']}", full_page=False)
    assert hidden == [], f"{len(hidden)} of {stops} focus stops under the top bar: {hidden}"


def test_top_bar_fits_a_phone_and_the_workspace_name_is_readable(web, signed_in, team, product):
    team.workspace.name = "Acme Product Team"
    team.workspace.save()
    page = signed_in(team.admin, viewport=PHONE)
    for path in ("/w/acme/products/", "/account/tokens/"):
        page.goto("/w/acme/products/")  # the tokens page keeps the workspace it is reached from
        page.goto(path)
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"), f"{path} scrolls sideways"
        bar = page.evaluate(
            """() => { const bar = document.querySelector('.topbar');
                 return { overflow: bar.scrollWidth - bar.clientWidth,
                          past: [...bar.querySelectorAll('*')]
                                  .filter(e => e.getBoundingClientRect().right > innerWidth + 0.5)
                                  .map(e => e.className) }; }"""
        )
        assert bar == {"overflow": 0, "past": []}, f"{path}: the top bar does not fit: {bar}"
        name = page.locator(".switcher-name")
        expect(name).to_have_text("Acme Product Team")
        clipped = name.evaluate("e => e.scrollWidth > e.clientWidth + 0.5 || e.scrollHeight > e.clientHeight + 0.5")
        assert not clipped, f"{path}: the workspace name is cut off"
        web.shot(page, f"91-topbar-phone-{path.strip('/').replace('/', '-')}", full_page=False)


def test_a_very_long_workspace_name_wraps_and_reads_in_full_in_the_switcher(web, signed_in, team, product):
    long_name = "Acme Product Team for International Field Operations and Logistics"
    team.workspace.name = long_name
    team.workspace.save()
    page = signed_in(team.admin, viewport=PHONE)
    page.goto("/w/acme/products/")
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    assert page.evaluate("(b => b.scrollWidth <= b.clientWidth)(document.querySelector('.topbar'))")
    page.locator("details.switcher > summary").click()
    item = page.get_by_role("menuitem", name=re.compile(long_name))
    expect(item).to_be_visible()
    box = item.bounding_box()
    assert box and box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"], box
    assert item.evaluate("e => e.scrollWidth <= e.clientWidth + 0.5"), "the full name is cut in the menu"
    web.shot(page, "92-switcher-open-phone", full_page=False)


def test_account_pages_reached_from_a_workspace_keep_its_shell(web, signed_in, team):
    page = signed_in(team.admin)
    page.goto("/w/acme/settings/")
    page.get_by_role("navigation", name="Settings").get_by_role("link", name="API tokens").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("API tokens")
    expect(page.get_by_role("navigation", name="Sections")).to_be_visible()
    expect(page.locator(".switcher-name")).to_have_text("Acme")
    expect(page.locator('.sidenav a[aria-current="page"]')).to_have_text("Settings")
    expect(page.get_by_role("navigation", name="Settings").locator('[aria-current="page"]')).to_have_text("API tokens")
    web.shot(page, "93-tokens-in-shell")
    page.locator("details.usermenu > summary").click()
    page.get_by_role("menuitem", name="Change password").click()
    expect(page.get_by_role("navigation", name="Sections")).to_be_visible()
    expect(page.locator(".switcher-name")).to_have_text("Acme")


def test_the_accessibility_audit_catches_serious_violations(web, signed_in, team):
    """The axe check of every page is not vacuous: it runs on load, and fails on a serious violation."""
    page = signed_in(team.viewer)
    page.goto("/w/acme/products/")
    web.audit_open_pages()
    assert "/w/acme/products/" in web.axe.done  # audited on load, without being asked
    page.evaluate(
        """() => {
          const main = document.querySelector('main');
          main.appendChild(document.createElement('button'));  // no accessible name
          const a = document.createElement('a'); a.href = '#x'; a.textContent = 'Close';
          a.setAttribute('aria-label', 'Open the panel'); main.appendChild(a);  // name leaves out "Close"
        }"""
    )
    web.audit(page, again=True)
    found = [str(p) for p in web.unexpected_problems() if p.kind == "axe"]
    assert any("button-name (critical)" in p and "/w/acme/products/" in p for p in found), found
    assert any("label-content-name-mismatch (serious)" in p for p in found), found
    web.problems.clear()
