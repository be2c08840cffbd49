"""Permission-matrix rows of the scorecard, scores, explanations and history (tests/backlog/test_permissions.py).

In acme's product atlas: criteria "Value" (version 1) and "Risk" and a feature "Dark mode" with values
on both (version 2 after its values were set). The outsider's workspace has a criterion and a feature
of its own ("theirs"): acme's members get 404 for them, the outsider 200."""

from __future__ import annotations

from typing import Any

from backlog.models import BacklogSettings, CriterionValue, Feature, ScorecardCriterion, ScoreEvent
from backlog.services.scorecard import criterion_create, feature_values_set
from pmtool.activity import Actor
from tests.factories import FeatureFactory
from tests.harness.matrix import LOGIN

# fmt: off
API_MATRIX: list[tuple] = [
    # name                     method    path under /api/v1/                          anon out  view edit admn rw   ro
    ("criteria",              "GET",    "products/{product}/criteria/",              401, 404, 200, 200, 200, 200, 200),
    ("criterion-create",      "POST",   "products/{product}/criteria/",              401, 404, 403, 201, 201, 201, 403),
    ("criteria-order",        "PUT",    "products/{product}/criteria/order/",        401, 404, 403, 200, 200, 200, 403),
    ("criterion",             "GET",    "criteria/{criterion}/",                     401, 404, 200, 200, 200, 200, 200),
    ("criterion-update",      "PATCH",  "criteria/{criterion}/",                     401, 404, 403, 200, 200, 200, 403),
    ("criterion-delete",      "DELETE", "criteria/{criterion}/",                     401, 404, 403, 204, 204, 204, 403),
    ("criterion-theirs",      "GET",    "criteria/{their_criterion}/",               401, 200, 404, 404, 404, 404, 404),
    ("criterion-values", "PUT", "features/{scored_feature}/criterion-values/", 401, 404, 403, 200, 200, 200, 403),
    ("feature-scores",        "GET",    "features/{scored_feature}/scores/",         401, 404, 200, 200, 200, 200, 200),
    ("feature-scores-theirs", "GET",    "features/{their_scored_feature}/scores/",   401, 200, 404, 404, 404, 404, 404),
    ("feature-score-history", "GET",    "features/{scored_feature}/score-history/",  401, 404, 200, 200, 200, 200, 200),
    ("feature-why-moved",     "GET",    "features/{scored_feature}/why-moved/",      401, 404, 200, 200, 200, 200, 200),
]

PAGE_MATRIX: list[tuple] = [
    # name                     method  path                                                 anon   out  view edit admin
    ("scorecard",             "GET",  "/w/acme/products/atlas/backlog/scorecard/",         LOGIN, 404, 200, 200, 200),
    ("scorecard-theirs",      "GET",  "/w/acme/products/theirs/backlog/scorecard/",        LOGIN, 404, 404, 404, 404),
    ("criterion-new",         "GET",  "/w/acme/products/atlas/backlog/scorecard/new/",     LOGIN, 404, 403, 200, 200),
    ("criterion-create",      "POST", "/w/acme/products/atlas/backlog/scorecard/new/",     LOGIN, 404, 403, 302, 302),
    ("criteria-order",        "POST", "/w/acme/products/atlas/backlog/scorecard/order/",   LOGIN, 404, 403, 302, 302),
    ("criterion-edit",        "GET",  "/w/acme/criteria/{criterion}/edit/",                LOGIN, 404, 403, 200, 200),
    ("criterion-save",        "POST", "/w/acme/criteria/{criterion}/edit/",                LOGIN, 404, 403, 302, 302),
    ("criterion-theirs",      "GET",  "/w/acme/criteria/{their_criterion}/edit/",          LOGIN, 404, 403, 404, 404),
    ("criterion-delete-confirm","GET", "/w/acme/criteria/{criterion}/delete/",             LOGIN, 404, 403, 200, 200),
    ("criterion-delete",      "POST", "/w/acme/criteria/{criterion}/delete/",              LOGIN, 404, 403, 302, 302),
    ("feature-scores",        "GET",  "/w/acme/features/{scored_feature}/scores/",         LOGIN, 404, 200, 200, 200),
    ("feature-scores-theirs", "GET",  "/w/acme/features/{their_scored_feature}/scores/",   LOGIN, 404, 404, 404, 404),
    ("feature-values-edit",   "GET",  "/w/acme/features/{scored_feature}/scores/values/",  LOGIN, 404, 403, 200, 200),
    ("feature-values-save",   "POST", "/w/acme/features/{scored_feature}/scores/values/",  LOGIN, 404, 403, 302, 302),
]
# fmt: on

API_BODIES: dict[str, Any] = {
    "criterion-create": {"name": "Strategic fit", "weight": 2, "scale_min": 0, "scale_max": 10},
    "criteria-order": lambda p: {"criteria": [p["risk"], p["criterion"]]},
    "criterion-update": {"version": 1, "weight": 4},
    "criterion-delete": {"version": 1},
    "criterion-values": lambda p: {"version": 2, "values": {str(p["criterion"]): 2}},
}

_CRITERION_FORM = {
    "name": "Strategic fit",
    "weight": "2",
    "direction": "benefit",
    "scale_min": "1",
    "scale_max": "5",
    "description": "",
}

PAGE_BODIES: dict[str, Any] = {
    "criterion-create": _CRITERION_FORM,
    "criteria-order": lambda p: {"criterion": str(p["risk"]), "direction": "up"},
    "criterion-save": {**_CRITERION_FORM, "name": "Value", "weight": "4", "version": "1"},
    "criterion-delete": {"version": "1"},
    "feature-values-save": lambda p: {"version": "2", f"c{p['criterion']}": "2", f"c{p['risk']}": "4"},
}


def setup(world: Any) -> dict[str, Any]:
    actor = Actor(user=world.team.admin)
    value = criterion_create(actor=actor, product=world.product, name="Value", weight=3)
    risk = criterion_create(actor=actor, product=world.product, name="Risk", direction="cost")
    feature = FeatureFactory(product=world.product, title="Dark mode")
    feature_values_set(actor=actor, feature_id=feature.pk, version=1, values={value.pk: 4, risk.pk: 2})
    outsider = Actor(user=world.team.outsider)
    their_criterion = criterion_create(actor=outsider, product=world.theirs, name="Theirs")
    their_feature = FeatureFactory(product=world.theirs, title="Their feature")
    return {
        "criterion": value.pk,
        "risk": risk.pk,
        "scored_feature": feature.pk,
        "their_criterion": their_criterion.pk,
        "their_scored_feature": their_feature.pk,
    }


def snapshot() -> dict[str, Any]:
    return {
        "criteria": sorted(
            ScorecardCriterion.objects.values_list(
                "id", "name", "weight", "direction", "scale_min", "scale_max", "position", "version"
            )
        ),
        "values": sorted(CriterionValue.objects.values_list("feature_id", "criterion_id", "value")),
        "features": sorted(Feature.objects.values_list("id", "version", "scorecard_score")),
        "events": ScoreEvent.objects.count(),
        "requested": sorted(BacklogSettings.objects.values_list("product_id", "scores_requested_at")),
    }
