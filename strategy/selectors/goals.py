"""Reads of goals, key results and initiatives, shaped for the pages and endpoints that use them:
every list is a fixed number of queries whatever its length (select_related, prefetch, subqueries)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db.models import Avg, Count, FloatField, IntegerField, OuterRef, Prefetch, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce

from pmtool.models import ActivityEvent, Membership, Product, Workspace

from ..models import Competitor, Goal, Initiative, KeyResult, Metric, Persona, Vision


def _key_results() -> QuerySet[KeyResult]:
    return KeyResult.objects.select_related("metric").order_by("position", "id")


def _count(queryset: QuerySet[Any], key: str) -> Coalesce:
    counted = queryset.order_by().values(key).annotate(n=Count("*")).values("n")
    return Coalesce(Subquery(counted, output_field=IntegerField()), 0)


# --- goals ------------------------------------------------------------------------------


def goals_of(
    workspace: Workspace,
    *,
    product_id: int | None = None,
    company: bool = False,
    status: str | None = None,
    parent_id: int | None = None,
) -> QuerySet[Goal]:
    """Goals of a workspace with owner, product and parent loaded and `key_result_count`.

    `company` = only company goals (no product); `product_id` = only that product's goals."""
    qs = Goal.objects.filter(workspace=workspace)
    if company:
        qs = qs.filter(product__isnull=True)
    elif product_id is not None:
        qs = qs.filter(product_id=product_id)
    if status:
        qs = qs.filter(status=status)
    if parent_id is not None:
        qs = qs.filter(parent_id=parent_id)
    return qs.select_related("owner", "product", "parent").annotate(
        key_result_count=_count(KeyResult.objects.filter(goal_id=OuterRef("pk")), "goal_id")
    )


def goal_detail(goal: Goal) -> Goal:
    """One goal with its key results (and their metrics), child goals and initiatives loaded."""
    children = Goal.objects.select_related("product", "owner").order_by("start_date", "title", "id")
    initiatives = Initiative.objects.select_related("product").order_by("title", "id")
    return (
        Goal.objects.select_related("workspace", "product", "owner", "parent", "created_by")
        .prefetch_related(
            Prefetch("key_results", queryset=_key_results()),
            Prefetch("children", queryset=children),
            Prefetch("initiatives", queryset=initiatives),
        )
        .get(pk=goal.pk)
    )


def key_results_of(goal: Goal) -> QuerySet[KeyResult]:
    return _key_results().filter(goal_id=goal.pk)


def goal_history(goal: Goal) -> QuerySet[ActivityEvent]:
    """The goal's activity and its key results' (including key results deleted since), newest first."""
    goal_type = ContentType.objects.get_for_model(Goal)
    kr_type = ContentType.objects.get_for_model(KeyResult)
    deleted_here = ActivityEvent.objects.filter(
        target_type=kr_type, action="deleted", changes__goal_id__from=goal.pk
    ).values("target_id")
    live = KeyResult.objects.filter(goal_id=goal.pk).values("pk")
    return (
        ActivityEvent.objects.filter(
            Q(target_type=goal_type, target_id=goal.pk)
            | Q(target_type=kr_type, target_id__in=live)
            | Q(target_type=kr_type, target_id__in=deleted_here)
        )
        .select_related("actor_user", "target_type")
        .order_by("-created_at", "-id")
    )


def parent_choices(workspace: Workspace, *, exclude_id: int | None = None) -> QuerySet[Goal]:
    """Goals that may be a parent: company goals of the workspace that are not children themselves."""
    qs = Goal.objects.filter(workspace=workspace, product__isnull=True, parent__isnull=True)
    if exclude_id is not None:
        qs = qs.exclude(pk=exclude_id)
    return qs.order_by("start_date", "title", "id")


def members_for_owner(workspace: Workspace) -> QuerySet[Membership]:
    return Membership.objects.filter(workspace=workspace).select_related("user").order_by("user__name", "user__email")


