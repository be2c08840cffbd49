"""Strategy's part of the workspace home (pmtool.home), registered in StrategyConfig.ready(): on each
product's card its current goals with progress and status, and a next step where the vision, a goal,
a goal's key results or a metric is missing; and a section with the current company goals."""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from django.utils import timezone

from pmtool.home import Home, NextStep, ProductPart, register_product_part, register_section
from pmtool.models import Product

from .selectors.home import ProductStrategyState, current_company_goals, strategy_state_of

GOALS_EACH = 3  # current goals shown per product; the product's strategy page has them all
COMPANY_GOALS = 5


def _next_steps(ws: str, product: Product, state: ProductStrategyState) -> list[NextStep]:
    steps = []
    if not state.has_vision:
        steps.append(
            NextStep(
                "Write a vision",
                reverse("strategy:vision_edit", kwargs={"ws": ws, "slug": product.slug}),
                "Who it is for and why it wins.",
            )
        )
    if not state.current_goal_count:
        steps.append(
            NextStep(
                "Set a goal",
                f"{reverse('strategy:goal_create', kwargs={'ws': ws})}?product={product.slug}",
                "Its goals have all ended." if state.goal_count else "What it should achieve, and by when.",
            )
        )
    # (a goal measured through its child goals has a progress without key results of its own)
    unmeasured = next(
        (g for g in state.current_goals if not getattr(g, "key_result_count", 0) and g.progress is None), None
    )  # key_result_count: annotated by strategy.selectors.home
    if unmeasured is not None:
        steps.append(
            NextStep(
                f"Add key results to “{unmeasured.title}”",
                reverse("strategy:goal_detail", kwargs={"ws": ws, "goal_id": unmeasured.pk}),
                "They measure its progress.",
            )
        )
    if not state.metric_count:
        steps.append(
            NextStep(
                "Add a metric",
                f"{reverse('strategy:metric_create', kwargs={'ws': ws})}?product={product.slug}",
                "A number to watch; key results can follow it.",
            )
        )
    return steps


def product_goals(home: Home, products: list[Product]) -> dict[int, ProductPart]:
    states = strategy_state_of([p.pk for p in products], today=timezone.localdate(), goals_each=GOALS_EACH)
    ws = home.workspace.slug
    parts = {}
    for product in products:
        state = states.get(product.pk, ProductStrategyState())
        parts[product.pk] = ProductPart(
            context={
                "goals": state.current_goals,
                "more_goals": max(state.current_goal_count - len(state.current_goals), 0),
                "goal_count": state.goal_count,
            },
            next_steps=_next_steps(ws, product, state),
        )
    return parts


def company_goals(home: Home) -> dict[str, Any] | None:
    """The current company goals, under the products; left out while there are none."""
    goals = current_company_goals(home.workspace.pk, today=timezone.localdate(), limit=COMPANY_GOALS)
    return {"goals": goals, "limit": COMPANY_GOALS} if goals else None


def register() -> None:
    register_product_part("strategy-goals", order=20, template="strategy/home/product_goals.html", load=product_goals)
    register_section(
        "strategy-company-goals",
        title="Company goals",
        order=20,
        template="strategy/home/company_goals.html",
        context=company_goals,
    )
