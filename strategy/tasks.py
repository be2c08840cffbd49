"""Celery tasks of the strategy app, and the two helpers that schedule them after commit.

Tasks are thin, take ids only and are safe to run twice (a rollup recomputes buckets from the
samples; running it again finds an empty queue or recomputes the same values). Services schedule
them with `schedule_metric_rollup` / `schedule_goal_recompute`, which go through
pmtool.queue.enqueue_on_commit (the one place that calls `.delay()`); the SQL they run lives in
strategy.rollups, which imports no tasks.
"""

from __future__ import annotations

from collections.abc import Iterable

from celery import shared_task

from pmtool.queue import enqueue_on_commit
from pmtool.tasks import TASK_OPTIONS

from . import rollups

ROLLUP_OPTIONS = {**TASK_OPTIONS, "soft_time_limit": 600, "time_limit": 660}


@shared_task(name="strategy.metrics_rollup", **ROLLUP_OPTIONS)
def metrics_rollup() -> int:
    """Roll up every dirty (metric, day) into day/week/month buckets; then key results and goals."""
    return rollups.rollup_pending()


@shared_task(name="strategy.goals_recompute", **TASK_OPTIONS)
def goals_recompute(*goal_ids: int | list[int]) -> int:
    """Progress and derived status of these goals (and their parents). The ids come one argument
    each; a single list (as messages queued by earlier releases carry them) is read too."""
    ids = [i for arg in goal_ids for i in (arg if isinstance(arg, list) else [arg])]
    return rollups.goals_recompute(ids)


@shared_task(name="strategy.goals_recompute_all", **ROLLUP_OPTIONS)
def goals_recompute_all() -> int:
    """Every goal: derived statuses move with the calendar even when no input changes (beat, hourly)."""
    return rollups.goals_recompute(None)


# --- scheduling, after commit ------------------------------------------------------------------
# robust: in-process (embedded) the task runs right after the commit, and an error in it must not
# turn the request that stored the data into an error (the dirty day stays queued for the next run).


def schedule_metric_rollup() -> None:
    """Enqueue the rollup once the current transaction commits (eager without a broker)."""
    enqueue_on_commit(metrics_rollup, robust=True)


def schedule_goal_recompute(goal_ids: Iterable[int]) -> None:
    """Enqueue the progress/status recompute of these goals once the current transaction commits."""
    ids = sorted({int(i) for i in goal_ids})
    if ids:
        enqueue_on_commit(goals_recompute, *ids, robust=True)
