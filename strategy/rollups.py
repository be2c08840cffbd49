"""Set-based rollups: metric samples → day/week/month buckets → key results → goals.

Nothing here loops over rows in Python. Each step is one SQL statement over a set:

1. Ingestion (strategy.services.metrics) upserts samples and, in the same transaction, the UTC days
   it touched into MetricDirtyDay (`mark_days_dirty`), then enqueues `metrics_rollup` on commit
   (strategy.tasks.schedule_metric_rollup: this module is SQL only and imports no tasks).
2. `rollup_pending` takes a batch of dirty days off the queue (DELETE … RETURNING) and, in one
   transaction, recomputes exactly those buckets: days from samples, then the weeks and months that
   contain them from the day rows (so a late sample in an old month costs one month of day rows,
   not a scan of the month's samples). Each level is `INSERT … SELECT … GROUP BY … ON CONFLICT DO
   UPDATE`; a bucket left without samples is deleted.
3. Key results bound to a touched metric read `current` from the metric's latest bucket of their
   period (one UPDATE with a correlated subquery), and their goals' progress (weighted mean of key
   results, else mean of child goals) and derived status are recomputed (`goals_recompute`).

Why a queue of dirty days rather than a "last sample id seen" watermark: ids (and timestamps) are
handed out when a transaction inserts, not when it commits, so a watermark can move past a sample
whose transaction commits late and never roll it up. The dirty-day row is written in the sample's
own transaction with an upsert that takes a row lock; the rollup's DELETE of that row waits for
the ingesting transaction, so every committed sample is either seen by the rollup or leaves its day
on the queue for the next run. The queue is the watermark: "everything not on it is rolled up".

Failures are contained (a poisoned day must never stop the queue for everyone): a batch whose
recompute fails is retried per metric, and a metric that fails by halves of its days down to
single days, each in its own savepoint;
a day that still fails is set aside in MetricRollupFailure with the database's error and retried
by later runs with exponential backoff (`retry_failures`). Nothing else waits for it, and the
request that queued it never sees the error (the rollup is enqueued after commit, robustly).

Buckets are UTC: day = the UTC date, week = its Monday, month = its first day. PostgreSQL is the
production database; the same statements are written for SQLite (the embedded quick start).
"""

from __future__ import annotations

import datetime as dt
import json
import logging
from collections import defaultdict
from collections.abc import Iterable
from typing import Any

from django.db import DatabaseError, connection, transaction
from django.db.models import Avg, F, FloatField, OuterRef, Q, Subquery, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone

from .models import (
    Aggregation,
    Goal,
    Initiative,
    KeyResult,
    KeyResultKind,
    Metric,
    MetricRollup,
    MetricRollupFailure,
    Period,
    StatusSource,
)

logger = logging.getLogger(__name__)

ADVISORY_LOCK = 7_061_640_301  # "pmtool rollup": one rollup transaction at a time (PostgreSQL)
BATCH_DAYS = 20_000  # dirty (metric, day) pairs per rollup transaction
RETRY_FIRST = 60.0  # seconds before a set-aside day is tried again; doubles with each failure…
RETRY_MAX = 6 * 3600.0  # … up to six hours
RETRIES_PER_RUN = 200  # set-aside days retried per run (the oldest due first)

SAMPLE = "strategy_metricsample"
ROLLUP = "strategy_metricrollup"
DIRTY = "strategy_metricdirtyday"
METRIC = "strategy_metric"
GOAL = "strategy_goal"
KEY_RESULT = "strategy_keyresult"


def _pg() -> bool:
    return connection.vendor == "postgresql"


# --- SQL pieces per database --------------------------------------------------------


def _touched_days_cte() -> str:
    """CTE `t(metric_id, day)` from one JSON parameter: [[metric_id, "YYYY-MM-DD"], …]."""
    if _pg():
        return (
            "t AS (SELECT DISTINCT (e->>0)::bigint AS metric_id, (e->>1)::date AS day"
            " FROM json_array_elements(%s::json) e)"
        )
    return (
        "t AS (SELECT DISTINCT json_extract(value, '$[0]') AS metric_id, json_extract(value, '$[1]') AS day"
        " FROM json_each(%s))"
    )


