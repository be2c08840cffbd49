"""The MoSCoW board and the value vs effort matrix in the browser: drag a card from Not yet sorted
to Must with the mouse, move another with the keyboard (its move button, ArrowRight), reload and
find both where they were put; a card someone else moved meanwhile goes where it really is, with a
notice; the matrix: its quadrants, and a dot that is a link to its feature."""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.sync_api import expect

from backlog.models import CriterionValue, Feature, FeatureStatus
from backlog.scoring import feature_rescore
from backlog.services.moscow import feature_moscow_set
from tests.factories import CriterionFactory, FeatureFactory

from .conftest import PHONE

pytestmark = pytest.mark.browser

# title, type, status (default set), moscow, reach, impact, confidence, effort, (value, urgency, risk)
FEATURES = [
    ("Offline maps", "feature", "Under consideration", "", 4000, 2, 80, 3, (5, 4, 2)),
    ("Dark mode", "improvement", "Planned", "should", 9000, 1, 90, 1, (3, 2, 1)),
    ("SSO with Okta", "feature", "In development", "must", 1200, 3, 80, 5, (5, 5, 3)),
    ("Route optimisation engine", "epic", "Under consideration", "could", 2500, 3, 50, 18, (4, 3, 5)),
    ("Fix crash on export", "bug", "In review", "must", 600, 2, 100, 0.5, (4, 5, 1)),
    ("CSV export of trips", "improvement", "New", "", 1500, 1, 80, 1, (2, 2, 1)),
    ("Fleet analytics dashboard", "feature", "Planned", "should", 3000, 2, 70, 8, (4, 3, 3)),
    ("Driver chat", "feature", "New", "could", 800, 1, 50, 6, (2, 1, 4)),
    ("Legacy API v1 shutdown", "improvement", "Under consideration", "wont", 200, 0.5, 60, 4, (1, 2, 3)),
    ("Custom map styles", "feature", "New", "wont", 300, 0.5, 50, 10, (1, 1, 4)),
    ("Two-factor login", "feature", "Planned", "must", 5000, 2, 90, 2, (4, 5, 2)),
    ("Trip replay", "feature", "New", "", 1000, 1, 50, None, (3, 2, 2)),
    ("Shipped: live tracking", "feature", "Shipped", "must", 7000, 3, 100, 6, (5, 5, 2)),
]


TALL = {"width": 1280, "height": 1200}


def seed(product: Any) -> dict[str, Feature]:
    statuses = {s.name: s for s in FeatureStatus.objects.filter(workspace_id=product.workspace_id)}
    criteria = [
        CriterionFactory(product=product, name="Customer value", weight=3),
        CriterionFactory(product=product, name="Urgency", weight=2),
        CriterionFactory(product=product, name="Delivery risk", weight=1, direction="cost"),
    ]
    made = {}
    for title, kind, status, moscow, reach, impact, confidence, effort, values in FEATURES:
        feature = FeatureFactory(
            product=product, title=title, type=kind, status=statuses[status], moscow=moscow,
            reach=reach, impact=impact, confidence=confidence, effort=effort,
        )  # fmt: skip
        for criterion, value in zip(criteria, values, strict=True):
            CriterionValue.objects.create(feature=feature, criterion=criterion, value=value)
        feature.refresh_from_db()
        feature_rescore(feature, actor=None)
        made[title] = feature
    return made


def column(page: Any, key: str) -> Any:
    return page.locator(f'.board-col[data-column="{key}"]')


