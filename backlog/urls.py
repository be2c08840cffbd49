from django.urls import path

from pmtool import converters  # noqa: F401 - registers the <id:> converter
from pmtool.views import section_pending

from .views import scoring as scoring_views

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
    # --- scorecard, scores, explanations, history (backlog/views/scoring.py) ---
    path("products/<slug:slug>/backlog/scorecard/", scoring_views.scorecard, name="scorecard"),
    path("products/<slug:slug>/backlog/scorecard/new/", scoring_views.criterion_create, name="criterion_create"),
    path("products/<slug:slug>/backlog/scorecard/order/", scoring_views.criteria_order, name="criteria_order"),
    path("criteria/<id:criterion_id>/edit/", scoring_views.criterion_edit, name="criterion_edit"),
    path("criteria/<id:criterion_id>/delete/", scoring_views.criterion_delete, name="criterion_delete"),
    path("features/<id:feature_id>/scores/", scoring_views.feature_scores, name="feature_scores"),
    path("features/<id:feature_id>/scores/values/", scoring_views.feature_values, name="feature_values"),
]
