"""Strategy data: the "why" of a product.

Vision (one per product, with full revisions), goals with key results, initiatives
(themes that features will roll up to), personas, competitors, and product metrics
with their samples and day/week/month rollups.

Models hold data and database constraints only; every workflow lives in
strategy/services/, every non-trivial read in strategy/selectors.py, and the
set-based rollups in strategy/rollups.py.
"""

from __future__ import annotations

import datetime as dt

from django.db import models
from django.db.models import Case, F, Q, Value, When
from django.db.models.functions import Greatest, Least, Now
from django.utils import timezone

from pmtool.models import Product, User, Workspace

TEXT_MAX = 10_000  # Markdown fields
TITLE_MAX = 200


# --- vision -------------------------------------------------------------------

VISION_FIELDS = ("statement", "target_customers", "problem", "differentiation", "business_model")


class Vision(models.Model):
    """A product's vision. Created on its first edit; every edit stores a VisionRevision."""

    product = models.OneToOneField(Product, on_delete=models.CASCADE, related_name="vision")
    statement = models.TextField(blank=True, max_length=TEXT_MAX)
    target_customers = models.TextField(blank=True, max_length=TEXT_MAX)
    problem = models.TextField(blank=True, max_length=TEXT_MAX)
    differentiation = models.TextField(blank=True, max_length=TEXT_MAX)
    business_model = models.TextField(blank=True, max_length=TEXT_MAX)
    version = models.PositiveIntegerField(default=1)
    updated_at = models.DateTimeField(default=timezone.now)
    updated_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    def __str__(self) -> str:
        return f"Vision of {self.product.name}"


