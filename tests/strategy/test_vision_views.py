"""Vision pages: the vision (rendered Markdown, empty state), the edit form (errors beside fields,
the stale-version conflict panel), the history with per-field comparisons (htmx partial), and the
summary partial the product strategy page includes."""

from __future__ import annotations

import html as html_module
import re
from typing import Any

import pytest
from django.template.loader import render_to_string

from pmtool.models import ActivityEvent
from strategy.models import Vision, VisionRevision
from strategy.selectors.vision import vision_of
from strategy.services.vision import vision_update
from tests.pmtool.test_views import HTMX, assert_field_error, assert_no_inline_code, input_value

pytestmark = pytest.mark.django_db

BASE = "/w/acme/products/atlas/vision/"
EMPTY = {"statement": "", "target_customers": "", "problem": "", "differentiation": "", "business_model": ""}


def write(team: Any, product: Any, version: int, **fields: Any) -> Any:
    return vision_update(actor=team.actor("admin"), product=product, version=version, **fields)


# --- the vision page ------------------------------------------------------------------------


def test_a_product_without_a_vision_invites_editors_to_write_one(signed_in, product):
    html = signed_in("editor").get(BASE).content.decode()
    assert "No vision yet" in html
    assert f'href="{BASE}edit/"' in html
    assert "Write one" in html
    viewer = signed_in("viewer").get(BASE).content.decode()
    assert "No vision yet" in viewer
    assert f'href="{BASE}edit/"' not in viewer
    assert "Editors and admins can write the vision." in viewer


def test_the_vision_renders_sanitised_markdown(signed_in, team, product):
    write(
        team,
        product,
        0,
        statement="**Every** team plans with confidence.",
        problem="- Spreadsheets\n- <script>alert(1)</script>\n- [bad](javascript:alert(1))",
    )
    response = signed_in("viewer").get(BASE)
    html = response.content.decode()
    assert response.status_code == 200
    assert "<strong>Every</strong> team plans with confidence." in html
    assert "<li>Spreadsheets</li>" in html
    assert "<script>alert(1)</script>" not in html
    assert 'href="javascript:' not in html
    assert "Vision revision 1" in html
    assert "Not written yet." in html  # the empty sections say so
    assert "History" in html
    assert 'class="tabs"' in html
    assert_no_inline_code(html)


# --- editing ------------------------------------------------------------------------------------


def test_write_then_edit_the_vision(signed_in, team, product):
    client = signed_in("editor")
    form = client.get(BASE + "edit/").content.decode()
    assert input_value(form, "version") == "0"
    assert "Write the vision" in form

    response = client.post(BASE + "edit/", {**EMPTY, "statement": "Plan with confidence.", "version": "0"})
    assert response.status_code == 302
    assert response["Location"] == BASE
    page = client.get(BASE).content.decode()
    assert "Vision saved (revision 1)." in page
    assert "Plan with confidence." in page

    form = client.get(BASE + "edit/").content.decode()
    assert input_value(form, "version") == "1"
    assert input_value(form, "statement") == "Plan with confidence."
    client.post(
        BASE + "edit/",
        {**EMPTY, "statement": "Plan with confidence.", "problem": "Chaos.\r\nEvery week.", "version": "1"},
    )
    vision = Vision.objects.get(product=product)
    assert (vision.version, vision.problem) == (2, "Chaos.\nEvery week.")
    assert VisionRevision.objects.filter(vision=vision).count() == 2
    assert ActivityEvent.objects.filter(target_id=vision.pk, action="updated").count() == 1


def test_saving_without_a_change_says_so(signed_in, team, product):
    write(team, product, 0, statement="Same.")
    client = signed_in("editor")
    response = client.post(BASE + "edit/", {**EMPTY, "statement": "Same.", "version": "1"}, follow=True)
    assert "Nothing changed" in response.content.decode()
    assert Vision.objects.get().version == 1


@pytest.mark.parametrize(
    ("data", "field", "text"),
    [
        ({"statement": "x" * 10_001}, "statement", "at most 10000 characters"),
        ({"problem": "a\x00b"}, "problem", "Null characters are not allowed"),
        ({"version": "-1"}, "version", None),
    ],
    ids=["too-long", "nul", "bad-version"],
)
def test_form_errors_are_shown_beside_the_field(signed_in, product, data, field, text):
    response = signed_in("editor").post(BASE + "edit/", {**EMPTY, "version": "0", **data})
    if field == "version":  # hidden: the error is above the form
        assert response.status_code == 400
        assert 'class="form-errors"' in response.content.decode()
    else:
        assert_field_error(response, field, text)
    assert not Vision.objects.exists()


