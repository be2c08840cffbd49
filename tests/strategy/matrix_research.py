"""Permission-matrix rows of this strategy area (see tests/strategy/test_permissions.py).

Research: the product "atlas" has a persona and a competitor; "Theirs" (the outsider's
workspace) has one of each too: they answer 404 to everyone in acme, 200 to the outsider."""

from __future__ import annotations

from typing import Any

from pmtool.activity import Actor
from pmtool.models import Product
from strategy.models import Competitor, Persona
from strategy.services.research import competitor_create, persona_create
from tests.harness.matrix import LOGIN

# fmt: off
API_MATRIX: list[tuple] = [
    # name                   method    path under /api/v1/                       anon out  view edit admn rw   ro
    ("personas",             "GET",    "products/{product}/personas/",           401, 404, 200, 200, 200, 200, 200),
    ("persona-create",       "POST",   "products/{product}/personas/",           401, 404, 403, 201, 201, 201, 403),
    ("persona",              "GET",    "personas/{persona}/",                    401, 404, 200, 200, 200, 200, 200),
    ("persona-update",       "PATCH",  "personas/{persona}/",                    401, 404, 403, 200, 200, 200, 403),
    ("persona-delete",       "DELETE", "personas/{persona}/",                    401, 404, 403, 204, 204, 204, 403),
    ("persona-theirs",       "GET",    "personas/{their_persona}/",              401, 200, 404, 404, 404, 404, 404),
    ("persona-theirs-update", "PATCH", "personas/{their_persona}/",              401, 200, 404, 404, 404, 404, 403),
    ("persona-theirs-delete", "DELETE", "personas/{their_persona}/",             401, 204, 404, 404, 404, 404, 403),
    ("personas-theirs-create", "POST", "products/{theirs}/personas/",            401, 201, 404, 404, 404, 404, 403),
    ("competitors",          "GET",    "products/{product}/competitors/",        401, 404, 200, 200, 200, 200, 200),
    ("competitor-create",    "POST",   "products/{product}/competitors/",        401, 404, 403, 201, 201, 201, 403),
    ("competitor",           "GET",    "competitors/{competitor}/",              401, 404, 200, 200, 200, 200, 200),
    ("competitor-update",    "PATCH",  "competitors/{competitor}/",              401, 404, 403, 200, 200, 200, 403),
    ("competitor-delete",    "DELETE", "competitors/{competitor}/",              401, 404, 403, 204, 204, 204, 403),
    ("competitor-theirs",    "GET",    "competitors/{their_competitor}/",        401, 200, 404, 404, 404, 404, 404),
    ("competitor-theirs-update", "PATCH", "competitors/{their_competitor}/",     401, 200, 404, 404, 404, 404, 403),
    ("competitor-theirs-delete", "DELETE", "competitors/{their_competitor}/",    401, 204, 404, 404, 404, 404, 403),
    ("competitors-theirs",   "GET",    "products/{theirs}/competitors/",         401, 200, 404, 404, 404, 404, 404),
]