def test_drag_and_keyboard_moves_persist_and_a_stale_card_is_corrected(web, signed_in, team, product):
    features = seed(product)
    page = signed_in(team.editor, viewport=TALL)  # the whole board in view: a drag never scrolls
    page.goto("/w/acme/products/atlas/backlog/moscow/")
    expect(page.get_by_role("heading", name="MoSCoW board", level=1)).to_be_visible()
    # Done features are hidden by default; five columns with their counts.
    expect(page.get_by_text("Shipped: live tracking")).to_have_count(0)
    expect(column(page, "must").locator("[data-count]")).to_have_attribute("data-count", "3")
    expect(column(page, "").locator("[data-count]")).to_have_attribute("data-count", "3")
    web.shot(page, "boards-01-moscow")

    # The mouse: Offline maps from Not yet sorted to Must.
    offline = page.locator(f"#card-{features['Offline maps'].pk}")
    offline.drag_to(column(page, "must").locator("[data-column-list]"))
    expect(column(page, "must").locator(f"#card-{features['Offline maps'].pk}")).to_be_visible()
    expect(page.locator("#board-live")).to_have_text(re.compile(r"Moved Offline maps to Must\. 4 in Must\."))
    expect(column(page, "must").locator("[data-count]")).to_have_attribute("data-count", "4")
    expect(column(page, "").locator("[data-count]")).to_have_attribute("data-count", "2")

    # The keyboard: Dark mode from Should to Could (ArrowRight), then on to Won't (ArrowRight again).
    handle = page.get_by_role("button", name="Move Dark mode", exact=True)
    handle.focus()
    page.keyboard.press("ArrowRight")
    expect(column(page, "could").locator(f"#card-{features['Dark mode'].pk}")).to_be_visible()
    expect(page.locator("#board-live")).to_have_text(re.compile(r"Moved Dark mode to Could"))
    expect(handle).to_be_focused()
    page.keyboard.press("ArrowRight")
    expect(page.locator("#board-live")).to_have_text(re.compile(r"Moved Dark mode to Won't \(this time\)"))
    page.keyboard.press("ArrowLeft")
    expect(page.locator("#board-live")).to_have_text(re.compile(r"Moved Dark mode to Could"))
    web.shot(page, "boards-02-moscow-moved")

    page.reload()
    expect(column(page, "must").locator(f"#card-{features['Offline maps'].pk}")).to_be_visible()
    expect(column(page, "could").locator(f"#card-{features['Dark mode'].pk}")).to_be_visible()
    assert Feature.objects.get(pk=features["Offline maps"].pk).moscow == "must"
    dark = Feature.objects.get(pk=features["Dark mode"].pk)
    assert (dark.moscow, dark.version) == ("could", 4)

    # Someone else moves Driver chat to Should; this page still shows it in Could.
    chat = features["Driver chat"]
    feature_moscow_set(actor=team.actor("admin"), feature_id=chat.pk, version=1, moscow="should")
    page.locator(f"#card-{chat.pk}").drag_to(column(page, "must").locator("[data-column-list]"))
    notice = page.locator("[data-board-notice]")
    expect(notice).to_be_visible()
    expect(notice).to_contain_text("“Driver chat” was moved by someone else to Should.")
    expect(column(page, "should").locator(f"#card-{chat.pk}")).to_be_visible()
    assert Feature.objects.get(pk=chat.pk).moscow == "should"
    web.shot(page, "boards-03-moscow-stale")
    # Its card now carries the current version: moving it again works.
    page.get_by_role("button", name="Move Driver chat", exact=True).focus()
    page.keyboard.press("ArrowLeft")
    expect(page.locator("#board-live")).to_have_text(re.compile(r"Moved Driver chat to Must"))
    expect(column(page, "must").locator("[data-count]")).to_have_attribute("data-count", "5")

    # On a phone the columns scroll sideways; the page itself does not.
    phone = signed_in(team.viewer, viewport=PHONE)
    phone.goto("/w/acme/products/atlas/backlog/moscow/")
    expect(phone.get_by_role("heading", name="Must", level=2)).to_be_visible()
    web.shot(phone, "boards-06-moscow-phone")
    assert phone.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")


def test_the_matrix_shows_quadrants_and_a_dot_links_to_its_feature(web, signed_in, team, product):
    features = seed(product)
    page = signed_in(team.viewer)
    page.goto("/w/acme/products/atlas/backlog/matrix/")
    expect(page.get_by_role("heading", name="Value vs effort", level=1)).to_be_visible()
    expect(page.get_by_text("1 feature is not on the chart: no effort estimate.")).to_be_visible()
    expect(page.get_by_role("link", name="Trip replay")).to_be_visible()
    table = page.locator(".matrix-table")
    expect(table.get_by_role("row", name=re.compile("Two-factor login"))).to_contain_text("Quick wins")
    expect(table.get_by_role("row", name=re.compile("Route optimisation engine"))).to_contain_text("Big bets")
    web.shot(page, "boards-04-matrix-scorecard")

    page.get_by_role("link", name="RICE", exact=True).click()
    expect(page.get_by_role("heading", name="RICE score against effort")).to_be_visible()
    web.shot(page, "boards-05-matrix-rice")

    dot = page.locator(f'a.matrix-dot[data-feature-id="{features["SSO with Okta"].pk}"]')
    expect(dot).to_have_attribute("aria-label", re.compile(r"^SSO with Okta: value .*, effort 5 person-months"))
    web.allow(r"/features/\d+/$", "404")  # the feature page is the features area's (not routed here yet)
    dot.click()
    expect(page).to_have_url(re.compile(rf"/w/acme/features/{features['SSO with Okta'].pk}/$"))