def test_edit_conflict_shows_what_is_saved_and_keeps_the_users_text(signed_in, team, product):
    write(team, product, 0, statement="Original.")
    client = signed_in("editor")
    assert input_value(client.get(BASE + "edit/").content.decode(), "version") == "1"

    # Someone else saves first.
    write(team, product, 1, statement="Theirs: **bold** plan.", problem="Their problem.")

    mine = {**EMPTY, "statement": "Mine: a better plan.", "business_model": "Seats.", "version": "1"}
    response = client.post(BASE + "edit/", mine)
    assert response.status_code == 409
    html = response.content.decode()
    start = html.index('class="card conflict"')
    conflict = html[start : html.index("</section>", start)]
    assert "Someone else saved the vision" in conflict
    assert "Theirs: <strong>bold</strong> plan." in conflict
    assert "Their problem." in conflict
    assert "version 2" in conflict
    assert input_value(html, "statement") == "Mine: a better plan."
    assert input_value(html, "business_model") == "Seats."
    assert input_value(html, "version") == "2"
    assert Vision.objects.get().statement == "Theirs: **bold** plan."

    response = client.post(BASE + "edit/", {**mine, "version": "2"})
    assert response.status_code == 302
    vision = Vision.objects.get()
    assert (vision.statement, vision.problem, vision.business_model, vision.version) == (
        "Mine: a better plan.",
        "",
        "Seats.",
        3,
    )


def test_viewers_get_the_friendly_403(signed_in, product):
    response = signed_in("viewer").get(BASE + "edit/")
    assert response.status_code == 403
    assert "Only an editor or admin of this workspace can change the vision." in response.content.decode()
    response = signed_in("viewer").post(BASE + "edit/", {**EMPTY, "statement": "X", "version": "0"})
    assert response.status_code == 403
    assert not Vision.objects.exists()


# --- history and comparison ---------------------------------------------------------------------


@pytest.fixture
def history(team: Any, product: Any) -> Any:
    write(team, product, 0, statement="We help teams plan.", target_customers="Ops leads.")
    vision_update(actor=team.actor("editor"), product=product, version=1, statement="We help small teams plan.")
    write(team, product, 2, problem="Plans <b>drift</b>.")
    return vision_of(product)


def test_history_lists_revisions_and_compares_the_latest_with_the_previous(signed_in, team, history):
    response = signed_in("viewer").get(BASE + "history/")
    assert response.status_code == 200
    html = response.content.decode()
    rows = re.findall(r"<tr>\s*<th scope=\"row\">Revision (\d)", html)
    assert rows == ["3", "2", "1"]
    assert team.editor.display_name in html and team.admin.display_name in html
    assert '<span class="tag">Problem</span>' in html
    assert '<span class="tag">Vision statement</span> <span class="tag">Target customers</span>' in html
    # The default comparison: revision 2 → 3, the problem added, its HTML escaped.
    diff = html[html.index('id="vision-diff"') :]
    assert "<strong>Revision 2</strong>" in diff and "<strong>Revision 3</strong>" in diff
    assert "<ins>Plans &lt;b&gt;drift&lt;/b&gt;.</ins>" in diff
    assert "Unchanged: Vision statement, Target customers, Differentiation (empty), Business model (empty)" in diff
    assert_no_inline_code(html)


def test_compare_any_two_revisions(signed_in, history):
    html = signed_in("viewer").get(BASE + "history/?a=3&b=1").content.decode()
    diff = html[html.index('id="vision-diff"') :]
    assert "<strong>Revision 1</strong>" in diff
    assert "We help <ins>small </ins>teams plan." in diff
    assert '<option value="1" selected>Revision 1</option>' in html
    assert '<option value="3" selected>Revision 3</option>' in html

    first = signed_in("viewer").get(BASE + "history/?a=0&b=1").content.decode()
    assert "<strong>Nothing</strong>" in first
    assert "<ins>We help teams plan.</ins>" in first


@pytest.mark.parametrize(
    ("query", "text"),
    [
        ("a=9&b=1", "Revision 9 of this vision not found."),
        ("a=abc&b=1", "Enter a whole number."),
        ("a=1", "Choose two revisions to compare."),
        ("a=-1&b=2", "greater than or equal to 0"),
        ("a=0&b=0", "Choose a revision to compare."),
        ("a=99999999999999999999&b=1", "less than or equal to"),
        ("a=%00&b=1", "Enter a whole number."),
    ],
)
def test_bad_comparisons_are_explained(signed_in, history, query, text):
    response = signed_in("viewer").get(f"{BASE}history/?{query}")
    assert response.status_code == 400
    html = response.content.decode()
    assert text in html
    assert "Revision 3" in html  # the list is still there


def test_htmx_compare_returns_only_the_comparison(signed_in, history):
    response = signed_in("viewer").get(BASE + "history/?a=1&b=2", headers={**HTMX, "HX-Target": "vision-compare"})
    assert response.status_code == 200
    fragment = response.content.decode().strip()
    assert fragment.startswith('<section id="vision-compare"')
    assert "We help <ins>small </ins>teams plan." in fragment
    for shell in ("<html", 'class="sidenav"', "revision-table"):
        assert shell not in fragment