PAGE_MATRIX: list[tuple] = [
    # name                        method  path                                          anon    out   view  edit  admin
    ("personas",                  "GET",  "/w/acme/products/atlas/personas/",           LOGIN,  404,  200,  200,  200),
    ("persona-new",               "GET",  "/w/acme/products/atlas/personas/new/",       LOGIN,  404,  403,  200,  200),
    ("persona-create",            "POST", "/w/acme/products/atlas/personas/new/",       LOGIN,  404,  403,  302,  302),
    ("persona-edit",              "GET",  "/w/acme/personas/{persona}/edit/",           LOGIN,  404,  403,  200,  200),
    ("persona-save",              "POST", "/w/acme/personas/{persona}/edit/",           LOGIN,  404,  403,  302,  302),
    ("persona-delete-confirm",    "GET",  "/w/acme/personas/{persona}/delete/",         LOGIN,  404,  403,  200,  200),
    ("persona-delete",            "POST", "/w/acme/personas/{persona}/delete/",         LOGIN,  404,  403,  302,  302),
    ("persona-theirs-edit",       "GET",  "/w/acme/personas/{their_persona}/edit/",     LOGIN,  404,  403,  404,  404),
    ("persona-theirs-delete",     "POST", "/w/acme/personas/{their_persona}/delete/",   LOGIN,  404,  403,  404,  404),
    ("competitors",               "GET",  "/w/acme/products/atlas/competitors/",        LOGIN,  404,  200,  200,  200),
    ("competitor-new",            "GET",  "/w/acme/products/atlas/competitors/new/",    LOGIN,  404,  403,  200,  200),
    ("competitor-create",         "POST", "/w/acme/products/atlas/competitors/new/",    LOGIN,  404,  403,  302,  302),
    ("competitor-compare",        "GET",  "/w/acme/products/atlas/competitors/compare/", LOGIN, 404,  200,  200,  200),
    ("competitor-edit",           "GET",  "/w/acme/competitors/{competitor}/edit/",     LOGIN,  404,  403,  200,  200),
    ("competitor-save",           "POST", "/w/acme/competitors/{competitor}/edit/",     LOGIN,  404,  403,  302,  302),
    ("competitor-delete-confirm", "GET",  "/w/acme/competitors/{competitor}/delete/",   LOGIN,  404,  403,  200,  200),
    ("competitor-delete",         "POST", "/w/acme/competitors/{competitor}/delete/",   LOGIN,  404,  403,  302,  302),
    ("competitor-theirs-edit",    "GET",  "/w/acme/competitors/{their_competitor}/edit/", LOGIN, 404, 403,  404,  404),
    ("competitors-theirs",        "GET",  "/w/acme/products/theirs/competitors/",       LOGIN,  404,  404,  404,  404),
]
# fmt: on

PERSONA = {"name": "Olivia", "role": "Operations lead", "goals": "Ship on time.", "pains": "", "quote": ""}
COMPETITOR = {
    "name": "Globex Planner",
    "website": "https://globex.example",
    "threat_level": "high",
    "positioning": "Enterprise planning.",
    "strengths": "",
    "weaknesses": "",
    "pricing_notes": "",
}
API_BODIES: dict[str, Any] = {
    "persona-create": {"name": "Olivia", "role": "Operations lead"},
    "persona-update": {"version": 1, "name": "Olivia Ops"},
    "persona-theirs-update": {"version": 1, "name": "Mine now"},
    "personas-theirs-create": {"name": "Intruder"},
    "competitor-create": {"name": "Globex Planner", "website": "https://globex.example", "threat_level": "high"},
    "competitor-update": {"version": 1, "threat_level": "low"},
    "competitor-theirs-update": {"version": 1, "name": "Mine now"},
    "persona-delete": {"version": 1},
    "persona-theirs-delete": {"version": 1},
    "competitor-delete": {"version": 1},
    "competitor-theirs-delete": {"version": 1},
}
PAGE_BODIES: dict[str, Any] = {
    "persona-create": PERSONA,
    "persona-save": {**PERSONA, "name": "Olivia Ops", "version": "1"},
    "competitor-create": COMPETITOR,
    "competitor-save": {**COMPETITOR, "threat_level": "low", "version": "1"},
    "persona-delete": {"version": "1"},
    "persona-theirs-delete": {"version": "1"},
    "competitor-delete": {"version": "1"},
}


def setup(world: Any) -> dict[str, Any]:
    actor = Actor(user=world.team.admin)
    persona = persona_create(actor=actor, product=world.product, name="Sam", role="Store manager")
    competitor = competitor_create(actor=actor, product=world.product, name="Initech", threat_level="medium")
    theirs = Product.objects.get(slug="theirs")
    outsider = Actor(user=world.team.outsider)
    their_persona = persona_create(actor=outsider, product=theirs, name="Their persona")
    their_competitor = competitor_create(actor=outsider, product=theirs, name="Their rival")
    return {
        "persona": persona.pk,
        "competitor": competitor.pk,
        "their_persona": their_persona.pk,
        "their_competitor": their_competitor.pk,
        "theirs": theirs.pk,
    }


def snapshot() -> dict[str, Any]:
    return {
        "personas": sorted(
            Persona.objects.values_list("id", "product_id", "name", "role", "goals", "pains", "quote", "version")
        ),
        "competitors": sorted(
            Competitor.objects.values_list(
                "id",
                "product_id",
                "name",
                "website",
                "positioning",
                "strengths",
                "weaknesses",
                "pricing_notes",
                "threat_level",
                "version",
            )
        ),
    }
