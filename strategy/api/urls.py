"""Strategy endpoints, under /api/v1/ (each area owns its block; keep the blocks apart)."""

from django.urls import path  # noqa: F401 - used by the blocks below

from pmtool import converters  # noqa: F401 - registers the <id:> converter

urlpatterns: list = [
    # --- vision (strategy/api/vision.py) ---
    # --- goals, key results, initiatives (strategy/api/goals.py) ---
    # --- personas, competitors (strategy/api/research.py) ---
    # --- metrics, samples, series (strategy/api/metrics.py) ---
]
