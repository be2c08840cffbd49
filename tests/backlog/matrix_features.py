"""Permission-matrix rows of features (see tests/backlog/test_permissions.py).

In acme: a feature "Dark mode" of atlas (version 1) and an archived one "Legacy export" (version 2).
The outsider's workspace has a feature of its own ("theirs"): acme's members get 404 for it, the
outsider 200; and acme's feature under the outsider's workspace slug is a 404 for everyone (a page
looks up objects inside the workspace of its URL)."""

from __future__ import annotations

from typing import Any

from backlog.models import Feature
from backlog.services.features import feature_archive, feature_create
from pmtool.activity import Actor
from tests.harness.matrix import LOGIN

# fmt: off
API_MATRIX: list[tuple] = [
    # name                    method    path under /api/v1/                        anon out  view edit admn rw   ro
    ("features",              "GET",    "products/{product}/features/",            401, 404, 200, 200, 200, 200, 200),
    ("feature-create",        "POST",   "products/{product}/features/",            401, 404, 403, 201, 201, 201, 403),
    ("feature",               "GET",    "features/{feature}/",                     401, 404, 200, 200, 200, 200, 200),
    ("feature-update",        "PATCH",  "features/{feature}/",                     401, 404, 403, 200, 200, 200, 403),
    ("feature-delete",        "DELETE", "features/{feature}/",                     401, 404, 403, 204, 204, 204, 403),
    ("feature-archive",       "POST",   "features/{feature}/archive/",             401, 404, 403, 200, 200, 200, 403),
    ("feature-restore",       "POST",   "features/{archived_feature}/restore/",    401, 404, 403, 200, 200, 200, 403),
    ("feature-theirs",        "GET",    "features/{their_feature}/",               401, 200, 404, 404, 404, 404, 404),
    ("features-theirs",       "GET",    "products/{their_product}/features/",      401, 200, 404, 404, 404, 404, 404),
]

PAGE_MATRIX: list[tuple] = [
    # name                        method  path                                          anon    out   view  edit  admin
    ("backlog",                   "GET",  "/w/acme/backlog/",                           LOGIN,  404,  200,  200,  200),
    ("product-backlog",           "GET",  "/w/acme/products/atlas/backlog/",            LOGIN,  404,  200,  200,  200),
    ("product-backlog-theirs",    "GET",  "/w/acme/products/theirs/backlog/",           LOGIN,  404,  404,  404,  404),
    ("feature-new",               "GET",  "/w/acme/products/atlas/backlog/new/",        LOGIN,  404,  403,  200,  200),
    ("feature-create",            "POST", "/w/acme/products/atlas/backlog/new/",        LOGIN,  404,  403,  302,  302),
    ("feature",                   "GET",  "/w/acme/features/{feature}/",                LOGIN,  404,  200,  200,  200),
    ("feature-theirs",            "GET",  "/w/other/features/{their_feature}/",         LOGIN,  200,  404,  404,  404),
    ("feature-wrong-workspace",   "GET",  "/w/other/features/{feature}/",               LOGIN,  404,  404,  404,  404),
    ("feature-edit",              "GET",  "/w/acme/features/{feature}/edit/",           LOGIN,  404,  403,  200,  200),
    ("feature-save",              "POST", "/w/acme/features/{feature}/edit/",           LOGIN,  404,  403,  302,  302),
    ("feature-delete-confirm",    "GET",  "/w/acme/features/{feature}/delete/",         LOGIN,  404,  403,  200,  200),
    ("feature-delete",            "POST", "/w/acme/features/{feature}/delete/",         LOGIN,  404,  403,  302,  302),
    ("feature-archive",           "POST", "/w/acme/features/{feature}/archive/",        LOGIN,  404,  403,  302,  302),
    ("feature-restore",           "POST", "/w/acme/features/{archived_feature}/restore/", LOGIN, 404,  403,  302,  302),
    ("feature-rice",              "GET",  "/w/acme/features/{feature}/rice/",           LOGIN,  404,  403,  200,  200),
    ("feature-rice-save",         "POST", "/w/acme/features/{feature}/rice/",           LOGIN,  404,  403,  302,  302),
]
# fmt: on

API_BODIES: dict[str, Any] = {
    "feature-create": {"title": "Offline mode", "reach": 100, "impact": 2, "confidence": 80, "effort": 2},
    "feature-update": {"title": "Dark theme", "version": 1},
    "feature-delete": {"version": 1},
    "feature-archive": {"version": 1},
    "feature-restore": {"version": 2},
}
PAGE_BODIES: dict[str, Any] = {
    "feature-create": {"title": "Offline mode", "type": "feature", "reach": "100"},
    "feature-save": {"title": "Dark theme", "type": "feature", "version": "1"},
    "feature-delete": {"version": "1"},
    "feature-archive": {"version": "1"},
    "feature-restore": {"version": "2"},
    "feature-rice-save": {"version": "1", "reach": "10", "impact": "1", "confidence": "50", "effort": "1"},
}


def setup(world: Any) -> dict[str, Any]:
    actor = Actor(user=world.team.admin)
    feature = feature_create(actor=actor, product=world.product, title="Dark mode")
    legacy = feature_create(actor=actor, product=world.product, title="Legacy export")
    feature_archive(actor=actor, feature_id=legacy.pk, version=1)
    theirs = feature_create(actor=Actor(user=world.team.outsider), product=world.theirs, title="Their feature")
    return {
        "feature": feature.pk,
        "archived_feature": legacy.pk,
        "their_feature": theirs.pk,
        "their_product": world.theirs.pk,
    }


def snapshot() -> dict[str, Any]:
    return {
        "features": sorted(Feature.objects.values_list("id", "title", "version", "reach", "archived_at", "rank")),
    }