def _day_start(day: str) -> str:
    return f"({day}::timestamp AT TIME ZONE 'UTC')" if _pg() else day


def _day_end(day: str) -> str:
    return f"(({day} + 1)::timestamp AT TIME ZONE 'UTC')" if _pg() else f"date({day}, '+1 day')"


def _utc_date(ts: str) -> str:
    return f"({ts} AT TIME ZONE 'UTC')::date" if _pg() else f"date({ts})"


def _bucket_of(period: str, day: str) -> str:
    if _pg():
        return f"date_trunc('{period}', {day}::timestamp)::date"
    return f"date({day}, 'weekday 0', '-6 days')" if period == "week" else f"date({day}, 'start of month')"


def _bucket_end(period: str, bucket: str) -> str:
    if _pg():
        return f"({bucket} + 7)" if period == "week" else f"({bucket} + interval '1 month')::date"
    return f"date({bucket}, '+7 days')" if period == "week" else f"date({bucket}, '+1 month')"


def _value(agg: str) -> str:
    """The metric's aggregation applied to a bucket (with its `aggregation` and last value `lv`)."""
    return (
        f"CASE {agg}.aggregation WHEN 'sum' THEN {agg}.total WHEN 'average' THEN {agg}.total / {agg}.n"
        f" WHEN 'last' THEN {agg}.lv ELSE {agg}.n END"
    )


_UPSERT = (
    f"INSERT INTO {ROLLUP} (metric_id, period, bucket, count, sum, min, max, last_ts, last_value, value) "
    "{select} WHERE TRUE "  # WHERE TRUE: SQLite needs it before ON CONFLICT after a join
    "ON CONFLICT (metric_id, period, bucket) DO UPDATE SET count = EXCLUDED.count, sum = EXCLUDED.sum, "
    "min = EXCLUDED.min, max = EXCLUDED.max, last_ts = EXCLUDED.last_ts, last_value = EXCLUDED.last_value, "
    "value = EXCLUDED.value"
)


def _with_value(period: str, agg_sql: str, last_value_sql: str) -> str:
    """Upsert `period` buckets from `agg_sql` (metric_id, bucket, n, total, lo, hi, last_ts).

    The last value is looked up (`last_value_sql`, correlated on `agg`) only for metrics aggregated
    by last value: for the others it is not read, and the lookup is most of a rebuild's extra cost."""
    select = (
        f"SELECT x.metric_id, '{period}', x.bucket, x.n, x.total, x.lo, x.hi, x.last_ts, x.lv, {_value('x')} "
        f"FROM (SELECT agg.*, m.aggregation, CASE WHEN m.aggregation = 'last' THEN ({last_value_sql}) END AS lv "
        f"FROM ({agg_sql}) agg JOIN {METRIC} m ON m.id = agg.metric_id) x"
    )
    return _UPSERT.format(select=select)


def _days_from_samples(agg_sql: str) -> str:
    """Day buckets; a 'last' metric's last value is its sample at the bucket's last time."""
    last = f"SELECT ls.value FROM {SAMPLE} ls WHERE ls.metric_id = agg.metric_id AND ls.ts = agg.last_ts"
    return _with_value("day", agg_sql, last)


def _periods_from_days(period: str, agg_sql: str) -> str:
    """Week or month buckets from day rows; the last value is that of the day holding the last sample."""
    last = (
        f"SELECT d.last_value FROM {ROLLUP} d WHERE d.metric_id = agg.metric_id AND d.period = 'day' "
        f"AND d.bucket = {_utc_date('agg.last_ts')}"
    )
    return _with_value(period, agg_sql, last)


_DAY_AGGREGATES = "count(*) AS n, sum(s.value) AS total, min(s.value) AS lo, max(s.value) AS hi, max(s.ts) AS last_ts"
_PERIOD_AGGREGATES = (
    "sum(r.count) AS n, sum(r.sum) AS total, min(r.min) AS lo, max(r.max) AS hi, max(r.last_ts) AS last_ts"
)


# --- the queue ------------------------------------------------------------------------


