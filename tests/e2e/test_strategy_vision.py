"""Vision and research in the browser: write a vision, edit it again, read its history and compare
revisions; an edit conflict; create a persona and two competitors and compare them side by side,
on a desktop and on a phone."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from strategy.models import Competitor, Persona, Vision, VisionRevision
from strategy.services.vision import vision_update

from .conftest import PHONE, sign_in

pytestmark = pytest.mark.browser

VISION = "/w/acme/products/atlas/vision/"
NO_SIDEWAYS_SCROLL = "document.documentElement.scrollWidth <= window.innerWidth"


def test_write_a_vision_edit_it_and_compare_revisions(web, signed_in, team, product):
    page = signed_in(team.editor)
    page.goto(VISION)
    expect(page.get_by_role("heading", name="No vision yet")).to_be_visible()
    expect(page.get_by_role("navigation", name="Sections").get_by_role("link", name="Strategy")).to_have_attribute(
        "aria-current", "page"
    )
    web.shot(page, "vision-01-empty")

    page.get_by_role("link", name="Write one").click()
    expect(page.get_by_role("heading", name="Write the vision")).to_be_visible()
    page.get_by_label("Vision statement").fill("Every store team plans its week **in minutes**, not hours.")
    page.get_by_label("Target customers").fill("- Store managers at mid-size retailers\n- Regional operations leads")
    page.get_by_label("Problem").fill("Rotas live in spreadsheets that break whenever demand changes.")
    page.get_by_label("Differentiation").fill("Forecasts from point-of-sale data, set up in a day.")
    page.get_by_label("Business model").fill("Per store per month; a free pilot for three stores.")
    web.shot(page, "vision-02-form")
    page.get_by_role("button", name="Save vision").click()

    expect(page).to_have_url(re.compile(r"/vision/$"))
    expect(page.get_by_role("status")).to_contain_text("Vision saved (revision 1).")
    statement = page.locator(".vision-statement")
    expect(statement.locator("strong")).to_have_text("in minutes")
    expect(page.get_by_text("Store managers at mid-size retailers")).to_be_visible()
    web.shot(page, "vision-03-saved")

    # Edit it again.
    page.get_by_role("link", name="Edit vision").click()
    expect(page.get_by_label("Vision statement")).to_have_value(
        "Every store team plans its week **in minutes**, not hours."
    )
    page.get_by_label("Vision statement").fill("Every store team plans its week **in minutes**, with confidence.")
    page.get_by_label("Business model").fill("Per store per month; a free pilot for five stores.")
    page.get_by_role("button", name="Save vision").click()
    expect(page.get_by_role("status")).to_contain_text("Vision saved (revision 2).")
    vision = Vision.objects.get(product=product)
    assert vision.version == 2
    assert VisionRevision.objects.filter(vision=vision).count() == 2

    # History: who, when, which fields; the latest against the one before.
    page.get_by_role("link", name="History").click()
    expect(page.get_by_role("heading", name="Vision history")).to_be_visible()
    rows = page.locator(".revision-table tbody tr")
    expect(rows).to_have_count(2)
    expect(rows.first).to_contain_text("Revision 2")
    expect(rows.first).to_contain_text(team.editor.display_name)
    expect(rows.first).to_contain_text("Vision statement")
    expect(rows.first).to_contain_text("Business model")
    diff = page.locator("#vision-diff")
    expect(diff.locator("del").first).to_be_visible()
    expect(diff.locator("ins", has_text="confidence.")).to_be_visible()
    expect(diff.locator("ins", has_text="five")).to_be_visible()
    expect(diff).to_contain_text("Unchanged: Target customers, Problem, Differentiation")
    web.shot(page, "vision-04-history")

    # Compare the first revision against nothing, with htmx (no page load).
    page.evaluate("window.__noReload = true")
    page.get_by_label("From", exact=True).select_option("0")
    page.get_by_label("To", exact=True).select_option("1")
    with page.expect_response(lambda r: "a=0" in r.url and r.request.headers.get("hx-request") == "true"):
        page.get_by_role("button", name="Compare").click()
    expect(page.locator("#vision-diff")).to_contain_text("Nothing")
    expect(page.locator("#vision-diff ins", has_text="three stores")).to_be_visible()
    expect(page).to_have_url(re.compile(r"a=0&b=1"))
    assert page.evaluate("window.__noReload") is True

    # "Compare with previous" on a row does the same.
    rows.first.get_by_role("link", name="Compare with previous").click()
    expect(page.locator("#vision-diff ins", has_text="five")).to_be_visible()
    expect(page.get_by_label("From", exact=True)).to_have_value("1")
    assert page.evaluate("window.__noReload") is True


def test_vision_edit_conflict_keeps_the_users_text(web, team, product):
    vision_update(actor=team.actor("admin"), product=product, version=0, statement="Plan with confidence.")
    page = web.context().new_page()
    sign_in(page, team.editor.email)
    page.goto(VISION + "edit/")
    page.get_by_label("Problem").fill("My careful description of the problem.")

    # Meanwhile someone else saves.
    vision_update(actor=team.actor("admin"), product=product, version=1, statement="Plan *weekly* with confidence.")

    page.get_by_role("button", name="Save vision").click()
    panel = page.get_by_role("alert").filter(has_text="Someone else saved the vision")
    expect(panel).to_be_visible()
    expect(panel.locator("em")).to_have_text("weekly")
    expect(page.get_by_label("Problem")).to_have_value("My careful description of the problem.")
    web.shot(page, "vision-05-conflict")

    page.get_by_label("Vision statement").fill("Plan weekly with confidence.")
    page.get_by_role("button", name="Save vision").click()
    expect(page.get_by_role("status")).to_contain_text("Vision saved (revision 3).")
    saved = Vision.objects.get(product=product)
    assert (saved.statement, saved.problem) == (
        "Plan weekly with confidence.",
        "My careful description of the problem.",
    )


def test_personas_competitors_and_the_comparison(web, signed_in, team, product):
    vision_update(
        actor=team.actor(),
        product=product,
        version=0,
        target_customers="Store managers at mid-size retailers.",
        differentiation="- Forecasts from point-of-sale data\n- Set up in a day",
        business_model="Per store per month.",
    )
    page = signed_in(team.editor)
    page.goto("/w/acme/products/atlas/personas/")
    expect(page.get_by_role("heading", name="No personas yet")).to_be_visible()
    page.get_by_role("link", name="Create the first persona").click()
    page.get_by_label("Name").fill("Olivia")
    page.get_by_label("Role").fill("Store manager, 40 staff")
    page.get_by_label("Goals").fill("- A fair rota, done by Monday\n- Fewer last-minute swaps")
    page.get_by_label("Pains").fill("Demand changes after the rota is out.")
    page.get_by_label("Quote").fill("I spend Sunday evenings on spreadsheets.")
    page.get_by_role("button", name="Create persona").click()
    expect(page.get_by_role("status")).to_contain_text("Persona “Olivia” created.")
    card = page.locator(".persona-card", has_text="Olivia")
    expect(card.get_by_role("heading", name="Olivia")).to_be_visible()
    expect(card.locator("li")).to_have_count(2)
    expect(card.locator(".persona-quote")).to_contain_text("Sunday evenings")
    web.shot(page, "research-01-personas")
    assert Persona.objects.filter(product=product).count() == 1

    page.get_by_role("link", name="Competitors", exact=True).click()
    expect(page.get_by_role("heading", name="No competitors yet")).to_be_visible()
    for name, website, threat, positioning, strengths, weaknesses, pricing in (
        (
            "Shiftwise",
            "shiftwise.example",
            "high",
            "Workforce management suite for large chains.",
            "- Big sales team\n- Payroll integrations",
            "Months to roll out.",
            "$6 per employee per month, annual contracts.",
        ),
        (
            "RotaPad",
            "https://rotapad.example",
            "low",
            "A simple rota app for small cafés.",
            "Cheap and friendly.",
            "No forecasting.",
            "Free up to 10 staff.",
        ),
    ):
        page.get_by_role("link", name=re.compile("^(New competitor|Add the first competitor)$")).first.click()
        page.get_by_label("Name").fill(name)
        page.get_by_label("Website").fill(website)
        page.get_by_label("Threat level").select_option(threat)
        page.get_by_label("Positioning").fill(positioning)
        page.get_by_label("Strengths").fill(strengths)
        page.get_by_label("Weaknesses").fill(weaknesses)
        page.get_by_label("Pricing").fill(pricing)
        page.get_by_role("button", name="Add competitor").click()
        expect(page.get_by_role("status")).to_contain_text(f"Competitor “{name}” added.")
    expect(page.get_by_role("row")).to_have_count(3)  # header + 2
    expect(page.get_by_role("row", name=re.compile("Shiftwise"))).to_contain_text("High")
    assert Competitor.objects.get(name="Shiftwise").website == "https://shiftwise.example"
    web.shot(page, "research-02-competitors")

    page.get_by_role("link", name="Compare side by side").click()
    table = page.locator(".compare-table")
    headers = table.locator("thead th")
    expect(headers).to_have_text([re.compile("^Atlas"), re.compile("^Shiftwise"), re.compile("^RotaPad")])
    expect(table.get_by_role("rowheader")).to_have_text(
        ["Positioning", "Strengths", "Weaknesses", "Pricing", "Threat level", "Website"]
    )
    expect(table).to_contain_text("Forecasts from point-of-sale data")
    expect(table).to_contain_text("Per store per month.")
    expect(table.locator(".threat-high")).to_have_text(re.compile("High"))
    expect(table.get_by_role("link", name=re.compile("rotapad.example"))).to_have_attribute(
        "rel", "noopener noreferrer nofollow"
    )
    web.shot(page, "research-03-comparison")

    # On a phone: the page does not scroll sideways; the table does, with the aspects kept in view.
    phone = signed_in(team.viewer, viewport=PHONE)
    phone.goto("/w/acme/products/atlas/competitors/compare/")
    expect(phone.locator(".compare-table")).to_be_visible()
    web.shot(phone, "research-04-comparison-phone", full_page=False)
    assert phone.evaluate(NO_SIDEWAYS_SCROLL), "the comparison page scrolls sideways on a phone"
    scroller = phone.locator(".compare-scroll")
    assert scroller.evaluate("el => el.scrollWidth > el.clientWidth"), "the table should scroll inside its box"
    label = phone.get_by_role("rowheader", name="Strengths")
    before = label.bounding_box()
    scroller.evaluate("el => el.scrollBy(400, 0)")
    phone.wait_for_function("document.querySelector('.compare-scroll').scrollLeft > 0")
    after = label.bounding_box()
    assert before and after and abs(before["x"] - after["x"]) < 1, (before, after)
    web.shot(phone, "research-05-comparison-phone-scrolled", full_page=False)
    # A viewer reads everything but is offered no edits.
    expect(phone.get_by_role("link", name=re.compile("^Edit"))).to_have_count(0)

    for path in ("personas/", "competitors/", "vision/"):
        phone.goto(f"/w/acme/products/atlas/{path}")
        assert phone.evaluate(NO_SIDEWAYS_SCROLL), f"{path} scrolls sideways on a phone"
    web.shot(phone, "research-06-vision-phone")

    # The product strategy page shows both summaries (the partials of this area).
    page.get_by_role("link", name="Overview").click()
    expect(page.locator(".vision-summary")).to_contain_text("Forecasts from point-of-sale data")
    research = page.locator(".research-summary")
    expect(research).to_contain_text("Olivia")
    expect(research.get_by_role("link", name="Shiftwise", exact=True)).to_be_visible()
    expect(research.locator(".threat-high")).to_be_visible()
    web.shot(page, "research-08-strategy-page")

    # Deleting asks first, then the competitor is gone from the comparison.
    page.goto("/w/acme/products/atlas/competitors/")
    page.get_by_role("link", name="Delete RotaPad").click()
    expect(page.get_by_role("heading", name="Delete competitor “RotaPad”?")).to_be_visible()
    web.shot(page, "research-07-delete-confirm")
    page.get_by_role("button", name="Delete competitor").click()
    expect(page.get_by_role("status")).to_contain_text("Competitor “RotaPad” deleted.")
    assert not Competitor.objects.filter(name="RotaPad").exists()


LONG = (
    "Sold to store operations teams who plan staff rotas every week. The pitch is the forecast: it reads "
    "point-of-sale data, weather and local events, and proposes a rota a manager only adjusts. "
    "Contracts are yearly, priced per store, with a pilot of three stores before the first invoice."
)


def test_the_comparison_keeps_the_product_in_view_and_clamps_long_cells(web, signed_in, team, product):
    """At 1280 px: the aspect and product columns stay put while six competitors scroll, at least
    four fit beside the product, and a long cell shows a few lines with "more" (no JavaScript)."""
    vision_update(actor=team.actor(), product=product, version=0, target_customers=LONG, differentiation="Fast.")
    for i, name in enumerate(["Shiftwise", "RotaPad", "Planday", "Deputy", "StaffBoard", "Rosterly"]):
        Competitor.objects.create(
            product=product, name=name, positioning=LONG if i % 2 == 0 else "Rotas for small shops.", strengths="Cheap"
        )
    page = signed_in(team.editor)
    page.goto("/w/acme/products/atlas/competitors/compare/")
    scroller = page.locator(".compare-scroll")
    box = scroller.bounding_box()
    headers = page.locator(".compare-table thead th")
    expect(headers).to_have_count(7)

    def fully_visible(i: int) -> bool:
        cell = headers.nth(i).bounding_box()
        return cell["x"] >= box["x"] - 1 and cell["x"] + cell["width"] <= box["x"] + box["width"] + 1

    visible = [i for i in range(7) if fully_visible(i)]
    assert visible[:5] == [0, 1, 2, 3, 4], visible  # the product and at least four competitors
    # Long cells are clamped: a few lines, a fade, "more"; short ones are whole.
    positioning = page.get_by_role("row", name=re.compile("^Positioning"))
    clamped = positioning.locator(".clamp-long .clamp-body").first
    assert clamped.evaluate("el => el.scrollHeight > el.clientHeight + 20"), "a long cell should be clamped"
    row_height = positioning.bounding_box()["height"]
    assert row_height < 220, row_height
    web.shot(page, "research-07-comparison-1280", full_page=False)

    # Scrolling sideways: the aspect and product columns stay where they are, the competitors move.
    own = headers.nth(0).bounding_box()
    label = page.get_by_role("rowheader", name="Strengths").bounding_box()
    last = headers.nth(6).bounding_box()
    scroller.evaluate("el => el.scrollBy(600, 0)")
    page.wait_for_function("document.querySelector('.compare-scroll').scrollLeft > 0")
    assert abs(headers.nth(0).bounding_box()["x"] - own["x"]) < 1
    assert abs(page.get_by_role("rowheader", name="Strengths").bounding_box()["x"] - label["x"]) < 1
    assert headers.nth(6).bounding_box()["x"] < last["x"] - 100
    # The last competitor is not hidden under the frozen product column once scrolled to the end.
    scroller.evaluate("el => el.scrollTo(el.scrollWidth, 0)")
    page.wait_for_timeout(100)
    own = headers.nth(0).bounding_box()
    assert headers.nth(6).bounding_box()["x"] >= own["x"] + own["width"] - 1
    web.shot(page, "research-08-comparison-scrolled", full_page=False)

    # "more" opens the whole text and "less" closes it again, by mouse or by keyboard.
    scroller.evaluate("el => el.scrollTo(0, 0)")
    more = positioning.locator(".clamp-more").first
    expect(more.locator(".clamp-closed")).to_have_text("more")
    expect(more.locator(".clamp-open")).to_be_hidden()
    more.click()
    assert clamped.evaluate("el => el.scrollHeight <= el.clientHeight + 1"), "more should show the whole text"
    expect(more.locator(".clamp-open")).to_have_text("less")
    expect(more.locator(".clamp-closed")).to_be_hidden()
    page.get_by_role("checkbox", name=re.compile("of Positioning of Atlas")).press("Space")
    assert clamped.evaluate("el => el.scrollHeight > el.clientHeight + 20")
    web.shot(page, "research-09-comparison-more", full_page=False)


BOLDER = """el => {
  const plain = document.createElement("span");
  plain.textContent = el.textContent;
  el.after(plain);
  const ratio = el.getBoundingClientRect().width / plain.getBoundingClientRect().width;
  plain.remove();
  return ratio;
}"""


def test_bold_in_the_vision_statement_shows_and_the_card_cuts_between_words(web, signed_in, team, product):
    """The statement's own weight made the browser pick the bold face already, so <strong> looked
    the same: measured here as drawn (bold text is wider than the same text in the regular face)."""
    vision_update(
        actor=team.actor(),
        product=product,
        version=0,
        statement="Every store team plans its week **in minutes**, not hours.",
        problem=(
            "Store numbers live in four systems (point of sale, inventory, rota, finance). Teams export "
            "CSVs every morning, glue them together in spreadsheets, and decide on yesterday's data. "
            "Nobody trusts the numbers by noon."
        ),
    )
    page = signed_in(team.viewer)
    for url, statement in (
        ("/w/acme/products/atlas/vision/", ".vision-statement .vision-md"),
        ("/w/acme/products/atlas/strategy/", ".summary-statement"),
    ):
        page.goto(url)
        strong = page.locator(f"{statement} strong")
        expect(strong).to_have_text("in minutes")
        assert strong.evaluate(BOLDER) > 1.03, f"bold is not visible on {url}"
    card = page.locator(".vision-summary")
    problem = card.locator("dd", has=page.locator("a.vr-more"))
    expect(problem).to_contain_text("Store numbers live in four systems")
    expect(problem.get_by_role("link", name="more of Problem")).to_have_attribute(
        "href", re.compile("#vision-section-3$")
    )
    # Nothing is hidden by a clamp: what shows is what the server cut, between words.
    assert problem.evaluate("el => el.scrollHeight <= el.clientHeight + 1")
    web.shot(page, "vision-06-strategy-card")
    problem.get_by_role("link", name="more of Problem").click()
    expect(page.get_by_role("heading", name="Problem")).to_be_visible()
