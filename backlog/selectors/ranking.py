"""Reads of the hand-made order: a product's active features by rank, a page at a time, with the
rows just outside the page (so a move past the page's first or last row can name its neighbour)."""

from __future__ import annotations

from dataclasses import dataclass

from django.core.paginator import Page, Paginator
from django.db.models import QuerySet

from pmtool.models import Product

from ..models import Feature

ORDER_PAGE_SIZE = 50


def features_in_order(product: Product) -> QuerySet[Feature]:
    """The product's active (not archived) features, in the hand-made order."""
    return (
        Feature.objects.filter(product=product, archived_at__isnull=True)
        .select_related("status")
        .only("id", "title", "rank", "type", "product_id", "status__name", "status__colour", "status__category")
        .order_by("rank")
    )


@dataclass(frozen=True)
class OrderPage:
    """One page of the order: its rows, the pager, and the ids just before / after it (or None)."""

    page: Page[Feature]
    rows: list[Feature]
    prev_id: int | None
    next_id: int | None
    start: int  # the 1-based position of its first row in the whole order


def order_page(product: Product, number: str | None, *, per_page: int = ORDER_PAGE_SIZE) -> OrderPage:
    """The page `number` names (the last for a number past the end, the first for junk): two
    queries (the count, then one slice that takes a row either side of the page)."""
    queryset = features_in_order(product)
    page = Paginator(queryset, per_page).get_page(number)
    first = (page.number - 1) * per_page
    lo = max(0, first - 1)
    window = list(queryset[lo : first + per_page + 1]) if page.paginator.count else []
    prev_id = window.pop(0).pk if first > 0 and window else None
    rows = window[:per_page]
    next_id = window[per_page].pk if len(window) > per_page else None
    return OrderPage(page=page, rows=rows, prev_id=prev_id, next_id=next_id, start=first + 1)