def mark_days_dirty(metric_id: int, days: Iterable[dt.date]) -> None:
    """Queue (metric, day) pairs for the rollup; call inside the transaction that changed the samples.

    An upsert that updates the existing row (rather than DO NOTHING) so it takes the row lock: a
    rollup deleting the same row waits for this transaction (see the module docstring)."""
    rows = sorted(set(days))
    for start in range(0, len(rows), 500):
        chunk = rows[start : start + 500]
        values = ", ".join(["(%s, %s)"] * len(chunk))
        params: list[Any] = []
        for day in chunk:
            params += [metric_id, day]
        with connection.cursor() as cursor:
            cursor.execute(
                f"INSERT INTO {DIRTY} (metric_id, day) VALUES {values} "
                "ON CONFLICT (metric_id, day) DO UPDATE SET day = EXCLUDED.day",
                params,
            )


def pending_metric_ids(metric_ids: Iterable[int]) -> set[int]:
    """Which of these metrics still have days waiting for the rollup."""
    from .models import MetricDirtyDay

    return set(MetricDirtyDay.objects.filter(metric_id__in=list(metric_ids)).values_list("metric_id", flat=True))


# --- rollups ----------------------------------------------------------------------------


def _lock() -> None:
    if _pg():
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [ADVISORY_LOCK])


def rollup_pending(*, batch: int = BATCH_DAYS, now: dt.datetime | None = None) -> int:
    """Roll up everything on the queue, a batch of days per transaction, then the set-aside days
    whose retry is due; returns the days taken off the queue."""
    done = 0
    while True:
        n = _rollup_batch(batch)
        done += n
        if n < batch:
            break
    retry_failures(now=now)
    return done


@transaction.atomic
def _rollup_batch(batch: int) -> int:
    _lock()
    with connection.cursor() as cursor:
        cursor.execute(
            f"DELETE FROM {DIRTY} WHERE id IN (SELECT id FROM {DIRTY} ORDER BY id LIMIT %s) RETURNING metric_id, day",
            [batch],
        )
        touched = [(metric_id, str(day)) for metric_id, day in cursor.fetchall()]
    if touched:
        _rollup_contained(touched)
    return len(touched)


def retry_failures(*, now: dt.datetime | None = None, limit: int = RETRIES_PER_RUN) -> int:
    """Try the set-aside days whose retry is due again (the oldest due first); returns how many."""
    now = now or timezone.now()
    due_now = MetricRollupFailure.objects.filter(retry_at__lte=now).order_by("retry_at", "id")
    if not due_now.exists():  # the usual case: one query, no lock
        return 0
    with transaction.atomic():
        _lock()
        due = list(due_now.values_list("metric_id", "day")[:limit])
        if due:
            _rollup_contained([(metric_id, str(day)) for metric_id, day in due], now=now)
    return len(due)


def _rollup_contained(touched: list[tuple[int, str]], *, now: dt.datetime | None = None) -> None:
    """`rollup_days` with failures contained: the whole set in one savepoint; if that fails, each
    metric in its own; a metric that fails, its days in halves (bisected down to single days, so
    one bad day among thousands costs a few dozen tries, not thousands); a day that still fails is
    set aside (recorded with its error) and every other day is rolled up as usual."""
    whole = _attempt(touched)
    if whole is None:
        _clear_failures(touched)
        return
    by_metric: dict[int, list[tuple[int, str]]] = defaultdict(list)
    for pair in sorted(touched):
        by_metric[pair[0]].append(pair)
    for pairs in by_metric.values():
        error = whole if len(by_metric) == 1 else _attempt(pairs)
        if error is None:
            _clear_failures(pairs)
        else:
            _bisect(pairs, error, now=now)


def _bisect(pairs: list[tuple[int, str]], error: str, *, now: dt.datetime | None) -> None:
    """`pairs` failed with `error`: try each half; set aside the single days that still fail."""
    if len(pairs) == 1:
        _set_aside(pairs[0], error, now=now)
        return
    middle = len(pairs) // 2
    for half in (pairs[:middle], pairs[middle:]):
        half_error = _attempt(half)
        if half_error is None:
            _clear_failures(half)
        else:
            _bisect(half, half_error, now=now)


def _attempt(pairs: list[tuple[int, str]]) -> str | None:
    """Roll these days up in a savepoint; None on success, else the database's error (rolled back)."""
    try:
        with transaction.atomic():
            rollup_days(pairs)
    except DatabaseError as exc:
        first_line = (str(exc).strip().splitlines() or [exc.__class__.__name__])[0]
        return f"{exc.__class__.__name__}: {first_line}"[:500]
    return None


