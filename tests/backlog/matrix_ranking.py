"""Permission-matrix rows of ranking (see tests/backlog/test_permissions.py): the move endpoint of
the API and of the pages, and the "Order the backlog" page.

In acme's product atlas: three features (the moved one is the last); the outsider's product
"Theirs" has a feature of its own: acme's members get 404 for it, the outsider 200 in the API. A
move under the outsider's workspace slug is a 404 for everyone (a page looks up objects inside the
workspace of its URL)."""

from __future__ import annotations

from typing import Any

from backlog.models import Feature, ScoreEvent
from tests.factories import FeatureFactory
from tests.harness.matrix import LOGIN

# fmt: off
API_MATRIX: list[tuple] = [
    # name                    method  path under /api/v1/                    anon out  view edit admn rw   ro
    ("feature-move",          "POST", "features/{feature}/move/",            401, 404, 403, 200, 200, 200, 403),
    ("feature-theirs-move",   "POST", "features/{their_feature}/move/",      401, 200, 404, 404, 404, 404, 403),
]

PAGE_MATRIX: list[tuple] = [
    # name                          method  path                                            anon   out  view edit admin
    ("backlog",                     "GET",  "/w/acme/backlog/",                             LOGIN, 404, 200, 200, 200),
    ("backlog-order",               "GET",  "/w/acme/products/atlas/backlog/order/",        LOGIN, 404, 200, 200, 200),
    ("backlog-order-theirs",        "GET",  "/w/acme/products/theirs/backlog/order/",       LOGIN, 404, 404, 404, 404),
    ("feature-move-page",           "POST", "/w/acme/features/{feature}/move/",             LOGIN, 404, 403, 200, 200),
    ("feature-move-page-elsewhere", "POST", "/w/other/features/{feature}/move/",            LOGIN, 404, 404, 404, 404),
]
# fmt: on

API_BODIES: dict[str, Any] = {
    "feature-move": lambda p: {"after_id": None, "before_id": p["first_feature"]},
    "feature-theirs-move": {"to": "top"},
}
PAGE_BODIES: dict[str, Any] = {
    "feature-move-page": {"to": "top"},
    "feature-move-page-elsewhere": {"to": "top"},
}


def setup(world: Any) -> dict[str, Any]:
    features = [FeatureFactory(product=world.product, title=f"Feature {i}") for i in range(3)]
    theirs = [FeatureFactory(product=world.theirs, title=f"Their feature {i}") for i in range(2)]
    return {"feature": features[-1].pk, "first_feature": features[0].pk, "their_feature": theirs[-1].pk}


def snapshot() -> dict[str, Any]:
    return {
        "features": sorted(Feature.objects.values_list("id", "rank", "version")),
        "score_events": ScoreEvent.objects.count(),
    }
