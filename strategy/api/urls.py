"""Strategy endpoints, under /api/v1/ (each area owns its block; keep the blocks apart)."""

from django.urls import path

from pmtool import converters  # noqa: F401 - registers the <id:> converter

from . import goals as goals_api
from . import initiatives as initiatives_api
from . import metrics as metrics_api
from . import research as research_api
from . import vision as vision_api

urlpatterns: list = [
    # --- vision (strategy/api/vision.py) ---
    path("products/<id:product_id>/vision/", vision_api.VisionView.as_view(), name="api-vision"),
    path(
        "products/<id:product_id>/vision/revisions/",
        vision_api.VisionRevisionListView.as_view(),
        name="api-vision-revisions",
    ),
    path(
        "products/<id:product_id>/vision/revisions/<id:number>/",
        vision_api.VisionRevisionDetailView.as_view(),
        name="api-vision-revision",
    ),
    # --- goals, key results (strategy/api/goals.py), initiatives (strategy/api/initiatives.py) ---
    path("workspaces/<id:workspace_id>/goals/", goals_api.GoalListView.as_view(), name="api-goals"),
    path("goals/<id:goal_id>/", goals_api.GoalDetailView.as_view(), name="api-goal"),
    path("goals/<id:goal_id>/key-results/", goals_api.KeyResultListView.as_view(), name="api-goal-key-results"),
    path("key-results/<id:key_result_id>/", goals_api.KeyResultDetailView.as_view(), name="api-key-result"),
    path(
        "workspaces/<id:workspace_id>/initiatives/",
        initiatives_api.InitiativeListView.as_view(),
        name="api-initiatives",
    ),
    path("initiatives/<id:initiative_id>/", initiatives_api.InitiativeDetailView.as_view(), name="api-initiative"),
    # --- personas, competitors (strategy/api/research.py) ---
    path("products/<id:product_id>/personas/", research_api.PersonaListView.as_view(), name="api-personas"),
    path("personas/<id:persona_id>/", research_api.PersonaDetailView.as_view(), name="api-persona"),
    path("products/<id:product_id>/competitors/", research_api.CompetitorListView.as_view(), name="api-competitors"),
    path("competitors/<id:competitor_id>/", research_api.CompetitorDetailView.as_view(), name="api-competitor"),
    # --- metrics, samples, series (strategy/api/metrics.py) ---
    path("products/<id:product_id>/metrics/", metrics_api.MetricListView.as_view(), name="api-metrics"),
    path("metrics/<id:metric_id>/", metrics_api.MetricDetailView.as_view(), name="api-metric"),
    path("metrics/<id:metric_id>/samples/", metrics_api.SampleListView.as_view(), name="api-metric-samples"),
    path(
        "metrics/<id:metric_id>/samples/upload/",
        metrics_api.SampleUploadView.as_view(),
        name="api-metric-samples-upload",
    ),
    path(
        "metrics/<id:metric_id>/samples/delete/",
        metrics_api.SampleRangeDeleteView.as_view(),
        name="api-metric-samples-delete",
    ),
    path(
        "metrics/<id:metric_id>/samples/<id:sample_id>/",
        metrics_api.SampleDetailView.as_view(),
        name="api-metric-sample",
    ),
    path("metrics/<id:metric_id>/series/", metrics_api.SeriesView.as_view(), name="api-metric-series"),
]
