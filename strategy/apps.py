from django.apps import AppConfig


class StrategyConfig(AppConfig):
    name = "strategy"
    verbose_name = "Vision and strategy"

    def ready(self) -> None:
        from pmtool.health import register_check
        from pmtool.history import hide_in_history

        from . import home
        from .models import Goal, KeyResult
        from .rollups import rollup_health

        home.register()  # its part of the workspace home
        register_check("rollup", rollup_health)  # its part of /healthz
        # Written by the rollup, not by people: their changes would only be noise in the history.
        hide_in_history(Goal, "status_source", "progress", "progress_updated_at")
        hide_in_history(KeyResult, "current_updated_at")
