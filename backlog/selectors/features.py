"""Reads of features, shaped for the backlog page, the feature pages and the API (a fixed number of
queries whatever the length of a list).

Owns the keyset page of a backlog (`features_page`): every sort of backlog.filters.SORTS is a total
order ending in the rank (unique per product), so a page is "the next N rows after this position"
(one indexable condition, no OFFSET): the cost of page 1000 is the cost of page 1, and a row
inserted meanwhile neither repeats nor hides one. The position is the sort key and the rank of
the last row, which the API and the page encode as an opaque cursor.

`feature_rows` is the list endpoint's fast path and `backlog_rows` the backlog page's: the page as
`.values()` rows with the tag names aggregated in the same query, no model instances.
"""

from __future__ import annotations

import base64
import datetime as dt
import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.contrib.postgres.expressions import ArraySubquery
from django.db import connection
from django.db.models import Count, F, OuterRef, Prefetch, Q, QuerySet

from pmtool.models import Membership, Product, User, Workspace
from strategy.models import Initiative

from ..filters import BacklogQuery, apply_query
from ..models import Feature, FeatureStatus, Release, StatusCategory, Tag, Team

# --- the list and its keyset pages -------------------------------------------------------------

_RELATED = ("status", "owner", "initiative", "release", "team")

SortKey = tuple[str, bool, bool]
"""(field, descending, nullable): nulls always come last in the forward order."""

SORT_KEYS: dict[str, tuple[SortKey, ...]] = {
    "rank": (),
    "rice": (("rice_score", True, True),),
    "scorecard": (("scorecard_score", True, True),),
    "title": (("title", False, False),),
    "due": (("due_date", False, True),),
    "updated": (("updated_at", True, False),),
    "created": (("created_at", True, False),),
}
"""The keys of each sort before the rank (the same orders as backlog.filters.SORTS)."""


def _base(product: Product, query: BacklogQuery) -> QuerySet[Feature]:
    return apply_query(Feature.objects.filter(product_id=product.pk), query)


def _order(keys: Sequence[SortKey], *, backward: bool) -> list[Any]:
    out: list[Any] = []
    for name, desc, _ in keys:
        descending = desc != backward
        nulls = {"nulls_first": True} if backward else {"nulls_last": True}
        out.append(F(name).desc(**nulls) if descending else F(name).asc(**nulls))
    out.append(F("rank").desc() if backward else F("rank").asc())
    return out


def _after(name: str, desc: bool, nullable: bool, value: object) -> Q:
    """Rows strictly after `value` on one key (forward order: nulls last)."""
    if value is None:
        return Q(pk__in=[])
    cond = Q(**{f"{name}__lt" if desc else f"{name}__gt": value})
    return cond | Q(**{f"{name}__isnull": True}) if nullable else cond


def _before(name: str, desc: bool, nullable: bool, value: object) -> Q:
    """Rows strictly before `value` on one key (forward order: nulls last)."""
    if value is None:
        return Q(**{f"{name}__isnull": False})
    return Q(**{f"{name}__gt" if desc else f"{name}__lt": value})


def _equal(name: str, value: object) -> Q:
    return Q(**{f"{name}__isnull": True}) if value is None else Q(**{name: value})


def keyset_condition(keys: Sequence[SortKey], position: Sequence[object], *, backward: bool) -> Q:
    """The rows strictly after (or before, `backward`) `position` (the keys' values, then the rank)."""
    *values, rank = position
    step = _before if backward else _after
    cond = Q(rank__lt=rank) if backward else Q(rank__gt=rank)
    for (name, desc, nullable), value in reversed(list(zip(keys, values, strict=True))):
        cond = step(name, desc, nullable, value) | (_equal(name, value) & cond)
    return cond


def position_of(sort: str, row: Any) -> list[object]:
    """The position of a row (a model or a values() dict) in a sort: its keys' values, then its rank."""
    get = row.get if isinstance(row, dict) else (lambda name: getattr(row, name))
    return [get(name) for name, _, _ in SORT_KEYS[sort]] + [get("rank")]


_KINDS = {
    "rice_score": "float", "scorecard_score": "float", "title": "str",
    "due_date": "date", "updated_at": "datetime", "created_at": "datetime",
}  # fmt: skip


def position_to_json(position: Sequence[object]) -> list[object]:
    """A position as JSON values (dates and times as ISO text)."""
    return [v.isoformat() if isinstance(v, dt.date) else v for v in position]


