"""The rows of the backlog page: a selector's values() row (backlog.selectors.features.backlog_rows /
backlog_row) with its display values and links (`present`), and its markup (`row_head`, `rows_html`).

The backlog page prints 50 rows; through the template engine (a row template of ~60 nodes, even
with everything precomputed) that took ~18 ms a page, the largest part of the page's time. So a
row's markup is one format string here, every value escaped, ~20 µs a row. The inline "Edit
scores" answer (templates/backlog/features_row.html) prints the same head through
`{% backlog_row_head %}` (backlog/templatetags/backlog_rows.py), so the list and the edited row
cannot drift apart. The status chip is templates/backlog/_status_chip.html's markup and the
checkbox belongs to the bulk bar (templates/backlog/tools_bulk_bar.html: `form="bulk-form"`).

`RowLinks` reverses the feature URLs once per request and formats each row's from them."""

from __future__ import annotations

from html import escape as _html_escape
from typing import Any

from django.template.defaultfilters import title as title_case
from django.urls import reverse
from django.utils.safestring import SafeString, mark_safe

from ..models import FeatureType, MoSCoW
from ..templatetags.features_tags import amount, score

_TYPES = dict(FeatureType.choices)
_MOSCOW = dict(MoSCoW.choices)
_SENTINEL = 987_654_321


def _pattern(name: str, ws: str) -> tuple[str, str]:
    """The text before and after the feature id in the URL `name` of workspace `ws`."""
    url = reverse(name, kwargs={"ws": ws, "feature_id": _SENTINEL})
    head, _, tail = url.rpartition(str(_SENTINEL))
    return head, tail


class RowLinks:
    """A feature's page and inline-edit URLs in workspace `ws`: reversed once, formatted per row."""

    def __init__(self, ws: str) -> None:
        self._detail = _pattern("backlog:feature_detail", ws)
        self._rice = _pattern("backlog:feature_rice", ws)

    def detail(self, feature_id: int) -> str:
        head, tail = self._detail
        return f"{head}{feature_id}{tail}"

    def rice(self, feature_id: int) -> str:
        head, tail = self._rice
        return f"{head}{feature_id}{tail}"


def present(row: dict[str, Any], links: RowLinks) -> dict[str, Any]:
    """`row` (a values() row of the backlog) with what the row template prints, in place."""
    pk = row["id"]
    reach, impact, confidence, effort = row["reach"], row["impact"], row["confidence"], row["effort"]
    moscow = row["moscow"]
    row["url"] = links.detail(pk)
    row["rice_url"] = links.rice(pk)
    row["type_label"] = _TYPES.get(row["type"], row["type"])
    row["owner_name"] = (row["owner__name"] or row["owner__email"]) if row["owner__email"] is not None else None
    row["rice_title"] = (
        f"RICE: reach {amount(reach)} × impact {amount(impact)} × confidence {amount(confidence)}% "
        f"÷ effort {amount(effort)}"
    )
    row["rice_text"] = score(row["rice_score"])
    row["card_text"] = score(row["scorecard_score"], 0)
    row["moscow_label"] = _MOSCOW.get(moscow, moscow)
    row["moscow_title"] = title_case(moscow)
    return row


def present_all(rows: list[dict[str, Any]], ws: str) -> list[dict[str, Any]]:
    """Every row of a page, presented (the links reversed once)."""
    links = RowLinks(ws)
    return [present(row, links) for row in rows]


_DASH = '<span class="muted">—</span>'


def escape(value: object) -> str:
    """django.utils.html.escape's text (it is `html.escape(str(value))`) without its lazy-string
    wrapper, which cost more than the escaping on a page of 50 rows."""
    return _html_escape(str(value))


