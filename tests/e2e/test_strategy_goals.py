"""Goals, key results and initiatives in the browser: set a goal with two key results (one bound
to a metric), watch its progress bar, link an initiative to it, and read it all on the product's
strategy page; the workspace overview; inline key-result editing with htmx; phones."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from pmtool.activity import Actor
from strategy.models import Goal, Initiative, KeyResult, Metric, MetricRollup
from strategy.services.goals import goal_create, key_result_create
from strategy.services.initiatives import initiative_create
from tests.factories import ProductFactory

from .conftest import PHONE

pytestmark = pytest.mark.browser


def shot(web, page, name: str) -> None:
    """web.shot, keeping the caret: Playwright hides it by giving inputs an empty style="" attribute,
    which htmx's settle step then copies onto the swapped-in inputs, and the CSP (rightly) refuses."""
    path = web.screens / f"{name}.png"
    page.screenshot(path=str(path), full_page=True, caret="initial")
    print(f"\n[e2e] screenshot {name}: {path}")


def this_quarter() -> str:
    today = timezone.localdate()
    return f"{today.year}-Q{(today.month - 1) // 3 + 1}"


def metric_with_data(product, name: str = "Weekly active teams", value: float = 240.0) -> Metric:
    """A metric whose latest week bucket is `value` (as the rollup would have written it)."""
    metric = Metric.objects.create(product=product, name=name, unit="teams", aggregation="last")
    monday = timezone.localdate() - dt.timedelta(days=timezone.localdate().weekday())
    for period, bucket in (("day", monday), ("week", monday)):
        MetricRollup.objects.create(
            metric=metric,
            period=period,
            bucket=bucket,
            count=1,
            sum=value,
            min=value,
            max=value,
            last_ts=timezone.now(),
            last_value=value,
            value=value,
        )
    return metric


