"""Persona and competitor pages: lists and empty states, forms with errors beside fields, edit
conflicts, delete confirmations, the side-by-side comparison, and the research summary partial."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.template.loader import render_to_string

from pmtool.models import ActivityEvent
from strategy.models import Competitor, Persona
from strategy.services.research import competitor_create, competitor_update, persona_create, persona_update
from strategy.services.vision import vision_update
from tests.factories import ProductFactory
from tests.pmtool.test_views import assert_field_error, input_value
from tests.pmtool.test_views import assert_no_inline_code as _assert_no_inline_code

pytestmark = pytest.mark.django_db

PRODUCT = "/w/acme/products/atlas/"
PERSONA = {"name": "Olivia", "role": "Operations lead", "goals": "", "pains": "", "quote": ""}
COMPETITOR = {
    "name": "Globex",
    "website": "",
    "threat_level": "medium",
    "positioning": "",
    "strengths": "",
    "weaknesses": "",
    "pricing_notes": "",
}


def assert_no_inline_code(html: str) -> None:
    """The CSP check of the core pages; links out to a competitor's website are fine (not assets)."""
    _assert_no_inline_code(re.sub(r'<a href="https?://[^"]*"(?=[^>]*rel="noopener noreferrer nofollow")', "<a", html))


# --- personas -------------------------------------------------------------------------------------


def test_personas_empty_state(signed_in, product):
    html = signed_in("editor").get(PRODUCT + "personas/").content.decode()
    assert "No personas yet" in html
    assert f'href="{PRODUCT}personas/new/"' in html
    viewer = signed_in("viewer").get(PRODUCT + "personas/").content.decode()
    assert "Editors and admins can add personas." in viewer
    assert "personas/new/" not in viewer


def test_create_a_persona_and_see_its_card(signed_in, product):
    client = signed_in("editor")
    assert client.get(PRODUCT + "personas/new/").status_code == 200
    response = client.post(
        PRODUCT + "personas/new/",
        {
            **PERSONA,
            "goals": "- **One** plan\r\n- Fewer meetings",
            "pains": "<img src=x> Spreadsheets",
            "quote": "I just want one plan.",
        },
    )
    assert response.status_code == 302
    assert response["Location"] == PRODUCT + "personas/"
    html = client.get(PRODUCT + "personas/").content.decode()
    assert "Persona “Olivia” created." in html
    assert "<h2 id=" in html and ">Olivia</h2>" in html
    assert "Operations lead" in html
    assert "<li><strong>One</strong> plan</li>" in html
    assert "<img" not in html
    assert "I just want one plan." in html
    persona = Persona.objects.get()
    assert f"/w/acme/personas/{persona.pk}/edit/" in html
    assert_no_inline_code(html)


@pytest.mark.parametrize(
    ("data", "field", "text"),
    [
        ({"name": ""}, "name", "required"),
        ({"name": "   "}, "name", "required"),
        ({"name": "x" * 121}, "name", "at most 120 characters"),
        ({"role": "r" * 121}, "role", "at most 120 characters"),
        ({"goals": "g" * 10_001}, "goals", "at most 10000 characters"),
        ({"quote": "q" * 1001}, "quote", "at most 1000 characters"),
        ({"pains": "a\x00b"}, "pains", "Null characters are not allowed"),
    ],
    ids=["empty", "blank", "long-name", "long-role", "long-goals", "long-quote", "nul"],
)
def test_persona_form_errors(signed_in, product, data, field, text):
    response = signed_in("editor").post(PRODUCT + "personas/new/", {**PERSONA, **data})
    assert_field_error(response, field, text)
    assert not Persona.objects.exists()


