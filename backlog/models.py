"""Backlog data: what a product will build, in which order, and why.

Features (backlog items: epics, features, improvements, bugs) per product, with their workspace's
configurable statuses (each in a fixed category that progress and roadmaps read), their plan
(release, team), their prioritization inputs (RICE, MoSCoW, weighted scorecard values) and their
hand-made rank (a fractional key, `pmtool.ranking`). Scores have a history that says what caused
each change. Saved views keep a named filter and sort.

Models hold data and database constraints only; every workflow lives in backlog/services/, every
non-trivial read in backlog/selectors/, and the set-based score recompute in backlog/scoring.py.
"""

from __future__ import annotations

from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Lower
from django.utils import timezone

from pmtool.models import Product, User, Workspace
from pmtool.ranking import RankField
from strategy.models import Initiative

TEXT_MAX = 10_000  # Markdown fields
TITLE_MAX = 200
NAME_MAX = 80
REACH_MAX = 1_000_000_000  # people per period
EFFORT_MAX = 10_000  # person-months
CAPACITY_MAX = 10_000  # person-months per month


# --- workspace statuses ---------------------------------------------------------------


class StatusCategory(models.TextChoices):
    """The fixed meaning of a status: progress and roadmaps read this, never a status's name."""

    BACKLOG = "backlog", "Backlog"
    PLANNED = "planned", "Planned"
    IN_PROGRESS = "in_progress", "In progress"
    DONE = "done", "Done"
    WONT_DO = "wont_do", "Won't do"


DEFAULT_STATUSES: tuple[tuple[str, str, str], ...] = (
    # (name, colour, category), in order
    ("New", "#64748b", StatusCategory.BACKLOG),
    ("Under consideration", "#0ea5e9", StatusCategory.BACKLOG),
    ("Planned", "#6366f1", StatusCategory.PLANNED),
    ("In development", "#f59e0b", StatusCategory.IN_PROGRESS),
    ("In review", "#d97706", StatusCategory.IN_PROGRESS),
    ("Shipped", "#16a34a", StatusCategory.DONE),
    ("Won't do", "#9ca3af", StatusCategory.WONT_DO),
)


class FeatureStatus(models.Model):
    """A workspace's status for features: its name, colour and place in the list, in a fixed category."""

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="feature_statuses")
    name = models.CharField(max_length=NAME_MAX)
    colour = models.CharField(max_length=7, default="#64748b")
    category = models.CharField(max_length=12, choices=StatusCategory.choices, default=StatusCategory.BACKLOG)
    position = models.PositiveIntegerField(default=0)
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ("position", "id")
        verbose_name_plural = "feature statuses"
        constraints = [
            models.UniqueConstraint(Lower("name"), "workspace", name="feature_status_name_unique"),
            models.CheckConstraint(
                condition=Q(category__in=StatusCategory.values), name="feature_status_category_valid"
            ),
            models.CheckConstraint(condition=Q(colour__regex=r"^#[0-9a-f]{6}$"), name="feature_status_colour_hex"),
        ]

    def __str__(self) -> str:
        return self.name


# --- the plan: releases and teams -----------------------------------------------------


class ReleaseStatus(models.TextChoices):
    PLANNED = "planned", "Planned"
    IN_PROGRESS = "in_progress", "In progress"
    RELEASED = "released", "Released"


