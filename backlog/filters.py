"""The backlog's filter and sort, in one place: read from query parameters, applied to a queryset,
written back as parameters.

One `BacklogQuery` serves the backlog page, the feature list API, saved views (which store its
parameters), the CSV export of the current view and bulk edits of a filtered set. Parameters:

    status=<id>  category=<StatusCategory>  type=<FeatureType>  initiative=<id|none>
    release=<id|none>  team=<id|none>  tag=<name>  moscow=<MoSCoW|none>  owner=<user id|none>
    parent=<epic id>  q=<text>  sort=<SORTS key>  archived=1

Repeat a parameter for "any of" (status=3&status=4); different parameters combine with "and".
Text search is PostgreSQL full text (websearch syntax, English stemming) over title and
description; on SQLite a plain case-insensitive match.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, fields, replace
from typing import Any

from django.contrib.postgres.search import SearchQuery, SearchVector
from django.db import connection
from django.db.models import F, OrderBy, Q, QuerySet

from pmtool.errors import ValidationError

from .models import Feature, FeatureType, MoSCoW, StatusCategory

NONE = "none"
"""The value of initiative/release/team/moscow/owner that asks for features without one."""

Q_MAX = 200
VALUES_MAX = 50  # values of one parameter

SORTS: dict[str, tuple[str, tuple[Any, ...]]] = {
    # key: (label, ORDER BY); every order ends in rank, then id, so it is total and stable
    "rank": ("Rank", ("rank", "id")),
    "rice": ("RICE score", (F("rice_score").desc(nulls_last=True), "rank", "id")),
    "scorecard": ("Scorecard score", (F("scorecard_score").desc(nulls_last=True), "rank", "id")),
    "title": ("Title", ("title", "rank", "id")),
    "due": ("Due date", (F("due_date").asc(nulls_last=True), "rank", "id")),
    "updated": ("Recently updated", ("-updated_at", "rank", "id")),
    "created": ("Newest", ("-created_at", "rank", "id")),
}


@dataclass(frozen=True)
class BacklogQuery:
    """A validated filter and sort of one product's backlog."""

    status: tuple[int, ...] = ()
    category: tuple[str, ...] = ()
    type: tuple[str, ...] = ()
    initiative: tuple[int | None, ...] = ()
    release: tuple[int | None, ...] = ()
    team: tuple[int | None, ...] = ()
    tag: tuple[str, ...] = ()
    moscow: tuple[str, ...] = ()  # "" = no MoSCoW
    owner: tuple[int | None, ...] = ()
    parent: int | None = None
    q: str = ""
    sort: str = "rank"
    archived: bool = False
    extra: dict[str, str] = field(default_factory=dict, compare=False)

    @property
    def is_ranked(self) -> bool:
        """Shown in hand-made order, so dragging rows means something."""
        return self.sort == "rank"

    @property
    def is_filtered(self) -> bool:
        return self != BacklogQuery(sort=self.sort, archived=self.archived)

    def with_sort(self, sort: str) -> BacklogQuery:
        return replace(self, sort=sort)

    def as_params(self) -> dict[str, list[str]]:
        """The query as parameters (for links, saved views and the export), defaults left out."""
        out: dict[str, list[str]] = {}
        for f in fields(self):
            if f.name == "extra":
                continue
            value = getattr(self, f.name)
            if isinstance(value, tuple):
                if value:
                    out[f.name] = [_param(v, f.name) for v in value]
            elif f.name == "sort":
                if value != "rank":
                    out["sort"] = [value]
            elif f.name == "archived":
                if value:
                    out["archived"] = ["1"]
            elif value not in (None, ""):
                out[f.name] = [str(value)]
        return out


def _param(value: object, name: str) -> str:
    if value is None or (name == "moscow" and value == ""):
        return NONE
    return str(value)


PARAMS = tuple(f.name for f in fields(BacklogQuery) if f.name != "extra")


def _ids(name: str, values: Sequence[str], *, allow_none: bool, errors: dict[str, list[str]]) -> tuple[Any, ...]:
    out: list[int | None] = []
    for raw in values:
        if allow_none and raw == NONE:
            out.append(None)
        elif raw.isdigit() and 0 < int(raw) < 2**63:
            out.append(int(raw))
        else:
            errors.setdefault(name, []).append(f"“{raw[:40]}” is not an id{' or “none”' if allow_none else ''}.")
    return tuple(dict.fromkeys(out))


def _choices(name: str, values: Sequence[str], allowed: Sequence[str], errors: dict[str, list[str]]) -> tuple[str, ...]:
    bad = [v for v in values if v not in allowed]
    if bad:
        errors.setdefault(name, []).append(f"“{bad[0][:40]}” is not one of: {', '.join(a or NONE for a in allowed)}.")
    return tuple(dict.fromkeys(v for v in values if v in allowed))


