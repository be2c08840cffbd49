"""Backlog endpoints, under /api/v1/ (each area owns its block; keep the blocks apart)."""

from django.urls import URLPattern, URLResolver

from pmtool import converters  # noqa: F401 - registers the <id:> converter

urlpatterns: list[URLPattern | URLResolver] = [
    # --- features (backlog/api/features.py) ---
    # --- ranking: moves (backlog/api/ranking.py) ---
    # --- scorecard, scores, explanations, history (backlog/api/scoring.py) ---
    # --- statuses, releases, teams, tags (backlog/api/plan.py) ---
    # --- saved views (backlog/api/views.py), CSV import/export (backlog/api/csv.py) ---
]
