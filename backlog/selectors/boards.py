"""Reads of the MoSCoW board and the value vs effort matrix: one product's features under a
backlog.filters query, shaped for the two pages in a constant number of queries.

The board: a count per column (one GROUP BY) and each column's first cards in the query's order
(one query: ROW_NUMBER() OVER (PARTITION BY moscow)), so a column of 10,000 cards costs what a
column of ten does. The matrix: the plotted features' value and effort in one `values()` query.
Done and won't-do features are left out unless asked for (or filtered for by status or category).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Literal

from django.db.models import Count, F, Q, QuerySet, Window
from django.db.models.functions import RowNumber

from pmtool.models import Product
from strategy.models import Initiative

from ..filters import NONE, BacklogQuery, apply_query, ordering
from ..models import Feature, MoSCoW, Release, ScorecardCriterion, StatusCategory

COLUMN_LIMIT = 100
"""Cards shown per column; the rest are counted and linked ("N more")."""
MATRIX_LIMIT = 1000
"""Features read for the matrix (in the query's order): a chart of more dots is not readable."""
CLOSED = (StatusCategory.DONE, StatusCategory.WONT_DO)
COLUMNS: tuple[tuple[str, str], ...] = (
    (MoSCoW.MUST, "Must"),
    (MoSCoW.SHOULD, "Should"),
    (MoSCoW.COULD, "Could"),
    (MoSCoW.WONT, "Won't (this time)"),
    ("", "Not yet sorted"),
)
COLUMN_LABELS = dict(COLUMNS)
ValueSource = Literal["scorecard", "rice"]
CARD_FIELDS = (
    "id", "title", "type", "moscow", "rank", "version", "rice_score", "scorecard_score",
    "status__name", "status__colour",
)  # fmt: skip


@dataclass(frozen=True)
class Card:
    """What a board card shows of a feature (read as plain rows: a board has up to 500 of them)."""

    id: int
    title: str
    type: str
    moscow: str
    rank: str
    version: int
    rice_score: float | None
    scorecard_score: float | None
    status_name: str
    status_colour: str


@dataclass
class Column:
    """One MoSCoW column: its first cards (in order) and how many features it holds."""

    key: str  # a MoSCoW value, "" for not yet sorted
    label: str
    count: int = 0
    cards: list[Card] = field(default_factory=list)
    more_url: str = ""  # the backlog list filtered to this column (set by the page)

    @property
    def param(self) -> str:
        """The value of the backlog's `moscow` filter for this column."""
        return self.key or NONE

    @property
    def more(self) -> int:
        return self.count - len(self.cards)


def board_features(product: Product, query: BacklogQuery, *, show_closed: bool = False) -> QuerySet[Feature]:
    """The product's features under `query`; done and won't-do ones only when `show_closed` or
    when the query filters by status or category (then the person asked for them)."""
    qs = apply_query(Feature.objects.filter(product_id=product.pk), query)
    if not show_closed and not query.category and not query.status:
        qs = qs.exclude(status__category__in=CLOSED)
    return qs


def moscow_board(
    product: Product, query: BacklogQuery, *, show_closed: bool = False, limit: int = COLUMN_LIMIT
) -> list[Column]:
    """The five columns, Must first and Not yet sorted last: two queries whatever the sizes."""
    qs = board_features(product, query, show_closed=show_closed)
    columns = {key: Column(key, label) for key, label in COLUMNS}
    for key, count in qs.order_by().values_list("moscow").annotate(n=Count("id")).values_list("moscow", "n"):
        if key in columns:
            columns[key].count = count
    position = Window(RowNumber(), partition_by=[F("moscow")], order_by=list(ordering(query)))
    rows = qs.annotate(board_position=position).filter(board_position__lte=limit).values_list(*CARD_FIELDS)
    for row in rows:
        card = Card(*row)
        if card.moscow in columns:
            columns[card.moscow].cards.append(card)
    return list(columns.values())


def has_scorecard(product: Product) -> bool:
    return ScorecardCriterion.objects.filter(product_id=product.pk).exists()


@dataclass(frozen=True)
class MatrixFeature:
    """What the matrix needs of a feature: its value on the chosen score, and its effort."""

    id: int
    title: str
    value: float | None
    effort: float | None


def matrix_features(
    product: Product, query: BacklogQuery, source: ValueSource, *, show_closed: bool = False, limit: int = MATRIX_LIMIT
) -> tuple[list[MatrixFeature], bool]:
    """The first `limit` features (in the query's order) with the value of `source` and their
    effort, and whether there were more. One query."""
    score = "scorecard_score" if source == "scorecard" else "rice_score"
    rows = list(
        board_features(product, query, show_closed=show_closed).values_list("id", "title", score, "effort")[: limit + 1]
    )
    found = [MatrixFeature(pk, title, value, _number(effort)) for pk, title, value, effort in rows[:limit]]
    return found, len(rows) > limit


def _number(value: Decimal | float | None) -> float | None:
    return None if value is None else float(value)


@dataclass(frozen=True)
class FilterChoices:
    """The options of the boards' filter form."""

    releases: Sequence[tuple[int, str]]
    initiatives: Sequence[tuple[int, str]]


def filter_choices(product: Product) -> FilterChoices:
    """The product's releases and the initiatives its features may serve (its own and company-wide)."""
    releases = list(Release.objects.filter(product_id=product.pk).values_list("id", "name"))
    initiatives = list(
        Initiative.objects.filter(Q(product_id=product.pk) | Q(product__isnull=True), workspace_id=product.workspace_id)
        .order_by("title", "id")
        .values_list("id", "title")
    )
    return FilterChoices(releases, initiatives)