def parse_query(params: Mapping[str, Sequence[str]], *, ignore: Sequence[str] = ()) -> BacklogQuery:
    """A BacklogQuery from parameters (a QueryDict's lists, or {name: [values]}); a 400
    ValidationError naming every bad parameter. Parameters in `ignore` (e.g. page, cursor) are
    left to the caller; any other unknown one is an error."""
    errors: dict[str, list[str]] = {}
    for name in params:
        if name not in PARAMS and name not in ignore:
            errors.setdefault(name, []).append("Unknown filter.")
    get = {name: [v for v in params.get(name, []) if v != ""] for name in PARAMS}
    for name, values in get.items():
        if len(values) > VALUES_MAX:
            errors.setdefault(name, []).append(f"At most {VALUES_MAX} values.")
            get[name] = values[:VALUES_MAX]
        if any("\x00" in v for v in values):
            errors.setdefault(name, []).append("Null characters are not allowed.")
            get[name] = [v.replace("\x00", "") for v in values]
    moscow = _choices("moscow", [("" if v == NONE else v) for v in get["moscow"]], ["", *MoSCoW.values], errors)
    q = " ".join(get["q"]).strip()
    if len(q) > Q_MAX:
        errors.setdefault("q", []).append(f"At most {Q_MAX} characters.")
    sort = (get["sort"] or ["rank"])[-1]
    if sort not in SORTS:
        errors.setdefault("sort", []).append(f"“{sort[:40]}” is not one of: {', '.join(SORTS)}.")
    archived = (get["archived"] or ["0"])[-1]
    if archived not in ("0", "1", "true", "false"):
        errors.setdefault("archived", []).append("Use 1 or 0.")
    parent = _ids("parent", get["parent"][-1:], allow_none=False, errors=errors)
    tags = tuple(dict.fromkeys(t.strip()[:40] for t in get["tag"] if t.strip()))
    query = BacklogQuery(
        status=_ids("status", get["status"], allow_none=False, errors=errors),
        category=_choices("category", get["category"], StatusCategory.values, errors),
        type=_choices("type", get["type"], FeatureType.values, errors),
        initiative=_ids("initiative", get["initiative"], allow_none=True, errors=errors),
        release=_ids("release", get["release"], allow_none=True, errors=errors),
        team=_ids("team", get["team"], allow_none=True, errors=errors),
        tag=tags,
        moscow=moscow,
        owner=_ids("owner", get["owner"], allow_none=True, errors=errors),
        parent=parent[0] if parent else None,
        q=q[:Q_MAX],
        sort=sort if sort in SORTS else "rank",
        archived=archived in ("1", "true"),
    )
    if errors:
        raise ValidationError("Some filters are not valid.", fields=errors)
    return query


def _any_of(name: str, values: Sequence[Any]) -> Q:
    """Q for "field in values", with None meaning "has none"."""
    ids = [v for v in values if v is not None]
    cond = Q(**{f"{name}__in": ids}) if ids else Q(pk__in=[])
    if None in values:
        cond |= Q(**{f"{name}__isnull": True})
    return cond


def search(queryset: QuerySet[Feature], text: str) -> QuerySet[Feature]:
    """Full-text search (PostgreSQL, websearch syntax, English) or a plain contains match (SQLite)."""
    if not text:
        return queryset
    if connection.vendor == "postgresql":
        vector = SearchVector("title", weight="A", config="english") + SearchVector(
            "description", weight="B", config="english"
        )
        return queryset.annotate(_search=vector).filter(
            _search=SearchQuery(text, config="english", search_type="websearch")
        )
    return queryset.filter(Q(title__icontains=text) | Q(description__icontains=text))


def apply_query(queryset: QuerySet[Feature], query: BacklogQuery) -> QuerySet[Feature]:
    """`queryset` (one product's features) filtered and ordered by `query`."""
    qs = queryset.filter(archived_at__isnull=not query.archived)
    if query.status:
        qs = qs.filter(status_id__in=query.status)
    if query.category:
        qs = qs.filter(status__category__in=query.category)
    if query.type:
        qs = qs.filter(type__in=query.type)
    for name in ("initiative", "release", "team", "owner"):
        values = getattr(query, name)
        if values:
            qs = qs.filter(_any_of(f"{name}_id", values))
    if query.moscow:
        qs = qs.filter(moscow__in=query.moscow)
    if query.tag:
        qs = (
            qs.filter(tags__name__in=query.tag).distinct()
            if len(query.tag) > 1
            else qs.filter(tags__name__iexact=query.tag[0])
        )
    if query.parent is not None:
        qs = qs.filter(Q(parent_id=query.parent) | Q(pk=query.parent))
    qs = search(qs, query.q)
    return qs.order_by(*ordering(query))


def ordering(query: BacklogQuery) -> tuple[str | OrderBy, ...]:
    return SORTS[query.sort][1]
