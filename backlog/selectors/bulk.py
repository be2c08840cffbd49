"""Reads of the bulk edit: how many features a view matches (what "every feature matching this
view" would change)."""

from __future__ import annotations

from pmtool.models import Product

from ..filters import BacklogQuery, apply_query
from ..models import Feature


def matching_count(product: Product, query: BacklogQuery) -> int:
    """The number of `product`'s features that `query` matches (its sort left out): one COUNT."""
    return apply_query(Feature.objects.filter(product_id=product.pk), query).order_by().count()