class VisionRevision(models.Model):
    """A full copy of the vision after one edit (number == the vision's version then)."""

    vision = models.ForeignKey(Vision, on_delete=models.CASCADE, related_name="revisions")
    number = models.PositiveIntegerField()
    statement = models.TextField(blank=True)
    target_customers = models.TextField(blank=True)
    problem = models.TextField(blank=True)
    differentiation = models.TextField(blank=True)
    business_model = models.TextField(blank=True)
    author = models.ForeignKey(User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    author_label = models.CharField(max_length=160)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ("-number",)
        constraints = [models.UniqueConstraint(fields=("vision", "number"), name="visionrevision_unique_number")]

    def __str__(self) -> str:
        return f"Vision revision {self.number}"


# --- goals and key results --------------------------------------------------------


class GoalStatus(models.TextChoices):
    """Where a goal stands. The last two are derived only: a goal with nothing measured has no
    on-track/off-track reading, and nobody sets "no key results" by hand."""

    ON_TRACK = "on_track", "On track"
    AT_RISK = "at_risk", "At risk"
    OFF_TRACK = "off_track", "Off track"
    DONE = "done", "Done"
    MISSED = "missed", "Missed"
    NO_KEY_RESULTS = "no_key_results", "No key results yet"
    NOT_MEASURED = "not_measured", "Not measured yet"


class ManualGoalStatus(models.TextChoices):
    """The statuses a person may set by hand (GoalStatus without the "nothing measured" ones)."""

    ON_TRACK = GoalStatus.ON_TRACK.value, GoalStatus.ON_TRACK.label
    AT_RISK = GoalStatus.AT_RISK.value, GoalStatus.AT_RISK.label
    OFF_TRACK = GoalStatus.OFF_TRACK.value, GoalStatus.OFF_TRACK.label
    DONE = GoalStatus.DONE.value, GoalStatus.DONE.label
    MISSED = GoalStatus.MISSED.value, GoalStatus.MISSED.label


class StatusSource(models.TextChoices):
    DERIVED = "derived", "Derived from progress and time"
    MANUAL = "manual", "Set by hand"


class Goal(models.Model):
    """An objective. `product` empty = a company goal; a product goal may have a company goal as parent.

    `progress` (0–100, empty when nothing is measured) and, when `status_source` is derived, `status`
    are written by the rollup (strategy.rollups.goals_recompute), never by a request. A new goal has
    no key results, so its status starts as "no key results yet".
    """

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="goals")
    product = models.ForeignKey(Product, null=True, blank=True, on_delete=models.CASCADE, related_name="goals")
    parent = models.ForeignKey("self", null=True, blank=True, on_delete=models.SET_NULL, related_name="children")
    title = models.CharField(max_length=TITLE_MAX)
    description = models.TextField(blank=True, max_length=TEXT_MAX)
    owner = models.ForeignKey(User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    start_date = models.DateField(null=True, blank=True)
    end_date = models.DateField(null=True, blank=True)
    status = models.CharField(max_length=20, choices=GoalStatus.choices, default=GoalStatus.NO_KEY_RESULTS)
    status_source = models.CharField(max_length=10, choices=StatusSource.choices, default=StatusSource.DERIVED)
    progress = models.FloatField(null=True, blank=True)
    progress_updated_at = models.DateTimeField(null=True, blank=True)
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        ordering = ("start_date", "title", "id")
        constraints = [
            models.CheckConstraint(condition=Q(status__in=GoalStatus.values), name="goal_status_valid"),
            models.CheckConstraint(condition=Q(status_source__in=StatusSource.values), name="goal_status_source_valid"),
            models.CheckConstraint(
                condition=Q(start_date__isnull=True) | Q(end_date__isnull=True) | Q(end_date__gte=F("start_date")),
                name="goal_dates_ordered",
            ),
            models.CheckConstraint(
                condition=Q(progress__isnull=True) | (Q(progress__gte=0) & Q(progress__lte=100)),
                name="goal_progress_range",
            ),
        ]
        indexes = [
            models.Index(fields=("workspace", "product", "start_date"), name="goal_ws_product"),
        ]

    def __str__(self) -> str:
        return self.title

    def expected_progress(self, today: dt.date | None = None) -> float | None:
        """How far along the time frame is, in percent (None without both dates)."""
        if self.start_date is None or self.end_date is None:
            return None
        today = today or timezone.localdate()
        if today >= self.end_date:
            return 100.0
        if today <= self.start_date:
            return 0.0
        return 100.0 * (today - self.start_date).days / max((self.end_date - self.start_date).days, 1)


class KeyResultKind(models.TextChoices):
    METRIC = "metric", "Measured (baseline → target)"
    MANUAL = "manual", "Manual (percent done)"


class Direction(models.TextChoices):
    UP = "up", "Higher is better"
    DOWN = "down", "Lower is better"


class Period(models.TextChoices):
    DAY = "day", "Day"
    WEEK = "week", "Week"
    MONTH = "month", "Month"


def _key_result_progress() -> Case:
    """Percent done, 0–100: manual → the percent; measured → where current sits between baseline
    and target (works for both directions: the target is below the baseline when lower is better)."""
    measured = Greatest(
        Value(0.0),
        Least(Value(100.0), (F("current") - F("baseline")) * Value(100.0) / (F("target") - F("baseline"))),
    )
    return Case(
        When(kind=KeyResultKind.MANUAL, then=F("percent")),
        When(
            Q(current__isnull=False, baseline__isnull=False, target__isnull=False) & ~Q(target=F("baseline")),
            then=measured,
        ),
        default=Value(None),
        output_field=models.FloatField(),
    )


class KeyResult(models.Model):
    """A measurable result of a goal. A measured one may be bound to a metric: its `current` is
    then the value of the metric's latest `metric_period` bucket, written by the rollup."""

    goal = models.ForeignKey(Goal, on_delete=models.CASCADE, related_name="key_results")
    title = models.CharField(max_length=TITLE_MAX)
    kind = models.CharField(max_length=10, choices=KeyResultKind.choices, default=KeyResultKind.METRIC)
    metric = models.ForeignKey("Metric", null=True, blank=True, on_delete=models.SET_NULL, related_name="key_results")
    metric_period = models.CharField(max_length=5, choices=Period.choices, default=Period.MONTH)
    unit = models.CharField(max_length=40, blank=True)
    direction = models.CharField(max_length=4, choices=Direction.choices, default=Direction.UP)
    baseline = models.FloatField(null=True, blank=True)
    target = models.FloatField(null=True, blank=True)
    current = models.FloatField(null=True, blank=True)
    current_updated_at = models.DateTimeField(null=True, blank=True)
    percent = models.FloatField(null=True, blank=True)
    weight = models.PositiveSmallIntegerField(default=1)
    position = models.PositiveIntegerField(default=0)
    progress = models.GeneratedField(
        expression=_key_result_progress(), output_field=models.FloatField(), db_persist=True
    )
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ("position", "id")
        constraints = [
            models.CheckConstraint(condition=Q(kind__in=KeyResultKind.values), name="keyresult_kind_valid"),
            models.CheckConstraint(condition=Q(direction__in=Direction.values), name="keyresult_direction_valid"),
            models.CheckConstraint(condition=Q(metric_period__in=Period.values), name="keyresult_period_valid"),
            models.CheckConstraint(
                condition=Q(percent__isnull=True) | (Q(percent__gte=0) & Q(percent__lte=100)),
                name="keyresult_percent_range",
            ),
            models.CheckConstraint(condition=Q(weight__gte=1) & Q(weight__lte=100), name="keyresult_weight_range"),
        ]
        indexes = [models.Index(fields=("metric", "metric_period"), name="keyresult_metric")]

    def __str__(self) -> str:
        return self.title


# --- initiatives ----------------------------------------------------------------


class InitiativeStatus(models.TextChoices):
    PROPOSED = "proposed", "Proposed"
    ACTIVE = "active", "Active"
    ON_HOLD = "on_hold", "On hold"
    DONE = "done", "Done"
    CANCELLED = "cancelled", "Cancelled"


class Initiative(models.Model):
    """A theme: the "why" that features (backlog) roll up to and roadmaps group by.

    `product` empty = a workspace-wide initiative. `progress` (0–100, empty without counted
    features) is its features' done share, with `features_done` of `features_counted` (won't-do
    features are not counted); the backlog writes them set-based (backlog/services/progress.py):
    strategy never imports the backlog."""

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="initiatives")
    product = models.ForeignKey(Product, null=True, blank=True, on_delete=models.CASCADE, related_name="initiatives")
    title = models.CharField(max_length=TITLE_MAX)
    description = models.TextField(blank=True, max_length=TEXT_MAX)
    colour = models.CharField(max_length=7, default="#4f46e5")
    status = models.CharField(max_length=10, choices=InitiativeStatus.choices, default=InitiativeStatus.PROPOSED)
    start_date = models.DateField(null=True, blank=True)
    end_date = models.DateField(null=True, blank=True)
    goals = models.ManyToManyField(Goal, blank=True, related_name="initiatives")
    progress = models.FloatField(null=True, blank=True)
    progress_updated_at = models.DateTimeField(null=True, blank=True)
    features_done = models.PositiveIntegerField(default=0)
    features_counted = models.PositiveIntegerField(default=0)
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        ordering = ("start_date", "title", "id")
        constraints = [
            models.CheckConstraint(condition=Q(status__in=InitiativeStatus.values), name="initiative_status_valid"),
            models.CheckConstraint(condition=Q(colour__regex=r"^#[0-9a-f]{6}$"), name="initiative_colour_hex"),
            models.CheckConstraint(
                condition=Q(progress__isnull=True) | (Q(progress__gte=0) & Q(progress__lte=100)),
                name="initiative_progress_range",
            ),
            models.CheckConstraint(
                condition=Q(start_date__isnull=True) | Q(end_date__isnull=True) | Q(end_date__gte=F("start_date")),
                name="initiative_dates_ordered",
            ),
        ]
        indexes = [models.Index(fields=("workspace", "product", "start_date"), name="initiative_ws_product")]

    def __str__(self) -> str:
        return self.title


