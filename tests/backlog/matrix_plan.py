"""Permission-matrix rows of statuses, releases, teams and backlog settings (see
tests/backlog/test_permissions.py).

In acme: the default statuses plus "Parked" (backlog category, version 1, used by no feature), a
release "2026.1" of atlas, a team "Platform" (version 1) and, in the outsider's workspace, a
release, a team and statuses of their own: acme's members get 404 for them, the outsider 200.
Statuses are the workspace's vocabulary: members read them, only admins change them (an editor
gets 403, as the admin's read-only token does)."""

from __future__ import annotations

from typing import Any

from backlog.models import BacklogSettings, Feature, FeatureStatus, Release, Team
from backlog.services.releases import release_create
from backlog.services.statuses import status_create
from backlog.services.teams import team_create
from pmtool.activity import Actor
from tests.harness.matrix import LOGIN

# fmt: off
API_MATRIX: list[tuple] = [
    # name                    method    path under /api/v1/                        anon out  view edit admn rw   ro
    ("statuses",              "GET",    "workspaces/{ws}/statuses/",               401, 404, 200, 200, 200, 200, 200),
    ("status-create",         "POST",   "workspaces/{ws}/statuses/",               401, 404, 403, 403, 201, 201, 403),
    ("status",                "GET",    "statuses/{status}/",                      401, 404, 200, 200, 200, 200, 200),
    ("status-update",         "PATCH",  "statuses/{status}/",                      401, 404, 403, 403, 200, 200, 403),
    ("status-delete",         "DELETE", "statuses/{status}/",                      401, 404, 403, 403, 204, 204, 403),
    ("status-theirs",         "GET",    "statuses/{their_status}/",                401, 200, 404, 404, 404, 404, 404),
    ("releases",              "GET",    "products/{product}/releases/",            401, 404, 200, 200, 200, 200, 200),
    ("release-create",        "POST",   "products/{product}/releases/",            401, 404, 403, 201, 201, 201, 403),
    ("release",               "GET",    "releases/{release}/",                     401, 404, 200, 200, 200, 200, 200),
    ("release-update",        "PATCH",  "releases/{release}/",                     401, 404, 403, 200, 200, 200, 403),
    ("release-delete",        "DELETE", "releases/{release}/",                     401, 404, 403, 204, 204, 204, 403),
    ("release-theirs",        "GET",    "releases/{their_release}/",               401, 200, 404, 404, 404, 404, 404),
    ("teams",                 "GET",    "workspaces/{ws}/teams/",                  401, 404, 200, 200, 200, 200, 200),
    ("team-create",           "POST",   "workspaces/{ws}/teams/",                  401, 404, 403, 201, 201, 201, 403),
    ("team",                  "GET",    "teams/{team}/",                           401, 404, 200, 200, 200, 200, 200),
    ("team-update",           "PATCH",  "teams/{team}/",                           401, 404, 403, 200, 200, 200, 403),
    ("team-delete",           "DELETE", "teams/{team}/",                           401, 404, 403, 204, 204, 204, 403),
    ("team-theirs",           "GET",    "teams/{their_team}/",                     401, 200, 404, 404, 404, 404, 404),
    ("backlog-settings",      "GET",    "products/{product}/backlog-settings/",    401, 404, 200, 200, 200, 200, 200),
    ("backlog-settings-update", "PATCH", "products/{product}/backlog-settings/",   401, 404, 403, 200, 200, 200, 403),
]

