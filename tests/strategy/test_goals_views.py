"""Pages of goals, key results and initiatives: the two strategy overviews, forms with errors beside
their fields, stale-version conflict panels, htmx key-result editing, delete confirmations, filters,
and the strict CSP (no inline styles: progress bars are SVG widths)."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest

from pmtool.activity import Actor
from pmtool.models import ActivityEvent
from strategy.models import Goal, Initiative, KeyResult, Persona, Vision
from strategy.services.goals import goal_create, key_result_create
from strategy.services.initiatives import initiative_create
from tests.factories import ProductFactory
from tests.pmtool.test_views import HTMX, assert_field_error, assert_no_inline_code, input_value

pytestmark = pytest.mark.django_db

HUGE = "x" * 10_000


@pytest.fixture
def goal(team: Any, product: Any) -> Goal:
    company = goal_create(actor=team.actor(), workspace=team.workspace, title="Win mid-market", quarter="2026-Q4")
    return goal_create(
        actor=team.actor(),
        workspace=team.workspace,
        title="Activation",
        product_id=product.pk,
        parent_id=company.pk,
        quarter="2026-Q4",
    )


@pytest.fixture
def key_result(team: Any, goal: Goal) -> KeyResult:
    return key_result_create(actor=team.actor(), goal=goal, title="Activated", baseline=10, target=50, current=20)


GOAL_FORM = {
    "title": "Grow revenue",
    "product": "",
    "parent": "",
    "owner": "",
    "quarter": "",
    "start_date": "",
    "end_date": "",
    "status": "derived",
    "description": "",
}


def kr_form(prefix: str, **values: Any) -> dict[str, Any]:
    data = {
        "title": "Signups",
        "kind": "metric",
        "direction": "up",
        "baseline": "0",
        "target": "100",
        "current": "25",
        "unit": "",
        "metric": "",
        "metric_period": "month",
        "percent": "",
        "weight": "1",
        **values,
    }
    return {f"{prefix}-{k}": v for k, v in data.items()}


# --- the strategy overviews --------------------------------------------------------------------


def test_overview_shows_company_goals_children_and_products(
    signed_in: Any, team: Any, goal: Goal, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):  # the rollup runs on commit
        key_result_create(actor=team.actor(), goal=goal, title="KR", kind="manual", percent=40)
    ProductFactory(workspace=team.workspace, name="Old", slug="old", archived_at=dt.datetime(2020, 1, 1, tzinfo=dt.UTC))
    response = signed_in("viewer").get("/w/acme/strategy/")
    assert response.status_code == 200
    html = response.content.decode()
    assert_no_inline_code(html)
    assert 'class="nav-strategy" aria-current="page"' in html
    assert "Win mid-market" in html and "Activation" in html
    assert re.search(r'aria-label="Progress of Activation"[^>]*aria-valuenow="40"', html)
    assert re.search(r'aria-label="Progress of Win mid-market"[^>]*aria-valuenow="40"', html)  # mean of children
    assert 'width="40.0%"' in html  # the SVG fill: an attribute, not a style
    assert "/w/acme/products/atlas/strategy/" in html
    assert "Old" not in html  # archived products have no card
    assert "New company goal" not in html  # viewers read


def test_overview_empty_state(signed_in: Any) -> None:
    html = signed_in("editor").get("/w/acme/strategy/").content.decode()
    assert "No company goals yet" in html
    assert "Set the first company goal" in html


def test_product_strategy_page_reads_top_down(
    signed_in: Any, team: Any, product: Any, goal: Goal, django_capture_on_commit_callbacks: Any
) -> None:
    Vision.objects.create(product=product, statement="Dashboards **everyone** reads.")
    Persona.objects.create(product=product, name="Sam", role="Store manager")
    with django_capture_on_commit_callbacks(execute=True):
        key_result_create(actor=team.actor(), goal=goal, title="Weekly teams", baseline=100, target=300, current=150)
    initiative_create(
        actor=team.actor(), workspace=team.workspace, title="Guided setup", colour="#0ea5e9", goal_ids=[goal.pk]
    )
    response = signed_in("viewer").get("/w/acme/products/atlas/strategy/")
    assert response.status_code == 200
    html = response.content.decode()
    assert_no_inline_code(html)
    order = [
        html.index(marker)
        for marker in (
            "<strong>everyone</strong>",
            "Activation",
            "Guided setup",
            "Sam",
            "Each initiative's top features",  # the backlog fills strategy.parts
        )
    ]
    assert order == sorted(order)
    assert "100" in html and "150" in html and "300" in html  # baseline → current → target
    assert re.search(r'aria-label="Progress of Activation"[^>]*aria-valuenow="25"', html)
    assert 'fill="#0ea5e9"' in html  # the initiative's colour chip
    assert "workspace-wide" in html  # a workspace initiative serving this product's goal
    assert "New goal" not in html


def test_product_strategy_page_of_an_unknown_product_is_404(signed_in: Any) -> None:
    assert signed_in("viewer").get("/w/acme/products/nope/strategy/").status_code == 404


def test_product_page_links_to_its_strategy(signed_in: Any, product: Any) -> None:
    html = signed_in("viewer").get("/w/acme/products/atlas/").content.decode()
    assert 'href="/w/acme/products/atlas/strategy/"' in html


# --- goals ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "field", "text"),
    [
        ({"title": ""}, "title", "required"),
        ({"title": "   "}, "title", "required"),
        ({"title": HUGE}, "title", "at most 200 characters"),
        ({"title": "a\x00b"}, "title", "Null characters are not allowed"),
        ({"product": "999999"}, "product", "Select a valid choice"),
        ({"owner": "999999"}, "owner", "Select a valid choice"),
        ({"status": "sleeping"}, "status", "Select a valid choice"),
        ({"quarter": "2026-Q9"}, "quarter", "Select a valid choice"),
        ({"start_date": "2026-02-30", "end_date": "2026-03-01"}, "start_date", "valid date"),
        ({"start_date": "2026-03-01", "end_date": "2026-02-01"}, "end_date", "on or after the start date"),
        ({"start_date": "2026-03-01"}, "end_date", "Give an end date"),
        ({"description": "d" * 10_001}, "description", "at most 10000 characters"),
    ],
    ids=[
        "empty",
        "blank",
        "huge",
        "nul",
        "bad-product",
        "bad-owner",
        "bad-status",
        "bad-quarter",
        "bad-date",
        "end-before-start",
        "start-only",
        "long-description",
    ],
)
def test_goal_create_form_errors(signed_in: Any, data: dict, field: str, text: str) -> None:
    response = signed_in("editor").post("/w/acme/goals/new/", {**GOAL_FORM, **data})
    assert_field_error(response, field, text)
    assert not Goal.objects.exists()


def test_goal_parent_rules_are_shown_beside_the_field(signed_in: Any, goal: Goal) -> None:
    # The form only offers top-level company goals; a forged POST gets the choice error.
    response = signed_in("editor").post("/w/acme/goals/new/", {**GOAL_FORM, "parent": str(goal.pk)})
    assert_field_error(response, "parent", "Select a valid choice")
    # Editing a company goal that has children: giving it a parent is refused by the service.
    company, other = goal.parent, goal_create(actor=Actor.for_system("tests"), workspace=goal.workspace, title="Other")
    response = signed_in("editor").post(
        f"/w/acme/goals/{company.pk}/edit/",
        {**GOAL_FORM, "title": company.title, "quarter": "2026-Q4", "parent": str(other.pk), "version": "1"},
    )
    assert_field_error(response, "parent", "child goals")


def test_goal_create_preselects_product_and_parent(signed_in: Any, product: Any, goal: Goal) -> None:
    html = signed_in("editor").get(f"/w/acme/goals/new/?product=atlas&parent={goal.parent_id}").content.decode()
    assert re.search(rf'<option value="{product.pk}" selected>Atlas</option>', html)
    assert re.search(rf'<option value="{goal.parent_id}" selected>Win mid-market</option>', html)
    # Odd query strings are ignored, not a 500.
    for query in ("?product=%00", "?parent=abc", "?parent=99999999999999999999", "?product=" + "x" * 500):
        assert signed_in("editor").get(f"/w/acme/goals/new/{query}").status_code == 200


def test_goal_create_and_edit_succeed(signed_in: Any, team: Any, product: Any) -> None:
    client = signed_in("editor")
    response = client.post(
        "/w/acme/goals/new/",
        {
            **GOAL_FORM,
            "product": str(product.pk),
            "owner": str(team.viewer.pk),
            "quarter": "2026-Q3",
            "past_quarters": "True",  # listed after "Show past quarters" (the list starts at this quarter)
            "status": "at_risk",
        },
    )
    goal = Goal.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/w/acme/goals/{goal.pk}/"
    assert (goal.start_date, goal.end_date, goal.status, goal.status_source) == (
        dt.date(2026, 7, 1),
        dt.date(2026, 9, 30),
        "at_risk",
        "manual",
    )
    edit = client.get(f"/w/acme/goals/{goal.pk}/edit/").content.decode()
    assert re.search(r'<option value="2026-Q3" selected>', edit)
    assert re.search(r'<option value="at_risk" selected>', edit)
    response = client.post(
        f"/w/acme/goals/{goal.pk}/edit/",
        {
            **GOAL_FORM,
            "title": "Grow revenue 2",
            "product": str(product.pk),
            "start_date": "2026-07-01",
            "end_date": "2026-08-15",
            "version": "1",
        },
    )
    assert response.status_code == 302
    goal.refresh_from_db()
    assert (goal.title, goal.end_date, goal.status_source, goal.version) == (
        "Grow revenue 2",
        dt.date(2026, 8, 15),
        "derived",
        2,
    )


def test_goal_edit_conflict_shows_saved_values_and_keeps_the_input(signed_in: Any, team: Any, goal: Goal) -> None:
    from strategy.services.goals import goal_update

    goal_update(actor=team.actor(), goal_id=goal.pk, version=1, title="Activation (theirs)")
    client = signed_in("editor")
    form = {**GOAL_FORM, "title": "Activation (mine)", "product": str(goal.product_id), "quarter": "2026-Q4"}
    response = client.post(f"/w/acme/goals/{goal.pk}/edit/", {**form, "version": "1"})
    assert response.status_code == 409
    html = response.content.decode()
    conflict = html[html.index('class="card conflict"') : html.index("</section>", html.index('class="card conflict"'))]
    assert "Activation (theirs)" in conflict
    assert "version 2" in conflict
    assert input_value(html, "title") == "Activation (mine)"
    assert input_value(html, "version") == "2"
    # Saving again applies the user's version on top.
    response = client.post(f"/w/acme/goals/{goal.pk}/edit/", {**form, "version": "2"})
    assert response.status_code == 302
    goal.refresh_from_db()
    assert (goal.title, goal.version) == ("Activation (mine)", 3)


def test_goal_detail_shows_key_results_initiatives_and_history(
    signed_in: Any, team: Any, goal: Goal, key_result: KeyResult
) -> None:
    initiative_create(actor=team.actor(), workspace=team.workspace, title="Guided setup", goal_ids=[goal.pk])
    response = signed_in("viewer").get(f"/w/acme/goals/{goal.pk}/")
    html = response.content.decode()
    assert response.status_code == 200
    assert_no_inline_code(html)
    assert "Activated" in html and "Guided setup" in html
    assert 'aria-label="Progress of Activated"' in html
    assert "key result <strong>Activated</strong>" in html  # the history shows the key result's events too
    assert "Add a key result" not in html  # viewers read
    assert f'href="/w/acme/goals/{goal.pk}/edit/"' not in html


def test_goal_detail_of_another_workspace_is_404(signed_in: Any, team: Any) -> None:
    theirs = goal_create(actor=team.actor("outsider"), workspace=team.other_workspace, title="Theirs")
    assert signed_in("admin").get(f"/w/acme/goals/{theirs.pk}/").status_code == 404
    assert signed_in("admin").get("/w/acme/goals/99999999999999999999/").status_code == 404


def test_progress_panel_polls_until_the_rollup_has_run(signed_in: Any, goal: Goal) -> None:
    Goal.objects.filter(pk=goal.pk).update(progress_updated_at=None)  # as if the worker had not run yet
    client = signed_in("viewer")
    html = client.get(f"/w/acme/goals/{goal.pk}/").content.decode()
    assert 'hx-trigger="every 2s"' in html
    assert "Recalculating progress" in html
    part = client.get(f"/w/acme/goals/{goal.pk}/?part=progress&n=3", headers=HTMX).content.decode().strip()
    assert part.startswith('<section class="card goal-progress-card" id="goal-progress"')
    assert "n=4" in part
    assert re.search(r'<p [^>]*id="goal-subtitle"[^>]*hx-swap-oob="true"', part)  # the header's badge follows
    tired = client.get(f"/w/acme/goals/{goal.pk}/?part=progress&n=60", headers=HTMX).content.decode()
    assert "hx-trigger" not in tired
    assert "is the worker running?" in tired
    Goal.objects.filter(pk=goal.pk).update(progress_updated_at=dt.datetime(2100, 1, 1, tzinfo=dt.UTC))
    done = client.get(f"/w/acme/goals/{goal.pk}/?part=progress&n=abc", headers=HTMX).content.decode()
    assert "hx-trigger" not in done


@pytest.mark.parametrize("posted", [{}, {"version": ""}, {"version": "abc"}, {"version": "-1"}])
def test_a_delete_page_without_the_version_deletes_nothing(
    signed_in: Any, team: Any, goal: Goal, key_result: KeyResult, posted: dict[str, str]
) -> None:
    """Every delete confirmation posts the version the user saw; without it: 400, the confirmation
    again, and the goal, key result and initiative all still there."""
    initiative = initiative_create(actor=team.actor(), workspace=team.workspace, title="Onboarding")
    client = signed_in("editor")
    for url, what in (
        (f"/w/acme/key-results/{key_result.pk}/delete/", "key result"),
        (f"/w/acme/goals/{goal.pk}/delete/", "goal"),
        (f"/w/acme/initiatives/{initiative.pk}/delete/", "initiative"),
    ):
        response = client.post(url, posted)
        assert response.status_code == 400, what
        assert "without the version you opened" in response.content.decode(), what
    assert Goal.objects.filter(pk=goal.pk).exists()
    assert KeyResult.objects.filter(pk=key_result.pk).exists()
    assert Initiative.objects.filter(pk=initiative.pk).exists()


def test_goal_delete_asks_first(signed_in: Any, goal: Goal, key_result: KeyResult) -> None:
    client = signed_in("editor")
    html = client.get(f"/w/acme/goals/{goal.pk}/delete/").content.decode()
    assert "Delete goal “Activation”?" in html
    assert "Its 1 key result is deleted with it." in html
    response = client.post(f"/w/acme/goals/{goal.pk}/delete/", {"version": "7"})
    assert response.status_code == 302 and response["Location"] == f"/w/acme/goals/{goal.pk}/delete/"
    assert Goal.objects.filter(pk=goal.pk).exists()
    response = client.post(f"/w/acme/goals/{goal.pk}/delete/", {"version": "1"})
    assert response["Location"] == "/w/acme/products/atlas/strategy/"
    assert not Goal.objects.filter(pk=goal.pk).exists()
    assert not KeyResult.objects.exists()


def test_goal_list_filters(signed_in: Any, team: Any, product: Any, goal: Goal) -> None:
    client = signed_in("viewer")
    html = client.get("/w/acme/goals/").content.decode()
    assert "Activation" in html and "Win mid-market" in html
    assert_no_inline_code(html)
    part = client.get(f"/w/acme/goals/?product={product.pk}", headers=HTMX).content.decode().strip()
    assert part.startswith('<div id="goal-table"')
    assert f"/w/acme/goals/{goal.pk}/" in part and f"/w/acme/goals/{goal.parent_id}/" not in part
    part = client.get("/w/acme/goals/?product=company", headers=HTMX).content.decode()
    assert f"/w/acme/goals/{goal.parent_id}/" in part and f"/w/acme/goals/{goal.pk}/" not in part
    response = client.get("/w/acme/goals/?status=bogus&product=%00")
    assert response.status_code == 400
    assert "Those filters are not valid" in response.content.decode()
    assert "Activation" not in response.content.decode().split('id="goal-table"')[1]


# --- key results -----------------------------------------------------------------------------------


def test_key_result_added_with_htmx(signed_in: Any, goal: Goal) -> None:
    client = signed_in("editor")
    response = client.post(f"/w/acme/goals/{goal.pk}/key-results/new/", kr_form("new"), headers=HTMX)
    assert response.status_code == 200
    html = response.content.decode().strip()
    assert html.startswith('<section class="card key-results" id="key-results"')
    assert "Key result “Signups” added." in html
    # The progress card and the header's status badge follow, out of band.
    assert re.search(r'<section [^>]*id="goal-progress"[^>]*hx-swap-oob="true"', html)
    assert re.search(r'<p [^>]*id="goal-subtitle"[^>]*hx-swap-oob="true"', html)
    assert KeyResult.objects.get().title == "Signups"


@pytest.mark.parametrize(
    ("values", "field", "text"),
    [
        ({"title": ""}, "new-title", "required"),
        ({"target": "-5"}, "new-target", "above the baseline"),
        ({"baseline": ""}, "new-baseline", "Required for a measured key result"),
        ({"baseline": "abc"}, "new-baseline", "Enter a number"),
        ({"current": "1e400"}, "new-current", "Enter a number"),
        ({"weight": "0"}, "new-weight", "greater than or equal to 1"),
        ({"kind": "manual", "percent": "101"}, "new-percent", "less than or equal to 100"),
        ({"metric": "999999"}, "new-metric", "Select a valid choice"),
    ],
)
def test_key_result_form_errors_beside_fields(signed_in: Any, goal: Goal, values: dict, field: str, text: str) -> None:
    client = signed_in("editor")
    response = client.post(f"/w/acme/goals/{goal.pk}/key-results/new/", kr_form("new", **values), headers=HTMX)
    assert_field_error(response, field, text, summary=False)
    # Without htmx: the full form page.
    response = client.post(f"/w/acme/goals/{goal.pk}/key-results/new/", kr_form("new", **values))
    assert_field_error(response, field, text, summary=False)
    assert "<h1>New key result</h1>" in response.content.decode()
    assert not KeyResult.objects.exists()


def test_manual_key_result_ignores_the_measured_inputs(signed_in: Any, goal: Goal) -> None:
    client = signed_in("editor")
    response = client.post(
        f"/w/acme/goals/{goal.pk}/key-results/new/", kr_form("new", kind="manual", percent="35", target="-5")
    )
    assert response.status_code == 302
    kr = KeyResult.objects.get()
    assert (kr.kind, kr.percent, kr.progress) == ("manual", 35, 35)


def test_key_result_edited_inline(signed_in: Any, goal: Goal, key_result: KeyResult) -> None:
    client = signed_in("editor")
    url = f"/w/acme/key-results/{key_result.pk}/edit/"
    html = client.get(url, headers=HTMX).content.decode()
    assert 'class="kr-edit-row"' in html
    assert input_value(html, f"kr{key_result.pk}-baseline") == "10"  # not "10.0"
    response = client.post(
        url, kr_form(f"kr{key_result.pk}", baseline="10", target="50", current="40", version="1"), headers=HTMX
    )
    assert response.status_code == 200
    assert "Saved “Signups”." in response.content.decode()
    key_result.refresh_from_db()
    assert (key_result.title, key_result.current, key_result.version) == ("Signups", 40, 2)
    # Stale: 409 with the explanation, the user's input kept and the version moved on.
    response = client.post(url, kr_form(f"kr{key_result.pk}", current="45", version="1"), headers=HTMX)
    assert response.status_code == 409
    html = response.content.decode()
    assert "Someone else changed this key result" in html
    assert input_value(html, f"kr{key_result.pk}-current") == "45"
    assert input_value(html, f"kr{key_result.pk}-version") == "2"
    # Without htmx: a full page, and a redirect after saving.
    assert "<h1>Edit key result</h1>" in client.get(url).content.decode()
    response = client.post(url, kr_form(f"kr{key_result.pk}", title="Activated", version="2"))
    assert response.status_code == 302 and response["Location"] == f"/w/acme/goals/{goal.pk}/"


def test_key_result_delete(signed_in: Any, goal: Goal, key_result: KeyResult) -> None:
    client = signed_in("editor")
    url = f"/w/acme/key-results/{key_result.pk}/delete/"
    assert "Delete key result “Activated”?" in client.get(url).content.decode()
    response = client.post(url, {"version": "1"}, headers=HTMX)
    assert response.status_code == 200
    assert "Key result “Activated” deleted." in response.content.decode()
    assert not KeyResult.objects.exists()
    assert ActivityEvent.objects.filter(target_id=key_result.pk, action="deleted").exists()


def test_cancel_returns_the_section(signed_in: Any, goal: Goal, key_result: KeyResult) -> None:
    html = signed_in("editor").get(f"/w/acme/goals/{goal.pk}/?part=key-results", headers=HTMX).content.decode().strip()
    assert html.startswith('<section class="card key-results"')
    assert "kr-edit-row" not in html


# --- initiatives ------------------------------------------------------------------------------------

INITIATIVE_FORM = {
    "title": "Onboarding",
    "product": "",
    "status": "proposed",
    "colour": "#4f46e5",
    "quarter": "",
    "start_date": "",
    "end_date": "",
    "description": "",
}


@pytest.mark.parametrize(
    ("data", "field", "text"),
    [
        ({"title": ""}, "title", "required"),
        ({"colour": "red"}, "colour", "#rrggbb"),
        ({"colour": "#12345678"}, "colour", "at most 7 characters"),
        ({"status": "someday"}, "status", "Select a valid choice"),
        ({"goals": ["999999"]}, "goals", "Select a valid choice"),
        ({"start_date": "2026-03-01", "end_date": "2026-01-01"}, "end_date", "on or after"),
    ],
)
def test_initiative_form_errors(signed_in: Any, data: dict, field: str, text: str) -> None:
    response = signed_in("editor").post("/w/acme/initiatives/new/", {**INITIATIVE_FORM, **data})
    assert_field_error(response, field, text) if field != "goals" else assert_checkbox_error(response, text)
    assert not Initiative.objects.exists()


def assert_checkbox_error(response: Any, text: str) -> None:
    """A checkbox group's error sits in its <fieldset>, which Django links by aria-describedby."""
    assert response.status_code == 400
    html = response.content.decode()
    block = html[html.index('<div class="field goals-field field-invalid">') :]
    block = block[: block.index("</fieldset>")]
    assert re.search(r'<fieldset aria-describedby="[^"]*id_goals_error', block), block[:300]
    assert text in block


