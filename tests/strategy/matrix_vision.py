"""Permission-matrix rows of this strategy area (see tests/strategy/test_permissions.py).

Vision: the product "atlas" has a vision at version 1 (revision 1); the product "Theirs" of the
outsider's workspace has one too (its revisions answer 404 to everyone in acme)."""

from __future__ import annotations

from typing import Any

from pmtool.activity import Actor
from pmtool.models import Product
from strategy.models import VISION_FIELDS, Vision, VisionRevision
from strategy.services.vision import vision_update
from tests.harness.matrix import LOGIN

# fmt: off
API_MATRIX: list[tuple] = [
    # name                    method path under /api/v1/                           anon out  view edit admn rw   ro
    ("vision",                 "GET", "products/{product}/vision/",                  401, 404, 200, 200, 200, 200, 200),
    ("vision-put",             "PUT", "products/{product}/vision/",                  401, 404, 403, 200, 200, 200, 403),
    ("vision-revisions",       "GET", "products/{product}/vision/revisions/",        401, 404, 200, 200, 200, 200, 200),
    ("vision-revision",        "GET", "products/{product}/vision/revisions/{rev}/",  401, 404, 200, 200, 200, 200, 200),
    ("vision-theirs",          "GET", "products/{theirs}/vision/",                   401, 200, 404, 404, 404, 404, 404),
    ("vision-theirs-put",      "PUT", "products/{theirs}/vision/",                   401, 200, 404, 404, 404, 404, 403),
    ("vision-revision-theirs", "GET", "products/{theirs}/vision/revisions/1/",       401, 200, 404, 404, 404, 404, 404),
]

PAGE_MATRIX: list[tuple] = [
    # name                   method  path                                               anon    out   view  edit  admin
    ("vision",               "GET",  "/w/acme/products/atlas/vision/",                  LOGIN,  404,  200,  200,  200),
    ("vision-edit",          "GET",  "/w/acme/products/atlas/vision/edit/",             LOGIN,  404,  403,  200,  200),
    ("vision-save",          "POST", "/w/acme/products/atlas/vision/edit/",             LOGIN,  404,  403,  302,  302),
    ("vision-history",       "GET",  "/w/acme/products/atlas/vision/history/",          LOGIN,  404,  200,  200,  200),
    ("vision-theirs",        "GET",  "/w/acme/products/theirs/vision/",                 LOGIN,  404,  404,  404,  404),
    ("vision-theirs-save",   "POST", "/w/acme/products/theirs/vision/edit/",            LOGIN,  404,  403,  404,  404),
]
# fmt: on

API_BODIES: dict[str, Any] = {
    "vision-put": {"version": 1, "statement": "Every team plans with confidence."},
    "vision-theirs-put": {"version": 1, "statement": "Mine now."},
}
PAGE_BODIES: dict[str, Any] = {
    "vision-save": {
        "statement": "Every team plans with confidence.",
        "target_customers": "Operations leads.",
        "problem": "",
        "differentiation": "",
        "business_model": "",
        "version": "1",
    },
    "vision-theirs-save": {"statement": "Mine now.", "version": "1"},
}


def setup(world: Any) -> dict[str, Any]:
    vision_update(
        actor=Actor(user=world.team.admin),
        product=world.product,
        version=0,
        statement="Plan with confidence.",
        target_customers="Operations teams.",
    )
    theirs = Product.objects.get(slug="theirs")
    vision_update(actor=Actor(user=world.team.outsider), product=theirs, version=0, statement="Their secret plan.")
    return {"rev": 1, "theirs": theirs.pk}


def snapshot() -> dict[str, Any]:
    return {
        "visions": sorted(Vision.objects.values_list("id", "product_id", "version", *VISION_FIELDS)),
        "revisions": sorted(VisionRevision.objects.values_list("id", "vision_id", "number")),
    }
