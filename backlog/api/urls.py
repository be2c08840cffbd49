"""Backlog endpoints, under /api/v1/ (each area owns its block; keep the blocks apart)."""

from django.urls import URLPattern, URLResolver, path

from pmtool import converters  # noqa: F401 - registers the <id:> converter

from . import boards as boards_api
from . import ranking as ranking_api

urlpatterns: list[URLPattern | URLResolver] = [
    # --- features (backlog/api/features.py) ---
    # --- ranking: moves (backlog/api/ranking.py) ---
    path("features/<id:feature_id>/move/", ranking_api.FeatureMoveView.as_view(), name="api-feature-move"),
    # --- scorecard, scores, explanations, history (backlog/api/scoring.py) ---
    # --- statuses, releases, teams, tags (backlog/api/plan.py) ---
    # --- saved views (backlog/api/views.py), CSV import/export (backlog/api/csv.py) ---
    # --- boards: MoSCoW (backlog/api/boards.py) ---
    path("features/<id:feature_id>/moscow/", boards_api.FeatureMoscowView.as_view(), name="api-feature-moscow"),
]
