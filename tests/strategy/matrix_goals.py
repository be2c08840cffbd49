"""Permission-matrix rows of goals, key results and initiatives (see tests/strategy/test_permissions.py).

In acme: a company goal "Win mid-market" and a product goal "Activation" of atlas under it (version 1)
with a measured key result (version 1), and an initiative of atlas serving the product goal. The
outsider's workspace has a goal, a key result and an initiative of its own ("theirs"): acme's members
get 404 for them, the outsider 200; and one of acme's goals under the outsider's workspace slug is a
404 for everyone (a page looks up objects inside the workspace of its URL)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from pmtool.activity import Actor
from pmtool.models import Product
from strategy.models import Goal, Initiative, KeyResult
from strategy.services.goals import goal_create, key_result_create
from strategy.services.initiatives import initiative_create
from tests.harness.matrix import LOGIN

# fmt: off
API_MATRIX: list[tuple] = [
    # name                    method    path under /api/v1/                        anon out  view edit admn rw   ro
    ("goals",                 "GET",    "workspaces/{ws}/goals/",                  401, 404, 200, 200, 200, 200, 200),
    ("goal-create",           "POST",   "workspaces/{ws}/goals/",                  401, 404, 403, 201, 201, 201, 403),
    ("goal",                  "GET",    "goals/{goal}/",                           401, 404, 200, 200, 200, 200, 200),
    ("goal-update",           "PATCH",  "goals/{goal}/",                           401, 404, 403, 200, 200, 200, 403),
    ("goal-delete",           "DELETE", "goals/{goal}/",                           401, 404, 403, 204, 204, 204, 403),
    ("goal-theirs",           "GET",    "goals/{their_goal}/",                     401, 200, 404, 404, 404, 404, 404),
    ("goal-theirs-update",    "PATCH",  "goals/{their_goal}/",                     401, 200, 404, 404, 404, 404, 403),
    ("key-results",           "GET",    "goals/{goal}/key-results/",               401, 404, 200, 200, 200, 200, 200),
    ("key-result-create",     "POST",   "goals/{goal}/key-results/",               401, 404, 403, 201, 201, 201, 403),
    ("key-result",            "GET",    "key-results/{key_result}/",               401, 404, 200, 200, 200, 200, 200),
    ("key-result-update",     "PATCH",  "key-results/{key_result}/",               401, 404, 403, 200, 200, 200, 403),
    ("key-result-delete",     "DELETE", "key-results/{key_result}/",               401, 404, 403, 204, 204, 204, 403),
    ("key-result-theirs",     "GET",    "key-results/{their_key_result}/",         401, 200, 404, 404, 404, 404, 404),
    ("initiatives",           "GET",    "workspaces/{ws}/initiatives/",            401, 404, 200, 200, 200, 200, 200),
    ("initiative-create",     "POST",   "workspaces/{ws}/initiatives/",            401, 404, 403, 201, 201, 201, 403),
    ("initiative",            "GET",    "initiatives/{initiative}/",               401, 404, 200, 200, 200, 200, 200),
    ("initiative-update",     "PATCH",  "initiatives/{initiative}/",               401, 404, 403, 200, 200, 200, 403),
    ("initiative-delete",     "DELETE", "initiatives/{initiative}/",               401, 404, 403, 204, 204, 204, 403),
    ("initiative-theirs",     "GET",    "initiatives/{their_initiative}/",         401, 200, 404, 404, 404, 404, 404),
]

PAGE_MATRIX: list[tuple] = [
    # name                        method  path                                          anon    out   view  edit  admin
    ("strategy",                  "GET",  "/w/acme/strategy/",                          LOGIN,  404,  200,  200,  200),
    ("product-strategy",          "GET",  "/w/acme/products/atlas/strategy/",           LOGIN,  404,  200,  200,  200),
    ("product-strategy-theirs",   "GET",  "/w/acme/products/theirs/strategy/",          LOGIN,  404,  404,  404,  404),
    ("goals",                     "GET",  "/w/acme/goals/",                             LOGIN,  404,  200,  200,  200),
    ("goal-new",                  "GET",  "/w/acme/goals/new/",                         LOGIN,  404,  403,  200,  200),
    ("goal-create",               "POST", "/w/acme/goals/new/",                         LOGIN,  404,  403,  302,  302),
    ("goal",                      "GET",  "/w/acme/goals/{goal}/",                      LOGIN,  404,  200,  200,  200),
    ("goal-theirs",               "GET",  "/w/other/goals/{their_goal}/",               LOGIN,  200,  404,  404,  404),
    ("goal-wrong-workspace",      "GET",  "/w/other/goals/{goal}/",                     LOGIN,  404,  404,  404,  404),
    ("goal-edit",                 "GET",  "/w/acme/goals/{goal}/edit/",                 LOGIN,  404,  403,  200,  200),
    ("goal-save",                 "POST", "/w/acme/goals/{goal}/edit/",                 LOGIN,  404,  403,  302,  302),
    ("goal-delete-confirm",       "GET",  "/w/acme/goals/{goal}/delete/",               LOGIN,  404,  403,  200,  200),
    ("goal-delete",               "POST", "/w/acme/goals/{goal}/delete/",               LOGIN,  404,  403,  302,  302),
    ("key-result-new",            "GET",  "/w/acme/goals/{goal}/key-results/new/",      LOGIN,  404,  403,  200,  200),
    ("key-result-create",         "POST", "/w/acme/goals/{goal}/key-results/new/",      LOGIN,  404,  403,  302,  302),
    ("key-result-edit",           "GET",  "/w/acme/key-results/{key_result}/edit/",     LOGIN,  404,  403,  200,  200),
    ("key-result-save",           "POST", "/w/acme/key-results/{key_result}/edit/",     LOGIN,  404,  403,  302,  302),
    ("key-result-delete-confirm", "GET",  "/w/acme/key-results/{key_result}/delete/",   LOGIN,  404,  403,  200,  200),
    ("key-result-delete",         "POST", "/w/acme/key-results/{key_result}/delete/",   LOGIN,  404,  403,  302,  302),
    ("key-result-theirs",         "GET",  "/w/acme/key-results/{their_key_result}/edit/", LOGIN, 404, 403,  404,  404),
    ("initiatives",               "GET",  "/w/acme/initiatives/",                       LOGIN,  404,  200,  200,  200),
    ("initiative-new",            "GET",  "/w/acme/initiatives/new/",                   LOGIN,  404,  403,  200,  200),
    ("initiative-create",         "POST", "/w/acme/initiatives/new/",                   LOGIN,  404,  403,  302,  302),
    ("initiative",                "GET",  "/w/acme/initiatives/{initiative}/",          LOGIN,  404,  200,  200,  200),
    ("initiative-theirs",         "GET",  "/w/acme/initiatives/{their_initiative}/",    LOGIN,  404,  404,  404,  404),
    ("initiative-edit",           "GET",  "/w/acme/initiatives/{initiative}/edit/",     LOGIN,  404,  403,  200,  200),
    ("initiative-save",           "POST", "/w/acme/initiatives/{initiative}/edit/",     LOGIN,  404,  403,  302,  302),
    ("initiative-delete-confirm", "GET",  "/w/acme/initiatives/{initiative}/delete/",   LOGIN,  404,  403,  200,  200),
    ("initiative-delete",         "POST", "/w/acme/initiatives/{initiative}/delete/",   LOGIN,  404,  403,  302,  302),
]
# fmt: on

API_BODIES: dict[str, Any] = {
    "goal-create": {"title": "Grow revenue", "quarter": "2026-Q4", "status_source": "derived"},
    "goal-update": {"version": 1, "title": "Activation, faster"},
    "goal-delete": {"version": 1},
    "goal-theirs-update": {"version": 1, "title": "Mine now"},
    "key-result-create": {"title": "Signups", "kind": "metric", "baseline": 0, "target": 100, "current": 10},
    "key-result-update": {"version": 1, "current": 30},
    "key-result-delete": {"version": 1},
    "initiative-create": lambda p: {"title": "Onboarding", "product": p["product"], "goals": [p["goal"]]},
    "initiative-update": {"version": 1, "status": "active"},
    "initiative-delete": {"version": 1},
}

_GOAL_FORM = {
    "title": "Grow revenue",
    "product": "",
    "parent": "",
    "owner": "",
    "quarter": "",
    "start_date": "2026-01-01",
    "end_date": "2026-03-31",
    "status": "derived",
    "description": "",
}
_KR_FORM = {
    "title": "Signups",
    "kind": "metric",
    "direction": "up",
    "baseline": "0",
    "target": "100",
    "current": "10",
    "unit": "",
    "metric": "",
    "metric_period": "month",
    "percent": "",
    "weight": "1",
}
_INITIATIVE_FORM = {
    "title": "Onboarding",
    "product": "",
    "status": "proposed",
    "colour": "#0EA5E9",
    "quarter": "",
    "start_date": "",
    "end_date": "",
    "description": "",
}

PAGE_BODIES: dict[str, Any] = {
    "goal-create": _GOAL_FORM,
    "goal-save": {**_GOAL_FORM, "title": "Activation, faster", "version": "1"},
    "goal-delete": {"version": "1"},
    "key-result-create": {f"new-{k}": v for k, v in _KR_FORM.items()},
    "key-result-save": lambda p: {f"kr{p['key_result']}-{k}": v for k, v in {**_KR_FORM, "version": "1"}.items()},
    "key-result-delete": {"version": "1"},
    "initiative-create": lambda p: {**_INITIATIVE_FORM, "goals": [p["goal"]]},
    "initiative-save": {**_INITIATIVE_FORM, "title": "Onboarding, v2", "version": "1"},
    "initiative-delete": {"version": "1"},
}


def setup(world: Any) -> dict[str, Any]:
    actor = Actor(user=world.team.admin)
    workspace = world.team.workspace
    company = goal_create(actor=actor, workspace=workspace, title="Win mid-market", quarter="2026-Q1")
    goal = goal_create(
        actor=actor,
        workspace=workspace,
        title="Activation",
        product_id=world.product.pk,
        parent_id=company.pk,
        start_date=dt.date(2026, 1, 1),
        end_date=dt.date(2026, 3, 31),
    )
    key_result = key_result_create(
        actor=actor, goal=goal, title="Activated accounts", baseline=10, target=50, current=20
    )
    initiative = initiative_create(
        actor=actor, workspace=workspace, title="Guided setup", product_id=world.product.pk, goal_ids=[goal.pk]
    )
    outsider = Actor(user=world.team.outsider)
    theirs = world.team.other_workspace
    their_goal = goal_create(actor=outsider, workspace=theirs, title="Their goal")
    their_key_result = key_result_create(actor=outsider, goal=their_goal, title="Theirs", kind="manual", percent=5)
    their_initiative = initiative_create(actor=outsider, workspace=theirs, title="Their initiative")
    assert Product.objects.filter(slug="theirs", workspace=theirs).exists()
    return {
        "goal": goal.pk,
        "key_result": key_result.pk,
        "initiative": initiative.pk,
        "their_goal": their_goal.pk,
        "their_key_result": their_key_result.pk,
        "their_initiative": their_initiative.pk,
    }


def snapshot() -> dict[str, Any]:
    return {
        "goals": sorted(
            Goal.objects.values_list(
                "id",
                "title",
                "product_id",
                "parent_id",
                "owner_id",
                "start_date",
                "end_date",
                "status_source",
                "version",
            )
        ),
        "key_results": sorted(
            KeyResult.objects.values_list(
                "id", "goal_id", "title", "baseline", "target", "current", "percent", "version"
            )
        ),
        "initiatives": sorted(
            Initiative.objects.values_list("id", "title", "product_id", "status", "colour", "version")
        ),
        "initiative_goals": sorted(Initiative.goals.through.objects.values_list("initiative_id", "goal_id")),
    }
