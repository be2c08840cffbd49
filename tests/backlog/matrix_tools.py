"""Permission-matrix rows of the backlog tools: saved views, bulk edits, CSV export and import (see
tests/backlog/test_permissions.py).

In acme's product atlas: two features (version 1), the admin's shared view "Top RICE" and personal
view "Mine", and the admin's CSV upload (an ImportJob). Only a view's owner changes it (others get
404, as access_saved_view finds no view of theirs to write); an upload is its uploader's. The
outsider's workspace has a view of its own ("theirs")."""

from __future__ import annotations

from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile

from backlog.models import Feature, ImportJob, SavedView, Tag
from backlog.services.csv_import import import_job_create
from backlog.services.saved_views import saved_view_create
from pmtool.activity import Actor
from tests.factories import FeatureFactory
from tests.harness.matrix import LOGIN

# fmt: off
API_MATRIX: list[tuple] = [
    # name                    method    path under /api/v1/                        anon out  view edit admn rw   ro
    ("saved-views",           "GET",    "products/{product}/views/",               401, 404, 200, 200, 200, 200, 200),
    ("saved-view-create",     "POST",   "products/{product}/views/",               401, 404, 403, 201, 201, 201, 403),
    ("saved-view",            "GET",    "views/{view}/",                           401, 404, 200, 200, 200, 200, 200),
    ("saved-view-update",     "PATCH",  "views/{view}/",                           401, 404, 404, 404, 200, 200, 403),
    ("saved-view-delete",     "DELETE", "views/{view}/",                           401, 404, 404, 404, 204, 204, 403),
    ("saved-view-personal",   "GET",    "views/{personal_view}/",                  401, 404, 404, 404, 200, 200, 200),
    ("saved-view-theirs",     "GET",    "views/{their_view}/",                     401, 200, 404, 404, 404, 404, 404),
    ("features-bulk",         "POST",   "products/{product}/features/bulk/",       401, 404, 403, 200, 200, 200, 403),
    ("features-export",       "GET",    "products/{product}/features/export/",     401, 404, 200, 200, 200, 200, 200),
    ("features-import",       "POST",   "products/{product}/features/import/",     401, 404, 403, 200, 200, 200, 403),
]

ATLAS = "/w/acme/products/atlas/backlog"
ACME = "/w/acme/products"
PAGE_MATRIX: list[tuple] = [
    # name                        method  path                                      anon   out  view edit admin
    ("tools-export",               "GET",   f"{ATLAS}/export.csv",                     LOGIN,  404,  200,  200,  200),
    ("tools-export-theirs",        "GET",   f"{ACME}/theirs/backlog/export.csv",       LOGIN,  404,  404,  404,  404),
    ("tools-bulk",                 "POST",  f"{ATLAS}/bulk/",                          LOGIN,  404,  403,  302,  302),
    ("tools-import",               "GET",   f"{ATLAS}/import/",                        LOGIN,  404,  403,  200,  200),
    ("tools-import-upload",        "POST",  f"{ATLAS}/import/",                        LOGIN,  404,  403,  302,  302),
    ("tools-import-review",        "GET",   f"{ATLAS}/import/{{job}}/",                  LOGIN,  404,  403,  404,  200),
    ("tools-import-run",           "POST",  f"{ATLAS}/import/{{job}}/",                  LOGIN,  404,  403,  404,  302),
    ("tools-views",                "GET",   f"{ATLAS}/views/",                         LOGIN,  404,  200,  200,  200),
    ("tools-view-save",            "POST",  f"{ATLAS}/views/",                         LOGIN,  404,  403,  302,  302),
    ("tools-view-edit",            "GET",   f"{ATLAS}/views/{{view}}/edit/",             LOGIN,  404,  403,  404,  200),
    ("tools-view-rename",          "POST",  f"{ATLAS}/views/{{view}}/edit/",             LOGIN,  404,  403,  404,  302),
    ("tools-view-delete-confirm",  "GET",   f"{ATLAS}/views/{{view}}/delete/",           LOGIN,  404,  403,  404,  200),
    ("tools-view-delete",          "POST",  f"{ATLAS}/views/{{view}}/delete/",           LOGIN,  404,  403,  404,  302),
    ("tools-view-wrong-product",   "GET",   f"{ACME}/old/backlog/views/{{view}}/edit/",  LOGIN,  404,  403,  404,  404),
]
# fmt: on

CSV = "Title,Effort\nDark mode,3\n"

API_BODIES: dict[str, Any] = {
    "saved-view-create": {"name": "Bugs", "query": {"type": ["bug"]}, "shared": True},
    "saved-view-update": {"version": 1, "name": "Top RICE scores"},
    "saved-view-delete": {"version": 1},
    "features-bulk": lambda p: {
        "items": [{"id": p["tools_feature"], "version": 1}, {"id": p["tools_feature2"], "version": 1}],
        "changes": {"moscow": "must", "add_tags": ["bulk"]},
    },
    "features-import": {"csv": CSV},
}

PAGE_BODIES: dict[str, Any] = {
    "tools-bulk": lambda p: {"item": [f"{p['tools_feature']}:1"], "moscow": "should"},
    "tools-import-upload": lambda p: {"file": SimpleUploadedFile("f.csv", CSV.encode(), content_type="text/csv")},
    "tools-import-run": {"column-0": "title", "column-1": "effort", "action": "import"},
    "tools-view-save": {"name": "Bugs", "query": "type=bug"},
    "tools-view-rename": {"name": "Top RICE scores", "shared": "on", "version": "1"},
    "tools-view-delete": {"version": "1"},
}


def setup(world: Any) -> dict[str, Any]:
    admin = Actor(user=world.team.admin)
    product = world.product
    feature, feature2 = FeatureFactory(product=product, title="Search"), FeatureFactory(product=product, title="Sync")
    view = saved_view_create(actor=admin, product=product, name="Top RICE", query={"sort": ["rice"]}, shared=True)
    personal = saved_view_create(actor=admin, product=product, name="Mine", query={"moscow": ["must"]})
    theirs = saved_view_create(actor=Actor(user=world.team.outsider), product=world.theirs, name="Theirs", query={})
    job = import_job_create(actor=admin, product=product, content=CSV.encode(), filename="features.csv")
    return {
        "tools_feature": feature.pk,
        "tools_feature2": feature2.pk,
        "view": view.pk,
        "personal_view": personal.pk,
        "their_view": theirs.pk,
        "job": job.pk,
    }


def snapshot() -> dict[str, Any]:
    return {
        "features": sorted(Feature.objects.values_list("id", "title", "status_id", "moscow", "version", "archived_at")),
        "feature_tags": sorted(Feature.tags.through.objects.values_list("feature_id", "tag_id")),
        "tags": sorted(Tag.objects.values_list("id", "name")),
        "saved_views": sorted(SavedView.objects.values_list("id", "name", "shared", "version")),
        "import_jobs": sorted(ImportJob.objects.values_list("id", "status", "created_count")),
    }
