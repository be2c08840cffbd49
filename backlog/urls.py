"""Backlog pages, under /w/<ws>/ (each area owns its block; keep the blocks apart)."""

from django.urls import path

from pmtool import converters  # noqa: F401 - registers the <id:> converter
from pmtool.views import section_pending

from .views import plan

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
    # --- statuses (settings), releases, teams, backlog settings (backlog/views/plan.py) ---
    path("settings/statuses/", plan.status_list, name="statuses"),
    path("settings/statuses/new/", plan.status_create, name="status_create"),
    path("settings/statuses/<id:status_id>/edit/", plan.status_edit, name="status_edit"),
    path("settings/statuses/<id:status_id>/move/", plan.status_move, name="status_move"),
    path("settings/statuses/<id:status_id>/delete/", plan.status_delete, name="status_delete"),
    path("products/<slug:slug>/releases/", plan.release_list, name="releases"),
    path("products/<slug:slug>/releases/new/", plan.release_create, name="release_create"),
    path("releases/<id:release_id>/edit/", plan.release_edit, name="release_edit"),
    path("releases/<id:release_id>/delete/", plan.release_delete, name="release_delete"),
    path("teams/", plan.team_list, name="teams"),
    path("teams/new/", plan.team_create, name="team_create"),
    path("teams/<id:team_id>/edit/", plan.team_edit, name="team_edit"),
    path("teams/<id:team_id>/delete/", plan.team_delete, name="team_delete"),
    path("products/<slug:slug>/backlog/settings/", plan.backlog_settings, name="settings"),
]