class Release(models.Model):
    """A product's release: when features ship."""

    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="releases")
    name = models.CharField(max_length=NAME_MAX)
    description = models.TextField(blank=True, max_length=TEXT_MAX)
    start_date = models.DateField(null=True, blank=True)
    release_date = models.DateField(null=True, blank=True)
    status = models.CharField(max_length=12, choices=ReleaseStatus.choices, default=ReleaseStatus.PLANNED)
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        ordering = (F("release_date").asc(nulls_last=True), "name", "id")
        constraints = [
            models.UniqueConstraint(Lower("name"), "product", name="release_name_unique"),
            models.CheckConstraint(condition=Q(status__in=ReleaseStatus.values), name="release_status_valid"),
            models.CheckConstraint(
                condition=Q(start_date__isnull=True)
                | Q(release_date__isnull=True)
                | Q(release_date__gte=F("start_date")),
                name="release_dates_ordered",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class Team(models.Model):
    """A workspace's team: who builds features, and how much it can take on (person-months per month)."""

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="teams")
    name = models.CharField(max_length=NAME_MAX)
    description = models.TextField(blank=True, max_length=TEXT_MAX)
    members = models.ManyToManyField(User, blank=True, related_name="teams")
    capacity = models.DecimalField(max_digits=7, decimal_places=2, null=True, blank=True)
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        ordering = ("name", "id")
        constraints = [
            models.UniqueConstraint(Lower("name"), "workspace", name="team_name_unique"),
            models.CheckConstraint(
                condition=Q(capacity__isnull=True) | Q(capacity__gte=0, capacity__lte=CAPACITY_MAX),
                name="team_capacity_range",
            ),
        ]

    def __str__(self) -> str:
        return self.name


# --- per product: which frameworks the backlog shows, and its scorecard -------------------


class Framework(models.TextChoices):
    RICE = "rice", "RICE"
    MOSCOW = "moscow", "MoSCoW"
    SCORECARD = "scorecard", "Weighted scorecard"


class BacklogSettings(models.Model):
    """A product's backlog settings, and the bookkeeping of its background work.

    `frameworks` lists the prioritization frameworks the product shows (Framework values, in order).
    `scores_requested_at` / `scores_computed_at` let a burst of scorecard changes coalesce into few
    recomputes; `rekey_requested_at` marks a product whose rank keys have grown long."""

    product = models.OneToOneField(Product, on_delete=models.CASCADE, related_name="backlog_settings")
    frameworks = models.JSONField(default=list, blank=True)
    version = models.PositiveIntegerField(default=1)
    updated_at = models.DateTimeField(default=timezone.now)
    scores_requested_at = models.DateTimeField(null=True, blank=True)
    scores_computed_at = models.DateTimeField(null=True, blank=True)
    rekey_requested_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name_plural = "backlog settings"

    def __str__(self) -> str:
        return f"Backlog settings of {self.product_id}"


class CriterionDirection(models.TextChoices):
    BENEFIT = "benefit", "Benefit (higher is better)"
    COST = "cost", "Cost (lower is better)"


class ScorecardCriterion(models.Model):
    """One criterion of a product's weighted scorecard: a value on [scale_min, scale_max], weighted."""

    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="scorecard_criteria")
    name = models.CharField(max_length=NAME_MAX)
    description = models.TextField(blank=True, max_length=TEXT_MAX)
    weight = models.PositiveIntegerField(default=1)
    direction = models.CharField(max_length=8, choices=CriterionDirection.choices, default=CriterionDirection.BENEFIT)
    scale_min = models.SmallIntegerField(default=1)
    scale_max = models.SmallIntegerField(default=5)
    position = models.PositiveIntegerField(default=0)
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ("position", "id")
        verbose_name_plural = "scorecard criteria"
        constraints = [
            models.UniqueConstraint(Lower("name"), "product", name="criterion_name_unique"),
            models.CheckConstraint(condition=Q(weight__gte=1, weight__lte=100), name="criterion_weight_range"),
            models.CheckConstraint(condition=Q(scale_max__gt=F("scale_min")), name="criterion_scale_ordered"),
            models.CheckConstraint(
                condition=Q(direction__in=CriterionDirection.values), name="criterion_direction_valid"
            ),
        ]

    def __str__(self) -> str:
        return self.name


# --- features ---------------------------------------------------------------------------


class FeatureType(models.TextChoices):
    EPIC = "epic", "Epic"
    FEATURE = "feature", "Feature"
    IMPROVEMENT = "improvement", "Improvement"
    BUG = "bug", "Bug"


class MoSCoW(models.TextChoices):
    MUST = "must", "Must have"
    SHOULD = "should", "Should have"
    COULD = "could", "Could have"
    WONT = "wont", "Won't have (this time)"


RICE_IMPACTS = ("0.25", "0.5", "1", "2", "3")
"""The RICE impact scale: minimal, low, medium, high, massive."""


TAG_MAX = 40  # a tag's name: features' tags, the tag pages and the API
TAG_DESCRIPTION_MAX = 200


class Tag(models.Model):
    """A workspace's tag for features (matched without regard to case). Created on the fly when a
    feature names a new one; managed (renamed, recoloured, merged, deleted) in backlog/services/tags.py.
    An empty `colour` means the default look."""

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="feature_tags")
    name = models.CharField(max_length=TAG_MAX)
    colour = models.CharField(max_length=7, blank=True, default="")
    description = models.CharField(max_length=TAG_DESCRIPTION_MAX, blank=True, default="")
    version = models.PositiveIntegerField(default=1)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ("name", "id")
        constraints = [
            models.UniqueConstraint(Lower("name"), "workspace", name="tag_name_unique"),
            models.CheckConstraint(condition=Q(colour="") | Q(colour__regex=r"^#[0-9a-f]{6}$"), name="tag_colour_hex"),
        ]

    def __str__(self) -> str:
        return self.name


