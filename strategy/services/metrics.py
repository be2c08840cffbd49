"""Metrics: CRUD of product KPIs and the ingestion of their samples (API, CSV, by hand).

Every write is one transaction and records activity. Samples are upserted in one statement
(`INSERT … ON CONFLICT (metric, ts) DO UPDATE`: a time identifies its sample, so re-sending a time
corrects its value); the UTC days they touch are queued for the rollup in the same transaction
(strategy.rollups.mark_days_dirty) and the rollup task is enqueued on commit (strategy.tasks). Nothing here issues a
query per sample.

Timestamps must say which instant they are: ISO 8601 with an offset or "Z". A date alone means
midnight UTC; a date and time without an offset is refused (it would silently depend on a time
zone). Values are finite numbers within ±10^15 (VALUE_MAX): a double holds every integer up to
2^53 ≈ 9.007 × 10^15 exactly, so single values stay exact, and no sum or average of a bucket can
overflow (that would take about 10^293 samples), which keeps every aggregation of the rollup safe.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import math
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models.functions import TruncDate

from pmtool.activity import Actor, record_activity
from pmtool.cleaning import NAME_MAX, NUMBER_LIMIT, clean_choice, clean_name, clean_text
from pmtool.errors import Conflict, NotFound, ValidationError
from pmtool.models import Product
from pmtool.timeframes import DATE_MAX, DATE_MIN
from pmtool.versioning import UNSET, Maybe, delete_versioned, given, lock_version, save_changes

from .. import rollups
from ..models import TEXT_MAX, Aggregation, Direction, KeyResult, Metric, MetricSample
from ..tasks import schedule_goal_recompute, schedule_metric_rollup

UTC = dt.UTC

MAX_SAMPLES = 10_000  # per call: one API request, one CSV file
CSV_MAX_BYTES = 2 * 1024 * 1024
MAX_ERRORS = 20  # errors reported per rejected batch (the first ones)
TS_MIN = dt.datetime(1900, 1, 1, tzinfo=UTC)
TS_MAX = dt.datetime(3000, 1, 1, tzinfo=UTC)  # exclusive
# Dates a query or a range may name (pmtool.timeframes: the days of TS_MIN..TS_MAX): date arithmetic
# on them (a day after, the buckets of a window) stays far inside what Python and the databases hold.
DATE_RANGE_ERROR = f"Out of range: use a date from {DATE_MIN} to {DATE_MAX}."
UNIT_MAX = 40
VALUE_MAX = NUMBER_LIMIT  # |value| at most 10^15: see the module docstring
VALUE_RANGE = "from −10^15 to 10^15 (±1,000,000,000,000,000)"
TS_COLUMNS = ("ts", "time", "date", "timestamp")
VALUE_COLUMN = "value"

_NAME_TAKEN = "A metric with this name exists in this product already."
_DATE_ONLY = re.compile(r"^\d{4}-?\d{2}-?\d{2}$")
_DECIMAL_COMMA = re.compile(r"^[+-]?\d+,\d+$")


def printable(text: str) -> str:
    """Input echoed in a message, as UTF-8 can carry it (a JSON "\\ud800" escape is a lone surrogate)."""
    return text.encode("utf-8", "replace").decode("utf-8")


# --- metrics ----------------------------------------------------------------------


def _metric_values(
    *,
    name: Maybe[str] = UNSET,
    description: Maybe[str] = UNSET,
    unit: Maybe[str] = UNSET,
    direction: Maybe[str] = UNSET,
    aggregation: Maybe[str] = UNSET,
) -> dict[str, str]:
    """The given fields, cleaned (the ones left UNSET are left alone)."""
    values: dict[str, str] = {}
    if given(name):
        values["name"] = clean_name(name, max_length=NAME_MAX)
    if given(description):
        values["description"] = clean_text(description, field="description", max_length=TEXT_MAX)
    if given(unit):
        values["unit"] = clean_text(unit, field="unit", max_length=UNIT_MAX)
    if given(direction):
        values["direction"] = clean_choice(direction, Direction, field="direction", what="direction")
    if given(aggregation):
        values["aggregation"] = clean_choice(aggregation, Aggregation, field="aggregation", what="aggregation")
    return values


def _name_taken() -> Conflict:
    return Conflict(_NAME_TAKEN, fields={"name": [_NAME_TAKEN]}, code="name_taken")


def _check_name_free(product_id: int, name: str, *, exclude: int | None = None) -> None:
    """Names are unique per product, ignoring case ("MAU" and "mau" would read as one metric)."""
    taken = Metric.objects.filter(product_id=product_id, name__iexact=name)
    if exclude is not None:
        taken = taken.exclude(pk=exclude)
    if taken.exists():
        raise _name_taken()


@transaction.atomic
def metric_create(
    *,
    actor: Actor,
    product: Product,
    name: str,
    description: str = "",
    unit: str = "",
    direction: str = Direction.UP,
    aggregation: str = Aggregation.SUM,
) -> Metric:
    values = _metric_values(name=name, description=description, unit=unit, direction=direction, aggregation=aggregation)
    _check_name_free(product.pk, values["name"])
    try:
        with transaction.atomic():
            metric = Metric.objects.create(product=product, created_by=actor.user, **values)
    except IntegrityError:  # a concurrent create took the name between the check and the insert
        raise _name_taken() from None
    metric.product = product
    record_activity(actor, "created", metric, {k: {"from": None, "to": v} for k, v in values.items() if v != ""})
    metric.pending = False  # type: ignore[attr-defined]  # the list annotation, for the response
    return metric


@transaction.atomic
def metric_update(
    *,
    actor: Actor,
    metric: Metric,
    version: int,
    name: Maybe[str] = UNSET,
    description: Maybe[str] = UNSET,
    unit: Maybe[str] = UNSET,
    direction: Maybe[str] = UNSET,
    aggregation: Maybe[str] = UNSET,
) -> Metric:
    """Change a metric; `version` is the one the user read (stale: StaleVersion). A new aggregation
    is applied to every existing bucket at once."""
    locked = lock_version(Metric.objects.select_related("product"), metric.pk, version, what="metric")
    values = _metric_values(name=name, description=description, unit=unit, direction=direction, aggregation=aggregation)
    if "name" in values and values["name"] != locked.name:
        _check_name_free(locked.product_id, values["name"], exclude=locked.pk)
    try:
        with transaction.atomic():
            changes = save_changes(locked, values)
    except IntegrityError:  # a concurrent rename took the name between the check and the update
        raise _name_taken() from None
    if not changes:
        return locked
    if "aggregation" in changes:
        # Buckets carry count/sum/last: the new aggregation is one UPDATE over them (and the bound
        # key results follow), not a rebuild from the samples.
        rollups.metric_values_refresh(locked.pk)
        locked.refresh_from_db(fields=["rolled_up_at"])
    record_activity(actor, "updated", locked, changes)
    return locked


@transaction.atomic
def metric_delete(*, actor: Actor, metric: Metric, version: int) -> None:
    """Delete a metric with its samples and buckets; `version` is the one the user read (stale:
    StaleVersion). Key results bound to it become unbound; their goals' progress is recomputed
    after commit."""
    goal_ids: list[int] = []

    def before(locked: Metric) -> None:
        goal_ids.extend(KeyResult.objects.filter(metric_id=locked.pk).values_list("goal_id", flat=True).distinct())
        record_activity(actor, "deleted", locked, {"name": {"from": locked.name, "to": None}})

    delete_versioned(Metric.objects.select_related("product"), metric.pk, version, what="metric", before=before)
    schedule_goal_recompute(goal_ids)


# --- parsing samples ----------------------------------------------------------------


class _Invalid(Exception):
    """One bad timestamp or value (collected, then reported together)."""


def parse_timestamp(raw: Any) -> dt.datetime:
    """An aware UTC datetime from an ISO 8601 string (or a date/datetime object).

    "2025-03-01T12:00:00Z", "2025-03-01T13:00:00+01:00" and "2025-03-01 12:00+00:00" are the same
    instant; "2025-03-01" is midnight UTC; "2025-03-01T12:00" (no offset) is refused."""
    if isinstance(raw, dt.datetime):
        value = raw
    elif isinstance(raw, dt.date):
        value = dt.datetime.combine(raw, dt.time(), tzinfo=UTC)
    elif isinstance(raw, str):
        text = raw.strip()
        if not text:
            raise _Invalid("A date or time is required.")
        if len(text) > 64 or "\x00" in text:
            raise _Invalid("Not a date or time: use ISO 8601, e.g. 2025-03-01 or 2025-03-01T12:00:00Z.")
        try:
            if _DATE_ONLY.match(text):
                value = dt.datetime.combine(dt.date.fromisoformat(text), dt.time(), tzinfo=UTC)
            else:
                value = dt.datetime.fromisoformat(text)
        except ValueError:
            raise _Invalid(
                f"“{printable(text)}” is not a date or time: use ISO 8601, e.g. 2025-03-01 or 2025-03-01T12:00:00Z."
            ) from None
    else:
        raise _Invalid("Expected a date or time as an ISO 8601 string.")
    if value.tzinfo is None or value.utcoffset() is None:
        raise _Invalid(
            "This time has no time zone: add “Z” for UTC or an offset such as +02:00 (a date alone means midnight UTC)."
        )
    try:
        value = value.astimezone(UTC)
    except (OverflowError, ValueError):
        raise _Invalid("The time is out of range (years 1900–2999).") from None
    if not TS_MIN <= value < TS_MAX:
        raise _Invalid("The time is out of range (years 1900–2999).")
    return value


def check_date(day: dt.date) -> dt.date:
    """`day` when it is within DATE_MIN..DATE_MAX; else _Invalid naming the range."""
    if not DATE_MIN <= day <= DATE_MAX:
        raise _Invalid(DATE_RANGE_ERROR)
    return day


def parse_value(raw: Any, *, text: bool = False, decimal_comma: bool = False) -> float:
    """A finite float. JSON numbers only (no strings, no booleans) unless `text` (CSV cells)."""
    if isinstance(raw, bool):
        raise _Invalid("Expected a number, not true/false.")
    if isinstance(raw, str):
        if not text:
            raise _Invalid("Expected a number, not a string.")
        cell = raw.strip()
        if decimal_comma and _DECIMAL_COMMA.match(cell):
            cell = cell.replace(",", ".")
        if not cell:
            raise _Invalid("A value is required.")
        if len(cell) > 64:
            raise _Invalid("Not a number.")
        try:
            value = float(cell)
        except ValueError:
            raise _Invalid(f"“{printable(cell[:32])}” is not a number.") from None
    elif isinstance(raw, int | float):
        try:
            value = float(raw)
        except OverflowError:
            raise _Invalid("The number is too large.") from None
    elif raw is None:
        raise _Invalid("A value is required.")
    else:
        raise _Invalid("Expected a number.")
    if not math.isfinite(value):
        raise _Invalid("The value must be a finite number (not NaN or infinity).")
    if abs(value) > VALUE_MAX:
        raise _Invalid(f"The value is out of range: values go {VALUE_RANGE}.")
    return value


def _errors_message(errors: dict[str, list[str]], total: int, what: str) -> str:
    more = f" (the first {MAX_ERRORS} are listed)" if total > MAX_ERRORS else ""
    return f"{total} invalid {what}{'s' if total != 1 else ''}{more}: nothing was imported."


def parse_samples(samples: Sequence[Any], *, prefix: str | None = "samples") -> list[tuple[dt.datetime, float]]:
    """Validate a batch of samples: each (ts, value) or {"ts": …, "value": …}.

    Errors name the item, e.g. {"samples.3.ts": ["…"]} (or {"ts": […]} with `prefix=None`, for one
    sample); the first MAX_ERRORS are reported and nothing is stored."""
    if isinstance(samples, str | bytes) or not isinstance(samples, Sequence):
        raise ValidationError("Samples must be a list.", fields={prefix or "samples": ["Expected a list."]})
    if not samples:
        raise ValidationError("No samples to add.", fields={prefix or "samples": ["Send at least one sample."]})
    if len(samples) > MAX_SAMPLES:
        raise ValidationError(
            f"Too many samples: at most {MAX_SAMPLES:,} per request (this one has {len(samples):,}).",
            fields={prefix or "samples": [f"At most {MAX_SAMPLES:,} samples per request; split the batch."]},
        )

    def key(i: int, name: str) -> str:
        if prefix is None:
            return name
        return f"{prefix}.{i}.{name}" if name else f"{prefix}.{i}"

    errors: dict[str, list[str]] = {}
    bad = 0
    parsed: list[tuple[dt.datetime, float]] = []
    for i, item in enumerate(samples):
        if isinstance(item, dict):
            unknown = sorted(printable(str(k)) for k in set(item) - {"ts", "value"})
            if unknown:
                bad += 1
                if len(errors) < MAX_ERRORS:
                    errors[key(i, "")] = [f"Unknown field{'s' if len(unknown) > 1 else ''}: {', '.join(unknown)}."]
                continue
            raw_ts, raw_value = item.get("ts"), item.get("value")
            if "ts" not in item:
                raw_ts = ""
        elif isinstance(item, list | tuple) and len(item) == 2:
            raw_ts, raw_value = item
        else:
            bad += 1
            if len(errors) < MAX_ERRORS:
                errors[key(i, "")] = ['Expected an object {"ts": …, "value": …}.']
            continue
        item_errors: dict[str, list[str]] = {}
        try:
            ts = parse_timestamp(raw_ts)
        except _Invalid as exc:
            item_errors[key(i, "ts")] = [str(exc)]
        try:
            value = parse_value(raw_value)
        except _Invalid as exc:
            item_errors[key(i, "value")] = [str(exc)]
        if item_errors:
            bad += 1
            if len(errors) < MAX_ERRORS:
                errors.update(item_errors)
            continue
        parsed.append((ts, value))
    if bad:
        if prefix is None:
            raise ValidationError("The sample is invalid.", fields=errors)
        raise ValidationError(_errors_message(errors, bad, "sample"), fields=errors)
    return parsed


def parse_csv(content: bytes) -> list[tuple[dt.datetime, float]]:
    """Samples from a CSV file: a header row naming a time column (ts, time, date or timestamp) and
    a value column, in any order and case; comma- or semicolon-separated (with ";" a decimal comma
    such as 3,5 is read as 3.5); UTF-8 with or without a byte-order mark; at most 10,000 rows and
    2 MB. Other columns are refused (named in the error) rather than silently dropped.

    Errors name their line (the header is line 1), the first 20 under the field "file"."""

    def fail(message: str, lines: list[str] | None = None) -> ValidationError:
        return ValidationError(message, fields={"file": lines or [message]})

    if len(content) > CSV_MAX_BYTES:
        raise fail(f"The file is too large: at most 2 MB (this one is {len(content) / 1_048_576:.1f} MB).")
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = content.count(b"\n", 0, exc.start) + 1
        raise fail(f"Line {line}: the file is not UTF-8 text. Save it as “CSV UTF-8” and upload it again.") from None
    if "\x00" in text:
        line = text.count("\n", 0, text.index("\x00")) + 1
        raise fail(f"Line {line}: the file contains a NUL character; is it really a CSV file?")
    if not text.strip():
        raise fail("The file is empty: it needs a header row (ts,value) and at least one row.")

    first_line = text.lstrip("\r\n").split("\n", 1)[0]
    delimiter = ";" if first_line.count(";") > first_line.count(",") else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    try:
        header: list[str] | None = None
        header_line = 0
        rows: list[tuple[int, list[str]]] = []
        for cells in reader:
            if not any(c.strip() for c in cells):
                continue  # blank lines are skipped
            if header is None:
                header, header_line = [c.strip().lower() for c in cells], reader.line_num
                continue
            rows.append((reader.line_num, cells))
            if len(rows) > MAX_SAMPLES:
                raise fail(f"Too many rows: at most {MAX_SAMPLES:,} per file; split it into several files.")
    except csv.Error as exc:
        raise fail(f"Line {reader.line_num}: the file is not valid CSV ({exc}).") from None
    if header is None:  # only blank lines
        raise fail("The file is empty: it needs a header row (ts,value) and at least one row.")

    ts_cols = [i for i, name in enumerate(header) if name in TS_COLUMNS]
    value_cols = [i for i, name in enumerate(header) if name == VALUE_COLUMN]
    others = [
        name or f"column {i + 1} (no name)" for i, name in enumerate(header) if name not in (*TS_COLUMNS, VALUE_COLUMN)
    ]
    problems = []
    if len(ts_cols) != 1:
        problems.append(
            "one time column named ts, time, date or timestamp"
            if not ts_cols
            else "only one time column (ts, time, date or timestamp)"
        )
    if len(value_cols) != 1:
        problems.append("one column named value")
    if problems or others:
        named = ", ".join(f"“{o[:40]}”" for o in others) if others else ""
        extra = f" Remove the other columns: {named}." if others else ""
        need = f" It needs {' and '.join(problems)}." if problems else ""
        raise fail(f"Line {header_line}: the header row is not ts,value.{need}{extra}")
    if not rows:
        raise fail("The file has a header row but no samples.")

    ts_col, value_col, width = ts_cols[0], value_cols[0], len(header)
    errors: list[str] = []
    bad = 0
    parsed: list[tuple[dt.datetime, float]] = []
    for line, cells in rows:
        problem = None
        if len(cells) != width:
            problem = f"expected {width} columns, found {len(cells)}."
        else:
            try:
                ts = parse_timestamp(cells[ts_col])
                value = parse_value(cells[value_col], text=True, decimal_comma=delimiter == ";")
            except _Invalid as exc:
                problem = str(exc)
        if problem:
            bad += 1
            if len(errors) < MAX_ERRORS:
                errors.append(f"Line {line}: {problem}")
            continue
        parsed.append((ts, value))
    if bad:
        if bad > MAX_ERRORS:
            errors.append(f"… and {bad - MAX_ERRORS} more.")
        raise fail(_errors_message({}, bad, "row"), errors)
    return parsed


# --- storing samples ---------------------------------------------------------------


@dataclass(frozen=True)
class IngestSummary:
    """What one ingestion did: samples received, distinct times stored, their first and last time."""

    received: int
    distinct: int
    first: dt.datetime
    last: dt.datetime
    samples: list[MetricSample]

    def as_dict(self) -> dict[str, Any]:
        return {"received": self.received, "distinct": self.distinct, "first": self.first, "last": self.last}


def _lock_metric(metric: Metric) -> None:
    """FOR NO KEY UPDATE on the metric: ingestions of one metric queue up, and a concurrent delete
    of the metric cannot slip between the check and the insert (no foreign-key error)."""
    if not list(Metric.objects.select_for_update(no_key=True).filter(pk=metric.pk).values_list("pk", flat=True)):
        raise NotFound("Metric not found.")


def _store(*, actor: Actor, metric: Metric, pairs: list[tuple[dt.datetime, float]], source: str) -> IngestSummary:
    latest = dict(pairs)  # a time sent twice in one batch: the later one wins
    _lock_metric(metric)
    stored = MetricSample.objects.bulk_create(
        [MetricSample(metric_id=metric.pk, ts=ts, value=value) for ts, value in latest.items()],
        update_conflicts=True,
        unique_fields=["metric", "ts"],
        update_fields=["value"],
    )
    rollups.mark_days_dirty(metric.pk, {ts.date() for ts in latest})
    schedule_metric_rollup()
    first, last = min(latest), max(latest)
    summary = IngestSummary(received=len(pairs), distinct=len(latest), first=first, last=last, samples=stored)
    record_activity(
        actor,
        "samples_added",
        metric,
        # Key names chosen for the history panel: jsonb keeps keys ordered by length, then bytes.
        {
            "count": {"from": None, "to": summary.distinct},
            "first": {"from": None, "to": first.isoformat()},
            "latest": {"from": None, "to": last.isoformat()},
            "source": {"from": None, "to": source},
        },
    )
    return summary


@transaction.atomic
def samples_add(*, actor: Actor, metric: Metric, samples: Sequence[Any], source: str = "api") -> IngestSummary:
    """Add or correct 1–10,000 samples of a metric in one statement; see the module docstring.

    `samples`: (ts, value) pairs or {"ts", "value"} objects; a time already stored gets the new value."""
    return _store(actor=actor, metric=metric, pairs=parse_samples(samples), source=source)


@transaction.atomic
def sample_add(*, actor: Actor, metric: Metric, ts: Any, value: Any, source: str = "api") -> MetricSample:
    """One sample (errors name "ts" and "value"); returns the stored sample."""
    pairs = parse_samples([{"ts": ts, "value": value}], prefix=None)
    return _store(actor=actor, metric=metric, pairs=pairs, source=source).samples[0]


@transaction.atomic
def samples_import_csv(*, actor: Actor, metric: Metric, content: bytes) -> IngestSummary:
    """Samples from a CSV file (see parse_csv); all or nothing."""
    return _store(actor=actor, metric=metric, pairs=parse_csv(content), source="csv")


def _deleted(*, actor: Actor, metric: Metric, days: Iterable[dt.date], count: int, changes: dict[str, Any]) -> None:
    rollups.mark_days_dirty(metric.pk, days)
    schedule_metric_rollup()
    record_activity(actor, "samples_deleted", metric, {"count": {"from": count, "to": None}, **changes})


@transaction.atomic
def sample_delete(*, actor: Actor, metric: Metric, sample: MetricSample) -> None:
    _lock_metric(metric)
    deleted, _ = MetricSample.objects.filter(pk=sample.pk, metric_id=metric.pk).delete()
    if not deleted:
        raise NotFound("Sample not found.")
    _deleted(
        actor=actor,
        metric=metric,
        days=[sample.ts.astimezone(UTC).date()],
        count=1,
        changes={"at_time": {"from": sample.ts.astimezone(UTC).isoformat(), "to": None}},
    )


@transaction.atomic
def samples_delete_range(*, actor: Actor, metric: Metric, start: dt.datetime, end: dt.datetime) -> int:
    """Delete the samples with start <= ts < end; returns how many. Two statements whatever the count."""
    if start.tzinfo is None or end.tzinfo is None:
        raise ValidationError("The range needs times with a time zone.")
    if start >= end:
        raise ValidationError("The range is empty: “to” must be after “from”.", fields={"to": ["Must be after from."]})
    _lock_metric(metric)
    in_range = MetricSample.objects.filter(metric_id=metric.pk, ts__gte=start, ts__lt=end)
    days = set(in_range.annotate(day=TruncDate("ts", tzinfo=UTC)).values_list("day", flat=True).distinct())
    deleted, _ = in_range.delete()
    if deleted:
        _deleted(
            actor=actor,
            metric=metric,
            days=days,
            count=deleted,
            changes={  # count, since, before: the half-open range [since, before)
                "since": {"from": start.astimezone(UTC).isoformat(), "to": None},
                "before": {"from": end.astimezone(UTC).isoformat(), "to": None},
            },
        )
    return deleted


SELECTED_MAX = 500  # samples one "delete selected" may name


@transaction.atomic
def samples_delete_selected(*, actor: Actor, metric: Metric, sample_ids: Sequence[int]) -> int:
    """Delete these samples of the metric (ids of other metrics are ignored); returns how many.
    Three statements whatever the count: their times (for the days to roll up again), the delete,
    the queue."""
    ids = sorted({int(i) for i in sample_ids})
    if not ids:
        raise ValidationError("Select the samples to delete.", fields={"sample": ["Select at least one sample."]})
    if len(ids) > SELECTED_MAX:
        raise ValidationError(
            f"At most {SELECTED_MAX} samples at a time; delete a range instead.",
            fields={"sample": [f"At most {SELECTED_MAX} samples at a time."]},
        )
    _lock_metric(metric)
    chosen = MetricSample.objects.filter(metric_id=metric.pk, pk__in=ids)
    times = list(chosen.values_list("ts", flat=True))
    if not times:
        raise NotFound("Those samples are gone already.")
    deleted, _ = chosen.delete()
    first, last = min(times).astimezone(UTC), max(times).astimezone(UTC)
    _deleted(
        actor=actor,
        metric=metric,
        days={ts.astimezone(UTC).date() for ts in times},
        count=deleted,
        changes={
            "first": {"from": first.isoformat(), "to": None},
            "latest": {"from": last.isoformat(), "to": None},
        },
    )
    return deleted