def test_goal_with_two_key_results_and_an_initiative_on_the_strategy_page(web, signed_in, team, product):
    metric_with_data(product)
    page = signed_in(team.editor)

    # From the product page to its (empty) strategy page.
    page.goto("/w/acme/products/atlas/")
    page.get_by_role("link", name="Strategy", exact=True).last.click()
    expect(page.get_by_role("heading", name="Atlas strategy", level=1)).to_be_visible()
    expect(page.get_by_text("No goals for Atlas yet.")).to_be_visible()
    shot(web, page, "goals-01-strategy-page-empty")

    # A goal of this quarter, owned by the viewer.
    page.get_by_role("link", name="New goal").click()
    expect(page.get_by_label("Level")).to_have_value(str(product.pk))  # ?product=atlas preselects it
    page.get_by_label("Title").fill("Grow weekly active teams")
    page.get_by_label("Owner").select_option(label="Viewer")
    page.get_by_label("Quarter").select_option(this_quarter())
    expect(page.get_by_label("Start")).to_be_hidden()  # custom dates only without a quarter
    page.get_by_label("Description").fill("Teams that come back every week **renew**.")
    shot(web, page, "goals-02-goal-form")
    page.get_by_role("button", name="Create goal").click()

    expect(page.get_by_role("heading", name="Grow weekly active teams", level=1)).to_be_visible()
    expect(page.get_by_role("status").first).to_contain_text("created")
    goal = Goal.objects.get(title="Grow weekly active teams")
    assert goal.product_id == product.pk and goal.owner_id == team.viewer.pk
    bar = page.get_by_role("progressbar", name="Progress of Grow weekly active teams")
    expect(bar).not_to_have_attribute("aria-valuenow", re.compile(".*"))  # no key results: no progress

    # Key result 1: measured, bound to the metric (its current value comes from the rollups).
    page.evaluate("window.__noReload = true")
    form = page.locator("form.kr-form")
    form.get_by_label("Key result").fill("Weekly active teams")
    form.get_by_label("Baseline").fill("120")
    form.get_by_label("Target").fill("360")
    form.get_by_label("Bound metric").select_option(label="Weekly active teams (teams)")
    expect(form.get_by_label("Current")).to_be_hidden()
    form.get_by_label("Period").select_option("week")
    shot(web, page, "goals-03-add-measured-key-result")
    form.get_by_role("button", name="Add key result").click()
    expect(page.get_by_role("status").filter(has_text="added")).to_be_visible()
    row = page.get_by_role("row", name=re.compile("Weekly active teams"))
    expect(row).to_contain_text("240")  # current, from the metric's latest week
    expect(row).to_contain_text("Weekly active teams, latest week")
    expect(bar).to_have_attribute("aria-valuenow", "50")  # (240 − 120) / (360 − 120)

    # Key result 2: a manual percent, weighted 3.
    page.get_by_text("Add a key result").click()
    form = page.locator("details.kr-add form.kr-form")
    form.get_by_label("Key result").fill("Onboarding checklist shipped")
    form.get_by_label("Manual percent").check()
    expect(form.get_by_label("Baseline")).to_be_hidden()
    form.get_by_label("Percent done").fill("10")
    form.get_by_label("Weight").fill("3")
    form.get_by_role("button", name="Add key result").click()
    expect(page.get_by_role("row", name=re.compile("Onboarding checklist shipped"))).to_contain_text("10% done")
    expect(bar).to_have_attribute("aria-valuenow", "20")  # (50 × 1 + 10 × 3) / 4
    expect(page.locator(".big-percent")).to_have_text("20%")
    assert page.evaluate("window.__noReload") is True  # htmx swapped the section, no page load
    shot(web, page, "goals-04-goal-with-two-key-results")
    assert KeyResult.objects.filter(goal=goal).count() == 2

    # An initiative serving the goal.
    page.get_by_role("link", name="New initiative serving this goal").click()
    expect(page.get_by_label("Product")).to_have_value(str(product.pk))
    expect(page.get_by_label("Atlas · Grow weekly active teams")).to_be_checked()
    page.get_by_label("Title").fill("Guided onboarding")
    page.get_by_label("Status").select_option("active")
    page.get_by_label("Colour").fill("#0ea5e9")
    shot(web, page, "goals-05-initiative-form")
    page.get_by_role("button", name="Create initiative").click()
    expect(page.get_by_role("heading", name="Guided onboarding", level=1)).to_be_visible()
    expect(page.get_by_role("link", name="Grow weekly active teams")).to_be_visible()
    shot(web, page, "goals-06-initiative-detail")
    assert list(Initiative.objects.get(title="Guided onboarding").goals.all()) == [goal]

    # The product strategy page, top-down: vision → goals → initiatives → research → features.
    page.goto("/w/acme/products/atlas/strategy/")
    steps = page.locator(".flow-step")
    expect(steps).to_have_count(5)
    expect(steps.nth(0)).to_contain_text("Vision")
    goal_block = steps.nth(1)
    expect(goal_block.get_by_role("link", name="Grow weekly active teams")).to_be_visible()
    expect(goal_block.get_by_role("progressbar", name="Progress of Grow weekly active teams")).to_have_attribute(
        "aria-valuenow", "20"
    )
    expect(goal_block.get_by_role("row", name=re.compile("Weekly active teams"))).to_contain_text("120")
    goal.refresh_from_db()
    assert goal.status_source == "derived"  # the rollup set it from 20 % against the time elapsed
    expect(goal_block.locator(".goal-status").first).to_have_text(goal.get_status_display())
    expect(steps.nth(2).get_by_role("link", name="Guided onboarding")).to_be_visible()
    expect(steps.nth(2)).to_contain_text("Serves Grow weekly active teams")
    expect(steps.nth(3)).to_contain_text("Personas")
    expect(steps.nth(2)).to_contain_text("No features counted yet")  # its progress, once features link to it
    expect(steps.nth(4)).to_contain_text("Each initiative's top features")  # filled by the backlog (strategy.parts)
    expect(steps.nth(4)).to_contain_text("No features linked yet.")
    shot(web, page, "goals-07-product-strategy-page")


