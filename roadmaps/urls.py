from django.urls import path

from pmtool.views import section_pending

app_name = "roadmaps"
urlpatterns = [
    path(
        "roadmaps/",
        section_pending(
            "Roadmaps",
            "Releases and roadmaps as a timeline, Now/Next/Later or a status board, shareable read-only by link.",
        ),
        name="home",
    ),
]
