"""Metric services: CRUD rules, sample ingestion (API batches, CSV, by hand), deletion, and the
rollup's view of late and corrected samples."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from pmtool.activity import Actor
from pmtool.errors import Conflict, NotFound, ValidationError
from pmtool.models import ActivityEvent
from pmtool.versioning import StaleVersion
from strategy import rollups
from strategy.models import Goal, KeyResult, Metric, MetricDirtyDay, MetricRollup, MetricSample
from strategy.services import metrics as services

pytestmark = [pytest.mark.django_db, pytest.mark.postgres]

UTC = dt.UTC


def at(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text).replace(tzinfo=UTC) if "+" not in text else dt.datetime.fromisoformat(text)


@pytest.fixture
def actor(team: Any) -> Actor:
    return team.actor("editor")


@pytest.fixture
def metric(actor: Actor, product: Any) -> Metric:
    m = services.metric_create(actor=actor, product=product, name="Sign-ups", unit="users", aggregation="sum")
    return Metric.objects.select_related("product").get(pk=m.pk)


def buckets(metric: Metric, period: str = "day") -> dict[str, float]:
    return {
        r.bucket.isoformat(): r.value
        for r in MetricRollup.objects.filter(metric=metric, period=period).order_by("bucket")
    }


def rollup() -> None:
    rollups.rollup_pending()


# --- metrics --------------------------------------------------------------------------


def test_create_records_activity_and_trims(actor: Actor, product: Any) -> None:
    metric = services.metric_create(
        actor=actor, product=product, name="  Weekly active users ", description=" **WAU** ", unit=" users "
    )
    assert (metric.name, metric.description, metric.unit) == ("Weekly active users", "**WAU**", "users")
    event = ActivityEvent.objects.get(target_id=metric.pk, action="created")
    assert event.product_id == product.pk
    assert event.changes["name"] == {"from": None, "to": "Weekly active users"}


def test_name_is_unique_per_product_ignoring_case(actor: Actor, product: Any, metric: Metric) -> None:
    with pytest.raises(Conflict) as exc:
        services.metric_create(actor=actor, product=product, name="SIGN-UPS")
    assert exc.value.status_code == 409
    assert "name" in exc.value.fields
    other = services.metric_create(actor=actor, product=product, name="Churn")
    with pytest.raises(Conflict):
        services.metric_update(actor=actor, metric=other, version=1, name="sign-ups")


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"name": ""}, "name"),
        ({"name": "x" * 121}, "name"),
        ({"name": "a\x00b"}, "name"),
        ({"unit": "u" * 41}, "unit"),
        ({"direction": "sideways"}, "direction"),
        ({"aggregation": "median"}, "aggregation"),
        ({"description": "d" * 10_001}, "description"),
    ],
)
def test_create_validation(actor: Actor, product: Any, kwargs: dict, field: str) -> None:
    with pytest.raises(ValidationError) as exc:
        services.metric_create(actor=actor, product=product, **{"name": "Valid", **kwargs})
    assert field in exc.value.fields


def test_update_checks_version_and_records_changes(actor: Actor, metric: Metric) -> None:
    updated = services.metric_update(actor=actor, metric=metric, version=1, unit="people", direction="down")
    assert updated.version == 2
    event = ActivityEvent.objects.filter(target_id=metric.pk, action="updated").get()
    assert event.changes == {"unit": {"from": "users", "to": "people"}, "direction": {"from": "up", "to": "down"}}
    with pytest.raises(Conflict) as stale:
        services.metric_update(actor=actor, metric=metric, version=1, unit="x")
    assert stale.value.code == "stale_version"
    # The service does not know where the version came from; it names the current one (the API
    # answers 409 or 412 from it: test_metrics_api).
    assert isinstance(stale.value, StaleVersion)
    assert (stale.value.expected, stale.value.current_version) == (1, 2)
    # No change: no version bump, no event.
    same = services.metric_update(actor=actor, metric=metric, version=2, unit="people")
    assert same.version == 2
    assert ActivityEvent.objects.filter(target_id=metric.pk, action="updated").count() == 1


def test_changing_the_aggregation_reapplies_it_to_every_bucket(actor: Actor, metric: Metric) -> None:
    services.samples_add(
        actor=actor,
        metric=metric,
        samples=[("2025-03-03T08:00:00Z", 2), ("2025-03-03T09:00:00Z", 4), ("2025-03-04T10:00:00Z", 10)],
    )
    rollup()
    assert buckets(metric) == {"2025-03-03": 6, "2025-03-04": 10}
    assert buckets(metric, "week") == {"2025-03-03": 16}
    for aggregation, day, week in (
        ("average", {"2025-03-03": 3, "2025-03-04": 10}, {"2025-03-03": 16 / 3}),
        ("last", {"2025-03-03": 4, "2025-03-04": 10}, {"2025-03-03": 10}),
        ("count", {"2025-03-03": 2, "2025-03-04": 1}, {"2025-03-03": 3}),
    ):
        metric = services.metric_update(actor=actor, metric=metric, version=metric.version, aggregation=aggregation)
        assert buckets(metric) == day
        assert buckets(metric, "week") == pytest.approx(week)


def test_delete_removes_samples_and_unbinds_key_results(
    actor: Actor, team: Any, metric: Metric, django_capture_on_commit_callbacks: Any
) -> None:
    services.samples_add(actor=actor, metric=metric, samples=[("2025-03-03", 1)])
    goal = Goal.objects.create(workspace=team.workspace, title="Grow")
    kr = KeyResult.objects.create(goal=goal, title="More sign-ups", metric=metric, baseline=0, target=10)
    with django_capture_on_commit_callbacks(execute=True):
        services.metric_delete(actor=actor, metric=metric, version=1)
    assert not Metric.objects.filter(pk=metric.pk).exists()
    assert not MetricSample.objects.exists()
    kr.refresh_from_db()
    assert kr.metric_id is None
    assert ActivityEvent.objects.filter(target_id=metric.pk, action="deleted").exists()


def test_delete_with_a_stale_version_is_refused(actor: Actor, metric: Metric) -> None:
    with pytest.raises(Conflict):
        services.metric_delete(actor=actor, metric=metric, version=7)
    assert Metric.objects.filter(pk=metric.pk).exists()


@pytest.mark.parametrize("version", [None, "1", True])
def test_update_and_delete_require_a_version(actor: Actor, metric: Metric, version: Any) -> None:
    """No "last write wins": a missing (or non-integer) version is a 400 naming it; nothing changes."""
    with pytest.raises(ValidationError) as refused:
        services.metric_update(actor=actor, metric=metric, version=version, unit="x")
    assert "version" in refused.value.fields
    with pytest.raises(ValidationError):
        services.metric_delete(actor=actor, metric=metric, version=version)
    assert Metric.objects.filter(pk=metric.pk, unit="users", version=1).exists()


# --- parsing ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("2025-03-01", "2025-03-01T00:00:00+00:00"),
        ("20250301", "2025-03-01T00:00:00+00:00"),
        ("2025-03-01T12:30:00Z", "2025-03-01T12:30:00+00:00"),
        ("2025-03-01T12:30:00.250Z", "2025-03-01T12:30:00.250000+00:00"),
        ("2025-03-01T13:30:00+01:00", "2025-03-01T12:30:00+00:00"),
        ("2025-03-01 07:30-05:00", "2025-03-01T12:30:00+00:00"),
        ("  2025-03-01T12:30Z  ", "2025-03-01T12:30:00+00:00"),
        (dt.date(2025, 3, 1), "2025-03-01T00:00:00+00:00"),
    ],
)
def test_parse_timestamp_accepts(raw: Any, expected: str) -> None:
    assert services.parse_timestamp(raw).isoformat() == expected


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ("2025-03-01T12:30:00", "no time zone"),
        ("2025-03-01 12:30", "no time zone"),
        (dt.datetime(2025, 3, 1, 12, 30), "no time zone"),  # naive: the point of the test
        ("yesterday", "not a date"),
        ("2025-02-30", "not a date"),
        ("", "required"),
        ("1899-12-31", "out of range"),
        ("3000-01-01", "out of range"),
        ("0001-01-01T00:00:00+01:00", "out of range"),
        (1700000000, "ISO 8601"),
        (None, "ISO 8601"),
        ("x" * 65, "Not a date"),
    ],
)
def test_parse_timestamp_refuses(raw: Any, message: str) -> None:
    with pytest.raises(services._Invalid, match=f"(?i){message}"):
        services.parse_timestamp(raw)


@pytest.mark.parametrize("raw", [float("nan"), float("inf"), -float("inf"), True, "3", None, [1], 10**400])
def test_parse_value_refuses(raw: Any) -> None:
    with pytest.raises(services._Invalid):
        services.parse_value(raw)


def test_parse_samples_names_the_index_and_reports_the_first_twenty() -> None:
    batch: list[Any] = [{"ts": "2025-03-01T00:00:00Z", "value": 1}] * 3
    batch[1] = {"ts": "2025-03-01T00:00:00", "value": 1}
    with pytest.raises(ValidationError) as exc:
        services.parse_samples(batch)
    assert list(exc.value.fields) == ["samples.1.ts"]
    assert "time zone" in exc.value.fields["samples.1.ts"][0]

    many = [{"ts": "nope", "value": "x"}] * 30
    with pytest.raises(ValidationError) as exc:
        services.parse_samples(many)
    assert len(exc.value.fields) == 20  # ten samples, two fields each
    assert "30 invalid samples" in exc.value.message


@pytest.mark.parametrize(
    ("item", "key"),
    [
        ({"ts": "2025-03-01", "value": 1, "note": "x"}, "samples.0"),
        ({"value": 1}, "samples.0.ts"),
        ({"ts": "2025-03-01"}, "samples.0.value"),
        ("2025-03-01,1", "samples.0"),
        (["2025-03-01"], "samples.0"),
        ({"ts": "2025-03-01", "value": float("nan")}, "samples.0.value"),
    ],
)
def test_parse_samples_item_errors(item: Any, key: str) -> None:
    with pytest.raises(ValidationError) as exc:
        services.parse_samples([item])
    assert key in exc.value.fields


def test_parse_samples_limits() -> None:
    with pytest.raises(ValidationError, match="No samples"):
        services.parse_samples([])
    with pytest.raises(ValidationError, match="at most 10,000"):
        services.parse_samples([("2025-03-01", 1)] * 10_001)
    with pytest.raises(ValidationError, match="list"):
        services.parse_samples("2025-03-01,1")  # type: ignore[arg-type]
    assert len(services.parse_samples([("2025-03-01", 1)] * 10_000)) == 10_000


# --- ingestion --------------------------------------------------------------------------


def test_samples_add_upserts_in_one_statement_and_queues_days(actor: Actor, metric: Metric) -> None:
    samples = [("2025-01-01T00:00:00Z", 0)] + [
        ((dt.datetime(2025, 1, 1, tzinfo=UTC) + dt.timedelta(hours=h)).isoformat(), h) for h in range(1, 5000)
    ]
    with CaptureQueriesContext(connection) as queries:
        summary = services.samples_add(actor=actor, metric=metric, samples=samples)
    inserts = [q["sql"] for q in queries.captured_queries if "strategy_metricsample" in q["sql"]]
    assert len(inserts) == 1  # one INSERT … ON CONFLICT for all 5,000
    assert "ON CONFLICT" in inserts[0]
    assert len(queries.captured_queries) < 15  # whatever the batch size
    assert (summary.received, summary.distinct) == (5000, 5000)
    assert summary.first == dt.datetime(2025, 1, 1, tzinfo=UTC)
    assert summary.last == dt.datetime(2025, 1, 1, tzinfo=UTC) + dt.timedelta(hours=4999)
    assert MetricSample.objects.filter(metric=metric).count() == 5000
    days = set(MetricDirtyDay.objects.filter(metric=metric).values_list("day", flat=True))
    assert len(days) == 209  # 4,999 hours span 209 UTC days
    events = ActivityEvent.objects.filter(target_id=metric.pk, action="samples_added")
    assert events.count() == 1
    assert events.get().changes["count"] == {"from": None, "to": 5000}


def test_duplicates_in_a_batch_last_wins_and_resending_corrects(actor: Actor, metric: Metric) -> None:
    summary = services.samples_add(
        actor=actor,
        metric=metric,
        samples=[
            {"ts": "2025-03-01T10:00:00Z", "value": 1},
            {"ts": "2025-03-01T11:00:00+01:00", "value": 2},  # the same instant
            {"ts": "2025-03-01T12:00:00Z", "value": 5},
        ],
    )
    assert (summary.received, summary.distinct) == (3, 2)
    assert MetricSample.objects.get(metric=metric, ts=at("2025-03-01T10:00:00")).value == 2
    services.samples_add(actor=actor, metric=metric, samples=[("2025-03-01T12:00:00Z", 7)])
    assert MetricSample.objects.filter(metric=metric).count() == 2
    assert MetricSample.objects.get(metric=metric, ts=at("2025-03-01T12:00:00")).value == 7


def test_more_than_ten_thousand_is_rejected_and_nothing_is_stored(actor: Actor, metric: Metric) -> None:
    with pytest.raises(ValidationError) as exc:
        services.samples_add(actor=actor, metric=metric, samples=[("2025-03-01", 1)] * 10_001)
    assert "samples" in exc.value.fields
    assert not MetricSample.objects.exists()
    assert not MetricDirtyDay.objects.exists()


def test_one_bad_sample_stores_nothing(actor: Actor, metric: Metric) -> None:
    with pytest.raises(ValidationError):
        services.samples_add(actor=actor, metric=metric, samples=[("2025-03-01", 1), ("2025-03-02", float("inf"))])
    assert not MetricSample.objects.exists()


def test_sample_add_names_plain_fields(actor: Actor, metric: Metric) -> None:
    with pytest.raises(ValidationError) as exc:
        services.sample_add(actor=actor, metric=metric, ts="2025-03-01T10:00", value="x")
    assert set(exc.value.fields) == {"ts", "value"}
    sample = services.sample_add(actor=actor, metric=metric, ts="2025-03-01T10:00Z", value=3.5)
    assert sample.pk and sample.value == 3.5


def test_ingesting_into_a_deleted_metric_is_not_found(actor: Actor, metric: Metric) -> None:
    Metric.objects.filter(pk=metric.pk).delete()
    with pytest.raises(NotFound):
        services.samples_add(actor=actor, metric=metric, samples=[("2025-03-01", 1)])


def test_schedules_the_rollup_on_commit(actor: Actor, metric: Metric, django_capture_on_commit_callbacks: Any) -> None:
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        services.samples_add(actor=actor, metric=metric, samples=[("2025-03-01T05:00:00Z", 4)])
    assert len(callbacks) == 1
    assert not MetricDirtyDay.objects.exists()  # the (eager) task ran
    assert buckets(metric) == {"2025-03-01": 4}
    metric.refresh_from_db()
    assert metric.rolled_up_at is not None


# --- late and corrected samples reach the right buckets ---------------------------------------


def test_late_and_corrected_samples_update_their_buckets(actor: Actor, metric: Metric) -> None:
    services.samples_add(
        actor=actor,
        metric=metric,
        samples=[(f"2025-03-{d:02d}T12:00:00Z", d) for d in range(1, 32)],  # March: 1 + … + 31 = 496
    )
    rollup()
    assert buckets(metric, "month") == {"2025-03-01": 496}
    assert buckets(metric, "week")["2025-03-24"] == sum(range(24, 31))

    # A late sample for an old day, one just before midnight UTC (a UTC+2 time that is still
    # March 31 in UTC) and a correction of March 10.
    services.samples_add(
        actor=actor,
        metric=metric,
        samples=[
            ("2025-01-15T08:00:00Z", 100),
            ("2025-04-01T01:30:00+02:00", 1000),  # 2025-03-31T23:30Z
            ("2025-03-10T12:00:00Z", 50),  # was 10
        ],
    )
    assert buckets(metric, "month") == {"2025-03-01": 496}  # not rolled up yet
    rollup()
    assert buckets(metric, "month") == {"2025-01-01": 100, "2025-03-01": 496 + 1000 + 40}
    assert buckets(metric)["2025-03-31"] == 31 + 1000
    assert buckets(metric)["2025-03-10"] == 50
    assert buckets(metric, "week")["2025-01-13"] == 100
    assert buckets(metric, "week")["2025-03-10"] == 50 + sum(range(11, 17))


def test_deleted_samples_leave_their_buckets(actor: Actor, metric: Metric) -> None:
    summary = services.samples_add(
        actor=actor,
        metric=metric,
        samples=[("2025-03-01T01:00:00Z", 1), ("2025-03-01T02:00:00Z", 2), ("2025-03-05", 5)],
    )
    rollup()
    assert buckets(metric) == {"2025-03-01": 3, "2025-03-05": 5}
    first = next(s for s in summary.samples if s.value == 1)
    services.sample_delete(actor=actor, metric=metric, sample=first)
    rollup()
    assert buckets(metric) == {"2025-03-01": 2, "2025-03-05": 5}
    deleted = services.samples_delete_range(
        actor=actor, metric=metric, start=at("2025-03-04T00:00:00"), end=at("2025-03-06T00:00:00")
    )
    assert deleted == 1
    rollup()
    assert buckets(metric) == {"2025-03-01": 2}
    assert buckets(metric, "month") == {"2025-03-01": 2}
    actions = list(
        ActivityEvent.objects.filter(target_id=metric.pk, action="samples_deleted").values_list("changes", flat=True)
    )
    assert [a["count"]["from"] for a in actions] == [1, 1]


def test_delete_range_validation(actor: Actor, metric: Metric) -> None:
    with pytest.raises(ValidationError):
        services.samples_delete_range(
            actor=actor, metric=metric, start=at("2025-03-05T00:00:00"), end=at("2025-03-05T00:00:00")
        )
    # An empty range deletes nothing and records nothing.
    assert (
        services.samples_delete_range(
            actor=actor, metric=metric, start=at("2025-03-01T00:00:00"), end=at("2025-03-02T00:00:00")
        )
        == 0
    )
    assert not ActivityEvent.objects.filter(action="samples_deleted").exists()


def test_deleting_a_sample_of_another_metric_is_not_found(actor: Actor, product: Any, metric: Metric) -> None:
    other = services.metric_create(actor=actor, product=product, name="Other")
    sample = services.sample_add(actor=actor, metric=other, ts="2025-03-01", value=1)
    with pytest.raises(NotFound):
        services.sample_delete(actor=actor, metric=metric, sample=sample)
    assert MetricSample.objects.filter(pk=sample.pk).exists()


# --- CSV ----------------------------------------------------------------------------------


def csv_import(actor: Actor, metric: Metric, text: str | bytes) -> services.IngestSummary:
    content = text.encode() if isinstance(text, str) else text
    return services.samples_import_csv(actor=actor, metric=metric, content=content)


@pytest.mark.parametrize(
    "text",
    [
        "ts,value\n2025-03-01,1\n2025-03-02T10:00:00Z,2.5\n",
        "TS,Value\r\n2025-03-01,1\r\n2025-03-02T10:00:00Z,2.5\r\n",
        "value,date\n1,2025-03-01\n2.5,2025-03-02T10:00:00Z\n",
        "\ufefftimestamp;value\n2025-03-01;1\n2025-03-02T10:00:00Z;2,5\n",  # BOM, semicolons, decimal comma
        "time , value \n\n2025-03-01 , 1 \n\n2025-03-02T12:00:00+02:00,2.5\n\n",  # blank lines, spaces
        'ts,value\n"2025-03-01","1"\n"2025-03-02T10:00:00Z","2.5"',  # quoted, no final newline
    ],
)
def test_csv_variants(actor: Actor, metric: Metric, text: str) -> None:
    summary = csv_import(actor, metric, text)
    assert summary.distinct == 2
    values = dict(MetricSample.objects.filter(metric=metric).values_list("ts", "value"))
    assert values == {at("2025-03-01T00:00:00"): 1.0, at("2025-03-02T10:00:00"): 2.5}
    event = ActivityEvent.objects.get(target_id=metric.pk, action="samples_added")
    assert event.changes["source"]["to"] == "csv"


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (b"", "empty"),
        (b"\n\n", "empty"),
        (b"ts,value\n", "no samples"),
        (
            b"ts,amount\n2025-03-01,1\n",
            "Line 1: the header row is not ts,value. It needs one column named value. "
            "Remove the other columns: \u201camount\u201d.",
        ),
        (b"ts,value,note\n2025-03-01,1,x\n", "Remove the other columns: \u201cnote\u201d"),
        (b"ts,date,value\n2025-03-01,2025-03-01,1\n", "only one time column"),
        (b"ts,value\n2025-03-01,1\n2025-03-02T10:00,2\n", "Line 3: This time has no time zone"),
        (b"ts,value\n2025-03-01,abc\n", "Line 2: \u201cabc\u201d is not a number"),
        (b"ts,value\n2025-03-01,nan\n", "Line 2: The value must be a finite number"),
        (b"ts,value\n2025-03-01,1e999\n", "Line 2: The value must be a finite number"),
        (b"ts,value\n2025-03-01\n", "Line 2: expected 2 columns, found 1"),
        (b"ts,value\n2025-03-01,1\n\xff\xfe,2\n", "Line 3: the file is not UTF-8"),
        (b"ts,value\n2025-03-01,1\x00\n", "Line 2: the file contains a NUL"),
        (b'ts,value\n"2025-03-01,1\n', "not valid CSV"),
        (b"ts,value\n2025-03-01,3,5\n", "Line 2: expected 2 columns, found 3"),  # decimal comma needs ";"
    ],
)
def test_csv_errors(actor: Actor, metric: Metric, content: bytes, expected: str) -> None:
    with pytest.raises(ValidationError) as exc:
        csv_import(actor, metric, content)
    assert any(expected in line for line in exc.value.fields["file"]), exc.value.fields
    assert not MetricSample.objects.exists()


def test_csv_reports_the_first_twenty_errors_with_line_numbers(actor: Actor, metric: Metric) -> None:
    rows = "".join(f"2025-03-{d:02d},oops\n" for d in range(1, 26))
    with pytest.raises(ValidationError) as exc:
        csv_import(actor, metric, "ts,value\n" + rows)
    lines = exc.value.fields["file"]
    assert len(lines) == 21
    assert lines[0].startswith("Line 2:")
    assert lines[19].startswith("Line 21:")
    assert lines[20] == "… and 5 more."
    assert "25 invalid rows" in exc.value.message


def test_csv_size_and_row_limits(actor: Actor, metric: Metric) -> None:
    ok = "ts,value\n" + "".join(
        f"{(dt.datetime(2025, 1, 1, tzinfo=UTC) + dt.timedelta(minutes=i)).isoformat()},{i}\n" for i in range(10_000)
    )
    assert csv_import(actor, metric, ok).distinct == 10_000
    too_many = ok + "2026-01-01,1\n"
    with pytest.raises(ValidationError, match="Too many rows"):
        csv_import(actor, metric, too_many)
    too_big = b"ts,value\n" + b"2025-03-01," + b"1" * (2 * 1024 * 1024) + b"\n"
    with pytest.raises(ValidationError, match="too large"):
        csv_import(actor, metric, too_big)


# --- deleting selected samples ------------------------------------------------------------------


def test_delete_selected_samples_in_constant_statements(actor: Actor, metric: Metric) -> None:
    services.samples_add(actor=actor, metric=metric, samples=[(f"2025-03-{d:02d}T09:00:00Z", d) for d in range(1, 21)])
    MetricDirtyDay.objects.all().delete()
    ids = list(MetricSample.objects.filter(metric=metric).order_by("ts").values_list("pk", flat=True))
    with CaptureQueriesContext(connection) as few:
        assert services.samples_delete_selected(actor=actor, metric=metric, sample_ids=ids[:2]) == 2
    MetricDirtyDay.objects.all().delete()
    with CaptureQueriesContext(connection) as many:
        assert services.samples_delete_selected(actor=actor, metric=metric, sample_ids=ids[2:18]) == 16
    assert len(few) == len(many)
    assert MetricSample.objects.filter(metric=metric).count() == 2
    assert MetricDirtyDay.objects.filter(metric=metric).count() == 16


def test_delete_selected_refuses_nothing_too_many_and_others_samples(
    actor: Actor, metric: Metric, product: Any
) -> None:
    other = services.metric_create(actor=actor, product=product, name="Other")
    theirs = services.sample_add(actor=actor, metric=other, ts="2025-03-01", value=1)
    with pytest.raises(ValidationError) as nothing:
        services.samples_delete_selected(actor=actor, metric=metric, sample_ids=[])
    assert "sample" in nothing.value.fields
    with pytest.raises(ValidationError):
        services.samples_delete_selected(actor=actor, metric=metric, sample_ids=range(1, services.SELECTED_MAX + 2))
    with pytest.raises(NotFound):
        services.samples_delete_selected(actor=actor, metric=metric, sample_ids=[theirs.pk])
    assert MetricSample.objects.filter(pk=theirs.pk).exists()
