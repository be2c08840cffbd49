"""The backlog page's rows in templates (the markup is backlog/views/rows.py's, printed in Python):

    {% load backlog_rows %}
    {% backlog_rows page.rows %}    every presented row of a page, as the list prints them
    {% backlog_row_head f %}        one row's <li> and cells (templates/backlog/features_row.html adds its
                                    inline form and </li>)

Both read `can_edit` and `ranked` from the context; the head also `form` (editing) and `saved`."""

from __future__ import annotations

from typing import Any

from django import template
from django.utils.safestring import SafeString, mark_safe

from ..views.rows import row_head, rows_html

register = template.Library()


@register.simple_tag(takes_context=True)
def backlog_rows(context: Any, rows: list[dict[str, Any]]) -> SafeString:
    return rows_html(rows, can_edit=bool(context.get("can_edit")), ranked=bool(context.get("ranked")))


@register.simple_tag(takes_context=True)
def backlog_row_head(context: Any, f: dict[str, Any]) -> SafeString:
    return mark_safe(  # noqa: S308 - every value is escaped in row_head
        row_head(
            f,
            can_edit=bool(context.get("can_edit")),
            ranked=bool(context.get("ranked")),
            editing=bool(context.get("form")),
            saved=bool(context.get("saved")),
        )
    )
