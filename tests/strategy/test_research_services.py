"""Persona and competitor services and selectors: create, update with versions, delete,
validation (names, texts, websites, threat levels), activity, ordering."""

from __future__ import annotations

from typing import Any

import pytest

from pmtool.cleaning import clean_url
from pmtool.errors import Conflict, ValidationError
from pmtool.models import ActivityEvent
from pmtool.versioning import StaleVersion
from strategy.models import Competitor, Persona
from strategy.selectors.research import competitor_comparison, competitors_by_threat, competitors_of, personas_of
from strategy.services.research import (
    competitor_create,
    competitor_delete,
    competitor_update,
    persona_create,
    persona_delete,
    persona_update,
)
from strategy.services.vision import vision_update
from tests.factories import ProductFactory

pytestmark = pytest.mark.django_db


def events_of(obj: Any) -> list[ActivityEvent]:
    return list(
        ActivityEvent.objects.filter(target_id=obj.pk, target_type__model=type(obj).__name__.lower()).order_by("id")
    )


# --- personas ------------------------------------------------------------------------


def test_persona_create_update_delete_with_activity(team, product):
    persona = persona_create(
        actor=team.actor("editor"),
        product=product,
        name="  Olivia  ",
        role="Operations lead",
        goals="- Ship on time\r\n- Fewer meetings",
        quote="I just want one plan.",
    )
    assert (persona.name, persona.goals, persona.version) == ("Olivia", "- Ship on time\n- Fewer meetings", 1)
    (created,) = events_of(persona)
    assert created.action == "created"
    assert created.product_id == product.pk
    assert created.changes["name"] == {"from": None, "to": "Olivia"}
    assert "pains" not in created.changes  # empty values are not news

    updated = persona_update(actor=team.actor("admin"), persona_id=persona.pk, version=1, role="Head of operations")
    assert (updated.role, updated.version, updated.name) == ("Head of operations", 2, "Olivia")
    assert events_of(persona)[-1].changes == {"role": {"from": "Operations lead", "to": "Head of operations"}}

    # The same values again: nothing changes, no event.
    same = persona_update(
        actor=team.actor(), persona_id=updated.pk, version=2, role="Head of operations", name="Olivia"
    )
    assert same.version == 2
    assert len(events_of(persona)) == 2

    persona_delete(actor=team.actor("editor"), persona_id=updated.pk, version=2)
    assert not Persona.objects.exists()
    deleted = ActivityEvent.objects.filter(action="deleted").get()
    assert (deleted.target_repr, deleted.changes) == ("Olivia", {"name": {"from": "Olivia", "to": None}})


def test_persona_stale_version(team, product):
    """A stale version is one error (a 409 Conflict carrying the current persona); whether it came
    from If-Match (412) is the API's business (tests/strategy/test_research_api.py)."""
    persona = persona_create(actor=team.actor(), product=product, name="Sam")
    persona_update(actor=team.actor(), persona_id=persona.pk, version=1, name="Samira")
    with pytest.raises(StaleVersion) as caught:
        persona_update(actor=team.actor(), persona_id=persona.pk, version=1, name="Sam 2")
    assert isinstance(caught.value, Conflict) and caught.value.code == "stale_version"
    assert (caught.value.current.name, caught.value.current_version) == ("Samira", 2)
    with pytest.raises(StaleVersion):
        persona_delete(actor=team.actor(), persona_id=persona.pk, version=1)
    assert Persona.objects.get().name == "Samira"


@pytest.mark.parametrize("version", [None, "1", True, -1])
def test_persona_update_and_delete_need_a_version(team, product, version):
    persona = persona_create(actor=team.actor(), product=product, name="Sam")
    with pytest.raises(ValidationError) as caught:
        persona_update(actor=team.actor(), persona_id=persona.pk, version=version, name="Samira")
    assert list(caught.value.fields) == ["version"]
    with pytest.raises(ValidationError):
        competitor_delete(actor=team.actor(), competitor_id=0, version=version)
    with pytest.raises(ValidationError):
        persona_delete(actor=team.actor(), persona_id=persona.pk, version=version)
    assert (Persona.objects.get().name, ActivityEvent.objects.count()) == ("Sam", 1)


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"name": ""}, "name"),
        ({"name": "   "}, "name"),
        ({"name": "x" * 121}, "name"),
        ({"name": "a\x00b"}, "name"),
        ({"name": "a\ud800b"}, "name"),
        ({"name": 5}, "name"),
        ({"name": "Ok", "role": "r" * 121}, "role"),
        ({"name": "Ok", "goals": "g" * 10_001}, "goals"),
        ({"name": "Ok", "pains": "a\x00"}, "pains"),
        ({"name": "Ok", "quote": "q" * 1001}, "quote"),
    ],
)
def test_persona_validation(team, product, fields, field):
    with pytest.raises(ValidationError) as caught:
        persona_create(actor=team.actor(), product=product, **fields)
    assert field in caught.value.fields
    assert not Persona.objects.exists()


