"""Template tags that put the backlog tools on the backlog page, one line each:

    {% load backlog_tools %}
    {% tools_toolbar product %}          saved views menu, "Save this view", export and import links
    {% tools_bulk_bar product %}         the bulk action bar (a form the row checkboxes belong to)
    {% tools_select_all %}               the "select all on this page" checkbox (in the list head)
    {% tools_row_checkbox feature %}     a row's checkbox (inside its <li>)

Each reads what it needs itself (a few queries, none per row)."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django import template

from pmtool.models import Membership, Product
from pmtool.permissions import can_edit_content
from strategy.models import Initiative

from ..filters import BacklogQuery, parse_query
from ..models import FeatureStatus, Release, Team
from ..services.references import initiatives_for

register = template.Library()

PAGE_PARAMS = ("page", "cursor", "page_size")


def bulk_options(product: Product) -> dict[str, list[tuple[str, str]]]:
    """The choices of the bulk bar: the workspace's statuses, members, initiatives, teams, the product's releases."""
    ws = product.workspace_id
    members = Membership.objects.filter(workspace_id=ws, user__is_active=True).select_related("user")
    return {
        "status": [
            (str(s.pk), s.name) for s in FeatureStatus.objects.filter(workspace_id=ws).order_by("position", "id")
        ],
        "owner": sorted(
            ((str(m.user_id), m.user.name or m.user.email) for m in members), key=lambda o: o[1].casefold()
        ),
        "initiative": [
            (str(i.pk), i.title) for i in Initiative.objects.filter(initiatives_for(product)).order_by("title")
        ],
        "release": [(str(r.pk), r.name) for r in Release.objects.filter(product_id=product.pk)],
        "team": [(str(t.pk), t.name) for t in Team.objects.filter(workspace_id=ws).order_by("name")],
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
def tools_bulk_bar(context: Any, product: Product) -> dict[str, Any]:
    from ..forms.tools import BulkForm

    request = context["request"]
    form = BulkForm(options=bulk_options(product), initial={"next": request.get_full_path()})
    return {"request": request, "product": product, "form": form, "csrf_token": context.get("csrf_token")}


@register.inclusion_tag("backlog/tools_select_all.html")
def tools_select_all() -> dict[str, Any]:
    return {}


@register.inclusion_tag("backlog/tools_row_checkbox.html")
def tools_row_checkbox(feature: Any) -> dict[str, Any]:
    return {"feature": feature}
