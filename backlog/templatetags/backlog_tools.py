"""Template tags that put the backlog tools on the backlog page, one line each:

    {% load backlog_tools %}
    {% tools_toolbar product %}          saved views menu, "Save this view", export and import links
    {% tools_bulk_bar product choices %} the bulk action bar (a form the row checkboxes belong to);
                                         `choices`: the page's BacklogChoices, when it read them
    {% tools_select_all %}               the "select all on this page" checkbox (in the list head)

Each reads what it needs itself (a few queries, none per row). A row's checkbox
(`<input class="tools-row-check" form="bulk-form" …>`) is printed by the row template itself
(templates/backlog/features_row.html), 50 times a page."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django import template

from pmtool.models import Product
from pmtool.permissions import can_edit_content

from ..filters import BacklogQuery, parse_query
from ..selectors.features import BacklogChoices, backlog_choices

register = template.Library()

PAGE_PARAMS = ("page", "cursor", "page_size")


def bulk_options(product: Product, choices: BacklogChoices | None = None) -> dict[str, list[tuple[str, str]]]:
    """The choices of the bulk bar: the workspace's statuses, active members (by name, case-folded),
    initiatives, teams, the product's releases; from `choices` when the page read them already."""
    found = choices if choices is not None else backlog_choices(product)
    active = sorted((m for m in found.members if m[2]), key=lambda m: (m[1].casefold(), m[3]))
    return {
        "status": [(str(pk), name) for pk, name in found.statuses],
        "owner": [(str(user_id), name) for user_id, name, _, _ in active],
        "initiative": [(str(pk), title) for pk, title in found.initiatives],
        "release": [(str(pk), name) for pk, name in found.releases],
        "team": [(str(pk), name) for pk, name in found.teams],
    }


def _query(request: Any) -> BacklogQuery:
    try:
        return parse_query(dict(request.GET.lists()), ignore=PAGE_PARAMS)
    except Exception:  # noqa: BLE001 - an invalid filter shows its own errors on the page; the tools save none
        return BacklogQuery()


@register.inclusion_tag("backlog/tools_toolbar.html", takes_context=True)
def tools_toolbar(context: Any, product: Product) -> dict[str, Any]:
    from ..selectors.saved_views import saved_views_for
    from ..views.tools import backlog_url

    request = context["request"]
    query = _query(request)
    views = list(saved_views_for(product, request.user))
    for view in views:
        view.url = backlog_url(request, product, view.query)  # type: ignore[attr-defined]
        view.active = view.query == query.as_params()  # type: ignore[attr-defined]
    can_edit = can_edit_content(getattr(request, "role", None))
    params = request.GET.urlencode()
    return {
        "request": request,
        "product": product,
        "views": views,
        "query_string": urlencode(query.as_params(), doseq=True),
        "can_edit": can_edit,
        "export_query": ("?" + params) if params else "",
        "csrf_token": context.get("csrf_token"),
    }


@register.inclusion_tag("backlog/tools_bulk_bar.html", takes_context=True)
def tools_bulk_bar(context: Any, product: Product, choices: BacklogChoices | None = None) -> dict[str, Any]:
    from ..forms.tools import BulkForm

    request = context["request"]
    form = BulkForm(options=bulk_options(product, choices), initial={"next": request.get_full_path()})
    return {"request": request, "product": product, "form": form, "csrf_token": context.get("csrf_token")}


@register.inclusion_tag("backlog/tools_select_all.html")
def tools_select_all() -> dict[str, Any]:
    return {}