def test_personas_of_a_product_by_name(team, product):
    other = ProductFactory(workspace=team.workspace)
    for name in ("Zoe", "Adam", "Mia"):
        persona_create(actor=team.actor(), product=product, name=name)
    persona_create(actor=team.actor(), product=other, name="Elsewhere")
    assert [p.name for p in personas_of(product)] == ["Adam", "Mia", "Zoe"]


# --- competitors -----------------------------------------------------------------------


def test_competitor_create_update_delete_with_activity(team, product):
    competitor = competitor_create(
        actor=team.actor("editor"),
        product=product,
        name="Globex",
        website=" https://globex.example/planner ",
        positioning="Enterprise planning suite.",
        threat_level="high",
    )
    assert (competitor.website, competitor.threat_level, competitor.version) == (
        "https://globex.example/planner",
        "high",
        1,
    )
    assert events_of(competitor)[0].changes["threat_level"] == {"from": None, "to": "high"}

    updated = competitor_update(
        actor=team.actor(), competitor_id=competitor.pk, version=1, threat_level="low", website="", strengths="Brand."
    )
    assert (updated.threat_level, updated.website, updated.strengths, updated.version) == ("low", "", "Brand.", 2)
    assert set(events_of(competitor)[-1].changes) == {"threat_level", "website", "strengths"}

    with pytest.raises(Conflict):
        competitor_update(actor=team.actor(), competitor_id=competitor.pk, version=1, name="Stale")
    with pytest.raises(StaleVersion):
        competitor_delete(actor=team.actor(), competitor_id=competitor.pk, version=1)

    competitor_delete(actor=team.actor(), competitor_id=updated.pk, version=2)
    assert not Competitor.objects.exists()
    assert ActivityEvent.objects.filter(action="deleted", target_repr="Globex").exists()


@pytest.mark.parametrize(
    "website",
    [
        "https://example.com",
        "http://example.com/pricing?plan=team#compare",
        "https://sub.example.co.uk:8443/path",
        "",
        "   ",
    ],
)
def test_websites_that_are_accepted(website):
    assert clean_url(website) == website.strip()


@pytest.mark.parametrize(
    "website",
    [
        "javascript:alert(1)",
        "JAVASCRIPT:alert(1)",
        "data:text/html,<script>alert(1)</script>",
        "ftp://example.com",
        "mailto:sales@example.com",
        "example.com",
        "https://",
        "https://exa mple.com",
        "//example.com",
        "https://example.com/" + "a" * 300,
        "https://exa\x00mple.com",
    ],
)
def test_websites_that_are_refused(team, product, website):
    with pytest.raises(ValidationError) as caught:
        competitor_create(actor=team.actor(), product=product, name="X", website=website)
    assert "website" in caught.value.fields
    assert not Competitor.objects.exists()


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"threat_level": "extreme"}, "threat_level"),
        ({"threat_level": ""}, "threat_level"),
        ({"name": ""}, "name"),
        ({"positioning": "p" * 10_001}, "positioning"),
        ({"pricing_notes": "a\ud800"}, "pricing_notes"),
        ({"weaknesses": ["x"]}, "weaknesses"),
    ],
)
def test_competitor_validation(team, product, fields, field):
    with pytest.raises(ValidationError) as caught:
        competitor_create(actor=team.actor(), product=product, **{"name": "X", **fields})
    assert field in caught.value.fields


def test_competitors_by_name_by_threat_and_the_comparison(team, product):
    for name, threat in (("Beta", "low"), ("Alpha", "medium"), ("Gamma", "high"), ("Delta", "high")):
        competitor_create(actor=team.actor(), product=product, name=name, threat_level=threat)
    competitor_create(actor=team.actor(), product=ProductFactory(workspace=team.workspace), name="Other")

    assert [c.name for c in competitors_of(product)] == ["Alpha", "Beta", "Delta", "Gamma"]
    assert [c.name for c in competitors_of(product, threat_level="high")] == ["Delta", "Gamma"]
    assert [c.name for c in competitors_by_threat(product)] == ["Delta", "Gamma", "Alpha", "Beta"]

    comparison = competitor_comparison(product)
    assert comparison.vision.pk is None
    assert [c.name for c in comparison.competitors] == ["Delta", "Gamma", "Alpha", "Beta"]
    vision_update(actor=team.actor(), product=product, version=0, differentiation="Faster.")
    assert competitor_comparison(product).vision.differentiation == "Faster."
