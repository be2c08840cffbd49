"""Strategy pages, under /w/<ws>/ (each area owns its block; keep the blocks apart)."""

from django.urls import path

from pmtool import converters  # noqa: F401 - registers the <id:> converter
from pmtool.views import section_pending

app_name = "strategy"
urlpatterns: list = [
    # --- overview, product strategy page, vision (strategy/views/vision.py) ---
    path("strategy/", section_pending("Strategy", "Vision, goals, initiatives."), name="home"),
    # --- goals, key results, initiatives (strategy/views/goals.py) ---
    # --- personas, competitors (strategy/views/research.py) ---
    # --- metrics (strategy/views/metrics.py) ---
    path("metrics/", section_pending("Metrics", "Product metrics."), name="metrics"),
]
