from django.urls import path

from pmtool.views import section_pending

app_name = "feedback"
urlpatterns = [
    path(
        "feedback/",
        section_pending("Feedback", "Customer feedback triage, linked to the features it asks for."),
        name="home",
    ),
]