def test_persona_edit_and_conflict(signed_in, team, product):
    persona = persona_create(actor=team.actor(), product=product, name="Sam", role="Store manager")
    url = f"/w/acme/personas/{persona.pk}/edit/"
    client = signed_in("editor")
    form = client.get(url).content.decode()
    assert (input_value(form, "name"), input_value(form, "version")) == ("Sam", "1")

    persona_update(actor=team.actor(), persona_id=persona.pk, version=1, role="Regional manager", pains="Their pains.")
    mine = {**PERSONA, "name": "Samantha", "role": "Store manager", "version": "1"}
    response = client.post(url, mine)
    assert response.status_code == 409
    html = response.content.decode()
    start = html.index('class="card conflict"')
    conflict = html[start : html.index("</section>", start)]
    assert "Regional manager" in conflict and "Their pains." in conflict and "version 2" in conflict
    assert input_value(html, "name") == "Samantha"
    assert input_value(html, "version") == "2"

    response = client.post(url, {**mine, "version": "2"})
    assert response.status_code == 302
    assert response["Location"] == PRODUCT + "personas/"
    persona.refresh_from_db()
    assert (persona.name, persona.role, persona.version) == ("Samantha", "Store manager", 3)


def test_persona_delete_asks_first(signed_in, team, product):
    persona = persona_create(actor=team.actor(), product=product, name="Sam")
    client = signed_in("editor")
    html = client.get(f"/w/acme/personas/{persona.pk}/delete/").content.decode()
    assert "Delete persona “Sam”?" in html
    assert 'method="post"' in html
    assert input_value(html, "version") == "1"  # the confirmation posts the version the user sees
    assert Persona.objects.exists()
    response = client.post(f"/w/acme/personas/{persona.pk}/delete/", {"version": "1"}, follow=True)
    assert "Persona “Sam” deleted." in response.content.decode()
    assert not Persona.objects.exists()
    assert ActivityEvent.objects.filter(action="deleted", target_repr="Sam").exists()
    assert client.post(f"/w/acme/personas/{persona.pk}/delete/", {"version": "1"}).status_code == 404


@pytest.mark.parametrize("kind", ["personas", "competitors"])
def test_a_delete_without_the_version_is_400_and_deletes_nothing(signed_in, team, product, kind):
    obj = (
        persona_create(actor=team.actor(), product=product, name="Sam")
        if kind == "personas"
        else competitor_create(actor=team.actor(), product=product, name="Globex")
    )
    response = signed_in("editor").post(f"/w/acme/{kind}/{obj.pk}/delete/")
    assert response.status_code == 400
    assert 'class="form-errors"' in response.content.decode()
    assert "sent without the version you opened" in response.content.decode()
    assert type(obj).objects.filter(pk=obj.pk).exists()
    assert not ActivityEvent.objects.filter(action="deleted").exists()


def test_a_delete_of_a_changed_persona_asks_again_and_deletes_nothing(signed_in, team, product):
    persona = persona_create(actor=team.actor(), product=product, name="Sam")
    client = signed_in("editor")
    url = f"/w/acme/personas/{persona.pk}/delete/"
    assert input_value(client.get(url).content.decode(), "version") == "1"
    persona_update(actor=team.actor(), persona_id=persona.pk, version=1, name="Samira")
    response = client.post(url, {"version": "1"})
    assert response.status_code == 409
    html = response.content.decode()
    assert "Someone else changed this persona" in html and "Samira" in html
    assert input_value(html, "version") == "2"
    assert Persona.objects.get().name == "Samira"
    assert client.post(url, {"version": "2"}).status_code == 302
    assert not Persona.objects.exists()


def test_an_edit_without_the_version_is_400_and_changes_nothing(signed_in, team, product):
    persona = persona_create(actor=team.actor(), product=product, name="Sam")
    response = signed_in("editor").post(f"/w/acme/personas/{persona.pk}/edit/", {**PERSONA, "name": "Mine"})
    assert response.status_code == 400
    assert "sent without the version you opened" in response.content.decode()
    assert Persona.objects.get().name == "Sam"


