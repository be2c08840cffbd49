"""The MoSCoW board and the value vs effort matrix (pages), and the board's move endpoint.

Thin: the query (backlog.filters) → product_access / access_feature → selector or service →
template. The move endpoint answers JSON to the board's script (Accept: application/json) and
redirects back with a message to a plain form post (no JS)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.http import HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_POST

from pmtool.activity import Actor
from pmtool.api.errors import error_body
from pmtool.errors import ApplicationError, ValidationError
from pmtool.models import Product, Role
from pmtool.pages import WorkspaceRequest
from pmtool.permissions import product_access
from pmtool.versioning import StaleVersion
from pmtool.views import workspace_page
from strategy.charts import format_number

from ..filters import NONE, BacklogQuery, parse_query
from ..forms.boards import COLUMN_CHOICES, MoscowMoveForm
from ..matrix import QUADRANTS, Point, matrix_chart, place, split_of
from ..models import Feature, FeatureType, StatusCategory
from ..permissions import access_feature
from ..selectors import boards as selectors
from ..services.moscow import feature_moscow_set

BOARD_PARAMS = ("closed",)
MATRIX_PARAMS = ("closed", "value")
UNPLACED_SHOWN = 50


@dataclass
class BoardQuery:
    """The filters of a board page: the backlog query, the closed toggle, and what was refused."""

    query: BacklogQuery = field(default_factory=BacklogQuery)
    show_closed: bool = False
    value: str = ""
    errors: dict[str, list[str]] = field(default_factory=dict)


def _read_query(request: WorkspaceRequest, extra: tuple[str, ...]) -> BoardQuery:
    params = dict(request.GET.lists())
    read = BoardQuery()
    try:
        read.query = parse_query(params, ignore=extra)
    except ValidationError as exc:
        read.errors.update(exc.fields or {"": [exc.message]})
    closed = (params.get("closed") or [""])[-1]
    if closed not in ("", "0", "1"):
        read.errors["closed"] = ["Use 1 or 0."]
    read.show_closed = closed == "1"
    value = (params.get("value") or [""])[-1] if "value" in extra else ""
    if value not in ("", "scorecard", "rice"):
        read.errors["value"] = ["Choose scorecard or rice."]
    read.value = value if value in ("scorecard", "rice") else ""
    return read


def _urls(request: WorkspaceRequest, product: Product) -> dict[str, str]:
    base = f"/w/{request.workspace.slug}/products/{product.slug}/backlog/"
    return {
        "backlog": base,
        "moscow": base + "moscow/",
        "matrix": base + "matrix/",
        "features": f"/w/{request.workspace.slug}/features/",
    }


def _filter_context(product: Product, read: BoardQuery) -> dict[str, Any]:
    choices = selectors.filter_choices(product)
    q = read.query

    def first(values: tuple[Any, ...]) -> str:
        return "" if not values else (NONE if values[0] is None else str(values[0]))

    return {
        "chosen": {
            "category": first(q.category),
            "type": first(q.type),
            "release": first(q.release),
            "initiative": first(q.initiative),
            "q": q.q,
        },
        "categories": StatusCategory.choices,
        "types": FeatureType.choices,
        "releases": [(str(pk), name) for pk, name in choices.releases],
        "initiatives": [(str(pk), title) for pk, title in choices.initiatives],
        "show_closed": read.show_closed,
        "filtered": q.is_filtered,
        "errors": read.errors,
    }


def _more_link(base: str, query: BacklogQuery, column: selectors.Column) -> str:
    params = {**query.as_params(), "moscow": [column.param]}
    return base + "?" + urlencode(params, doseq=True)


@workspace_page()
@require_GET
def moscow_board(request: WorkspaceRequest, slug: str) -> HttpResponse:
    access = product_access(request.user, workspace=request.workspace, slug=slug)
    product = access.obj
    read = _read_query(request, BOARD_PARAMS)
    urls = _urls(request, product)
    columns = (
        [selectors.Column(key, label) for key, label in selectors.COLUMNS]
        if read.errors
        else selectors.moscow_board(product, read.query, show_closed=read.show_closed, limit=selectors.COLUMN_LIMIT)
    )
    for column in columns:
        column.more_url = _more_link(urls["backlog"], read.query, column)
    context = {
        "product": product,
        "columns": columns,
        "column_choices": COLUMN_CHOICES,
        "can_edit": access.can_edit,
        "urls": urls,
        "here": request.get_full_path(),
        "tab": "moscow",
        "limit": selectors.COLUMN_LIMIT,
        **_filter_context(product, read),
    }
    return render(request, "backlog/boards_moscow.html", context, status=400 if read.errors else 200)


@workspace_page()
@require_GET
def value_effort_matrix(request: WorkspaceRequest, slug: str) -> HttpResponse:
    access = product_access(request.user, workspace=request.workspace, slug=slug)
    product = access.obj
    read = _read_query(request, MATRIX_PARAMS)
    urls = _urls(request, product)
    scorecard = selectors.has_scorecard(product)
    source: selectors.ValueSource = "scorecard" if scorecard else "rice"
    if read.value == "rice":
        source = "rice"
    elif read.value == "scorecard":
        source = "scorecard"
    features, truncated = (
        ([], False)
        if read.errors
        else selectors.matrix_features(product, read.query, source, show_closed=read.show_closed)
    )
    points = [
        Point(f.id, f.title, f"{urls['features']}{f.id}/", f.value, f.effort)
        for f in features
        if f.value is not None and f.effort is not None and f.effort > 0
    ]
    no_effort = [f for f in features if f.effort is None or f.effort <= 0]
    no_value = [f for f in features if f.value is None and f.effort is not None and f.effort > 0]
    split = split_of(points)
    placed = place(points, split) if split is not None else []
    if source == "scorecard":
        chart = matrix_chart(placed, split, value_label="Value (scorecard score, 0–100)", value_max=100.0)
    else:
        chart = matrix_chart(placed, split, value_label="Value (RICE score, square-root scale)", value_scale="sqrt")
    by_quadrant = [(q, sorted((p for p in placed if p.quadrant is q), key=lambda p: -p.point.value)) for q in QUADRANTS]
    source_params = {}
    for option in ("scorecard", "rice"):
        params = request.GET.copy()
        params["value"] = option
        source_params[option] = params.urlencode()
    context = {
        "product": product,
        "chart": chart,
        "split": split,
        "split_text": {"value": format_number(split.value), "effort": format_number(split.effort)} if split else {},
        "placed": placed,
        "by_quadrant": by_quadrant,
        "source": source,
        "source_params": source_params,
        "has_scorecard": scorecard,
        "no_effort": no_effort[:UNPLACED_SHOWN],
        "no_effort_count": len(no_effort),
        "no_value": no_value[:UNPLACED_SHOWN],
        "no_value_count": len(no_value),
        "truncated": truncated,
        "limit": selectors.MATRIX_LIMIT,
        "urls": urls,
        "tab": "matrix",
        **_filter_context(product, read),
    }
    return render(request, "backlog/boards_matrix.html", context, status=400 if read.errors else 200)


# --- moving a card ------------------------------------------------------------------------------


def _card(feature: Feature) -> dict[str, Any]:
    return {
        "id": feature.pk,
        "title": feature.title,
        "moscow": feature.moscow,
        "column": selectors.COLUMN_LABELS.get(feature.moscow, ""),
        "version": feature.version,
    }


def _back(request: WorkspaceRequest, feature: Feature, wanted: str) -> str:
    """Where a form post returns: the board it came from (its filters kept), else the product's board."""
    prefix = f"/w/{request.workspace.slug}/"
    if (
        wanted.startswith(prefix)
        and url_has_allowed_host_and_scheme(wanted, allowed_hosts={request.get_host()})
        and "\\" not in wanted
    ):
        return wanted
    return f"{prefix}products/{feature.product.slug}/backlog/moscow/"