def position_from_json(sort: str, raw: object) -> list[object] | None:
    """The position a cursor carries for `sort`, checked against the sort's key types; None when it
    does not fit (the caller answers 400)."""
    keys = SORT_KEYS[sort]
    if not isinstance(raw, list) or len(raw) != len(keys) + 1:
        return None
    *values, rank = raw
    if not isinstance(rank, str) or not 0 < len(rank) <= 255 or "\x00" in rank:
        return None
    out: list[object] = []
    for (name, _, nullable), value in zip(keys, values, strict=True):
        kind = _KINDS[name]
        if value is None:
            if not nullable:
                return None
            out.append(None)
        elif kind == "float" and isinstance(value, int | float) and not isinstance(value, bool):
            if value != value or value in (float("inf"), float("-inf")):
                return None
            out.append(float(value))
        elif kind == "str" and isinstance(value, str) and "\x00" not in value and len(value) <= 1000:
            out.append(value)
        elif kind in ("date", "datetime") and isinstance(value, str):
            try:
                parsed: object = dt.date.fromisoformat(value) if kind == "date" else dt.datetime.fromisoformat(value)
            except ValueError:
                return None
            if isinstance(parsed, dt.datetime) and parsed.tzinfo is None:
                return None
            out.append(parsed)
        else:
            return None
    return [*out, rank]


@dataclass(frozen=True)
class Page:
    """One page of a backlog: the rows, and the positions a next / previous page starts from.
    `beyond` is the row just past the page in the direction it was read (after the last row when
    read forward, before the first when read backward; None at the end of the list): the page
    query reads it anyway to know whether there is more."""

    rows: list[Any]
    next: list[object] | None
    previous: list[object] | None
    beyond: Any = None


def _segmented(
    queryset: QuerySet[Any], keys: Sequence[SortKey], position: Sequence[object], *, size: int, backward: bool
) -> list[Any]:
    """The rows after (before) a position of a sort whose one key is nullable, as index ranges: the
    scored rows and the unscored ones (nulls last) are two segments of the order, and an OR across
    them ("lower, or empty") would make PostgreSQL read the whole product. So: the segment the
    position is in, by a range (score <= v for a descending key), then, only when that runs short,
    the next segment from its start. One query on most pages, two where a page crosses the border."""
    ((name, desc, _),) = keys
    value, rank = position
    order = _order(keys, backward=backward)
    scored, unscored = Q(**{f"{name}__isnull": False}), Q(**{f"{name}__isnull": True})
    if value is None:  # in the unscored segment: by rank; backward, the scored segment follows
        first = unscored & (Q(rank__lt=rank) if backward else Q(rank__gt=rank))
        second = scored if backward else None
    else:
        toward = f"{name}__gte" if desc == backward else f"{name}__lte"
        strict = f"{name}__gt" if desc == backward else f"{name}__lt"
        tie = Q(**{name: value}) & (Q(rank__lt=rank) if backward else Q(rank__gt=rank))
        first = Q(**{toward: value}) & (Q(**{strict: value}) | tie)
        second = None if backward else unscored
    rows = list(queryset.filter(first).order_by(*order)[: size + 1])
    if len(rows) <= size and second is not None:
        rows += list(queryset.filter(second).order_by(*order)[: size + 1 - len(rows)])
    return rows


def keyset_page(
    queryset: QuerySet[Any],
    sort: str,
    *,
    size: int,
    position: Sequence[object] | None = None,
    backward: bool = False,
) -> Page:
    """The page of `size` rows after `position` (or before it, `backward`) of a queryset in `sort`'s
    order (one query: size + 1 rows, the extra one says whether there is more)."""
    keys = SORT_KEYS[sort]
    if position is not None and keys and keys[0][2]:
        rows = _segmented(queryset, keys, position, size=size, backward=backward)
    else:
        qs = queryset
        if position is not None:
            qs = qs.filter(keyset_condition(keys, position, backward=backward))
        rows = list(qs.order_by(*_order(keys, backward=backward))[: size + 1])
    more = len(rows) > size
    beyond = rows[size] if more else None
    rows = rows[:size]
    if backward:
        rows.reverse()
    first = position_of(sort, rows[0]) if rows else None
    last = position_of(sort, rows[-1]) if rows else None
    if backward:
        return Page(
            rows=rows, next=last if position is not None else None, previous=first if more else None, beyond=beyond
        )
    return Page(rows=rows, next=last if more else None, previous=first if position is not None else None, beyond=beyond)


BACKLOG_ROW_FIELDS = (
    "id", "title", "type", "archived_at", "version", "rank", "due_date", "updated_at", "created_at",
    "status__name", "status__category", "status__colour", "owner__name", "owner__email",
    "initiative__title", "release__name",
    "reach", "impact", "confidence", "effort", "rice_score", "scorecard_score", "moscow",
)  # fmt: skip
"""The columns of a backlog page's row (every sort key among them, for the page positions)."""