# --- personas and competitors -------------------------------------------------------


class Persona(models.Model):
    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="personas")
    name = models.CharField(max_length=120)
    role = models.CharField(max_length=120, blank=True)
    goals = models.TextField(blank=True, max_length=TEXT_MAX)
    pains = models.TextField(blank=True, max_length=TEXT_MAX)
    quote = models.TextField(blank=True, max_length=1000)
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ("name", "id")
        indexes = [models.Index(fields=("product", "name", "id"), name="persona_product_name")]

    def __str__(self) -> str:
        return self.name


class ThreatLevel(models.TextChoices):
    LOW = "low", "Low"
    MEDIUM = "medium", "Medium"
    HIGH = "high", "High"


class Competitor(models.Model):
    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="competitors")
    name = models.CharField(max_length=120)
    website = models.URLField(blank=True, max_length=300)
    positioning = models.TextField(blank=True, max_length=TEXT_MAX)
    strengths = models.TextField(blank=True, max_length=TEXT_MAX)
    weaknesses = models.TextField(blank=True, max_length=TEXT_MAX)
    pricing_notes = models.TextField(blank=True, max_length=TEXT_MAX)
    threat_level = models.CharField(max_length=6, choices=ThreatLevel.choices, default=ThreatLevel.MEDIUM)
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ("name", "id")
        constraints = [
            models.CheckConstraint(condition=Q(threat_level__in=ThreatLevel.values), name="competitor_threat_valid"),
        ]
        indexes = [models.Index(fields=("product", "name", "id"), name="competitor_product_name")]

    def __str__(self) -> str:
        return self.name


# --- metrics ----------------------------------------------------------------------


class Aggregation(models.TextChoices):
    SUM = "sum", "Sum"
    AVERAGE = "average", "Average"
    LAST = "last", "Last value"
    COUNT = "count", "Count of samples"