@workspace_page(minimum=Role.EDITOR, what="change features")
@require_POST
def feature_moscow(request: WorkspaceRequest, feature_id: int) -> HttpResponse:
    feature = access_feature(request.user, feature_id, write=True, workspace=request.workspace).obj
    wants_json = "application/json" in request.headers.get("Accept", "")
    form = MoscowMoveForm(request.POST)
    back = _back(request, feature, str(request.POST.get("next", ""))[:2000])
    try:
        if not form.is_valid():
            raise ValidationError(
                "Choose a column, and send the version you saw.",
                fields={name: [str(e) for e in errors] for name, errors in form.errors.items()},
            )
        moved = feature_moscow_set(
            actor=Actor.from_request(request),
            feature_id=feature.pk,
            version=form.cleaned_data["version"],
            moscow=form.cleaned_data["moscow"],
        )
    except StaleVersion as exc:
        current = exc.current
        assert isinstance(current, Feature)  # noqa: S101 - lock_version returns the locked feature
        where = selectors.COLUMN_LABELS.get(current.moscow, "")
        message = f"“{current.title}” was moved by someone else to {where}."
        if wants_json:
            return JsonResponse({**error_body(exc.code, message), "current": _card(current)}, status=409)
        messages.warning(request, f"{message} It is shown where it is now: move it again if you still want to.")
        return redirect(back)
    except ApplicationError as exc:
        if wants_json:
            return JsonResponse(error_body(exc.code, exc.message, exc.fields), status=exc.status_code)
        messages.error(request, exc.message)
        return redirect(back)
    if wants_json:
        return JsonResponse(_card(moved))
    messages.success(request, f"Moved “{moved.title}” to {selectors.COLUMN_LABELS.get(moved.moscow, '')}.")
    return redirect(back)
