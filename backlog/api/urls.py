"""Backlog endpoints, under /api/v1/ (each area owns its block; keep the blocks apart)."""

from django.urls import URLPattern, URLResolver, path

from pmtool import converters  # noqa: F401 - registers the <id:> converter

from . import plan

urlpatterns: list[URLPattern | URLResolver] = [
    # --- features (backlog/api/features.py) ---
    # --- ranking: moves (backlog/api/ranking.py) ---
    # --- scorecard, scores, explanations, history (backlog/api/scoring.py) ---
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
    # --- saved views (backlog/api/views.py), CSV import/export (backlog/api/csv.py) ---
]
