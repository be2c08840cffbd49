from django.urls import path

from pmtool import converters  # noqa: F401 - registers the <id:> converter
from pmtool.views import section_pending

from .views import tools as tools_views

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
    # --- tools: CSV export and import, bulk edits, saved views (backlog/views/tools.py) ---
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
]
