"""Celery tasks of the backlog app: thin, ids only, safe to run twice.

`rekey_product`: evenly spaced short rank keys for a product whose keys have grown long (the move
that made a long key asks for it after commit). Running it twice re-keys to the same keys."""

from __future__ import annotations

from celery import shared_task

from pmtool.tasks import TASK_OPTIONS

from .services.ranking import features_rekey

REKEY_OPTIONS = {**TASK_OPTIONS, "soft_time_limit": 300, "time_limit": 360}


@shared_task(name="backlog.rekey_product", **REKEY_OPTIONS)
def rekey_product(product_id: int) -> int:
    """Re-key one product's features (backlog.services.ranking.features_rekey); rows rewritten."""
    return features_rekey(product_id=product_id)