class Feature(models.Model):
    """A backlog item of a product.

    `rank` is its place in the hand-made order (unique per product). `rice_score` and
    `scorecard_score` are stored results of the formulas in backlog/scoring.py: the RICE score is
    written with the inputs (same request), the scorecard score by the set-based recompute."""

    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="features")
    title = models.CharField(max_length=TITLE_MAX)
    description = models.TextField(blank=True, max_length=TEXT_MAX)
    type = models.CharField(max_length=12, choices=FeatureType.choices, default=FeatureType.FEATURE)
    parent = models.ForeignKey("self", null=True, blank=True, on_delete=models.SET_NULL, related_name="children")
    status = models.ForeignKey(FeatureStatus, on_delete=models.PROTECT, related_name="features")
    owner = models.ForeignKey(User, null=True, blank=True, on_delete=models.SET_NULL, related_name="owned_features")
    tags = models.ManyToManyField(Tag, blank=True, related_name="features")
    initiative = models.ForeignKey(
        Initiative, null=True, blank=True, on_delete=models.SET_NULL, related_name="features"
    )
    release = models.ForeignKey(Release, null=True, blank=True, on_delete=models.SET_NULL, related_name="features")
    team = models.ForeignKey(Team, null=True, blank=True, on_delete=models.SET_NULL, related_name="features")
    start_date = models.DateField(null=True, blank=True)
    due_date = models.DateField(null=True, blank=True)
    # RICE inputs (any may be empty: then the score is empty, never zero)
    reach = models.PositiveIntegerField(null=True, blank=True)
    impact = models.DecimalField(max_digits=3, decimal_places=2, null=True, blank=True)
    confidence = models.PositiveSmallIntegerField(null=True, blank=True)  # percent
    effort = models.DecimalField(max_digits=8, decimal_places=2, null=True, blank=True)  # person-months
    rice_score = models.FloatField(null=True, blank=True)
    moscow = models.CharField(max_length=8, choices=MoSCoW.choices, blank=True, default="")
    scorecard_score = models.FloatField(null=True, blank=True)  # 0..100
    rank = RankField()
    archived_at = models.DateTimeField(null=True, blank=True)
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    updated_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        ordering = ("rank",)
        constraints = [
            models.UniqueConstraint("product", "rank", name="feature_rank_unique"),
            models.CheckConstraint(condition=Q(type__in=FeatureType.values), name="feature_type_valid"),
            models.CheckConstraint(condition=Q(moscow__in=["", *MoSCoW.values]), name="feature_moscow_valid"),
            models.CheckConstraint(
                condition=Q(reach__isnull=True) | Q(reach__lte=REACH_MAX), name="feature_reach_range"
            ),
            models.CheckConstraint(
                condition=Q(impact__isnull=True) | Q(impact__in=[0.25, 0.5, 1, 2, 3]), name="feature_impact_scale"
            ),
            models.CheckConstraint(
                condition=Q(confidence__isnull=True) | Q(confidence__lte=100), name="feature_confidence_percent"
            ),
            models.CheckConstraint(
                condition=Q(effort__isnull=True) | Q(effort__gt=0, effort__lte=EFFORT_MAX),
                name="feature_effort_positive",
            ),
            models.CheckConstraint(
                condition=Q(start_date__isnull=True) | Q(due_date__isnull=True) | Q(due_date__gte=F("start_date")),
                name="feature_dates_ordered",
            ),
            models.CheckConstraint(condition=~Q(parent=F("id")), name="feature_not_own_parent"),
        ]
        indexes = [
            models.Index(fields=("product", "status"), name="feature_product_status"),
            models.Index(fields=("product", "rice_score"), name="feature_product_rice"),
            models.Index(fields=("product", "scorecard_score"), name="feature_product_scorecard"),
            models.Index(fields=("initiative",), name="feature_initiative"),
            models.Index(fields=("parent",), name="feature_parent"),
            # the backlog's score sorts (best first, unscored last, then rank): keyset pages read them in order
            models.Index(
                F("product"), F("rice_score").desc(nulls_last=True), F("rank"), name="feature_product_rice_order"
            ),
            models.Index(
                F("product"),
                F("scorecard_score").desc(nulls_last=True),
                F("rank"),
                name="feature_product_card_order",
            ),
        ]

    def __str__(self) -> str:
        return self.title


