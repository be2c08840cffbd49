"""The CSV export of a backlog view: the rows of `apply_query(product's features, query)` as CSV
lines, streamed.

`export_lines` yields encoded lines: a UTF-8 byte order mark first (so Excel reads the file as
UTF-8), then the header, then one line per feature, read with `.iterator(chunk_size=EXPORT_CHUNK)`
(on PostgreSQL one query through a server-side cursor, tags and scorecard values as array
subqueries), so 100,000 rows never sit in memory. Cells that a spreadsheet would run as a formula
(starting with = + - @, a tab or a carriage return) are prefixed with a single quote (OWASP "CSV
injection"); the import strips that quote again.
"""

from __future__ import annotations

import csv
import datetime as dt
from collections.abc import Iterator, Sequence
from decimal import Decimal
from typing import Any

from django.contrib.postgres.expressions import ArraySubquery
from django.db import connection
from django.db.models import CharField, OuterRef, Prefetch, QuerySet, Value, Window
from django.db.models.functions import Cast, Concat, RowNumber

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


ROW_FIELDS = (
    "pk", "title", "type", "status__name", "status__category", "parent__title", "owner__email",
    "initiative__title", "release__name", "team__name", "start_date", "due_date", "reach", "impact",
    "confidence", "effort", "rice_score", "moscow", "scorecard_score", "rank_position",
)  # fmt: skip


def export_queryset(product: Product, query: BacklogQuery) -> QuerySet[Feature]:
    """The view's features, in the view's order, with their hand-order position in the view."""
    # The filter as a subquery of ids, so the rank position (a window over the view's rows in hand
    # order) counts each feature once even where the filter joins (several tags).
    ids = apply_query(Feature.objects.filter(product_id=product.pk), query).order_by().values("pk")
    return (
        Feature.objects.filter(pk__in=ids)
        .order_by(*ordering(query))
        .annotate(rank_position=Window(RowNumber(), order_by=("rank",)))
    )


def export_rows(product: Product, query: BacklogQuery) -> Iterator[tuple[Any, ...]]:
    """One tuple per feature: ROW_FIELDS, then its tag names and its {criterion id: value}.

    PostgreSQL: ONE query read through a server-side cursor (tags and values as array subqueries),
    so the rows stream from the database. Elsewhere (SQLite): model rows, tags and values prefetched
    per chunk."""
    qs = export_queryset(product, query)
    if connection.vendor == "postgresql":
        tags = ArraySubquery(Tag.objects.filter(features=OuterRef("pk")).order_by("name").values("name"))
        pairs = CriterionValue.objects.filter(feature=OuterRef("pk")).annotate(
            pair=Concat(Cast("criterion_id", CharField()), Value(":"), Cast("value", CharField()))
        )
        rows = qs.annotate(tag_names=tags, criterion_pairs=ArraySubquery(pairs.values("pair")))
        for row in rows.values_list(*ROW_FIELDS, "tag_names", "criterion_pairs").iterator(chunk_size=EXPORT_CHUNK):
            values = dict(pair.split(":") for pair in row[-1])
            yield (*row[:-2], row[-2], {int(k): int(v) for k, v in values.items()})
        return
    related = qs.select_related("status", "parent", "owner", "initiative", "release", "team").prefetch_related(
        Prefetch("tags", queryset=Tag.objects.order_by("name")), "criterion_values"
    )
    for f in related.iterator(chunk_size=EXPORT_CHUNK):
        yield (
            f.pk, f.title, f.type, f.status.name, f.status.category, f.parent.title if f.parent else None,
            f.owner.email if f.owner else None, f.initiative.title if f.initiative else None,
            f.release.name if f.release else None, f.team.name if f.team else None, f.start_date,
            f.due_date, f.reach, f.impact, f.confidence, f.effort, f.rice_score, f.moscow, f.scorecard_score,
            f.__dict__["rank_position"], [t.name for t in f.tags.all()],
            {v.criterion_id: v.value for v in f.criterion_values.all()},
        )  # fmt: skip


def header(criteria: Sequence[ScorecardCriterion]) -> list[str]:
    return [*COLUMNS, *(CRITERION_PREFIX + c.name for c in criteria), *TRAILING]


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def feature_cells(row: tuple[Any, ...], criteria: Sequence[ScorecardCriterion], url: str) -> list[str]:
    """A CSV line's cells from an export_rows tuple."""
    (_pk, title, type_, status, category, parent, owner, initiative, release, team, start, due, reach, impact,
     confidence, effort, rice, moscow, card, position, tags, values) = row  # fmt: skip
    cells = [
        title, type_, status, category, _text(parent), _text(owner), ", ".join(tags), _text(initiative),
        _text(release), _text(team), _text(start), _text(due), _number(reach), _number(impact),
        _number(confidence), _number(effort), _number(rice, places=2), moscow, _number(card, places=2),
        *(str(values[c.pk]) if c.pk in values else "" for c in criteria),
        str(position), url,
    ]  # fmt: skip
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
    for row in export_rows(product, query):
        yield writer.writerow(feature_cells(row, criteria, feature_url.format(id=row[0]))).encode("utf-8")