_HEAD = (
    '<li class="backlog-row{archived_class}{editing_class}" data-feature-id="{id}" id="feature-{id}" tabindex="-1">\n'
    '  <span class="col-handle">{handle}</span>\n'
    '  <span class="col-title">{checkbox}<a class="feature-link" href="{url}">{title}</a>\n'
    '    <span class="type-pill type-{type}">{type_label}</span>{archived_tag}</span>\n'
    '  <span class="col-status"><span class="status-chip status-{category}"><svg width="10" height="10"'
    ' viewBox="0 0 10 10" aria-hidden="true" focusable="false"><circle cx="5" cy="5" r="5" fill="{colour}">'
    "</circle></svg>{status}</span>\n</span>\n"
    '  <span class="col-owner"><span class="col-label">Owner </span>{owner}</span>\n'
    '  <span class="col-initiative"><span class="col-label">Initiative </span>{initiative}</span>\n'
    '  <span class="col-release"><span class="col-label">Release </span>{release}</span>\n'
    '  <span class="col-score col-rice" data-score="rice" title="{rice_title}"><span class="col-label">RICE </span>'
    "{rice}</span>\n"
    '  <span class="col-score col-card" data-score="scorecard"><span class="col-label">Scorecard </span>{card}</span>\n'
    '  <span class="col-moscow">{moscow}</span>\n'
    '  <span class="col-tags">{tags}</span>\n'
    '  <span class="col-actions">{edit}{saved}</span>'
)
_HANDLE = (
    '<button type="button" class="rank-handle" aria-label="Move {title}" title="Drag, or use the arrow keys">⠿</button>'
)
_CHECKBOX = (
    '<input type="checkbox" class="tools-row-check" name="item" value="{id}:{version}" form="bulk-form" data-bulk-item'
    ' aria-label="Select {title}">\n'
)
_EDIT = (
    '<a class="button button-small button-ghost" data-shortcut="edit"\n'
    '      href="{url}"\n'
    '      hx-get="{url}?ranked={ranked}" hx-target="closest li" hx-swap="outerHTML"\n'
    '      aria-label="Edit scores of {title}">Edit scores</a>'
)
_MOSCOW_CHIP = '<span class="moscow moscow-{value}" title="{label}">{text}</span>'
_SAVED = '<span class="inline-ok" role="status">Saved</span>'


_TAG_CHIP = (
    '<svg class="tag-chip" width="8" height="8" viewBox="0 0 8 8" aria-hidden="true" focusable="false">'
    '<circle cx="4" cy="4" r="4" fill="{colour}"></circle></svg>'
)


def _tags(names: list[str], colours: list[str] | None) -> str:
    """The row's tags, each with its colour's dot when it has one (an SVG fill: no inline style)."""
    shown = colours or [""] * len(names)
    return "".join(
        f'<span class="tag">{_TAG_CHIP.format(colour=escape(c)) if c else ""}{escape(t)}</span> '
        for t, c in zip(names, shown, strict=True)
    )


def _or_dash(value: object) -> str:
    return _DASH if value is None else escape(value)


def row_head(f: dict[str, Any], *, can_edit: bool, ranked: bool, editing: bool = False, saved: bool = False) -> str:
    """A presented row's `<li>` and its cells, up to (not including) the inline form and `</li>`."""
    title = escape(f["title"])
    actions = can_edit and not editing
    moscow = f["moscow"]
    return _HEAD.format(
        archived_class=" is-archived" if f["archived_at"] else "",
        editing_class=" is-editing" if editing else "",
        id=f["id"],
        handle=_HANDLE.format(title=title) if can_edit and ranked else "",
        checkbox=_CHECKBOX.format(id=f["id"], version=f["version"], title=title) if actions else "",
        url=escape(f["url"]),
        title=title,
        type=escape(f["type"]),
        type_label=escape(f["type_label"]),
        archived_tag=' <span class="tag">archived</span>' if f["archived_at"] else "",
        category=escape(f["status__category"]),
        colour=escape(f["status__colour"]),
        status=escape(f["status__name"]),
        owner=_or_dash(f["owner_name"]),
        initiative=_or_dash(f["initiative__title"]),
        release=_or_dash(f["release__name"]),
        rice_title=escape(f["rice_title"]),
        rice=escape(f["rice_text"]),
        card=escape(f["card_text"]),
        moscow=(
            _MOSCOW_CHIP.format(value=escape(moscow), label=escape(f["moscow_label"]), text=escape(f["moscow_title"]))
            if moscow
            else _DASH
        ),
        tags=_tags(f["tag_names"], f.get("tag_colours")),
        edit=_EDIT.format(url=escape(f["rice_url"]), ranked="1" if ranked else "0", title=title) if actions else "",
        saved=_SAVED if saved else "",
    )


def rows_html(rows: list[dict[str, Any]], *, can_edit: bool, ranked: bool) -> SafeString:
    """The rows of a page as the list prints them (each as features_row.html prints a row without a form)."""
    return mark_safe(  # noqa: S308 - every value is escaped in row_head
        "".join(f"\n{row_head(f, can_edit=can_edit, ranked=ranked)}\n  \n</li>\n" for f in rows)
    )