def test_viewers_see_no_edit_controls_and_get_403(signed_in, team, product):
    persona = persona_create(actor=team.actor(), product=product, name="Sam")
    competitor = competitor_create(actor=team.actor(), product=product, name="Globex")
    client = signed_in("viewer")
    for path in ("personas/", "competitors/", "competitors/compare/"):
        html = client.get(PRODUCT + path).content.decode()
        for control in (
            f"/w/acme/personas/{persona.pk}/",
            f"/w/acme/competitors/{competitor.pk}/",
            PRODUCT + "personas/new/",
            PRODUCT + "competitors/new/",
        ):
            assert control not in html, (path, control)
    for path in (
        f"/w/acme/personas/{persona.pk}/edit/",
        f"/w/acme/competitors/{competitor.pk}/delete/",
        PRODUCT + "competitors/new/",
    ):
        assert client.get(path).status_code == 403


def test_objects_of_another_workspace_are_404_in_this_one(signed_in, team):
    theirs = ProductFactory(workspace=team.other_workspace, slug="theirs")
    persona = persona_create(actor=team.actor("outsider"), product=theirs, name="Secret persona")
    competitor = competitor_create(actor=team.actor("outsider"), product=theirs, name="Secret rival")
    client = signed_in("admin")
    for path in (
        f"/w/acme/personas/{persona.pk}/edit/",
        f"/w/acme/personas/{persona.pk}/delete/",
        f"/w/acme/competitors/{competitor.pk}/edit/",
        "/w/acme/products/theirs/personas/",
        "/w/acme/products/theirs/competitors/compare/",
    ):
        response = client.get(path)
        assert response.status_code == 404, path
        assert "Secret" not in response.content.decode()
    assert client.post(f"/w/acme/competitors/{competitor.pk}/delete/", {"version": "1"}).status_code == 404
    assert Competitor.objects.filter(pk=competitor.pk).exists()


# --- competitors ---------------------------------------------------------------------------------


def test_competitors_list_and_create(signed_in, product):
    client = signed_in("editor")
    assert "No competitors yet" in client.get(PRODUCT + "competitors/").content.decode()
    response = client.post(
        PRODUCT + "competitors/new/",
        {**COMPETITOR, "website": "globex.example/planner", "threat_level": "high", "positioning": "Enterprise."},
    )
    assert response.status_code == 302
    competitor = Competitor.objects.get()
    assert competitor.website == "https://globex.example/planner"  # a bare address gets https://
    html = client.get(PRODUCT + "competitors/").content.decode()
    assert "Competitor “Globex” added." in html
    assert '<span class="threat threat-high">High' in html
    assert 'href="https://globex.example/planner" rel="noopener noreferrer nofollow" target="_blank"' in html
    assert f"/w/acme/competitors/{competitor.pk}/edit/" in html
    assert "Compare side by side" in html
    assert_no_inline_code(html)


@pytest.mark.parametrize(
    ("data", "field", "text"),
    [
        ({"name": ""}, "name", "required"),
        ({"website": "javascript:alert(1)"}, "website", "http:// or https://"),
        ({"website": "ftp://files.example"}, "website", "http:// or https://"),
        ({"website": "not a site"}, "website", "http:// or https://"),
        ({"website": "https://" + "a" * 300}, "website", "300 characters"),
        ({"threat_level": "extreme"}, "threat_level", "Select a valid choice"),
        ({"strengths": "s" * 10_001}, "strengths", "at most 10000 characters"),
    ],
    ids=["no-name", "javascript", "ftp", "words", "long-website", "bad-threat", "long-strengths"],
)
def test_competitor_form_errors(signed_in, product, data, field, text):
    response = signed_in("editor").post(PRODUCT + "competitors/new/", {**COMPETITOR, **data})
    assert_field_error(response, field, text)
    assert not Competitor.objects.exists()