def backlog_rows(
    product: Product,
    query: BacklogQuery,
    *,
    size: int,
    position: Sequence[object] | None = None,
    backward: bool = False,
) -> Page:
    """A page of the product's backlog as values() dicts (BACKLOG_ROW_FIELDS, and `tag_names` in
    order with their `tag_colours` beside them): the status, owner, initiative and release joined,
    no model instances; one query on PostgreSQL, two elsewhere (see `_values_with_tags`)."""
    queryset = _values_with_tags(_base(product, query), BACKLOG_ROW_FIELDS, colours=True)
    page = keyset_page(queryset, query.sort, size=size, position=position, backward=backward)
    _fill_tag_names(page.rows, colours=True)
    return page


def backlog_row(feature_id: int) -> dict[str, Any]:
    """One feature as a backlog page's row (`backlog_rows`'s shape), with its product's slug and name
    (`product__slug`, `product__name`): the answer of the row's inline edit."""
    fields = (*BACKLOG_ROW_FIELDS, "product__slug", "product__name")
    rows: list[dict[str, Any]] = list(_values_with_tags(Feature.objects.filter(pk=feature_id), fields, colours=True))
    _fill_tag_names(rows, colours=True)
    if not rows:
        raise Feature.DoesNotExist(f"No feature {feature_id}")
    return rows[0]


ROW_FIELDS = (
    "id", "product_id", "title", "description", "type", "parent_id",
    "status_id", "status__name", "status__category", "status__colour",
    "owner_id", "initiative_id", "release_id", "team_id", "start_date", "due_date",
    "reach", "impact", "confidence", "effort", "rice_score", "moscow", "scorecard_score",
    "rank", "archived_at", "version", "created_at", "updated_at", "created_by_id", "updated_by_id",
)  # fmt: skip
"""The columns of a feature row of the list endpoint."""


def _tag_names(column: str = "tag__name") -> ArraySubquery:
    """The feature's tags' `column` (name, or colour), in the order of their names."""
    through = Feature.tags.through.objects.filter(feature_id=OuterRef("pk")).order_by("tag__name", "tag_id")
    return ArraySubquery(through.values(column))


def feature_rows(
    product: Product,
    query: BacklogQuery,
    *,
    size: int,
    position: Sequence[object] | None = None,
    backward: bool = False,
) -> Page:
    """A page of the product's features as values() dicts (ROW_FIELDS, and `tag_names` in order):
    one query on PostgreSQL (the tag names aggregated by an ARRAY subquery), two elsewhere."""
    queryset = _values_with_tags(_base(product, query), ROW_FIELDS)
    page = keyset_page(queryset, query.sort, size=size, position=position, backward=backward)
    _fill_tag_names(page.rows)
    return page


def _values_with_tags(queryset: QuerySet[Feature], fields: Sequence[str], *, colours: bool = False) -> QuerySet[Any]:
    """`queryset.values(*fields)`, on PostgreSQL with `tag_names` (the tags' names in order, an ARRAY
    subquery of the same query) and, with `colours`, `tag_colours` (each name's colour, "" for none);
    elsewhere `_fill_tag_names` adds them with one more query."""
    values: QuerySet[Any]
    if connection.vendor == "postgresql":
        arrays = {"tag_names": _tag_names(), **({"tag_colours": _tag_names("tag__colour")} if colours else {})}
        values = queryset.annotate(**arrays).values(*fields, *arrays)
    else:
        values = queryset.values(*fields)
    return values


def _fill_tag_names(rows: list[dict[str, Any]], *, colours: bool = False) -> None:
    """The `tag_names` (and `tag_colours`) of values() rows read without them (not PostgreSQL): one query."""
    if not rows or connection.vendor == "postgresql":
        return
    tags: dict[int, list[tuple[str, str]]] = {}
    through = Feature.tags.through.objects.filter(feature_id__in=[r["id"] for r in rows])
    ordered = through.order_by("tag__name", "tag_id").values_list("feature_id", "tag__name", "tag__colour")
    for feature_id, name, colour in ordered:
        tags.setdefault(feature_id, []).append((name, colour))
    for row in rows:
        pairs = tags.get(row["id"], [])
        row["tag_names"] = [name for name, _ in pairs]
        if colours:
            row["tag_colours"] = [colour for _, colour in pairs]


