"""Backlog endpoints, under /api/v1/ (each area owns its block; keep the blocks apart)."""

from django.urls import URLPattern, URLResolver, path

from pmtool import converters  # noqa: F401 - registers the <id:> converter

from . import boards as boards_api
from . import bulk as bulk_api
from . import csv as csv_api
from . import features as features_api
from . import plan
from . import ranking as ranking_api
from . import saved_views as saved_views_api
from . import scoring as scoring_api
from . import tags as tags_api

urlpatterns: list[URLPattern | URLResolver] = [
    # --- features (backlog/api/features.py) ---
    path("products/<id:product_id>/features/", features_api.FeatureListView.as_view(), name="api-features"),
    path("features/<id:feature_id>/", features_api.FeatureDetailView.as_view(), name="api-feature"),
    path("features/<id:feature_id>/archive/", features_api.FeatureArchiveView.as_view(), name="api-feature-archive"),
    path("features/<id:feature_id>/restore/", features_api.FeatureRestoreView.as_view(), name="api-feature-restore"),
    # --- ranking: moves (backlog/api/ranking.py) ---
    path("features/<id:feature_id>/move/", ranking_api.FeatureMoveView.as_view(), name="api-feature-move"),
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
    path("workspaces/<id:workspace_id>/statuses/", plan.StatusListView.as_view(), name="api-statuses"),
    path("statuses/<id:status_id>/", plan.StatusDetailView.as_view(), name="api-status"),
    path("products/<id:product_id>/releases/", plan.ReleaseListView.as_view(), name="api-releases"),
    path("releases/<id:release_id>/", plan.ReleaseDetailView.as_view(), name="api-release"),
    path("workspaces/<id:workspace_id>/teams/", plan.TeamListView.as_view(), name="api-teams"),
    path("teams/<id:team_id>/", plan.TeamDetailView.as_view(), name="api-team"),
    path(
        "products/<id:product_id>/backlog-settings/",
        plan.BacklogSettingsView.as_view(),
        name="api-settings",
    ),
    # --- tags: list, create, read, change, delete, merge (backlog/api/tags.py) ---
    path("workspaces/<id:workspace_id>/tags/", tags_api.TagListView.as_view(), name="api-tags"),
    path("tags/<id:tag_id>/", tags_api.TagDetailView.as_view(), name="api-tag"),
    path("tags/<id:tag_id>/merge/", tags_api.TagMergeView.as_view(), name="api-tag-merge"),
    # --- saved views (backlog/api/views.py), CSV import/export (backlog/api/csv.py) ---
    # --- boards: MoSCoW (backlog/api/boards.py) ---
    path("features/<id:feature_id>/moscow/", boards_api.FeatureMoscowView.as_view(), name="api-feature-moscow"),
    # --- saved views (backlog/api/saved_views.py), bulk edits (backlog/api/bulk.py), CSV (backlog/api/csv.py) ---
    path("products/<id:product_id>/views/", saved_views_api.SavedViewListView.as_view(), name="api-saved-views"),
    path("views/<id:view_id>/", saved_views_api.SavedViewDetailView.as_view(), name="api-saved-view"),
    path("products/<id:product_id>/features/bulk/", bulk_api.FeatureBulkView.as_view(), name="api-features-bulk"),
    path("products/<id:product_id>/features/export/", csv_api.FeatureExportView.as_view(), name="api-features-export"),
    path("products/<id:product_id>/features/import/", csv_api.FeatureImportView.as_view(), name="api-features-import"),
]
