"""Celery tasks of the backlog app: thin, ids only, safe to run twice.

Schedule them after commit through pmtool.queue.enqueue_on_commit (e.g.
backlog.services.progress.schedule_progress_refresh), never with `.delay()`."""

from __future__ import annotations

from celery import shared_task

from pmtool.tasks import TASK_OPTIONS


@shared_task(name="backlog.refresh_initiative_progress", **TASK_OPTIONS)
def refresh_initiative_progress(*initiative_ids: int) -> int:
    """The progress of these initiatives (their features' done share), set-based."""
    from .services.progress import initiatives_progress_refresh

    return initiatives_progress_refresh(initiative_ids)