def test_initiative_of_a_product_serves_its_goals_or_company_goals(
    signed_in: Any, team: Any, product: Any, goal: Goal
) -> None:
    beacon = ProductFactory(workspace=team.workspace, name="Beacon", slug="beacon")
    response = signed_in("editor").post(
        "/w/acme/initiatives/new/", {**INITIATIVE_FORM, "product": str(beacon.pk), "goals": [str(goal.pk)]}
    )
    assert_checkbox_error(response, "another product")


def test_initiative_create_edit_conflict_and_delete(signed_in: Any, team: Any, product: Any, goal: Goal) -> None:
    client = signed_in("editor")
    html = client.get(f"/w/acme/initiatives/new/?goal={goal.pk}&product=atlas").content.decode()
    assert re.search(rf'value="{goal.pk}"[^>]*checked', html)
    response = client.post(
        "/w/acme/initiatives/new/",
        {
            **INITIATIVE_FORM,
            "product": str(product.pk),
            "goals": [str(goal.pk)],
            "colour": "#0EA5E9",
            "quarter": "2026-Q4",
        },
    )
    initiative = Initiative.objects.get()
    assert response["Location"] == f"/w/acme/initiatives/{initiative.pk}/"
    assert (initiative.colour, initiative.end_date) == ("#0ea5e9", dt.date(2026, 12, 31))
    detail = client.get(f"/w/acme/initiatives/{initiative.pk}/").content.decode()
    assert_no_inline_code(detail)
    assert "No features counted yet" in detail and "No features linked yet." in detail
    assert "Activation" in detail

    from strategy.services.initiatives import initiative_update

    initiative_update(actor=team.actor(), initiative_id=initiative.pk, version=1, title="Theirs")
    response = client.post(
        f"/w/acme/initiatives/{initiative.pk}/edit/", {**INITIATIVE_FORM, "title": "Mine", "version": "1"}
    )
    assert response.status_code == 409
    assert "Someone else saved this initiative" in response.content.decode()
    assert input_value(response.content.decode(), "title") == "Mine"

    assert "Delete initiative “Theirs”?" in client.get(f"/w/acme/initiatives/{initiative.pk}/delete/").content.decode()
    response = client.post(f"/w/acme/initiatives/{initiative.pk}/delete/", {"version": "2"})
    assert response["Location"] == "/w/acme/initiatives/"
    assert not Initiative.objects.exists()
    assert Goal.objects.filter(pk=goal.pk).exists()