def test_competitor_edit_conflict_and_delete(signed_in, team, product):
    competitor = competitor_create(actor=team.actor(), product=product, name="Globex", threat_level="low")
    client = signed_in("editor")
    url = f"/w/acme/competitors/{competitor.pk}/edit/"
    assert input_value(client.get(url).content.decode(), "version") == "1"
    competitor_update(actor=team.actor(), competitor_id=competitor.pk, version=1, threat_level="high")
    response = client.post(url, {**COMPETITOR, "strengths": "Mine.", "version": "1"})
    assert response.status_code == 409
    assert "Someone else saved this competitor" in response.content.decode()
    assert input_value(response.content.decode(), "strengths") == "Mine."
    assert client.post(url, {**COMPETITOR, "strengths": "Mine.", "version": "2"}).status_code == 302
    competitor.refresh_from_db()
    assert (competitor.strengths, competitor.threat_level, competitor.version) == ("Mine.", "medium", 3)

    assert "Delete competitor “Globex”?" in client.get(f"/w/acme/competitors/{competitor.pk}/delete/").content.decode()
    assert client.post(f"/w/acme/competitors/{competitor.pk}/delete/", {"version": "3"}).status_code == 302
    assert not Competitor.objects.exists()


def test_comparison_page(signed_in, team, product):
    vision_update(
        actor=team.actor(),
        product=product,
        version=0,
        target_customers="Mid-size retailers.",
        differentiation="Set up in a day.",
        business_model="$20 per seat.",
    )
    competitor_create(
        actor=team.actor(),
        product=product,
        name="Lowly",
        threat_level="low",
        strengths="**Cheap**.",
        website="http://lowly.example",
    )
    competitor_create(actor=team.actor(), product=product, name="Mighty", threat_level="high", weaknesses="Slow.")
    response = signed_in("viewer").get(PRODUCT + "competitors/compare/")
    assert response.status_code == 200
    html = response.content.decode()
    header = html[html.index("<thead>") : html.index("</thead>")]
    # This product first, then the competitors, the highest threat first.
    assert header.index("Atlas") < header.index("Mighty") < header.index("Lowly")
    for row in ("Positioning", "Strengths", "Weaknesses", "Pricing", "Threat level", "Website"):
        assert f'<th scope="row">{row}</th>' in html
    assert "A product for tests." in html  # the product's description
    assert "Mid-size retailers." in html and "Set up in a day." in html and "$20 per seat." in html
    assert "<strong>Cheap</strong>." in html
    assert '<span class="threat threat-high">High' in html and '<span class="threat threat-low">Low' in html
    assert 'href="http://lowly.example" rel="noopener noreferrer nofollow"' in html
    assert 'class="compare-scroll" role="region"' in html
    assert_no_inline_code(html)


def test_comparison_without_competitors(signed_in, product):
    html = signed_in("editor").get(PRODUCT + "competitors/compare/").content.decode()
    assert "Nothing to compare yet" in html
    assert f'href="{PRODUCT}competitors/new/"' in html


# --- the summary partial (included by the product strategy page) ---------------------------------


def research_summary(team: Any, product: Any, personas: Any, competitors: Any, can_edit: bool = True) -> str:
    context = {
        "product": product,
        "personas": personas,
        "competitors": competitors,
        "can_edit": can_edit,
        "current_workspace": team.workspace,
    }
    return render_to_string("strategy/partials/research_summary.html", context)


def test_research_summary_partial(team, product):
    html = research_summary(team, product, [], [])
    assert "No personas yet" in html and f'href="{PRODUCT}personas/new/"' in html
    assert "No competitors yet" in html and f'href="{PRODUCT}competitors/new/"' in html
    assert "/new/" not in research_summary(team, product, [], [], can_edit=False)

    persona = persona_create(actor=team.actor(), product=product, name="Olivia", role="Ops lead")
    competitor = competitor_create(
        actor=team.actor(), product=product, name="Globex", threat_level="high", website="https://globex.example"
    )
    html = research_summary(team, product, [persona], [competitor])
    assert "<strong>Olivia</strong>" in html and "Ops lead" in html
    assert f'href="{PRODUCT}competitors/compare/#competitor-{competitor.pk}">Globex</a>' in html
    assert '<span class="threat threat-high">High' in html
    assert 'href="https://globex.example" class="vr-external small" rel="noopener noreferrer nofollow"' in html
    assert f'href="{PRODUCT}personas/"' in html and f'href="{PRODUCT}competitors/"' in html
    assert_no_inline_code(html)