def _company_strategy(team) -> Goal:
    atlas = ProductFactory(workspace=team.workspace, name="Atlas", slug="atlas")
    beacon = ProductFactory(workspace=team.workspace, name="Beacon", slug="beacon", stage="launch")
    actor = Actor(user=team.admin)
    ws = team.workspace
    company = goal_create(
        actor=actor, workspace=ws, title="Win the mid-market", quarter=this_quarter(), owner_id=team.admin.pk
    )
    second = goal_create(actor=actor, workspace=ws, title="Profitable growth", quarter=this_quarter(), status="at_risk")
    for product, title, current in ((atlas, "Atlas: activation", 70), (beacon, "Beacon: retention", 25)):
        goal = goal_create(
            actor=actor, workspace=ws, title=title, product_id=product.pk, parent_id=company.pk, quarter=this_quarter()
        )
        key_result_create(actor=actor, goal=goal, title="Measure", baseline=0, target=100, current=current)
    key_result_create(actor=actor, goal=second, title="Gross margin", kind="manual", percent=40)
    initiative_create(actor=actor, workspace=ws, title="Partner channel", colour="#f97316")
    return company


def test_workspace_overview_for_a_viewer(web, signed_in, team):
    _company_strategy(team)
    page = signed_in(team.viewer)
    page.goto("/w/acme/")
    page.get_by_role("navigation", name="Sections").get_by_role("link", name="Strategy").click()
    expect(page.get_by_role("heading", name="Strategy", level=1)).to_be_visible()
    card = page.locator(".goal-card", has_text="Win the mid-market")
    expect(card.get_by_role("progressbar", name="Progress of Win the mid-market")).to_have_attribute(
        "aria-valuenow", "48"
    )  # the mean of its two product goals (70, 25)
    expect(card.get_by_role("link", name="Atlas: activation")).to_be_visible()
    expect(card.get_by_role("link", name="Beacon: retention")).to_be_visible()
    expect(page.locator(".goal-card", has_text="Profitable growth")).to_contain_text("At risk")
    expect(page.get_by_role("link", name="New company goal")).to_have_count(0)  # viewers read
    products = page.locator(".product-card")
    expect(products).to_have_count(2)
    expect(products.first).to_contain_text("1 goal")
    shot(web, page, "goals-08-overview")

    page.get_by_role("link", name="Initiatives").click()
    expect(page.get_by_role("row", name=re.compile("Partner channel"))).to_contain_text("Workspace-wide")
    shot(web, page, "goals-09-initiatives")

    page.goto("/w/acme/")
    page.get_by_role("navigation", name="Sections").get_by_role("link", name="Strategy").click()
    page.get_by_role("link", name="Atlas strategy").click()
    expect(page.get_by_role("heading", name="Atlas strategy", level=1)).to_be_visible()
    expect(page.get_by_role("link", name="New goal")).to_have_count(0)


def test_key_result_edited_inline(web, signed_in, team):
    company = _company_strategy(team)
    child = company.children.get(title="Atlas: activation")
    page = signed_in(team.editor)
    page.goto(f"/w/acme/goals/{child.pk}/")
    page.evaluate("window.__noReload = true")
    page.get_by_role("link", name="Edit Measure").click()
    form = page.locator("tr.kr-edit-row form")
    expect(form.get_by_label("Key result")).to_have_value("Measure")
    form.get_by_label("Target").fill("-5")
    form.get_by_role("button", name="Save key result").click()
    expect(form.locator(".errorlist")).to_contain_text("target must be above the baseline")
    shot(web, page, "goals-10-inline-edit-error")
    form.get_by_label("Target").fill("80")
    form.get_by_label("Current").fill("60")
    form.get_by_role("button", name="Save key result").click()
    expect(page.get_by_role("status").filter(has_text="Saved")).to_be_visible()
    expect(page.get_by_role("progressbar", name="Progress of Atlas: activation")).to_have_attribute(
        "aria-valuenow", "75"
    )
    assert page.evaluate("window.__noReload") is True
    # The history panel shows who changed the key result.
    page.reload()
    expect(page.locator(".history")).to_contain_text("updated")
    expect(page.locator(".history")).to_contain_text("Measure")
    shot(web, page, "goals-11-goal-detail-after-edit")


