"""Backlog pages, under /w/<ws>/ (each area owns its block; keep the blocks apart)."""

from django.urls import path

from pmtool import converters  # noqa: F401 - registers the <id:> converter

from .views import boards as boards_views
from .views import features as features_views
from .views import plan
from .views import ranking as ranking_views
from .views import scoring as scoring_views
from .views import tags as tags_views
from .views import tools as tools_views

app_name = "backlog"
urlpatterns: list = [
    # --- features (backlog/views/features.py) ---
    path("backlog/", features_views.backlog_home, name="home"),
    path("products/<slug:slug>/backlog/", features_views.product_backlog, name="product_backlog"),
    path("products/<slug:slug>/backlog/new/", features_views.feature_create, name="feature_create"),
    path("features/<id:feature_id>/", features_views.feature_detail, name="feature_detail"),
    path("features/<id:feature_id>/edit/", features_views.feature_edit, name="feature_edit"),
    path("features/<id:feature_id>/delete/", features_views.feature_delete, name="feature_delete"),
    path("features/<id:feature_id>/archive/", features_views.feature_archive, name="feature_archive"),
    path("features/<id:feature_id>/restore/", features_views.feature_restore, name="feature_restore"),
    path("features/<id:feature_id>/rice/", features_views.feature_rice, name="feature_rice"),
    # --- ranking: the order page and the move endpoint (backlog/views/ranking.py) ---
    path("products/<slug:slug>/backlog/order/", ranking_views.backlog_order, name="order"),
    path("features/<id:feature_id>/move/", ranking_views.feature_move, name="feature_move"),
    # --- boards: MoSCoW board, value vs effort matrix (backlog/views/boards.py) ---
    path("products/<slug:slug>/backlog/moscow/", boards_views.moscow_board, name="moscow"),
    path("products/<slug:slug>/backlog/matrix/", boards_views.value_effort_matrix, name="matrix"),
    path("features/<id:feature_id>/moscow/", boards_views.feature_moscow, name="feature_moscow"),
    # --- scorecard, scores, explanations, history (backlog/views/scoring.py) ---
    # --- statuses, releases, teams, backlog settings (backlog/views/plan.py) ---
    # --- MoSCoW board, value vs effort (backlog/views/boards.py) ---
    # --- bulk edit, CSV, saved views (backlog/views/tools.py) ---
    path("products/<slug:slug>/backlog/export.csv", tools_views.export_csv, name="tools_export"),
    path("products/<slug:slug>/backlog/bulk/", tools_views.bulk_edit, name="tools_bulk"),
    path("products/<slug:slug>/backlog/import/", tools_views.import_upload, name="tools_import"),
    path("products/<slug:slug>/backlog/import/<id:job_id>/", tools_views.import_review, name="tools_import_review"),
    path("products/<slug:slug>/backlog/views/", tools_views.saved_views, name="tools_views"),
    path("products/<slug:slug>/backlog/views/<id:view_id>/edit/", tools_views.saved_view_edit, name="tools_view_edit"),
    path(
        "products/<slug:slug>/backlog/views/<id:view_id>/delete/",
        tools_views.saved_view_delete,
        name="tools_view_delete",
    ),
    # --- scorecard, scores, explanations, history (backlog/views/scoring.py) ---
    path("products/<slug:slug>/backlog/scorecard/", scoring_views.scorecard, name="scorecard"),
    path("products/<slug:slug>/backlog/scorecard/new/", scoring_views.criterion_create, name="criterion_create"),
    path("products/<slug:slug>/backlog/scorecard/order/", scoring_views.criteria_order, name="criteria_order"),
    path("criteria/<id:criterion_id>/edit/", scoring_views.criterion_edit, name="criterion_edit"),
    path("criteria/<id:criterion_id>/delete/", scoring_views.criterion_delete, name="criterion_delete"),
    path("features/<id:feature_id>/scores/", scoring_views.feature_scores, name="feature_scores"),
    path("features/<id:feature_id>/scores/values/", scoring_views.feature_values, name="feature_values"),
    # --- statuses (settings), releases, teams, backlog settings (backlog/views/plan.py) ---
    path("settings/statuses/", plan.status_list, name="statuses"),
    path("settings/statuses/new/", plan.status_create, name="status_create"),
    path("settings/statuses/<id:status_id>/edit/", plan.status_edit, name="status_edit"),
    path("settings/statuses/<id:status_id>/move/", plan.status_move, name="status_move"),
    path("settings/statuses/<id:status_id>/delete/", plan.status_delete, name="status_delete"),
    path("products/<slug:slug>/releases/", plan.release_list, name="releases"),
    path("products/<slug:slug>/releases/new/", plan.release_create, name="release_create"),
    path("releases/<id:release_id>/edit/", plan.release_edit, name="release_edit"),
    path("releases/<id:release_id>/delete/", plan.release_delete, name="release_delete"),
    path("teams/", plan.team_list, name="teams"),
    path("teams/new/", plan.team_create, name="team_create"),
    path("teams/<id:team_id>/edit/", plan.team_edit, name="team_edit"),
    path("teams/<id:team_id>/delete/", plan.team_delete, name="team_delete"),
    path("products/<slug:slug>/backlog/settings/", plan.backlog_settings, name="settings"),
    # --- tags: list, new, edit, merge, delete (backlog/views/tags.py) ---
    path("tags/", tags_views.tag_list, name="tags"),
    path("tags/new/", tags_views.tag_create, name="tag_create"),
    path("tags/<id:tag_id>/edit/", tags_views.tag_edit, name="tag_edit"),
    path("tags/<id:tag_id>/merge/", tags_views.tag_merge, name="tag_merge"),
    path("tags/<id:tag_id>/delete/", tags_views.tag_delete, name="tag_delete"),
]