# --- one feature ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Progress:
    """An epic's progress from its children's status categories: the done share of the children that
    count (won't-do children are left out)."""

    total: int
    done: int
    by_category: dict[str, int]

    @property
    def percent(self) -> int | None:
        return None if self.total == 0 else round(100 * self.done / self.total)


def feature_detail(feature_id: int) -> Feature:
    """One feature with everything its page and API answer show loaded: product (and workspace),
    status, owner, initiative, release, team, parent, creator, last editor, tags."""
    return (
        Feature.objects.select_related("product__workspace", *_RELATED, "parent", "created_by", "updated_by")
        .prefetch_related(Prefetch("tags", queryset=Tag.objects.order_by("name", "id")))
        .get(pk=feature_id)
    )


def feature_children(feature: Feature) -> QuerySet[Feature]:
    """An epic's children in backlog order (archived ones too), with their statuses and owners."""
    return Feature.objects.filter(parent_id=feature.pk).select_related("status", "owner").order_by("rank")


def epic_progress(feature: Feature) -> Progress:
    """The done share of an epic's (not archived) children by status category, in one query."""
    counts = dict(
        Feature.objects.filter(parent_id=feature.pk, archived_at__isnull=True)
        .values_list("status__category")
        .annotate(n=Count("id"))
        .values_list("status__category", "n")
    )
    total = sum(n for category, n in counts.items() if category != StatusCategory.WONT_DO)
    return Progress(total=total, done=counts.get(StatusCategory.DONE, 0), by_category=counts)


# --- counts and choices --------------------------------------------------------------------------


def category_counts(product: Product) -> dict[str, int]:
    """The product's (not archived) features by status category, every category present (one query)."""
    counts = dict(
        Feature.objects.filter(product_id=product.pk, archived_at__isnull=True)
        .values_list("status__category")
        .annotate(n=Count("id"))
        .values_list("status__category", "n")
    )
    return {category: counts.get(category, 0) for category in StatusCategory.values}


def category_counts_by_product(product_ids: Sequence[int]) -> dict[int, dict[str, int]]:
    """category_counts for several products in one query."""
    out: dict[int, dict[str, int]] = {pk: dict.fromkeys(StatusCategory.values, 0) for pk in product_ids}
    rows = (
        Feature.objects.filter(product_id__in=list(product_ids), archived_at__isnull=True)
        .values_list("product_id", "status__category")
        .annotate(n=Count("id"))
        .values_list("product_id", "status__category", "n")
    )
    for product_id, category, n in rows:
        out[product_id][category] = n
    return out


def statuses_of(workspace: Workspace) -> QuerySet[FeatureStatus]:
    return FeatureStatus.objects.filter(workspace_id=workspace.pk).order_by("position", "id")


def epics_of(product: Product, *, exclude_id: int | None = None) -> QuerySet[Feature]:
    """The product's epics that may take children (not archived), in backlog order."""
    qs = Feature.objects.filter(product_id=product.pk, type="epic", archived_at__isnull=True)
    if exclude_id is not None:
        qs = qs.exclude(pk=exclude_id)
    return qs.only("id", "title", "rank").order_by("rank")


@dataclass(frozen=True)
class BacklogChoices:
    """The options the backlog page offers (its filters and its bulk bar), read once for both."""

    statuses: list[tuple[int, str]]
    """(id, name) in the workspace's order."""
    members: list[tuple[int, str, bool, int]]
    """(user id, display name, active, membership id) by name, then email."""
    initiatives: list[tuple[int, str]]
    """(id, title) of the initiatives the product's features may serve, by title."""
    releases: list[tuple[int, str]]
    """(id, name) of the product's releases in their order (release date, unscheduled last, name)."""
    teams: list[tuple[int, str]]
    tags: list[str]
    """The workspace's tag names, in order."""


