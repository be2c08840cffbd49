"""Reads of the plan: a workspace's statuses, a product's releases (with feature counts by
category), a workspace's teams (with members) and a product's backlog settings. Each list is a
queryset of constant query count whatever its length."""

from __future__ import annotations

from django.db.models import Count, F, Prefetch, Q, QuerySet, Window
from django.db.models.functions import RowNumber
from django.utils import timezone

from pmtool.models import Product, User, Workspace

from ..models import BacklogSettings, Feature, FeatureStatus, Framework, Release, StatusCategory, Team

CATEGORY_COUNTS = {f"features_{c.value}": c.value for c in StatusCategory}
"""The annotation names of a release's feature counts: features_backlog, features_planned, …"""


def statuses_of(workspace: Workspace | int) -> QuerySet[FeatureStatus]:
    """A workspace's statuses in order, each with `feature_count` (archived features included)."""
    workspace_id = workspace if isinstance(workspace, int) else workspace.pk
    return (
        FeatureStatus.objects.filter(workspace_id=workspace_id)
        .annotate(feature_count=Count("features"))
        .order_by("position", "id")
    )


def status_detail(status: FeatureStatus) -> FeatureStatus:
    """One status with `feature_count`."""
    return statuses_of(status.workspace_id).get(pk=status.pk)


def releases_of(product: Product | int, *, status: str | None = None) -> QuerySet[Release]:
    """A product's releases by release date (undated last), with their features (not archived)
    counted per status category (`features_backlog` … `features_wont_do`) and `features_total`."""
    product_id = product if isinstance(product, int) else product.pk
    live = Q(features__archived_at__isnull=True)
    counts = {
        name: Count("features", filter=live & Q(features__status__category=category))
        for name, category in CATEGORY_COUNTS.items()
    }
    queryset = Release.objects.filter(product_id=product_id).select_related("product")
    if status:
        queryset = queryset.filter(status=status)
    return queryset.annotate(**counts, features_total=Count("features", filter=live))


def release_detail(release: Release) -> Release:
    """One release with its counts."""
    return releases_of(release.product_id).get(pk=release.pk)


def teams_of(workspace: Workspace | int) -> QuerySet[Team]:
    """A workspace's teams by name, members prefetched (by name), with `feature_count` (not archived)."""
    workspace_id = workspace if isinstance(workspace, int) else workspace.pk
    members = Prefetch("members", queryset=User.objects.order_by("name", "email", "pk"))
    return (
        Team.objects.filter(workspace_id=workspace_id)
        .prefetch_related(members)
        .annotate(feature_count=Count("features", filter=Q(features__archived_at__isnull=True)))
        .order_by("name", "id")
    )


def team_detail(team: Team) -> Team:
    """One team with members and counts."""
    return teams_of(team.workspace_id).get(pk=team.pk)


def member_choices(workspace: Workspace | int) -> QuerySet[User]:
    """The workspace's members, who may be in its teams, by name."""
    workspace_id = workspace if isinstance(workspace, int) else workspace.pk
    return User.objects.filter(memberships__workspace_id=workspace_id).order_by("name", "email", "pk")


def backlog_settings_for(product: Product) -> BacklogSettings:
    """The product's backlog settings; an unsaved default (all frameworks, version 1) when it has
    none yet: reads never write."""
    found = BacklogSettings.objects.filter(product_id=product.pk).first()
    if found is None:
        return BacklogSettings(product=product, frameworks=list(Framework.values), version=1, updated_at=timezone.now())
    if not found.frameworks:
        found.frameworks = list(Framework.values)
    return found


def initiative_features(initiative_ids: list[int], *, limit: int = 5) -> dict[int, list[Feature]]:
    """Each initiative's top `limit` features by rank (not archived), status loaded: one query
    (a window over the initiatives' features)."""
    if not initiative_ids:
        return {}
    ranked = (
        Feature.objects.filter(initiative_id__in=initiative_ids, archived_at__isnull=True)
        .select_related("status", "product__workspace")
        .annotate(
            place=Window(RowNumber(), partition_by=[F("initiative_id")], order_by=[F("rank").asc()]),
        )
    )
    found: dict[int, list[Feature]] = {i: [] for i in initiative_ids}
    for feature in ranked.filter(place__lte=limit).order_by("initiative_id", "rank"):
        found[feature.initiative_id or 0].append(feature)
    return found
