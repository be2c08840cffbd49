"""Celery tasks of the backlog app: thin, ids in, one call, safe to run twice.

`rekey_product(product_id)`: evenly spaced short rank keys for a product whose keys have grown long
(the move that made a long key asks for it after commit). Running it twice re-keys to the same keys.

`recompute_product_scores(product_id)` answers a scorecard change (backlog.services.scorecard
requests it after commit). It runs backlog.scoring.scores_refresh: at most one recompute per product
at a time (another run holds the product's advisory lock: retry in about a second, neither waiting
on the lock nor dropping the request), and a burst of changes coalesces into few runs (a request
younger than SETTLE waits that long for the rest of its burst, at most SETTLE_TIMES times). A failing
product is retried with exponential backoff, never re-queued hot, so other products go on.
"""

from __future__ import annotations

from typing import Any

from celery import shared_task
from django.db import DatabaseError

from pmtool.tasks import TASK_OPTIONS

from . import scoring
from .ordering import features_rekey
from .progress import initiatives_progress_refresh

REKEY_OPTIONS = {**TASK_OPTIONS, "soft_time_limit": 300, "time_limit": 360}

BUSY_COUNTDOWN = 1.0  # seconds before a run that found the lock taken tries again
BUSY_RETRIES = 600  # ten minutes of a busy lock
SETTLE = 0.3  # seconds: a request younger than this waits for the rest of its burst
SETTLE_TIMES = 3  # then it runs anyway (a steady stream of changes is not starved)

RECOMPUTE_OPTIONS: dict[str, Any] = {
    **TASK_OPTIONS,
    "autoretry_for": (*TASK_OPTIONS["autoretry_for"], DatabaseError),
    "max_retries": 5,  # a failure (DatabaseError, a lost connection): 5 retries with exponential backoff
    "soft_time_limit": 300,
    "time_limit": 360,
}


@shared_task(name="backlog.rekey_product", **REKEY_OPTIONS)
def rekey_product(product_id: int) -> int:
    """Re-key one product's features (backlog.ordering.features_rekey); rows rewritten."""
    return features_rekey(product_id=product_id)


@shared_task(name="backlog.recompute_product_scores", bind=True, **RECOMPUTE_OPTIONS)
def recompute_product_scores(self: Any, product_id: int) -> int:
    """Recompute a product's scorecard scores if a change asked for it; the changed row count."""
    settle = 0.0 if self.request.is_eager or self.request.retries >= SETTLE_TIMES else SETTLE
    result = scoring.scores_refresh(product_id=int(product_id), settle=settle)
    if result.outcome == "busy":
        raise self.retry(countdown=BUSY_COUNTDOWN, max_retries=BUSY_RETRIES)
    if result.outcome == "settling":
        raise self.retry(countdown=SETTLE, max_retries=BUSY_RETRIES)
    return result.changed


@shared_task(name="backlog.refresh_initiative_progress", **TASK_OPTIONS)
def refresh_initiative_progress(*initiative_ids: int) -> int:
    """The progress of these initiatives (their features' done share), set-based."""
    return initiatives_progress_refresh(initiative_ids)