def _clear_failures(pairs: list[tuple[int, str]]) -> None:
    """These days rolled up: forget that they ever failed (one statement)."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"WITH {_touched_days_cte()} DELETE FROM strategy_metricrollupfailure WHERE EXISTS "
            "(SELECT 1 FROM t WHERE t.metric_id = strategy_metricrollupfailure.metric_id "
            "AND t.day = strategy_metricrollupfailure.day)",
            [json.dumps(pairs)],
        )


def retry_delay(attempts: int) -> dt.timedelta:
    """How long a day that failed `attempts` times waits before the next try: 1, 2, 4 … minutes, at most 6 h."""
    return dt.timedelta(seconds=min(RETRY_FIRST * 2 ** min(max(attempts - 1, 0), 30), RETRY_MAX))


def _set_aside(pair: tuple[int, str], error: str, *, now: dt.datetime | None = None) -> None:
    """Record (or count one more failure of) a day that cannot be rolled up. Rare: one row each."""
    now = now or timezone.now()
    metric_id, day = pair
    failure = MetricRollupFailure.objects.filter(metric_id=metric_id, day=day).first()
    if failure is None:
        failure = MetricRollupFailure(metric_id=metric_id, day=day, attempts=0, first_failed_at=now)
    failure.attempts += 1
    failure.error = error
    failure.last_failed_at = now
    failure.retry_at = now + retry_delay(failure.attempts)
    failure.save()
    logger.warning(
        "rollup of metric %s day %s failed (attempt %s), set aside until %s: %s",
        metric_id,
        day,
        failure.attempts,
        failure.retry_at.isoformat(),
        error,
    )


def rollup_days(touched: list[tuple[int, str]]) -> None:
    """Recompute the day, week and month buckets containing these (metric_id, "YYYY-MM-DD") pairs."""
    param = json.dumps(touched)
    cte = _touched_days_cte()
    in_day = f"s.metric_id = t.metric_id AND s.ts >= {_day_start('t.day')} AND s.ts < {_day_end('t.day')}"
    with connection.cursor() as cursor:
        days = f"SELECT s.metric_id, t.day AS bucket, {_DAY_AGGREGATES} FROM t JOIN {SAMPLE} s ON {in_day} GROUP BY s.metric_id, t.day"  # noqa: E501
        cursor.execute(f"WITH {cte} {_days_from_samples(days)}", [param])
        cursor.execute(
            f"WITH {cte} DELETE FROM {ROLLUP} WHERE period = 'day' "
            f"AND EXISTS (SELECT 1 FROM t WHERE t.metric_id = {ROLLUP}.metric_id AND t.day = {ROLLUP}.bucket) "
            f"AND NOT EXISTS (SELECT 1 FROM {SAMPLE} s WHERE s.metric_id = {ROLLUP}.metric_id "
            f"AND s.ts >= {_day_start(f'{ROLLUP}.bucket')} AND s.ts < {_day_end(f'{ROLLUP}.bucket')})",
            [param],
        )
        for period in ("week", "month"):
            tb = f"tb AS (SELECT DISTINCT metric_id, {_bucket_of(period, 't.day')} AS bucket FROM t)"
            in_bucket = (
                f"r.metric_id = tb.metric_id AND r.period = 'day' AND r.bucket >= tb.bucket "
                f"AND r.bucket < {_bucket_end(period, 'tb.bucket')}"
            )
            agg = f"SELECT r.metric_id, tb.bucket, {_PERIOD_AGGREGATES} FROM tb JOIN {ROLLUP} r ON {in_bucket} GROUP BY r.metric_id, tb.bucket"  # noqa: E501
            cursor.execute(f"WITH {cte}, {tb} {_periods_from_days(period, agg)}", [param])
            cursor.execute(
                f"WITH {cte}, {tb} DELETE FROM {ROLLUP} WHERE period = '{period}' "
                f"AND EXISTS (SELECT 1 FROM tb WHERE tb.metric_id = {ROLLUP}.metric_id AND tb.bucket = {ROLLUP}.bucket) "  # noqa: E501
                f"AND NOT EXISTS (SELECT 1 FROM {ROLLUP} r WHERE r.metric_id = {ROLLUP}.metric_id AND r.period = 'day' "
                f"AND r.bucket >= {ROLLUP}.bucket AND r.bucket < {_bucket_end(period, f'{ROLLUP}.bucket')})",
                [param],
            )
    metric_ids = sorted({metric_id for metric_id, _day in touched})
    _after_rollup(metric_ids)


@transaction.atomic
def metric_rollup_rebuild(metric_id: int | None = None) -> None:
    """Recompute every bucket from scratch: of one metric, or (None) of all metrics.

    Days from samples, then weeks and months from days (the benchmark compares this with the bare
    GROUP BY over the samples). On PostgreSQL the buckets are upserted in place and the ones left
    without data deleted afterwards: deleting every bucket first would make each insert step over
    a dead index entry, and updating columns no index covers is a cheap in-page (HOT) update."""
    _lock()
    only = "" if metric_id is None else "WHERE metric_id = %s"
    only_s = "" if metric_id is None else "WHERE s.metric_id = %s"
    only_r = "" if metric_id is None else "AND r.metric_id = %s"
    params = [] if metric_id is None else [metric_id]
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {DIRTY} {only}", params)
        day = _utc_date("s.ts")
        days = f"SELECT s.metric_id, {day} AS bucket, {_DAY_AGGREGATES} FROM {SAMPLE} s {only_s} GROUP BY s.metric_id, {day}"  # noqa: E501
        if _pg():
            # The GROUP BY into a temporary table first: PostgreSQL runs CREATE TABLE AS with
            # parallel workers (INSERT … SELECT runs single-process), and with the table analysed
            # the last-value join is an index lookup per bucket instead of a hash of every sample.
            cursor.execute(f"CREATE TEMPORARY TABLE rollup_days ON COMMIT DROP AS {days}", params)
            cursor.execute("ANALYZE rollup_days")
            cursor.execute(_days_from_samples("SELECT * FROM rollup_days"))
            cursor.execute(
                f"DELETE FROM {ROLLUP} r WHERE r.period = 'day' {only_r} AND NOT EXISTS "
                "(SELECT 1 FROM rollup_days d WHERE d.metric_id = r.metric_id AND d.bucket = r.bucket)",
                params,
            )
            cursor.execute("DROP TABLE rollup_days")
        else:
            cursor.execute(f"DELETE FROM {ROLLUP} {only}", params)
            cursor.execute(_days_from_samples(days), params)
        for period in ("week", "month"):
            bucket = _bucket_of(period, "r.bucket")
            agg = f"SELECT r.metric_id, {bucket} AS bucket, {_PERIOD_AGGREGATES} FROM {ROLLUP} r WHERE r.period = 'day' {only_r} GROUP BY r.metric_id, {bucket}"  # noqa: E501
            cursor.execute(_periods_from_days(period, agg), params)
            cursor.execute(
                f"DELETE FROM {ROLLUP} WHERE period = '{period}' {only.replace('WHERE', 'AND')} AND NOT EXISTS "
                f"(SELECT 1 FROM {ROLLUP} d WHERE d.metric_id = {ROLLUP}.metric_id AND d.period = 'day' "
                f"AND d.bucket >= {ROLLUP}.bucket AND d.bucket < {_bucket_end(period, f'{ROLLUP}.bucket')})",
                params,
            )
    ids = (
        list(Metric.objects.values_list("pk", flat=True)) if metric_id is None else [metric_id]
    )  # the ids of metrics, not rows of samples
    _after_rollup(ids)


def metric_values_refresh(metric_id: int) -> None:
    """Re-apply a metric's aggregation to its buckets (after the aggregation changed): one UPDATE,
    or a rebuild of the metric when it is now aggregated by last value (whose buckets need it)."""
    if Metric.objects.filter(pk=metric_id, aggregation=Aggregation.LAST).exists():
        metric_rollup_rebuild(metric_id)
        return
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {ROLLUP} SET value = CASE (SELECT aggregation FROM {METRIC} WHERE id = %s) "
            "WHEN 'sum' THEN sum WHEN 'average' THEN sum / count ELSE count END, last_value = NULL "
            "WHERE metric_id = %s",
            [metric_id, metric_id],
        )
    _after_rollup([metric_id])


def _after_rollup(metric_ids: list[int]) -> None:
    now = timezone.now()
    Metric.objects.filter(pk__in=metric_ids).update(rolled_up_at=now)
    goal_ids = key_results_refresh(Q(metric_id__in=metric_ids))
    goals_recompute(goal_ids)


# --- key results and goals --------------------------------------------------------------


def key_results_refresh(where: Q, *, today: dt.date | None = None) -> list[int]:
    """Bound key results matching `where` read `current` from their metric's buckets of their period
    (one UPDATE per kind of metric); returns the ids of their goals.

    A metric that sums or counts reads its latest *complete* bucket (a week that started yesterday
    would look like a collapse); an average or a last value reads the latest bucket. A metric with
    no complete bucket yet falls back to the latest one."""
    today = today or timezone.now().astimezone(dt.UTC).date()
    bound = KeyResult.objects.filter(where, kind=KeyResultKind.METRIC, metric__isnull=False)
    goal_ids = sorted(set(bound.values_list("goal_id", flat=True)))
    buckets = MetricRollup.objects.filter(metric_id=OuterRef("metric_id"), period=OuterRef("metric_period"))
    latest = Subquery(buckets.order_by("-bucket").values("value")[:1])
    complete = buckets.filter(
        Q(period=Period.DAY, bucket__lt=today)
        | Q(period=Period.WEEK, bucket__lt=today - dt.timedelta(days=today.weekday()))
        | Q(period=Period.MONTH, bucket__lt=today.replace(day=1))
    )
    latest_complete = Subquery(complete.order_by("-bucket").values("value")[:1])
    totals = Q(metric__aggregation__in=[Aggregation.SUM, Aggregation.COUNT])
    now = timezone.now()
    bound.filter(totals).update(current=Coalesce(latest_complete, latest), current_updated_at=now)
    bound.exclude(totals).update(current=latest, current_updated_at=now)
    return goal_ids


def goals_recompute(goal_ids: Iterable[int] | None = None, *, today: dt.date | None = None) -> int:
    """Progress and derived status of these goals (None: every goal) and of their parents.

    Progress = the weight-averaged progress of the goal's key results that have one, else the mean
    progress of the initiatives serving it that have one, else the mean progress of its child goals
    that have one (a child with nothing measured is left out, not
    counted as 0 or 100), else empty: the sources are tried in order (`_progress_sources`), so a
    further fallback is one more entry there. Two UPDATEs (children first, then their parents) cover
    the two levels of the goal tree (company goal → product goals)."""
    today = today or timezone.localdate()
    goal_ids = None if goal_ids is None else list(goal_ids)  # read once: a generator cannot be read twice
    goals = Goal.objects.all() if goal_ids is None else Goal.objects.filter(pk__in=goal_ids)
    with transaction.atomic():
        key_results_refresh(Q() if goal_ids is None else Q(goal_id__in=goal_ids), today=today)
        progress = Coalesce(*_progress_sources())
        now = timezone.now()
        n = goals.update(progress=progress, progress_updated_at=now)
        parents = Goal.objects.filter(children__in=goals).distinct()
        parent_ids = list(parents.values_list("pk", flat=True))
        if parent_ids:
            Goal.objects.filter(pk__in=parent_ids).update(progress=progress, progress_updated_at=now)
        _derive_status(None if goal_ids is None else [*goal_ids, *parent_ids], today)
    return n


def _progress_sources() -> list[Subquery]:
    """A goal's progress, source by source (the first that has a value wins): its measured key
    results (weighted), then the initiatives serving it that have a progress (mean; the backlog
    writes an initiative's progress from its features), then its measured child goals (mean)."""
    kr = (
        KeyResult.objects.filter(goal_id=OuterRef("pk"), progress__isnull=False)
        .values("goal_id")
        .annotate(p=Sum(F("progress") * F("weight"), output_field=FloatField()) / Sum("weight"))
        .values("p")
    )
    children = (
        Goal.objects.filter(parent_id=OuterRef("pk"), progress__isnull=False)
        .values("parent_id")
        .annotate(p=Avg("progress"))
        .values("p")
    )
    initiatives = (
        Initiative.objects.filter(goals=OuterRef("pk"), progress__isnull=False)
        .values("goals")
        .annotate(p=Avg("progress"))
        .values("p")
    )
    return [
        Subquery(kr, output_field=FloatField()),
        Subquery(initiatives, output_field=FloatField()),
        Subquery(children, output_field=FloatField()),
    ]


def _derive_status(goal_ids: list[int] | None, today: dt.date) -> None:
    """Status from progress against elapsed time, in this order:

    - 100 % → done;
    - nothing measured (no progress) → no derived reading: "not measured yet" when the goal or one of
      its child goals has key results, else "no key results yet" (neutral, whatever the calendar says);
    - the time frame is over (its end is before today) → missed: it is no longer "on track";
    - within 10 points of where the calendar says the goal should be → on track, within 25 → at
      risk, further behind → off track."""
    if _pg():
        elapsed, length = "(%s::date - start_date)", "GREATEST(end_date - start_date, 1)"
        over = "%s::date > end_date"
    else:
        elapsed, length = (
            "(julianday(%s) - julianday(start_date))",
            "MAX(julianday(end_date) - julianday(start_date), 1)",
        )
        over = "%s > end_date"
    expected = (
        "(CASE WHEN start_date IS NULL OR end_date IS NULL THEN NULL "
        "WHEN %s >= end_date THEN 100.0 WHEN %s <= start_date THEN 0.0 "
        f"ELSE 100.0 * {elapsed} / {length} END)"
    )
    measurable = (
        f"EXISTS (SELECT 1 FROM {KEY_RESULT} k WHERE k.goal_id = {GOAL}.id) OR EXISTS (SELECT 1 FROM {KEY_RESULT} k "
        f"JOIN {GOAL} c ON c.id = k.goal_id WHERE c.parent_id = {GOAL}.id)"
    )
    sql = (
        f"UPDATE {GOAL} SET status = CASE WHEN progress >= 100 THEN 'done' "
        f"WHEN progress IS NULL THEN (CASE WHEN {measurable} THEN 'not_measured' ELSE 'no_key_results' END) "
        f"WHEN end_date IS NOT NULL AND {over} THEN 'missed' "
        f"WHEN {expected} IS NULL OR progress >= {expected} - 10 THEN 'on_track' "
        f"WHEN progress >= {expected} - 25 THEN 'at_risk' ELSE 'off_track' END "
        "WHERE status_source = %s"
    )
    day = today.isoformat()
    params: list[Any] = [day] + [day, day, day] * 3 + [StatusSource.DERIVED]
    if goal_ids is not None:
        if not goal_ids:
            return
        sql += f" AND id IN ({', '.join(['%s'] * len(goal_ids))})"
        params += list(goal_ids)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


# --- health -------------------------------------------------------------------------------


def rollup_health(*, now: dt.datetime | None = None) -> dict[str, Any]:
    """The rollup's part of /healthz (two queries): "degraded" when days are set aside (their
    count) or when the queue's oldest day has waited longer than ROLLUP_STUCK_AFTER seconds (the
    worker or the beat is not running, or a rollup keeps dying)."""
    from django.conf import settings
    from django.db.models import Min

    from .models import MetricDirtyDay

    now = now or timezone.now()
    stuck_after = float(getattr(settings, "ROLLUP_STUCK_AFTER", 900))
    oldest = MetricDirtyDay.objects.aggregate(oldest=Min("queued_at"))["oldest"]
    waiting = round((now - oldest).total_seconds()) if oldest is not None else 0
    set_aside = MetricRollupFailure.objects.count()
    stuck = oldest is not None and waiting > stuck_after
    report: dict[str, Any] = {
        "status": "degraded" if stuck or set_aside else "ok",
        "set_aside_days": set_aside,
        "oldest_queued_s": max(waiting, 0),
        "stuck": stuck,
        "stuck_after_s": round(stuck_after),
    }
    if set_aside:
        days = f"{set_aside} metric day{'s' if set_aside != 1 else ''}"
        report["detail"] = f"{days} could not be rolled up (retried with backoff)"
    elif stuck:
        report["detail"] = f"the rollup queue's oldest day has waited {waiting} s (more than {round(stuck_after)} s)"
    return report
