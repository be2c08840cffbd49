"""Strategy pages, under /w/<ws>/ (each area owns its block; keep the blocks apart)."""

from django.urls import path

from pmtool import converters  # noqa: F401 - registers the <id:> converter

from .views import goals as goals_views
from .views import initiatives as initiatives_views
from .views import metrics as metrics_views
from .views import research as research_views
from .views import vision as vision_views

app_name = "strategy"
urlpatterns: list = [
    # --- overview, product strategy page, vision (strategy/views/vision.py) ---
    path("strategy/", goals_views.overview, name="home"),  # built with goals (strategy/views/goals.py)
    path("products/<slug:slug>/vision/", vision_views.vision_detail, name="vision"),
    path("products/<slug:slug>/vision/edit/", vision_views.vision_edit, name="vision_edit"),
    path("products/<slug:slug>/vision/history/", vision_views.vision_history, name="vision_history"),
    # --- goals, key results (strategy/views/goals.py), initiatives (strategy/views/initiatives.py) ---
    path("products/<slug:slug>/strategy/", goals_views.product_strategy, name="product_strategy"),
    path("goals/", goals_views.goal_list, name="goal_list"),
    path("goals/new/", goals_views.goal_create, name="goal_create"),
    path("goals/<id:goal_id>/", goals_views.goal_detail, name="goal_detail"),
    path("goals/<id:goal_id>/edit/", goals_views.goal_edit, name="goal_edit"),
    path("goals/<id:goal_id>/delete/", goals_views.goal_delete, name="goal_delete"),
    path("goals/<id:goal_id>/key-results/new/", goals_views.key_result_create, name="key_result_create"),
    path("key-results/<id:key_result_id>/edit/", goals_views.key_result_edit, name="key_result_edit"),
    path("key-results/<id:key_result_id>/delete/", goals_views.key_result_delete, name="key_result_delete"),
    path("initiatives/", initiatives_views.initiative_list, name="initiative_list"),
    path("initiatives/new/", initiatives_views.initiative_create, name="initiative_create"),
    path("initiatives/<id:initiative_id>/", initiatives_views.initiative_detail, name="initiative_detail"),
    path("initiatives/<id:initiative_id>/edit/", initiatives_views.initiative_edit, name="initiative_edit"),
    path("initiatives/<id:initiative_id>/delete/", initiatives_views.initiative_delete, name="initiative_delete"),
    # --- personas, competitors (strategy/views/research.py) ---
    path("products/<slug:slug>/personas/", research_views.persona_list, name="personas"),
    path("products/<slug:slug>/personas/new/", research_views.persona_create, name="persona_create"),
    path("personas/<id:persona_id>/edit/", research_views.persona_edit, name="persona_edit"),
    path("personas/<id:persona_id>/delete/", research_views.persona_delete, name="persona_delete"),
    path("products/<slug:slug>/competitors/", research_views.competitor_list, name="competitors"),
    path("products/<slug:slug>/competitors/new/", research_views.competitor_create, name="competitor_create"),
    path("products/<slug:slug>/competitors/compare/", research_views.competitor_compare, name="competitor_compare"),
    path("competitors/<id:competitor_id>/edit/", research_views.competitor_edit, name="competitor_edit"),
    path("competitors/<id:competitor_id>/delete/", research_views.competitor_delete, name="competitor_delete"),
    # --- metrics (strategy/views/metrics.py) ---
    path("metrics/", metrics_views.metric_dashboard, name="metrics"),
    path("metrics/new/", metrics_views.metric_create, name="metric_create"),
    path("metrics/<id:metric_id>/", metrics_views.metric_detail, name="metric_detail"),
    path("metrics/<id:metric_id>/chart/", metrics_views.metric_live, name="metric_live"),
    path("metrics/<id:metric_id>/edit/", metrics_views.metric_edit, name="metric_edit"),
    path("metrics/<id:metric_id>/delete/", metrics_views.metric_delete, name="metric_delete"),
    path("metrics/<id:metric_id>/samples/add/", metrics_views.sample_add, name="metric_sample_add"),
    path("metrics/<id:metric_id>/samples/upload/", metrics_views.samples_upload, name="metric_samples_upload"),
    path(
        "metrics/<id:metric_id>/samples/delete/",
        metrics_views.samples_delete_range,
        name="metric_samples_delete_range",
    ),
    path(
        "metrics/<id:metric_id>/samples/delete-selected/",
        metrics_views.samples_delete_selected,
        name="metric_samples_delete_selected",
    ),
    path(
        "metrics/<id:metric_id>/samples/<id:sample_id>/delete/",
        metrics_views.sample_delete,
        name="metric_sample_delete",
    ),
]