def test_initiative_list_filters(signed_in: Any, team: Any, product: Any) -> None:
    initiative_create(actor=team.actor(), workspace=team.workspace, title="Atlas theme", product_id=product.pk)
    initiative_create(actor=team.actor(), workspace=team.workspace, title="Company theme", status="active")
    client = signed_in("viewer")
    html = client.get("/w/acme/initiatives/").content.decode()
    assert_no_inline_code(html)
    assert "Atlas theme" in html and "Company theme" in html
    part = client.get("/w/acme/initiatives/?status=active", headers=HTMX).content.decode().strip()
    assert part.startswith('<div id="initiative-table"')
    assert "Company theme" in part and "Atlas theme" not in part
    part = client.get(f"/w/acme/initiatives/?product={product.pk}", headers=HTMX).content.decode()
    assert "Atlas theme" in part and "Company theme" not in part
    response = client.get("/w/acme/initiatives/?product=abc")
    assert response.status_code == 400
    assert "Atlas theme" not in response.content.decode().split('id="initiative-table"')[1]


@pytest.mark.parametrize(
    "path",
    [
        "/w/acme/strategy/",
        "/w/acme/products/atlas/strategy/",
        "/w/acme/goals/",
        "/w/acme/goals/new/",
        "/w/acme/goals/{goal}/",
        "/w/acme/goals/{goal}/edit/",
        "/w/acme/goals/{goal}/delete/",
        "/w/acme/goals/{goal}/key-results/new/",
        "/w/acme/key-results/{kr}/edit/",
        "/w/acme/key-results/{kr}/delete/",
        "/w/acme/initiatives/",
        "/w/acme/initiatives/new/",
    ],
)
def test_pages_satisfy_the_csp_and_highlight_strategy(
    signed_in: Any, goal: Goal, key_result: KeyResult, path: str
) -> None:
    response = signed_in("admin").get(path.format(goal=goal.pk, kr=key_result.pk))
    assert response.status_code == 200
    html = response.content.decode()
    assert_no_inline_code(html)
    assert 'class="nav-strategy" aria-current="page"' in html