def metrics_for(goal: Goal) -> QuerySet[Metric]:
    """Metrics a key result of `goal` may bind: the goal's product's, or the workspace's for a company goal."""
    qs = Metric.objects.filter(product__workspace_id=goal.workspace_id).select_related("product")
    if goal.product_id is not None:
        qs = qs.filter(product_id=goal.product_id)
    return qs.order_by("product__name", "name", "id")


# --- the strategy pages --------------------------------------------------------------------


@dataclass
class Overview:
    """The workspace strategy overview: company goals (top level) with their children, and the
    active products with their goals' count and mean progress."""

    company_goals: list[Goal]
    products: Sequence[Product]


def strategy_overview(workspace: Workspace) -> Overview:
    children = Goal.objects.select_related("product", "owner").order_by("start_date", "title", "id")
    company_goals = list(
        Goal.objects.filter(workspace=workspace, product__isnull=True, parent__isnull=True)
        .select_related("owner")
        .prefetch_related(Prefetch("children", queryset=children))
        .order_by("start_date", "title", "id")
    )
    mean = (
        Goal.objects.filter(product_id=OuterRef("pk"), progress__isnull=False)
        .order_by()
        .values("product_id")
        .annotate(p=Avg("progress"))
        .values("p")
    )
    products = list(
        Product.objects.filter(workspace=workspace, archived_at__isnull=True)
        .annotate(
            goal_count=_count(Goal.objects.filter(product_id=OuterRef("pk")), "product_id"),
            initiative_count=_count(Initiative.objects.filter(product_id=OuterRef("pk")), "product_id"),
            goal_progress=Subquery(mean, output_field=FloatField()),
        )
        .order_by("name", "id")
    )
    return Overview(company_goals=company_goals, products=products)


@dataclass
class ProductStrategy:
    """Everything the product strategy page shows, top-down."""

    product: Product
    vision: Vision | None
    goals: list[Goal]
    initiatives: list[Initiative]
    personas: list[Persona] = field(default_factory=list)
    competitors: list[Competitor] = field(default_factory=list)


def product_strategy(product: Product) -> ProductStrategy:
    """The product's vision, goals (with key results and metrics), the initiatives that are the
    product's or serve its goals, and a few personas and competitors."""
    vision = Vision.objects.select_related("updated_by").filter(product_id=product.pk).first()
    goals = list(
        Goal.objects.filter(product_id=product.pk)
        .select_related("owner", "parent")
        .prefetch_related(Prefetch("key_results", queryset=_key_results()))
        .order_by("start_date", "title", "id")
    )
    serves_ours = Initiative.goals.through.objects.filter(goal__product_id=product.pk).values("initiative_id")
    initiatives = list(
        Initiative.objects.filter(Q(product_id=product.pk) | Q(product__isnull=True, pk__in=serves_ours))
        .prefetch_related(Prefetch("goals", queryset=Goal.objects.only("id", "title", "product_id").order_by("title")))
        .order_by("start_date", "title", "id")
    )
    return ProductStrategy(
        product=product,
        vision=vision,
        goals=goals,
        initiatives=initiatives,
        personas=list(Persona.objects.filter(product_id=product.pk).order_by("name", "id")),
        competitors=list(Competitor.objects.filter(product_id=product.pk).order_by("name", "id")),
    )


def key_result_detail(key_result_id: int) -> KeyResult:
    """One key result with its metric loaded."""
    return _key_results().get(pk=key_result_id)


def product_choices(workspace: Workspace, *, keep_id: int | None = None) -> list[tuple[int, str]]:
    """(id, name) of the workspace's active products (and `keep_id`, archived or not), by name."""
    keep = Q(pk=keep_id) if keep_id is not None else Q(pk__in=[])
    products = Product.objects.filter(Q(archived_at__isnull=True) | keep, workspace=workspace)
    return list(products.order_by("name", "id").values_list("id", "name"))


def product_id_by_slug(workspace: Workspace, slug: str) -> int | None:
    """The id of the workspace's product with this slug, if there is one."""
    return Product.objects.filter(workspace=workspace, slug=slug).values_list("pk", flat=True).first()
