"""Backlog pages, under /w/<ws>/ (each area owns its block; keep the blocks apart)."""

from django.urls import path

from pmtool import converters  # noqa: F401 - registers the <id:> converter
from pmtool.views import section_pending

from .views import boards as boards_views
from .views import ranking as ranking_views

app_name = "backlog"
urlpatterns = [
    path(
        "backlog/",
        section_pending(
            "Backlog",
            "Features ranked by RICE, MoSCoW or a weighted scorecard, with drag-and-drop and keyboard ordering.",
        ),
        name="home",
    ),
    # --- ranking: the order page and the move endpoint (backlog/views/ranking.py) ---
    path("products/<slug:slug>/backlog/order/", ranking_views.backlog_order, name="order"),
    path("features/<id:feature_id>/move/", ranking_views.feature_move, name="feature_move"),
    # --- boards: MoSCoW board, value vs effort matrix (backlog/views/boards.py) ---
    path("products/<slug:slug>/backlog/moscow/", boards_views.moscow_board, name="moscow"),
    path("products/<slug:slug>/backlog/matrix/", boards_views.value_effort_matrix, name="matrix"),
    path("features/<id:feature_id>/moscow/", boards_views.feature_moscow, name="feature_moscow"),
]