# --- goals with nothing to measure, the quarter list, the add-a-key-result form (issue 10) ----------


def _quarters_listed(html: str) -> list[str]:
    select = re.search(r'<select name="quarter".*?</select>', html, re.S)
    assert select, html
    return re.findall(r'<option value="(\d{4}-Q\d)"', select.group(0))


def _this_and_last_quarter() -> tuple[str, str]:
    today = dt.date.today()
    q = (today.month - 1) // 3 + 1
    last = f"{today.year - 1}-Q4" if q == 1 else f"{today.year}-Q{q - 1}"
    return f"{today.year}-Q{q}", last


def test_goals_without_key_results_say_so_everywhere(signed_in: Any, team: Any, product: Any) -> None:
    """A 2025 Q1 goal (long over) and a later company goal, neither with key results: no "On track"."""
    from strategy import rollups

    old = goal_create(
        actor=team.actor(), workspace=team.workspace, title="Old goal", product_id=product.pk, quarter="2025-Q1"
    )
    later = goal_create(actor=team.actor(), workspace=team.workspace, title="Later goal", quarter="2026-Q4")
    rollups.goals_recompute([old.pk, later.pk])
    client = signed_in("viewer")
    pages = {
        "overview": "/w/acme/strategy/",
        "product strategy": f"/w/acme/products/{product.slug}/strategy/",
        "goal list": "/w/acme/goals/",
        "goal page": f"/w/acme/goals/{old.pk}/",
    }
    for name, url in pages.items():
        html = client.get(url).content.decode()
        assert "goal-status-no_key_results" in html, name
        assert "No key results yet" in html, name
        assert "goal-status-on_track" not in html and "progress-fill-on_track" not in html, name
    detail = client.get(f"/w/acme/goals/{old.pk}/").content.decode()
    assert "automatic, once it has key results to measure" in detail
    api = client.get(f"/api/v1/goals/{old.pk}/").json()
    assert (api["status"], api["progress"]) == ("no_key_results", None)


