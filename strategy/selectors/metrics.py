"""Reads of the metrics area: metric lists with their rollup status, samples, and series of buckets.

Series for many metrics come from one query (the dashboard draws every chart from it); a metric's
`pending` (days still waiting for the rollup) and last sample are correlated subqueries, so a list
costs the same number of queries whatever its length.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Exists, IntegerField, OuterRef, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone

from pmtool.models import Workspace

from ..models import (
    Direction,
    KeyResult,
    Metric,
    MetricDirtyDay,
    MetricRollup,
    MetricRollupFailure,
    MetricSample,
    Period,
)

UTC = dt.UTC

# How many buckets a series shows when no range is given.
DEFAULT_BUCKETS: dict[str, int] = {Period.DAY: 90, Period.WEEK: 26, Period.MONTH: 24}
# At most ten years of days, twenty of weeks…
MAX_BUCKETS: dict[str, int] = {Period.DAY: 3660, Period.WEEK: 1046, Period.MONTH: 1200}


def with_status(queryset: QuerySet[Metric]) -> QuerySet[Metric]:
    """Annotate `pending` (dirty days wait for the rollup) and the last sample (`last_ts`, `last_value`)."""
    last = MetricSample.objects.filter(metric_id=OuterRef("pk")).order_by("-ts")
    return queryset.annotate(
        pending=Exists(MetricDirtyDay.objects.filter(metric_id=OuterRef("pk"))),
        last_ts=Subquery(last.values("ts")[:1]),
        last_value=Subquery(last.values("value")[:1]),
    )


def metrics_of_product(product_id: int) -> QuerySet[Metric]:
    return with_status(Metric.objects.filter(product_id=product_id).select_related("product")).order_by("name", "id")


def metrics_of_workspace(workspace: Workspace, *, product_id: int | None = None) -> QuerySet[Metric]:
    """Metrics of the workspace's active products (or of one product, archived or not), by product then name."""
    qs = Metric.objects.filter(product__workspace=workspace).select_related("product")
    qs = qs.filter(product_id=product_id) if product_id else qs.filter(product__archived_at__isnull=True)
    return with_status(qs).order_by("product__name", "name", "id")


def metric_status(metric_id: int) -> Metric | None:
    """One metric with its status annotations (after a write, for the response), and how many of
    its days the rollup has set aside (`set_aside_days`)."""
    failures = MetricRollupFailure.objects.filter(metric_id=OuterRef("pk")).values("metric_id").annotate(n=Count("*"))
    return (
        with_status(Metric.objects.filter(pk=metric_id).select_related("product"))
        .annotate(set_aside_days=Coalesce(Subquery(failures.values("n"), output_field=IntegerField()), 0))
        .first()
    )


def rollup_failures_of(metric: Metric, *, limit: int = 5) -> list[MetricRollupFailure]:
    """The days of this metric the rollup set aside, the oldest first (the first `limit`)."""
    return list(MetricRollupFailure.objects.filter(metric_id=metric.pk).order_by("day")[:limit])


def samples_of(
    metric: Metric, *, start: dt.datetime | None = None, end: dt.datetime | None = None
) -> QuerySet[MetricSample]:
    """Samples of a metric with start <= ts < end (either open)."""
    qs = MetricSample.objects.filter(metric_id=metric.pk)
    if start is not None:
        qs = qs.filter(ts__gte=start)
    if end is not None:
        qs = qs.filter(ts__lt=end)
    return qs


def samples_newest_first(
    metric: Metric, *, before: dt.datetime | None, after: dt.datetime | None, size: int
) -> tuple[list[MetricSample], bool, bool]:
    """A page of `size` samples, newest first, keyset-paginated by time (no COUNT over what may be
    millions of samples): those just after `after`, else just before `before`, else the newest.
    Returns (rows, whether older ones exist, whether newer ones exist)."""
    qs = samples_of(metric)
    if after is not None:
        rows = list(qs.filter(ts__gt=after).order_by("ts")[: size + 1])
        newer = len(rows) > size
        rows = rows[:size][::-1]
        return rows, bool(rows), newer
    if before is not None:
        qs = qs.filter(ts__lt=before)
    rows = list(qs.order_by("-ts")[: size + 1])
    older = len(rows) > size
    rows = rows[:size]
    return rows, older, before is not None and bool(rows)


def key_results_of_metric(metric: Metric) -> QuerySet[KeyResult]:
    return KeyResult.objects.filter(metric_id=metric.pk).select_related("goal", "goal__product").order_by("goal__title")


# --- time ranges and buckets ----------------------------------------------------------


def bucket_of(day: dt.date, period: str) -> dt.date:
    """The bucket a UTC day falls in: itself, its Monday, or the first of its month."""
    if period == Period.WEEK:
        return day - dt.timedelta(days=day.weekday())
    if period == Period.MONTH:
        return day.replace(day=1)
    return day