def _choices_sql() -> str:
    status, member, user = FeatureStatus._meta.db_table, Membership._meta.db_table, User._meta.db_table
    initiative, release, team, tag = (m._meta.db_table for m in (Initiative, Release, Team, Tag))
    # each part: (kind, id, label, flag, extra, its place in its own order)
    return f"""
        SELECT 0, s.id, s.name, TRUE, 0, ROW_NUMBER() OVER (ORDER BY s.position, s.id)
          FROM "{status}" s WHERE s.workspace_id = %(ws)s
        UNION ALL
        SELECT 1, u.id, COALESCE(NULLIF(u.name, ''), u.email), u.is_active, m.id,
               ROW_NUMBER() OVER (ORDER BY u.name, u.email)
          FROM "{member}" m JOIN "{user}" u ON u.id = m.user_id WHERE m.workspace_id = %(ws)s
        UNION ALL
        SELECT 2, i.id, i.title, TRUE, 0, ROW_NUMBER() OVER (ORDER BY i.title, i.id)
          FROM "{initiative}" i
         WHERE i.workspace_id = %(ws)s AND (i.product_id IS NULL OR i.product_id = %(product)s)
        UNION ALL
        SELECT 3, r.id, r.name, TRUE, 0,
               ROW_NUMBER() OVER (ORDER BY r.release_date IS NULL, r.release_date, r.name, r.id)
          FROM "{release}" r WHERE r.product_id = %(product)s
        UNION ALL
        SELECT 4, t.id, t.name, TRUE, 0, ROW_NUMBER() OVER (ORDER BY t.name, t.id)
          FROM "{team}" t WHERE t.workspace_id = %(ws)s
        UNION ALL
        SELECT 5, g.id, g.name, TRUE, 0, ROW_NUMBER() OVER (ORDER BY g.name, g.id)
          FROM "{tag}" g WHERE g.workspace_id = %(ws)s
        ORDER BY 1, 6
    """  # noqa: S608 - table names from model metadata; the values are parameters


def backlog_choices(product: Product) -> BacklogChoices:
    """The backlog page's options (the workspace's statuses, members, initiatives, teams and tags, the
    product's releases) in ONE statement: six small reads were six ORM queries, ~0.8 ms each to
    build and run. Each part keeps the order its model's list has everywhere else."""
    parts: list[list[tuple[Any, ...]]] = [[] for _ in range(6)]
    with connection.cursor() as cursor:
        cursor.execute(_choices_sql(), {"ws": product.workspace_id, "product": product.pk})
        for kind, pk, label, flag, extra, _place in cursor.fetchall():
            parts[kind].append((pk, label, bool(flag), extra))
    statuses, members, initiatives, releases, teams, tags = parts
    return BacklogChoices(
        statuses=[(pk, label) for pk, label, _, _ in statuses],
        members=[(pk, label, flag, extra) for pk, label, flag, extra in members],
        initiatives=[(pk, label) for pk, label, _, _ in initiatives],
        releases=[(pk, label) for pk, label, _, _ in releases],
        teams=[(pk, label) for pk, label, _, _ in teams],
        tags=[label for _, label, _, _ in tags],
    )


# --- cursors: a position as an opaque token -------------------------------------------------------


@dataclass(frozen=True)
class Cursor:
    """Where a page starts: after `position` (or before it, `backward`) in `sort`'s order."""

    sort: str
    position: list[object]
    backward: bool = False


def encode_cursor(sort: str, position: Sequence[object], *, backward: bool = False) -> str:
    """An opaque, URL-safe token for a page position."""
    payload = json.dumps([sort, position_to_json(position), 1 if backward else 0], separators=(",", ":"))
    return base64.urlsafe_b64encode(payload.encode()).decode().rstrip("=")


def decode_cursor(token: str, sort: str) -> Cursor | None:
    """The position a token carries, when it is one of `sort`'s (None otherwise: the caller answers 400)."""
    if not token or len(token) > 1000 or not token.isascii():
        return None
    try:
        raw = json.loads(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)))
    except (ValueError, UnicodeDecodeError):
        return None
    if not isinstance(raw, list) or len(raw) != 3 or raw[0] != sort or raw[2] not in (0, 1):
        return None
    position = position_from_json(sort, raw[1])
    return None if position is None else Cursor(sort=sort, position=position, backward=raw[2] == 1)


def neighbour_ids(
    product: Product, query: BacklogQuery, page: Page, *, position: Sequence[object] | None, backward: bool = False
) -> tuple[int | None, int | None]:
    """The ids of the rows just before and just after a page in the same filtered order (so a move to
    the top or bottom of a page can name a neighbour on the next page). The page's `beyond` row is
    one of them, and the first page has nothing before it: no query on the first page, one (a
    one-row query) on the others. `position` and `backward` are those the page was read with."""
    if not page.rows:
        return None, None
    beyond = _pk(page.beyond)
    if position is None and not backward:
        return None, beyond
    keys, base = SORT_KEYS[query.sort], _base(product, query)
    edge = position_of(query.sort, page.rows[-1] if backward else page.rows[0])
    other = (
        base.filter(keyset_condition(keys, edge, backward=not backward))
        .order_by(*_order(keys, backward=not backward))
        .values_list("id", flat=True)
        .first()
    )
    return (beyond, other) if backward else (other, beyond)


def _pk(row: Any) -> int | None:
    """The id of a page row (a model or a values() dict), None for no row."""
    if row is None:
        return None
    return int(row["id"] if isinstance(row, dict) else row.pk)