def test_strategy_pages_fit_a_phone(web, signed_in, team):
    company = _company_strategy(team)
    page = signed_in(team.admin, viewport=PHONE)
    for path, name in (
        ("/w/acme/strategy/", "goals-12-overview-phone"),
        ("/w/acme/products/atlas/strategy/", "goals-13-product-strategy-phone"),
        (f"/w/acme/goals/{company.pk}/", "goals-14-goal-phone"),
    ):
        page.goto(path)
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= PHONE["width"], f"{path} scrolls sideways ({width}px)"
        shot(web, page, name)


def previous_quarter() -> str:
    today = timezone.localdate()
    q = (today.month - 1) // 3 + 1
    return f"{today.year - 1}-Q4" if q == 1 else f"{today.year}-Q{q - 1}"


def test_new_goal_form_starts_at_this_quarter_and_shows_past_ones_without_javascript(web, team, product):
    """No JavaScript at all: the quarter defaults to this one, "Show past quarters" re-shows the form
    with what was typed and the older quarters, and a past quarter saves."""
    from .conftest import sign_in

    page = web.context(java_script_enabled=False).new_page()
    sign_in(page, team.editor.email)
    page.goto("/w/acme/goals/new/")
    quarter = page.get_by_label("Quarter")
    expect(quarter).to_have_value(this_quarter())
    options = quarter.locator("option").all_text_contents()
    assert options[:2] == ["Custom dates", this_quarter().replace("-", " ")], options
    assert previous_quarter().replace("-", " ") not in options
    expect(page.get_by_label("Start")).to_be_hidden()  # a quarter is chosen: no custom dates
    page.get_by_label("Title").fill("Close the books faster")
    page.get_by_role("button", name="Show past quarters").click()
    expect(page.get_by_label("Title")).to_have_value("Close the books faster")
    expect(page.get_by_role("button", name="Hide past quarters")).to_be_visible()
    expect(page.locator(".form-errors")).to_have_count(0)
    assert not Goal.objects.exists()
    page.get_by_label("Quarter").select_option(previous_quarter())
    shot(web, page, "goals-09-form-past-quarters")
    page.get_by_role("button", name="Create goal").click()
    expect(page.get_by_role("heading", name="Close the books faster", level=1)).to_be_visible()
    goal = Goal.objects.get()
    assert goal.end_date < timezone.localdate()
    # No key results yet: a neutral "No key results yet", and the first key result's form is simply open.
    expect(page.locator(".goal-status").first).to_have_text("No key results yet")
    expect(page.get_by_role("heading", name="Add the first key result")).to_be_visible()
    expect(page.get_by_role("textbox", name=re.compile("^Key result"))).to_be_visible()
    expect(page.locator("details.kr-add")).to_have_count(0)


def test_add_another_key_result_is_a_disclosure_that_reads_open_or_closed(web, signed_in, team, product):
    goal = goal_create(actor=Actor.for_system("tests"), workspace=team.workspace, title="Grow", product_id=product.pk)
    key_result_create(actor=Actor.for_system("tests"), goal=goal, title="Signups", kind="manual", percent=10)
    page = signed_in(team.editor)
    page.goto(f"/w/acme/goals/{goal.pk}/")
    disclosure = page.locator("details.kr-add")
    summary = disclosure.locator("summary")
    expect(summary).to_have_text("Add a key result")
    expect(disclosure.locator("form")).to_be_hidden()
    # Not dressed as a button: no button border, a chevron that turns when it opens.
    assert summary.evaluate("el => getComputedStyle(el).borderTopWidth") == "0px"
    closed = summary.evaluate("el => getComputedStyle(el, '::before').transform")
    summary.click()
    expect(disclosure.locator("form")).to_be_visible()
    assert summary.evaluate("el => getComputedStyle(el, '::before').transform") != closed
    expect(disclosure.locator(".kr-add-panel")).to_be_visible()
    shot(web, page, "goals-10-add-another-key-result-open")
