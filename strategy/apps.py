from django.apps import AppConfig


class StrategyConfig(AppConfig):
    name = "strategy"
    verbose_name = "Vision and strategy"

    def ready(self) -> None:
        from pmtool.health import register_check

        from .rollups import rollup_health

        register_check("rollup", rollup_health)
