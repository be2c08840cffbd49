"""Celery tasks of the strategy app: thin, ids only, safe to run twice (a rollup recomputes
buckets from the samples; running it again finds an empty queue or recomputes the same values)."""

from __future__ import annotations

from celery import shared_task

from pmtool.tasks import TASK_OPTIONS

from . import rollups

ROLLUP_OPTIONS = {**TASK_OPTIONS, "soft_time_limit": 600, "time_limit": 660}


@shared_task(name="strategy.metrics_rollup", **ROLLUP_OPTIONS)
def metrics_rollup() -> int:
    """Roll up every dirty (metric, day) into day/week/month buckets; then key results and goals."""
    return rollups.rollup_pending()


@shared_task(name="strategy.goals_recompute", **TASK_OPTIONS)
def goals_recompute(goal_ids: list[int]) -> int:
    """Progress and derived status of these goals (and their parents)."""
    return rollups.goals_recompute(goal_ids)


@shared_task(name="strategy.goals_recompute_all", **ROLLUP_OPTIONS)
def goals_recompute_all() -> int:
    """Every goal: derived statuses move with the calendar even when no input changes (beat, hourly)."""
    return rollups.goals_recompute(None)