class Metric(models.Model):
    """A product KPI. Samples are (time, value); a time identifies its sample, so sending a
    sample for a time that has one replaces its value (a correction). Rollups are in UTC."""

    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="metrics")
    name = models.CharField(max_length=120)
    description = models.TextField(blank=True, max_length=TEXT_MAX)
    unit = models.CharField(max_length=40, blank=True)
    direction = models.CharField(max_length=4, choices=Direction.choices, default=Direction.UP)
    aggregation = models.CharField(max_length=8, choices=Aggregation.choices, default=Aggregation.SUM)
    # When the rollup last brought this metric's buckets up to date (None: never had samples rolled up).
    rolled_up_at = models.DateTimeField(null=True, blank=True)
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        ordering = ("name", "id")
        constraints = [
            models.UniqueConstraint(fields=("product", "name"), name="metric_unique_name"),
            models.CheckConstraint(condition=Q(direction__in=Direction.values), name="metric_direction_valid"),
            models.CheckConstraint(condition=Q(aggregation__in=Aggregation.values), name="metric_aggregation_valid"),
        ]

    def __str__(self) -> str:
        return self.name


class MetricSample(models.Model):
    id = models.BigAutoField(primary_key=True)
    metric = models.ForeignKey(Metric, on_delete=models.CASCADE, related_name="samples", db_index=False)
    ts = models.DateTimeField()
    value = models.FloatField()

    class Meta:
        ordering = ("metric", "ts")
        constraints = [models.UniqueConstraint(fields=("metric", "ts"), name="metricsample_unique_time")]

    def __str__(self) -> str:
        return f"{self.metric_id}@{self.ts:%Y-%m-%dT%H:%M:%S}={self.value}"


class MetricRollup(models.Model):
    """One bucket of a metric: day (UTC date), week (its Monday) or month (its first day).

    Carries count/sum/min/max/last so weeks and months are rolled up from days, and `value`:
    the metric's aggregation applied (sum, sum/count, last value, or count)."""

    id = models.BigAutoField(primary_key=True)
    metric = models.ForeignKey(Metric, on_delete=models.CASCADE, related_name="rollups", db_index=False)
    period = models.CharField(max_length=5, choices=Period.choices)
    bucket = models.DateField()
    count = models.BigIntegerField()
    sum = models.FloatField()
    min = models.FloatField()
    max = models.FloatField()
    last_ts = models.DateTimeField()
    # The value of the bucket's last sample: kept only for metrics aggregated by last value (for the
    # others nobody reads it, and finding it costs a lookup per bucket).
    last_value = models.FloatField(null=True, blank=True)
    value = models.FloatField()

    class Meta:
        ordering = ("metric", "period", "bucket")
        constraints = [
            models.UniqueConstraint(fields=("metric", "period", "bucket"), name="metricrollup_unique_bucket"),
        ]

    def __str__(self) -> str:
        return f"{self.metric_id} {self.period} {self.bucket}: {self.value}"


class MetricDirtyDay(models.Model):
    """The rollup's to-do list: (metric, UTC day) pairs whose samples changed since the last run.

    Written in the same transaction as the samples (an upsert that locks the row), consumed by
    strategy.rollups.rollup_pending (DELETE … RETURNING), so a sample committed while a rollup
    runs is never lost: either the rollup sees it, or its day stays on the list."""

    id = models.BigAutoField(primary_key=True)
    metric = models.ForeignKey(Metric, on_delete=models.CASCADE, related_name="+", db_index=False)
    day = models.DateField()
    # When the day was first queued (a re-queue keeps it): /healthz calls a backlog whose oldest
    # entry waits too long "stuck". A database default, as the queue is written in raw SQL.
    queued_at = models.DateTimeField(db_default=Now())

    class Meta:
        constraints = [models.UniqueConstraint(fields=("metric", "day"), name="metricdirtyday_unique")]

    def __str__(self) -> str:
        return f"{self.metric_id} {self.day}"


class MetricRollupFailure(models.Model):
    """A (metric, UTC day) the rollup could not compute, set aside so it blocks nothing else.

    The rollup retries a failing batch per metric, then per day; a day that still fails lands
    here with the database's error and is retried with backoff (`retry_at`) by later runs. A
    success (or new samples of that day rolling up) deletes the row. Shown on the metric's page
    and counted by /healthz."""

    id = models.BigAutoField(primary_key=True)
    metric = models.ForeignKey(Metric, on_delete=models.CASCADE, related_name="rollup_failures", db_index=False)
    day = models.DateField()
    error = models.TextField()
    attempts = models.PositiveIntegerField(default=1)
    first_failed_at = models.DateTimeField(default=timezone.now)
    last_failed_at = models.DateTimeField(default=timezone.now)
    retry_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ("metric", "day")
        constraints = [models.UniqueConstraint(fields=("metric", "day"), name="metricrollupfailure_unique")]
        indexes = [models.Index(fields=("retry_at",), name="metricrollupfailure_retry")]

    def __str__(self) -> str:
        return f"{self.metric_id} {self.day}: {self.error[:60]}"
