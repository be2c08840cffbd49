"""Reads for strategy's part of the workspace home: a fixed number of queries for any number of products."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db.models import Count, Exists, F, IntegerField, OuterRef, Q, QuerySet, Subquery, Window
from django.db.models.functions import Coalesce, RowNumber

from pmtool.models import Product

from ..models import Goal, KeyResult, Metric, Vision


def _count(queryset: QuerySet, key: str) -> Coalesce:
    counted = queryset.order_by().values(key).annotate(n=Count("*")).values("n")
    return Coalesce(Subquery(counted, output_field=IntegerField()), 0)


@dataclass
class ProductStrategyState:
    """What the home needs to know about one product's strategy."""

    has_vision: bool = False
    goal_count: int = 0
    current_goal_count: int = 0
    metric_count: int = 0
    current_goals: list[Goal] = field(default_factory=list)  # the first few, with `key_result_count`


def strategy_state_of(product_ids: list[int], *, today: dt.date, goals_each: int) -> dict[int, ProductStrategyState]:
    """Per product: whether its vision has a statement, its goal and metric counts, and its first
    `goals_each` current goals (not ended by `today`), in the goals' usual order. Two queries."""
    counts = Product.objects.filter(pk__in=product_ids).annotate(
        has_vision=Exists(Vision.objects.filter(product_id=OuterRef("pk")).exclude(statement="")),
        goal_count=_count(Goal.objects.filter(product_id=OuterRef("pk")), "product_id"),
        metric_count=_count(Metric.objects.filter(product_id=OuterRef("pk")), "product_id"),
    )
    states = {
        row["pk"]: ProductStrategyState(
            has_vision=row["has_vision"], goal_count=row["goal_count"], metric_count=row["metric_count"]
        )
        for row in counts.values("pk", "has_vision", "goal_count", "metric_count")
    }
    order = [F("start_date").asc(nulls_last=True), F("title").asc(), F("id").asc()]
    current = (
        Goal.objects.filter(product_id__in=product_ids)
        .filter(Q(end_date__isnull=True) | Q(end_date__gte=today))
        .annotate(
            key_result_count=_count(KeyResult.objects.filter(goal_id=OuterRef("pk")), "goal_id"),
            place=Window(RowNumber(), partition_by=[F("product_id")], order_by=order),
            current_count=Window(Count("*"), partition_by=[F("product_id")]),
        )
        .filter(place__lte=goals_each)
        .order_by("product_id", "place")
    )
    for goal in current:
        state = states.get(goal.product_id)
        if state is not None:
            state.current_goals.append(goal)
            state.current_goal_count = goal.current_count
    return states


def current_company_goals(workspace_id: int, *, today: dt.date, limit: int) -> list[Goal]:
    """The workspace's first `limit` company goals (no product, no parent) not ended by `today`,
    with `key_result_count`. One query."""
    return list(
        Goal.objects.filter(workspace_id=workspace_id, product__isnull=True, parent__isnull=True)
        .filter(Q(end_date__isnull=True) | Q(end_date__gte=today))
        .annotate(key_result_count=_count(KeyResult.objects.filter(goal_id=OuterRef("pk")), "goal_id"))
        .order_by(F("start_date").asc(nulls_last=True), "title", "id")[:limit]
    )
