from django.urls import path

from pmtool.views import section_pending

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
]
