"""Reads of saved views: the views a person may apply on a product's backlog."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from pmtool.models import Product, User

from ..models import SavedView


def saved_views_for(product: Product, user: User) -> QuerySet[SavedView]:
    """The product's views `user` may apply: their own and those shared with the workspace, by name
    (owner loaded)."""
    return (
        SavedView.objects.filter(Q(owner_id=user.pk) | Q(shared=True), product_id=product.pk)
        .select_related("owner")
        .order_by("name", "id")
    )


def saved_views_owned(product: Product, user: User) -> QuerySet[SavedView]:
    """The views `user` owns on the product (the manage page), by name."""
    return SavedView.objects.filter(product_id=product.pk, owner_id=user.pk).order_by("name", "id")
