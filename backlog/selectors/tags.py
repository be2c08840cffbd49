"""Reads of a workspace's tags: the list with each tag's feature count (one query), one tag with
its count, where its features are (per product, for the backlog filter links), and what a merge
or a delete would touch. Every read is a constant number of queries whatever the number of tags."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from django.db.models import Count, Q, QuerySet

from pmtool.models import Product, Workspace

from ..models import Feature, Tag

_THROUGH = Feature.tags.through
_LIVE = Q(features__archived_at__isnull=True)


def tags_of(workspace: Workspace | int) -> QuerySet[Tag]:
    """A workspace's tags by name, each with `feature_count` (features not archived)."""
    workspace_id = workspace if isinstance(workspace, int) else workspace.pk
    return (
        Tag.objects.filter(workspace_id=workspace_id)
        .annotate(feature_count=Count("features", filter=_LIVE))
        .order_by("name", "id")
    )


def tag_detail(tag: Tag) -> Tag:
    """One tag with `feature_count`."""
    return tags_of(tag.workspace_id).get(pk=tag.pk)


@dataclass(frozen=True)
class ProductCount:
    """How many of a tag's features (not archived) one product has."""

    product: Product
    count: int


def tag_products(workspace: Workspace | int) -> dict[int, list[ProductCount]]:
    """For each tag of the workspace, the products its (not archived) features are in, by product
    name, with their counts: one query (the links to each product's backlog filtered by the tag)."""
    workspace_id = workspace if isinstance(workspace, int) else workspace.pk
    rows = (
        _THROUGH.objects.filter(tag__workspace_id=workspace_id, feature__archived_at__isnull=True)
        .values("tag_id", "feature__product_id")
        .annotate(n=Count("feature_id"))
        .order_by()
    )
    counts = [(r["tag_id"], r["feature__product_id"], r["n"]) for r in rows]
    products = Product.objects.in_bulk({p for _t, p, _n in counts}) if counts else {}
    found: dict[int, list[ProductCount]] = defaultdict(list)
    for tag_id, product_id, n in counts:
        found[tag_id].append(ProductCount(products[product_id], n))
    for listed in found.values():
        listed.sort(key=lambda pc: (pc.product.name.casefold(), pc.product.pk))
    return dict(found)


@dataclass(frozen=True)
class MergeCounts:
    """What merging `source` into a target does to features: `moving` get the target (they had only
    the source), `both` had both and just lose the source; `archived` of those are archived."""

    moving: int
    both: int
    archived: int


def merge_counts(source: Tag, target: Tag) -> MergeCounts:
    """The features a merge of `source` into `target` touches, counted in one query."""
    with_target = _THROUGH.objects.filter(tag_id=target.pk).values("feature_id")
    counts = _THROUGH.objects.filter(tag_id=source.pk).aggregate(
        both=Count("feature_id", filter=Q(feature_id__in=with_target)),
        total=Count("feature_id"),
        archived=Count("feature_id", filter=Q(feature__archived_at__isnull=False)),
    )
    both = counts["both"] or 0
    return MergeCounts(moving=(counts["total"] or 0) - both, both=both, archived=counts["archived"] or 0)


def tag_feature_total(tag: Tag) -> int:
    """All the features (archived ones included) that carry `tag`: what its delete touches."""
    return _THROUGH.objects.filter(tag_id=tag.pk).count()
