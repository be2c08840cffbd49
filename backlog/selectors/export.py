"""The CSV export of a backlog view: the rows of `apply_query(product's features, query)` as CSV
lines, streamed.

`export_lines` yields encoded lines: a UTF-8 byte order mark first (so Excel reads the file as
UTF-8), then the header, then one line per feature, read with `.iterator(chunk_size=EXPORT_CHUNK)`
(a server-side cursor on PostgreSQL; tags and scorecard values prefetched per chunk), so 100,000
rows never sit in memory. Cells that a spreadsheet would run as a formula (starting with = + - @,
a tab or a carriage return) are prefixed with a single quote (OWASP "CSV injection"); the import
strips that quote again.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator, Sequence
from decimal import Decimal
from typing import Any

from django.db.models import Prefetch, QuerySet, Window
from django.db.models.functions import RowNumber

from pmtool.models import Product

from ..filters import BacklogQuery, apply_query, ordering
from ..models import CriterionValue, Feature, ScorecardCriterion, Tag

EXPORT_CHUNK = 2000
BOM = "\ufeff"
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
CRITERION_PREFIX = "scorecard: "

COLUMNS: tuple[str, ...] = (
    "title",
    "type",
    "status",
    "category",
    "parent",
    "owner email",
    "tags",
    "initiative",
    "release",
    "team",
    "start",
    "due",
    "reach",
    "impact",
    "confidence",
    "effort",
    "rice_score",
    "moscow",
    "scorecard_score",
)
TRAILING = ("rank position", "url")


def safe_cell(value: str) -> str:
    """A cell a spreadsheet shows as text: a leading = + - @ tab or CR gets a single quote before it."""
    return "'" + value if value.startswith(FORMULA_STARTS) else value


def _number(value: int | float | Decimal | None, *, places: int | None = None) -> str:
    if value is None:
        return ""
    if isinstance(value, Decimal):
        text = format(value.normalize(), "f")
        return text
    if isinstance(value, float) and places is not None:
        return f"{value:.{places}f}"
    return str(value)


def export_queryset(product: Product, query: BacklogQuery) -> QuerySet[Feature]:
    """The view's features with what a line needs: one query per chunk plus two prefetches."""
    # The filter as a subquery of ids, so the rank position (a window over the view's rows in hand
    # order) counts each feature once even where the filter joins (several tags).
    ids = apply_query(Feature.objects.filter(product_id=product.pk), query).order_by().values("pk")
    return (
        Feature.objects.filter(pk__in=ids)
        .order_by(*ordering(query))
        .select_related("status", "parent", "owner", "initiative", "release", "team")
        .annotate(rank_position=Window(RowNumber(), order_by=("rank",)))
        .prefetch_related(
            Prefetch("tags", queryset=Tag.objects.order_by("name")),
            Prefetch("criterion_values", queryset=CriterionValue.objects.only("feature_id", "criterion_id", "value")),
        )
    )


def header(criteria: Sequence[ScorecardCriterion]) -> list[str]:
    return [*COLUMNS, *(CRITERION_PREFIX + c.name for c in criteria), *TRAILING]


def feature_cells(feature: Any, criteria: Sequence[ScorecardCriterion], url: str) -> list[str]:
    values = {v.criterion_id: v.value for v in feature.criterion_values.all()}
    cells = [
        feature.title,
        feature.type,
        feature.status.name,
        feature.status.category,
        feature.parent.title if feature.parent_id else "",
        feature.owner.email if feature.owner_id else "",
        ", ".join(t.name for t in feature.tags.all()),
        feature.initiative.title if feature.initiative_id else "",
        feature.release.name if feature.release_id else "",
        feature.team.name if feature.team_id else "",
        feature.start_date.isoformat() if feature.start_date else "",
        feature.due_date.isoformat() if feature.due_date else "",
        _number(feature.reach),
        _number(feature.impact),
        _number(feature.confidence),
        _number(feature.effort),
        _number(feature.rice_score, places=2),
        feature.moscow,
        _number(feature.scorecard_score, places=2),
        *(str(values[c.pk]) if c.pk in values else "" for c in criteria),
        str(feature.rank_position),
        url,
    ]
    return [safe_cell(cell) for cell in cells]


class _Line:
    """A file-like that hands back what csv.writer writes (one line at a time)."""

    def write(self, value: str) -> str:
        return value


def export_lines(product: Product, query: BacklogQuery, *, feature_url: str) -> Iterator[bytes]:
    """The CSV of the view, line by line, UTF-8 with a BOM. `feature_url` has `{id}` where the
    feature's id goes (the absolute address of its page)."""
    criteria = list(ScorecardCriterion.objects.filter(product_id=product.pk).order_by("position", "id"))
    writer = csv.writer(_Line(), lineterminator="\r\n")
    yield (BOM + writer.writerow([safe_cell(h) for h in header(criteria)])).encode("utf-8")
    for feature in export_queryset(product, query).iterator(chunk_size=EXPORT_CHUNK):
        yield writer.writerow(feature_cells(feature, criteria, feature_url.format(id=feature.pk))).encode("utf-8")
