from django.urls import path

from pmtool.views import section_pending

app_name = "strategy"
urlpatterns = [
    path(
        "strategy/",
        section_pending(
            "Strategy", "Vision, goals with key results, initiatives, personas and competitors for each product."
        ),
        name="home",
    ),
    path(
        "metrics/",
        section_pending(
            "Metrics", "Product metrics (KPIs) with daily, weekly and monthly rollups and a chart per metric."
        ),
        name="metrics",
    ),
]