def test_history_of_a_product_without_a_vision(signed_in, product):
    response = signed_in("editor").get(BASE + "history/")
    assert response.status_code == 200
    assert "No revisions yet" in response.content.decode()


def test_history_pages_after_50_revisions(signed_in, team, product):
    for version in range(55):
        write(team, product, version, statement=f"Statement {version + 1}.")
    html = signed_in("viewer").get(BASE + "history/").content.decode()
    assert html.count('<th scope="row">Revision') == 50
    assert "Page 1 of 2" in html
    older = signed_in("viewer").get(BASE + "history/?page=2").content.decode()
    assert older.count('<th scope="row">Revision') == 5


@pytest.mark.parametrize("path", ["", "edit/", "history/"])
def test_pages_of_another_workspace_are_404(signed_in, team, product, path):
    from tests.factories import ProductFactory

    theirs = ProductFactory(workspace=team.other_workspace, slug="theirs")
    vision_update(actor=team.actor("outsider"), product=theirs, version=0, statement="Secret plan.")
    response = signed_in("admin").get(f"/w/acme/products/theirs/vision/{path}")
    assert response.status_code == 404
    assert "Secret plan." not in response.content.decode()


# --- the summary partial (included by the product strategy page) ---------------------------------


def summary(team: Any, product: Any, vision: Any, can_edit: bool) -> str:
    context = {"product": product, "vision": vision, "can_edit": can_edit, "current_workspace": team.workspace}
    return render_to_string("strategy/partials/vision_summary.html", context)


def test_summary_partial_empty_states(team, product):
    for vision in (None, vision_of(product)):
        html = summary(team, product, vision, True)
        assert "No vision yet — " in html
        assert f'href="{BASE}edit/">write one</a>' in html
        html = summary(team, product, vision, False)
        assert "No vision yet." in html
        assert "edit/" not in html


def test_summary_partial_with_a_vision(team, product):
    write(team, product, 0, statement="**Plan** with confidence.", differentiation="Faster <i>setup</i>.")
    html = summary(team, product, vision_of(product), True)
    assert "<strong>Plan</strong> with confidence." in html
    assert "<dt>Differentiation</dt>" in html
    assert "Faster setup." in html or "Faster &lt;i&gt;setup&lt;/i&gt;." in html
    assert "<i>" not in html
    assert "<dt>Problem</dt>" not in html  # empty sections are left out
    assert f'href="{BASE}"' in html and f'href="{BASE}history/"' in html and f'href="{BASE}edit/"' in html
    assert f'href="{BASE}edit/"' not in summary(team, product, vision_of(product), False)
    assert_no_inline_code(html)


PROBLEM = (
    "Store numbers live in four systems (point of sale, inventory, rota, finance). Teams export CSVs "
    "every morning, glue them together in spreadsheets, and decide on yesterday's data while the shop "
    "floor has already moved on."
)


def test_summary_cuts_long_sections_between_words_with_more(team, product):
    write(team, product, 0, statement="Plan.", problem=PROBLEM, business_model="Per store per month.")
    html = summary(team, product, vision_of(product), False)
    problem = re.search(r"<dt>Problem</dt><dd[^>]*>(.*?)</dd>", html, re.S).group(1)
    shown = html_module.unescape(re.sub(r"<[^>]+>", "", problem.split('<a class="vr-more"')[0])).strip()
    # A prefix of the text, ending at a sentence end or a whole word + "…", never inside a word.
    assert shown.endswith(".") or shown.endswith("…")
    kept = shown.removesuffix("…")
    assert PROBLEM.startswith(kept) and PROBLEM[len(kept)] in " ", kept
    assert len(kept) < len(PROBLEM)
    assert f'<a class="vr-more" href="{BASE}#vision-section-3">more<span class="visually-hidden"> of Problem' in html
    assert "vr-clamp" not in html  # the CSS line clamp cut words in half
    business = re.search(r"<dt>Business model</dt><dd[^>]*>(.*?)</dd>", html, re.S).group(1)
    assert "Per store per month." in business and "vr-more" not in business  # short: whole, no "more"


def test_history_diff_reads_the_rendered_text_in_blocks(signed_in, team, product):
    write(team, product, 0, statement="Plan **weekly** with the team.")
    write(team, product, 1, statement="Plan **daily** with the whole team.")
    diff = signed_in("viewer").get(BASE + "history/").content.decode()
    diff = diff[diff.index('id="vision-diff"') :]
    assert "**" not in diff
    assert '<div class="diff-block diff-removed">' in diff and '<div class="diff-block diff-added">' in diff
    assert "Plan <del>weekly</del> with the team." in diff
    assert "Plan <ins>daily</ins> with the <ins>whole </ins>team." in diff
    assert '<span class="visually-hidden">Removed: </span>' in diff  # not by colour alone
