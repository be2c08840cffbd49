from django.apps import AppConfig


class PmtoolConfig(AppConfig):
    name = "pmtool"
    verbose_name = "pmtool core"

    def ready(self) -> None:
        from . import checks  # noqa: F401 - registers the system checks
        from .api import schema  # noqa: F401 - registers the OpenAPI description of the Bearer scheme
        from .home import register_core_sections

        register_core_sections()
