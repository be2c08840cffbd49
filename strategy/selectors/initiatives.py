"""Reads of initiatives, shaped for the pages and endpoints that use them (a fixed number of queries
whatever the length of a list)."""

from __future__ import annotations

from django.db.models import Prefetch, Q, QuerySet

from pmtool.models import Workspace

from ..models import Goal, Initiative

# --- initiatives -------------------------------------------------------------------------


def initiatives_of(
    workspace: Workspace,
    *,
    product_id: int | None = None,
    company: bool = False,
    status: str | None = None,
    goal_id: int | None = None,
) -> QuerySet[Initiative]:
    """Initiatives of a workspace with product and the goals they serve loaded."""
    qs = Initiative.objects.filter(workspace=workspace)
    if company:
        qs = qs.filter(product__isnull=True)
    elif product_id is not None:
        qs = qs.filter(product_id=product_id)
    if status:
        qs = qs.filter(status=status)
    if goal_id is not None:
        qs = qs.filter(pk__in=Initiative.goals.through.objects.filter(goal_id=goal_id).values("initiative_id"))
    return qs.select_related("product").prefetch_related(
        Prefetch("goals", queryset=Goal.objects.only("id", "title", "product_id", "status").order_by("title", "id"))
    )


def initiative_detail(initiative: Initiative) -> Initiative:
    """One initiative with its product, creator and the goals it serves (with their products) loaded."""
    goals = Goal.objects.select_related("product").order_by("title", "id")
    return (
        Initiative.objects.select_related("workspace", "product", "created_by")
        .prefetch_related(Prefetch("goals", queryset=goals))
        .get(pk=initiative.pk)
    )


def goal_choices(workspace: Workspace, *, product_id: int | None = None) -> QuerySet[Goal]:
    """Goals an initiative may serve: all of the workspace, or (for a product's) that product's and company goals."""
    qs = Goal.objects.filter(workspace=workspace).select_related("product")
    if product_id is not None:
        qs = qs.filter(Q(product_id=product_id) | Q(product__isnull=True))
    return qs.order_by("product__name", "title", "id")


def goal_ids_served(initiative: Initiative) -> list[int]:
    """Ids of the goals an initiative serves."""
    return list(initiative.goals.values_list("pk", flat=True))


def goal_count_served(initiative: Initiative) -> int:
    """How many goals an initiative serves."""
    return initiative.goals.count()