class CriterionValue(models.Model):
    """A feature's value on one scorecard criterion."""

    feature = models.ForeignKey(Feature, on_delete=models.CASCADE, related_name="criterion_values")
    criterion = models.ForeignKey(ScorecardCriterion, on_delete=models.CASCADE, related_name="values")
    value = models.SmallIntegerField()

    class Meta:
        constraints = [models.UniqueConstraint("feature", "criterion", name="criterion_value_unique")]
        indexes = [models.Index(fields=("criterion", "feature"), name="criterion_value_by_criterion")]

    def __str__(self) -> str:
        return f"{self.criterion_id}={self.value}"


# --- score and rank history -------------------------------------------------------------------


class ScoreCause(models.TextChoices):
    CREATED = "created", "Created"
    INPUT_EDITED = "input_edited", "Input edited"
    CRITERION_CHANGED = "criterion_changed", "Scorecard changed"
    RECOMPUTE = "recompute", "Recomputed"
    MOVED = "moved", "Moved by hand"
    IMPORTED = "imported", "Imported"


class ScoreEvent(models.Model):
    """What changed a product's scores or ranks, once: who or what, when, and the detail (e.g. which
    criterion was reweighted from what to what). Each feature it touched has a ScoreHistory row."""

    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="score_events")
    cause = models.CharField(max_length=20, choices=ScoreCause.choices)
    actor_user = models.ForeignKey(User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    actor_label = models.CharField(max_length=160)
    detail = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ("-created_at", "-id")
        indexes = [models.Index(fields=("product", "created_at"), name="score_event_product_at")]

    def __str__(self) -> str:
        return f"{self.cause} at {self.created_at:%Y-%m-%d %H:%M}"


class ScoreHistory(models.Model):
    """One feature's scores and rank key right after a ScoreEvent (only rows that changed)."""

    event = models.ForeignKey(ScoreEvent, on_delete=models.CASCADE, related_name="rows")
    feature = models.ForeignKey(Feature, on_delete=models.CASCADE, related_name="score_history")
    rice_score = models.FloatField(null=True, blank=True)
    scorecard_score = models.FloatField(null=True, blank=True)
    rank = RankField(blank=True, default="")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ("-created_at", "-id")
        verbose_name_plural = "score history"
        indexes = [models.Index(fields=("feature", "created_at"), name="score_history_feature_at")]

    def __str__(self) -> str:
        return f"{self.feature_id} after {self.event_id}"


# --- saved views --------------------------------------------------------------------------------


class SavedView(models.Model):
    """A named filter and sort of a product's backlog: personal (owner only) or shared with the workspace."""

    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="saved_views")
    owner = models.ForeignKey(User, on_delete=models.CASCADE, related_name="saved_views")
    name = models.CharField(max_length=NAME_MAX)
    shared = models.BooleanField(default=False)
    query = models.JSONField(default=dict, blank=True)  # the backlog filter form's values, sort included
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ("name", "id")
        constraints = [models.UniqueConstraint(Lower("name"), "product", "owner", name="saved_view_name_unique")]

    def __str__(self) -> str:
        return self.name


# --- CSV import jobs ------------------------------------------------------------------------------


class ImportJobStatus(models.TextChoices):
    UPLOADED = "uploaded", "Uploaded"
    IMPORTED = "imported", "Imported"


class ImportJob(models.Model):
    """A CSV upload between the import steps (upload → column mapping → validation → import): the
    decoded text, the chosen mapping, and whether it was imported. Jobs older than a day are
    deleted when the next upload starts (backlog.services.csv_import.import_job_create)."""

    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="import_jobs")
    created_by = models.ForeignKey(User, on_delete=models.CASCADE, related_name="+")
    filename = models.CharField(max_length=200, blank=True)
    text = models.TextField()
    encoding = models.CharField(max_length=20)
    delimiter = models.CharField(max_length=1)
    mapping = models.JSONField(default=dict, blank=True)  # {column index: field name or ""}
    status = models.CharField(max_length=10, choices=ImportJobStatus.choices, default=ImportJobStatus.UPLOADED)
    created_count = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ("-created_at", "-id")
        indexes = [models.Index(fields=("created_at",), name="import_job_created_at")]

    def __str__(self) -> str:
        return self.filename or f"Import {self.pk}"
