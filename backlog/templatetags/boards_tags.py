"""The MoSCoW board's cards, rendered in Python: a board shows up to 500 cards, and the same markup
through the template engine took about 85% of the page's time (bench/backlog_boards.py); string
building with escaping takes a small fraction of it. The markup is the board template's contract
with static/backlog/moscow.js (data-feature-id, data-version, data-rank, [data-move], the form)."""

from __future__ import annotations

import math
from typing import Any

from django import template
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from ..forms.boards import COLUMN_CHOICES
from ..models import FeatureType
from ..selectors.boards import Card

register = template.Library()

HANDLE = (
    '<svg width="14" height="14" viewBox="0 0 14 14" aria-hidden="true" focusable="false"><g fill="currentColor">'
    '<circle cx="4.5" cy="3" r="1.3"/><circle cx="9.5" cy="3" r="1.3"/><circle cx="4.5" cy="7" r="1.3"/>'
    '<circle cx="9.5" cy="7" r="1.3"/><circle cx="4.5" cy="11" r="1.3"/><circle cx="9.5" cy="11" r="1.3"/>'
    "</g></svg>"
)
TYPE_LABELS = dict(FeatureType.choices)


def one_decimal(value: float) -> str:
    """12.5 → "12.5", 12.0 → "12", 2133.33 → "2133.3" (as the floatformat:"-1" filter writes it)."""
    text = f"{value:.1f}"
    return text[:-2] if text.endswith(".0") else text


def _scores(f: Card) -> str:
    parts = []
    if f.rice_score is not None:
        rice = one_decimal(f.rice_score)
        parts.append(f'<span class="score" title="RICE score">RICE <strong>{rice}</strong></span>')
    if f.scorecard_score is not None:
        parts.append(
            '<span class="score" title="Scorecard score (0–100)">Score '
            f"<strong>{math.floor(f.scorecard_score + 0.5)}</strong></span>"  # half up, as floatformat
        )
    return "".join(parts) or '<span class="score score-none">Not scored</span>'


def _form(f: Card, title: str, *, ws: str, csrf: str, here: str) -> str:
    options = "".join(
        f'<option value="{value}"{" selected" if value == f.moscow else ""}>{escape(label)}</option>'
        for value, label in COLUMN_CHOICES
    )
    return (
        '<details class="board-card-form">'
        f'<summary>Move to…<span class="visually-hidden"> (for {title})</span></summary>'
        f'<form method="post" action="/w/{ws}/features/{f.id}/moscow/" class="inline-form">'
        f'<input type="hidden" name="csrfmiddlewaretoken" value="{csrf}">'
        f'<input type="hidden" name="version" value="{f.version}" data-version-input>'
        f'<input type="hidden" name="next" value="{here}">'
        f'<label class="visually-hidden" for="mv-{f.id}">Column for {title}</label>'
        f'<select id="mv-{f.id}" name="moscow" data-column-select>{options}</select>'
        '<button type="submit" class="button button-small button-ghost">Move</button>'
        "</form></details>"
    )


def card_html(f: Card, *, ws: str, can_edit: bool, csrf: str, here: str) -> str:
    title = escape(f.title)
    move = (
        f'<button type="button" class="board-move" data-move aria-label="Move {title}" '
        f'aria-describedby="board-help">{HANDLE}</button>'
        if can_edit
        else ""
    )
    drag, link_drag = (' draggable="true"', ' draggable="false"') if can_edit else ("", "")
    return (
        f'<li class="board-card" id="card-{f.id}" data-feature-id="{f.id}" data-version="{f.version}" '
        f'data-rank="{escape(f.rank)}"{drag}>'
        f'<div class="board-card-head"><a class="board-card-title" href="/w/{ws}/features/{f.id}/"'
        f"{link_drag}>{title}</a>{move}</div>"
        f'<div class="board-card-meta"><span class="type-chip type-{escape(f.type)}">'
        f"{escape(TYPE_LABELS.get(f.type, f.type))}</span>"
        '<span class="status-chip"><svg width="8" height="8" viewBox="0 0 8 8" aria-hidden="true" focusable="false">'
        f'<circle cx="4" cy="4" r="4" fill="{escape(f.status_colour)}"/></svg>{escape(f.status_name)}</span></div>'
        f'<div class="board-scores">{_scores(f)}</div>'
        f"{_form(f, title, ws=ws, csrf=csrf, here=here) if can_edit else ''}"
        "</li>"
    )


@register.simple_tag(takes_context=True)
def board_cards(context: Any, cards: list[Card]) -> SafeString:
    """The <li> cards of one column (the page's workspace, role, CSRF token and URL from the context)."""
    ws = escape(context["current_workspace"].slug)
    can_edit = bool(context.get("can_edit"))
    csrf = escape(str(context.get("csrf_token", ""))) if can_edit else ""
    here = escape(context.get("here", ""))
    html = "".join(card_html(f, ws=ws, can_edit=can_edit, csrf=csrf, here=here) for f in cards)
    return mark_safe(html)  # noqa: S308 - every value above is escaped
