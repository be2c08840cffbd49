"""The Celery application. Tasks live in each app's tasks.py and stay thin."""

import os

from celery import Celery
from celery.signals import worker_init

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "pmtool.settings")

app = Celery("pmtool")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@worker_init.connect
def _refuse_to_work_without_a_secret_key(**kwargs: object) -> None:
    from pmtool.checks import require_secret_key

    require_secret_key()
