"""Permission-matrix rows of tags (see tests/backlog/test_permissions.py).

In acme: a tag "Mobile" (created by a feature of atlas that carries it) and a misspelt "Mobil"
(version 1 both; "Mobil" is merged into "Mobile" by the merge rows); in the outsider's workspace a
tag of their own: acme's members get 404 for it, the outsider 200. Editors and admins change tags
(as teams); viewers and the read-only token read them."""

from __future__ import annotations

from typing import Any

from backlog.models import Feature, Tag
from backlog.services.features import feature_create
from backlog.services.tags import tag_create
from pmtool.activity import Actor
from tests.harness.matrix import LOGIN

# fmt: off
API_MATRIX: list[tuple] = [
    # name                    method    path under /api/v1/                        anon out  view edit admn rw   ro
    ("tags",                  "GET",    "workspaces/{ws}/tags/",                   401, 404, 200, 200, 200, 200, 200),
    ("tag-create",            "POST",   "workspaces/{ws}/tags/",                   401, 404, 403, 201, 201, 201, 403),
    ("tag",                   "GET",    "tags/{tag}/",                             401, 404, 200, 200, 200, 200, 200),
    ("tag-update",            "PATCH",  "tags/{tag}/",                             401, 404, 403, 200, 200, 200, 403),
    ("tag-delete",            "DELETE", "tags/{tag}/",                             401, 404, 403, 204, 204, 204, 403),
    ("tag-merge",             "POST",   "tags/{typo_tag}/merge/",                  401, 404, 403, 200, 200, 200, 403),
    ("tag-theirs",            "GET",    "tags/{their_tag}/",                       401, 200, 404, 404, 404, 404, 404),
]

PAGE_MATRIX: list[tuple] = [
    # name                     method  path                                              anon    out   view  edit  admin
    ("tags",                   "GET",  "/w/acme/tags/",                                  LOGIN,  404,  200,  200,  200),
    ("tag-new",                "GET",  "/w/acme/tags/new/",                              LOGIN,  404,  403,  200,  200),
    ("tag-create",             "POST", "/w/acme/tags/new/",                              LOGIN,  404,  403,  302,  302),
    ("tag-edit",               "GET",  "/w/acme/tags/{tag}/edit/",                       LOGIN,  404,  403,  200,  200),
    ("tag-save",               "POST", "/w/acme/tags/{tag}/edit/",                       LOGIN,  404,  403,  302,  302),
    ("tag-merge-choose",       "GET",  "/w/acme/tags/{typo_tag}/merge/",                 LOGIN,  404,  403,  200,  200),
    ("tag-merge",              "POST", "/w/acme/tags/{typo_tag}/merge/",                 LOGIN,  404,  403,  302,  302),
    ("tag-delete-confirm",     "GET",  "/w/acme/tags/{tag}/delete/",                     LOGIN,  404,  403,  200,  200),
    ("tag-delete",             "POST", "/w/acme/tags/{tag}/delete/",                     LOGIN,  404,  403,  302,  302),
    ("tag-theirs",             "GET",  "/w/acme/tags/{their_tag}/edit/",                 LOGIN,  404,  403,  404,  404),
]
# fmt: on

API_BODIES: dict[str, Any] = {
    "tag-create": {"name": "Onboarding", "colour": "#4F46E5", "description": "First-run experience"},
    "tag-update": {"version": 1, "name": "Mobile apps", "colour": ""},
    "tag-delete": {"version": 1},
    "tag-merge": lambda p: {"into": p["tag"], "version": 1, "into_version": 1},
}

PAGE_BODIES: dict[str, Any] = {
    "tag-create": {"name": "Onboarding", "colour": "#4f46e5", "description": ""},
    "tag-save": {"name": "Mobile apps", "colour": "", "description": "Phones", "version": "1"},
    "tag-merge": lambda p: {"into": p["tag"], "version": "1", "into_version": "1"},
    "tag-delete": {"version": "1"},
}


def setup(world: Any) -> dict[str, Any]:
    actor = Actor(user=world.team.admin)
    feature = feature_create(actor=actor, product=world.product, title="Offline mode", tags=["Mobile"])
    mobile = feature.tags.get()
    typo = tag_create(actor=actor, workspace=world.team.workspace, name="Mobil")
    theirs = tag_create(actor=Actor(user=world.team.outsider), workspace=world.team.other_workspace, name="Theirs")
    return {"tag": mobile.pk, "typo_tag": typo.pk, "their_tag": theirs.pk}


def snapshot() -> dict[str, Any]:
    return {
        "tags": sorted(Tag.objects.values_list("id", "name", "colour", "description", "version")),
        "feature_tags": sorted(Feature.tags.through.objects.values_list("feature_id", "tag_id")),
    }