def test_new_goal_form_defaults_to_the_current_quarter_and_lists_from_it(signed_in: Any) -> None:
    this, last = _this_and_last_quarter()
    html = signed_in("editor").get("/w/acme/goals/new/").content.decode()
    assert re.search(rf'<option value="{this}" selected>', html)
    listed = _quarters_listed(html)
    assert listed[0] == this and last not in listed
    assert 'name="quarters" value="past"' in html and "Show past quarters" in html


def test_show_past_quarters_keeps_what_was_typed_and_saves_nothing(signed_in: Any, product: Any) -> None:
    this, last = _this_and_last_quarter()
    client = signed_in("editor")
    form = {**GOAL_FORM, "title": "Typed already", "product": str(product.pk), "quarter": this, "quarters": "past"}
    response = client.post("/w/acme/goals/new/", form)
    html = response.content.decode()
    assert response.status_code == 200 and not Goal.objects.exists()
    assert last in _quarters_listed(html) and "Hide past quarters" in html
    assert input_value(html, "title") == "Typed already"
    assert re.search(rf'<option value="{product.pk}" selected>', html)
    assert 'name="past_quarters" value="True"' in html
    assert "field-invalid" not in html and "form-errors" not in html
    assert re.search(r'<select name="quarter"[^>]*autofocus', html)  # back where the user was
    # Then saving with a past quarter works; without the list switched it is refused beside the field.
    response = client.post("/w/acme/goals/new/", {**form, "quarters": "", "quarter": last})
    assert response.status_code == 400
    assert "Select a valid choice" in response.content.decode()
    response = client.post("/w/acme/goals/new/", {**form, "quarters": "", "quarter": last, "past_quarters": "True"})
    assert response.status_code == 302
    assert Goal.objects.get().title == "Typed already"


