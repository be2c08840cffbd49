"""Permission-matrix rows of the boards area (see tests/backlog/test_permissions.py): the MoSCoW
board and the value vs effort matrix (pages), the move endpoint of the board (page and API).

"atlas" has a feature; "Theirs" (the outsider's workspace) has one too: it answers 404 to
everyone in acme, and the outsider may move it through the API."""

from __future__ import annotations

from typing import Any

from backlog.models import Feature, ScoreEvent
from pmtool.models import Product
from tests.factories import FeatureFactory
from tests.harness.matrix import LOGIN

# fmt: off
API_MATRIX: list[tuple] = [
    # name                      method  path under /api/v1/                  anon out  view edit admn rw   ro
    ("feature-moscow",          "PUT",  "features/{moscow_feature}/moscow/",        401, 404, 403, 200, 200, 200, 403),
    ("feature-moscow-theirs",   "PUT",  "features/{their_moscow_feature}/moscow/",  401, 200, 404, 404, 404, 404, 403),
]

PAGE_MATRIX: list[tuple] = [
    # name                        method  path                                          anon    out   view  edit  admin
    ("moscow-board",              "GET",  "/w/acme/products/atlas/backlog/moscow/",     LOGIN,  404,  200,  200,  200),
    ("moscow-board-theirs",       "GET",  "/w/acme/products/theirs/backlog/moscow/",    LOGIN,  404,  404,  404,  404),
    ("value-effort-matrix",       "GET",  "/w/acme/products/atlas/backlog/matrix/",     LOGIN,  404,  200,  200,  200),
    ("value-effort-matrix-theirs", "GET", "/w/acme/products/theirs/backlog/matrix/",    LOGIN,  404,  404,  404,  404),
    ("feature-moscow-page",       "POST", "/w/acme/features/{moscow_feature}/moscow/",   LOGIN, 404, 403, 302, 302),
    ("moscow-page-theirs",        "POST", "/w/acme/features/{their_moscow_feature}/moscow/", LOGIN, 404, 403, 404, 404),
]
# fmt: on

API_BODIES: dict[str, Any] = {
    "feature-moscow": {"moscow": "must", "version": 1},
    "feature-moscow-theirs": {"moscow": "must", "version": 1},
}
PAGE_BODIES: dict[str, Any] = {
    "feature-moscow-page": {"moscow": "should", "version": "1"},
    "moscow-page-theirs": {"moscow": "should", "version": "1"},
}


def setup(world: Any) -> dict[str, Any]:
    feature = FeatureFactory(product=world.product, title="Offline maps", effort=2, rice_score=50)
    theirs = Product.objects.get(slug="theirs")
    their_feature = FeatureFactory(product=theirs, title="Their feature")
    return {"moscow_feature": feature.pk, "their_moscow_feature": their_feature.pk}


def snapshot() -> dict[str, Any]:
    return {
        "features": sorted(Feature.objects.values_list("id", "moscow", "version", "updated_by_id")),
        "score_events": ScoreEvent.objects.count(),
    }
