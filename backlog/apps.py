from django.apps import AppConfig


class BacklogConfig(AppConfig):
    name = "backlog"
    verbose_name = "Backlog and prioritization"

    def ready(self) -> None:
        from pmtool.services import register_workspace_setup

        from . import home, parts
        from .services.statuses import statuses_create_defaults

        register_workspace_setup(statuses_create_defaults)  # every new workspace gets the default statuses
        home.register()  # its part of the workspace home: features per product
        parts.register()  # each initiative's top features on strategy's pages
