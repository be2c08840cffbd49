from django.apps import AppConfig


class PmtoolConfig(AppConfig):
    name = "pmtool"
    verbose_name = "pmtool core"
