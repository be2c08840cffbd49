"""Backlog's part of the workspace home (pmtool.home), registered in BacklogConfig.ready(): on each
product's card "N features, M in progress" linking to its backlog, and a next step when it has none."""

from __future__ import annotations

from django.urls import reverse

from pmtool.home import Home, NextStep, ProductPart, register_product_part
from pmtool.models import Product

from .models import StatusCategory
from .selectors.features import category_counts_by_product


def product_backlog(home: Home, products: list[Product]) -> dict[int, ProductPart]:
    """One query for every card."""
    counts = category_counts_by_product([p.pk for p in products])
    ws = home.workspace.slug
    parts = {}
    for product in products:
        by_category = counts[product.pk]
        total = sum(by_category.values())
        url = reverse("backlog:product_backlog", kwargs={"ws": ws, "slug": product.slug})
        steps = (
            []
            if total
            else [
                NextStep(
                    "Add a feature",
                    reverse("backlog:feature_create", kwargs={"ws": ws, "slug": product.slug}),
                    "What it could build next, scored with RICE.",
                )
            ]
        )
        parts[product.pk] = ProductPart(
            context={"total": total, "in_progress": by_category[StatusCategory.IN_PROGRESS], "url": url},
            next_steps=steps,
        )
    return parts


def register() -> None:
    register_product_part("backlog-features", order=30, template="backlog/home_product.html", load=product_backlog)
