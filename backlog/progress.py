"""Initiative progress in SQL, below the services: `initiatives_progress_refresh(ids)`, one
`UPDATE … FROM (subquery)` per 5,000 initiatives (the rule: backlog.services.progress's docstring).
A low module on purpose: the refresh task (backlog.tasks) and the services both import it, and it
imports neither."""

from __future__ import annotations

from collections.abc import Iterable

from django.db import connection, transaction
from django.utils import timezone

from strategy.models import Initiative
from strategy.tasks import schedule_goal_recompute

from .models import Feature, FeatureStatus, StatusCategory

CHUNK = 5_000  # ids per statement (SQLite's variable limit is 32,766)


def _sql(placeholders: str) -> str:
    initiative = Initiative._meta.db_table
    feature = Feature._meta.db_table
    status = FeatureStatus._meta.db_table
    return f"""
        UPDATE {initiative} SET
            progress = agg.progress,
            features_done = agg.done,
            features_counted = agg.counted,
            progress_updated_at = %s
        FROM (
            SELECT i.id AS initiative_id,
                   COUNT(f.id) AS counted,
                   COALESCE(SUM(CASE WHEN f.category = %s THEN 1 ELSE 0 END), 0) AS done,
                   CASE
                     WHEN COUNT(f.id) = 0 THEN NULL
                     WHEN COUNT(f.effort) = COUNT(f.id) THEN
                       100.0 * COALESCE(SUM(CASE WHEN f.category = %s THEN f.effort END), 0) / SUM(f.effort)
                     ELSE 100.0 * SUM(CASE WHEN f.category = %s THEN 1 ELSE 0 END) / COUNT(f.id)
                   END AS progress
            FROM {initiative} i
            LEFT JOIN (
                SELECT ff.id, ff.initiative_id, ff.effort, s.category
                FROM {feature} ff JOIN {status} s ON s.id = ff.status_id
                WHERE ff.archived_at IS NULL AND s.category <> %s AND ff.initiative_id IN ({placeholders})
            ) f ON f.initiative_id = i.id
            WHERE i.id IN ({placeholders})
            GROUP BY i.id
        ) agg
        WHERE {initiative}.id = agg.initiative_id
    """  # noqa: S608 - table names from the models, every value a parameter


def initiatives_progress_refresh(initiative_ids: Iterable[int]) -> int:
    """Recompute the progress of these initiatives (one UPDATE per 5,000 ids); returns the rows
    written. The goals they serve are recomputed after commit."""
    ids = sorted({int(i) for i in initiative_ids})
    if not ids:
        return 0
    written = 0
    now = timezone.now()
    done, wont = StatusCategory.DONE.value, StatusCategory.WONT_DO.value
    with transaction.atomic(), connection.cursor() as cursor:
        for start in range(0, len(ids), CHUNK):
            chunk = ids[start : start + CHUNK]
            placeholders = ", ".join(["%s"] * len(chunk))
            cursor.execute(_sql(placeholders), [now, done, done, done, wont, *chunk, *chunk])
            written += cursor.rowcount
        goal_ids = Initiative.goals.through.objects.filter(initiative_id__in=ids).values_list("goal_id", flat=True)
        schedule_goal_recompute(list(goal_ids))
    return written