def test_editing_a_goal_in_a_past_quarter_keeps_its_quarter(signed_in: Any, team: Any) -> None:
    goal = goal_create(actor=team.actor(), workspace=team.workspace, title="Old", quarter="2024-Q2")
    client = signed_in("editor")
    html = client.get(f"/w/acme/goals/{goal.pk}/edit/").content.decode()
    assert re.search(r'<option value="2024-Q2" selected>', html)
    data = {**GOAL_FORM, "title": "Old, renamed", "quarter": "2024-Q2", "version": "1"}
    assert client.post(f"/w/acme/goals/{goal.pk}/edit/", data).status_code == 302
    goal.refresh_from_db()
    assert (goal.title, goal.start_date, goal.end_date) == ("Old, renamed", dt.date(2024, 4, 1), dt.date(2024, 6, 30))


def test_enter_in_the_form_saves_rather_than_switching_the_quarter_list(signed_in: Any) -> None:
    """The first submit button is the one implicit submission (Enter) uses."""
    html = signed_in("editor").get("/w/acme/goals/new/").content.decode()
    form = html[html.index('<form method="post" class="card form goal-form"') :]
    first = re.search(r"<button[^>]*>", form).group(0)
    assert 'name="quarters"' not in first and 'type="submit"' in first


def test_the_first_key_result_form_is_open_with_a_heading_not_a_toggle(signed_in: Any, goal: Goal) -> None:
    client = signed_in("editor")
    html = client.get(f"/w/acme/goals/{goal.pk}/").content.decode()
    assert "Add the first key result" in html
    assert "<details" not in html.split('id="key-results"')[1].split("</section>")[0]
    key_result_create(actor=Actor.for_system("tests"), goal=goal, title="Activated", kind="manual", percent=10)
    html = client.get(f"/w/acme/goals/{goal.pk}/").content.decode()
    section = html.split('id="key-results"')[1].split("</section>")[0]
    assert '<details class="kr-add kr-add-toggle">' in section  # closed while there are key results
    assert '<summary class="kr-add-summary">' in section