PAGE_MATRIX: list[tuple] = [
    # name                     method  path                                              anon    out   view  edit  admin
    ("backlog",                "GET",  "/w/acme/backlog/",                               LOGIN,  404,  200,  200,  200),
    ("statuses",               "GET",  "/w/acme/settings/statuses/",                     LOGIN,  404,  200,  200,  200),
    ("status-new",             "GET",  "/w/acme/settings/statuses/new/",                 LOGIN,  404,  403,  403,  200),
    ("status-create",          "POST", "/w/acme/settings/statuses/new/",                 LOGIN,  404,  403,  403,  302),
    ("status-edit",            "GET",  "/w/acme/settings/statuses/{status}/edit/",       LOGIN,  404,  403,  403,  200),
    ("status-save",            "POST", "/w/acme/settings/statuses/{status}/edit/",       LOGIN,  404,  403,  403,  302),
    ("status-move",            "POST", "/w/acme/settings/statuses/{status}/move/",       LOGIN,  404,  403,  403,  302),
    ("status-delete-confirm",  "GET",  "/w/acme/settings/statuses/{status}/delete/",     LOGIN,  404,  403,  403,  200),
    ("status-delete",          "POST", "/w/acme/settings/statuses/{status}/delete/",     LOGIN,  404,  403,  403,  302),
    ("status-theirs",          "GET",  "/w/acme/settings/statuses/{their_status}/edit/", LOGIN,  404,  403,  403,  404),
    ("releases",               "GET",  "/w/acme/products/atlas/releases/",               LOGIN,  404,  200,  200,  200),
    ("releases-theirs",        "GET",  "/w/acme/products/theirs/releases/",              LOGIN,  404,  404,  404,  404),
    ("release-new",            "GET",  "/w/acme/products/atlas/releases/new/",           LOGIN,  404,  403,  200,  200),
    ("release-create",         "POST", "/w/acme/products/atlas/releases/new/",           LOGIN,  404,  403,  302,  302),
    ("release-edit",           "GET",  "/w/acme/releases/{release}/edit/",               LOGIN,  404,  403,  200,  200),
    ("release-save",           "POST", "/w/acme/releases/{release}/edit/",               LOGIN,  404,  403,  302,  302),
    ("release-delete-confirm", "GET",  "/w/acme/releases/{release}/delete/",             LOGIN,  404,  403,  200,  200),
    ("release-delete",         "POST", "/w/acme/releases/{release}/delete/",             LOGIN,  404,  403,  302,  302),
    ("release-theirs",         "GET",  "/w/acme/releases/{their_release}/edit/",         LOGIN,  404,  403,  404,  404),
    ("teams",                  "GET",  "/w/acme/teams/",                                 LOGIN,  404,  200,  200,  200),
    ("team-new",               "GET",  "/w/acme/teams/new/",                             LOGIN,  404,  403,  200,  200),
    ("team-create",            "POST", "/w/acme/teams/new/",                             LOGIN,  404,  403,  302,  302),
    ("team-edit",              "GET",  "/w/acme/teams/{team}/edit/",                     LOGIN,  404,  403,  200,  200),
    ("team-save",              "POST", "/w/acme/teams/{team}/edit/",                     LOGIN,  404,  403,  302,  302),
    ("team-delete-confirm",    "GET",  "/w/acme/teams/{team}/delete/",                   LOGIN,  404,  403,  200,  200),
    ("team-delete",            "POST", "/w/acme/teams/{team}/delete/",                   LOGIN,  404,  403,  302,  302),
    ("team-theirs",            "GET",  "/w/acme/teams/{their_team}/edit/",               LOGIN,  404,  403,  404,  404),
    ("backlog-settings",       "GET",  "/w/acme/products/atlas/backlog/settings/",       LOGIN,  404,  200,  200,  200),
    ("backlog-settings-save",  "POST", "/w/acme/products/atlas/backlog/settings/",       LOGIN,  404,  403,  302,  302),
]
# fmt: on

API_BODIES: dict[str, Any] = {
    "status-create": {"name": "Blocked", "category": "in_progress", "colour": "#DC2626"},
    "status-update": {"version": 1, "name": "Parked for later"},
    "status-delete": {"version": 1},
    "release-create": {"name": "2026.2", "start_date": "2026-04-01", "release_date": "2026-06-30"},
    "release-update": {"version": 1, "status": "in_progress"},
    "release-delete": {"version": 1},
    "team-create": lambda p: {"name": "Growth", "capacity": 4.5, "members": [p["editor_id"]]},
    "team-update": {"version": 1, "capacity": 3},
    "team-delete": {"version": 1},
    "backlog-settings-update": {"version": 1, "frameworks": ["rice", "moscow"]},
}

PAGE_BODIES: dict[str, Any] = {
    "status-create": {"name": "Blocked", "category": "in_progress", "colour": "#dc2626"},
    "status-save": {"name": "Parked for later", "category": "backlog", "colour": "#64748b", "version": "1"},
    "status-move": {"direction": "up", "version": "1"},
    "status-delete": {"version": "1", "replacement": ""},
    "release-create": {"name": "2026.2", "status": "planned", "start_date": "", "release_date": "2026-06-30"},
    "release-save": {"name": "2026.1", "status": "released", "release_date": "2026-03-31", "version": "1"},
    "release-delete": {"version": "1"},
    "team-create": lambda p: {"name": "Growth", "capacity": "4.5", "members": [p["editor_id"]], "description": ""},
    "team-save": {"name": "Platform", "capacity": "2", "description": "Infra", "version": "1"},
    "team-delete": {"version": "1"},
    "backlog-settings-save": {"frameworks": ["rice"], "version": "1"},
}


def setup(world: Any) -> dict[str, Any]:
    actor = Actor(user=world.team.admin)
    workspace = world.team.workspace
    parked = status_create(actor=actor, workspace=workspace, name="Parked")
    release = release_create(actor=actor, product=world.product, name="2026.1")
    team = team_create(actor=actor, workspace=workspace, name="Platform", member_ids=[world.team.admin.pk])
    outsider = Actor(user=world.team.outsider)
    theirs = world.team.other_workspace
    their_status = FeatureStatus.objects.filter(workspace=theirs).first()
    assert their_status is not None
    their_release = release_create(actor=outsider, product=world.theirs, name="Their release")
    their_team = team_create(actor=outsider, workspace=theirs, name="Their team")
    return {
        "status": parked.pk,
        "release": release.pk,
        "team": team.pk,
        "their_status": their_status.pk,
        "their_release": their_release.pk,
        "their_team": their_team.pk,
        "editor_id": world.team.editor.pk,
    }


def snapshot() -> dict[str, Any]:
    return {
        "statuses": sorted(
            FeatureStatus.objects.values_list("id", "name", "colour", "category", "position", "version")
        ),
        "releases": sorted(
            Release.objects.values_list("id", "name", "status", "start_date", "release_date", "version")
        ),
        "teams": sorted(Team.objects.values_list("id", "name", "capacity", "description", "version")),
        "team_members": sorted(Team.members.through.objects.values_list("team_id", "user_id")),
        "settings": sorted(BacklogSettings.objects.values_list("product_id", "frameworks", "version")),
        "features": sorted(Feature.objects.values_list("id", "status_id", "version")),
    }