def shift(bucket: dt.date, period: str, n: int) -> dt.date:
    """`n` buckets after (or before, n < 0) `bucket`."""
    if period == Period.WEEK:
        return bucket + dt.timedelta(weeks=n)
    if period == Period.MONTH:
        months = bucket.year * 12 + bucket.month - 1 + n
        return dt.date(months // 12, months % 12 + 1, 1)
    return bucket + dt.timedelta(days=n)


def today_utc() -> dt.date:
    return timezone.now().astimezone(UTC).date()


def series_window(
    period: str, start: dt.date | None = None, end: dt.date | None = None, *, today: dt.date | None = None
) -> tuple[dt.date, dt.date]:
    """(first bucket, last bucket), inclusive. Defaults: the last 90 days / 26 weeks / 24 months up to
    today (UTC); `start` alone runs up to today (not into the future); `end` alone gets that many
    buckets before it."""
    count = DEFAULT_BUCKETS[period]
    if end is None and start is None:
        last = bucket_of(today or today_utc(), period)
        return shift(last, period, -(count - 1)), last
    if end is None:
        first = bucket_of(start, period)  # type: ignore[arg-type]
        return first, max(first, bucket_of(today or today_utc(), period))
    last = bucket_of(end, period)
    if start is None:
        return shift(last, period, -(count - 1)), last
    return bucket_of(start, period), last


def day_bounds(start: dt.date | dt.datetime | None, end: dt.date | dt.datetime | None) -> tuple[Any, Any]:
    """A user's inclusive from/to as a half-open [start, end) of aware datetimes: a date `to` covers
    its whole day; a datetime `to` includes that instant."""
    lo = hi = None
    if isinstance(start, dt.datetime):
        lo = start
    elif isinstance(start, dt.date):
        lo = dt.datetime.combine(start, dt.time(), tzinfo=UTC)
    if isinstance(end, dt.datetime):
        hi = end + dt.timedelta(microseconds=1)
    elif isinstance(end, dt.date):
        hi = dt.datetime.combine(end, dt.time(), tzinfo=UTC) + dt.timedelta(days=1)
    return lo, hi


def series_of(metric_ids: Iterable[int], period: str, first: dt.date, last: dt.date) -> dict[int, list[MetricRollup]]:
    """{metric id: buckets of `period` from `first` to `last`, oldest first}, in one query."""
    ids = list(metric_ids)
    found: dict[int, list[MetricRollup]] = defaultdict(list)
    if not ids:
        return found
    rows = (
        MetricRollup.objects.filter(metric_id__in=ids, period=period, bucket__gte=first, bucket__lte=last)
        .only("metric_id", "bucket", "value", "count", "min", "max")
        .order_by("metric_id", "bucket")
    )
    for row in rows:
        found[row.metric_id].append(row)
    return found


def series(metric: Metric, period: str, first: dt.date, last: dt.date) -> list[MetricRollup]:
    return series_of([metric.pk], period, first, last).get(metric.pk, [])


TOTALS = ("sum", "count")  # aggregations whose running bucket reads low until it is over


def running_bucket(metric: Metric, period: str, *, today: dt.date | None = None) -> dt.date | None:
    """The bucket still filling up (today, this week, this month) when the metric is a total (sum,
    count): its value so far is not comparable with a whole bucket. None for averages and last
    values, which read fairly before their bucket is over (key results read them the same way)."""
    if metric.aggregation not in TOTALS:
        return None
    return bucket_of(today or today_utc(), period)


@dataclass(frozen=True)
class Latest:
    """The headline of a series: the latest bucket that may be compared, how it moved from the one
    before, and the running bucket of a total (`running`, shown apart and never compared).

    With a running bucket and an earlier one, `bucket`/`value` are the latest *complete* bucket;
    when the running bucket is all there is, it is the value (`partial`) and nothing is compared."""

    bucket: dt.date
    value: float
    previous: float | None
    change: float | None  # value - previous
    percent: float | None  # change relative to |previous|; None when previous is 0 or missing
    good: bool | None  # moved the way the metric's direction wants; None when flat or unknown
    partial: bool = False  # `value` is the running bucket's total so far
    running: MetricRollup | None = None  # the running bucket, when `value` is the complete one before it

    @property
    def trend(self) -> str:
        if self.change is None or self.change == 0:
            return "flat"
        return "up" if self.change > 0 else "down"


def latest_of(rows: list[MetricRollup], direction: str, *, running: dt.date | None = None) -> Latest | None:
    """The headline of `rows` (oldest first); `running` is the bucket still filling up, if any."""
    if not rows:
        return None
    current = rows[-1] if running is not None and rows[-1].bucket == running else None
    complete = rows[:-1] if current is not None else rows
    if current is not None and not complete:  # only the running bucket: its total so far, compared with nothing
        return Latest(current.bucket, current.value, None, None, None, None, partial=True)
    last = complete[-1]
    previous = complete[-2].value if len(complete) > 1 else None
    change = None if previous is None else last.value - previous
    percent = None if not previous or change is None else 100.0 * change / abs(previous)
    good = None if not change else (change > 0) == (direction == Direction.UP)
    return Latest(last.bucket, last.value, previous, change, percent, good, running=current)
