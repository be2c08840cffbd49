"""Backlog endpoints, under /api/v1/ (each area owns its block; keep the blocks apart)."""

from django.urls import URLPattern, URLResolver, path

from pmtool import converters  # noqa: F401 - registers the <id:> converter

from . import scoring as scoring_api

urlpatterns: list[URLPattern | URLResolver] = [
    # --- features (backlog/api/features.py) ---
    # --- ranking: moves (backlog/api/ranking.py) ---
    # --- scorecard, scores, explanations, history (backlog/api/scoring.py) ---
    path("products/<id:product_id>/criteria/", scoring_api.CriterionListView.as_view(), name="api-criteria"),
    path(
        "products/<id:product_id>/criteria/order/",
        scoring_api.CriteriaOrderView.as_view(),
        name="api-criteria-order",
    ),
    path("criteria/<id:criterion_id>/", scoring_api.CriterionDetailView.as_view(), name="api-criterion"),
    path(
        "features/<id:feature_id>/criterion-values/",
        scoring_api.FeatureCriterionValuesView.as_view(),
        name="api-feature-criterion-values",
    ),
    path("features/<id:feature_id>/scores/", scoring_api.FeatureScoresView.as_view(), name="api-feature-scores"),
    path(
        "features/<id:feature_id>/score-history/",
        scoring_api.FeatureScoreHistoryView.as_view(),
        name="api-feature-score-history",
    ),
    path(
        "features/<id:feature_id>/why-moved/",
        scoring_api.FeatureWhyMovedView.as_view(),
        name="api-feature-why-moved",
    ),
    # --- statuses, releases, teams, tags (backlog/api/plan.py) ---
    # --- saved views (backlog/api/views.py), CSV import/export (backlog/api/csv.py) ---
]
