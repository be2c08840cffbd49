"""Metric pages: the dashboard (a chart per metric), a metric's page (big chart, latest value,
samples, add by hand, CSV upload, bound key results), create/edit/delete, and deleting samples.

The rollup runs after each ingestion; until it has, the metric page and the dashboard say so and
poll (htmx, every 2 s) for the fresh chart. Charts are SVG drawn here (strategy.charts); the
running period of a total is drawn apart and left out of the headline's comparison (selectors.Latest).
Bad query parameters are named in a notice, the page uses their defaults and answers 400. The
samples table pages by time; ticked rows are deleted in one go, or a range on its own page."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from pmtool.activity import Actor
from pmtool.errors import ApplicationError
from pmtool.forms import add_service_error
from pmtool.models import Role
from pmtool.pages import WorkspaceRequest, delete_page, edit_page
from pmtool.permissions import Access, access_product, can_edit_content
from pmtool.selectors import activity_of_object, products_of
from pmtool.views import workspace_page

from ..charts import format_bucket, format_value, line_chart
from ..forms.metrics import ChartRangeForm, MetricForm, RangeForm, SampleForm, UploadForm
from ..models import Metric, Period
from ..permissions import access_metric, access_sample
from ..selectors import metrics as selectors
from ..services import metrics as services

DASHBOARD_PAGE = 60  # metric cards per dashboard page
SAMPLES_PAGE = 25  # rows per page of the samples table (compact rows)
METRIC_FIELDS = ("name", "unit", "direction", "aggregation", "description")


def _period(raw: str | None) -> str:
    return raw if raw in Period.values else Period.DAY


def _period_error(raw: str | None) -> list[dict[str, str]]:
    if raw is None or raw in Period.values:
        return []
    message = f"Not a period: choose {', '.join(Period.values)}."
    return [{"name": "period", "value": raw[:40], "message": message}]


CHART_SIZES = {
    "card": {"width": 480, "height": 190, "x_labels": 4},
    "big": {"width": 880, "height": 300, "x_labels": 7},
    "small": {"width": 400, "height": 230, "x_labels": 3, "y_ticks": 4},  # the big chart on a phone
}


def _chart(
    metric: Metric,
    rows: list[Any],
    period: str,
    span: tuple[dt.date, dt.date],
    size: str = "card",
    *,
    latest: selectors.Latest | None = None,
) -> Any:
    """The chart of `rows`; the running bucket of a total (see selectors.Latest) is drawn apart."""
    partial = latest is not None and (latest.partial or latest.running is not None)
    return line_chart(
        [(r.bucket, r.value) for r in rows],
        title=metric.name,
        uid=f"metric-{metric.pk}-{size}",
        unit=metric.unit,
        period=period,
        span=span,
        partial=partial,
        **CHART_SIZES[size],
    )


# --- dashboard ----------------------------------------------------------------------------


@workspace_page()
@require_GET
def metric_dashboard(request: WorkspaceRequest) -> HttpResponse:
    workspace = request.workspace
    period = _period(request.GET.get("period"))
    query_errors = _period_error(request.GET.get("period"))
    products = list(products_of(workspace).values_list("id", "slug", "name"))
    slug = request.GET.get("product", "")
    product = next((p for p in products if p[1] == slug), None)
    if slug and product is None:
        query_errors.append({"name": "product", "value": slug[:40], "message": "No such product here: all are shown."})
    metrics = selectors.metrics_of_workspace(workspace, product_id=product[0] if product else None)
    page = Paginator(metrics, DASHBOARD_PAGE).get_page(request.GET.get("page"))
    first, last = selectors.series_window(period)
    series = selectors.series_of([m.pk for m in page.object_list], period, first, last)  # one query for all charts
    cards = []
    for m in page.object_list:
        rows = series.get(m.pk, [])
        latest = selectors.latest_of(rows, m.direction, running=selectors.running_bucket(m, period))
        cards.append({"metric": m, "chart": _chart(m, rows, period, (first, last), latest=latest), "latest": latest})
    query = {"period": period, **({"product": product[1]} if product else {})}
    context = {
        "cards": cards,
        "page": page,
        "products": products,
        "product": product,
        "period": period,
        "periods": Period.choices,
        "first": first,
        "last": last,
        "query": urlencode(query),
        "any_pending": any(getattr(m, "pending", False) for m in page.object_list),
        "can_edit": can_edit_content(_workspace_role(request)),
        "nav_active": "metrics",
        "query_errors": query_errors,
    }
    template = "strategy/metrics/dashboard.html#metric-grid" if request.htmx else "strategy/metrics/dashboard.html"
    return render(request, template, context, status=400 if query_errors else 200)


# --- a metric's page ----------------------------------------------------------------------


# The chart's query parameters, by form field; `from` and `to` (the API's names) are accepted too.
CHART_PARAMS = {"period": ("period",), "start": ("start", "from"), "end": ("end", "to")}


def _chart_query(request: HttpRequest) -> tuple[dict[str, str], dict[str, str]]:
    """(form data, the parameter each field came from) from the address."""
    data, names = {}, {}
    for field, params in CHART_PARAMS.items():
        for name in params:
            if name in request.GET:
                data[field], names[field] = request.GET[name], name
                break
    return data, names


def _query_errors(form: Any, names: dict[str, str]) -> list[dict[str, str]]:
    """What was wrong with the address, one entry per parameter: shown above the chart (the page
    renders with the defaults for those parameters and answers 400)."""
    errors = []
    for field, messages_ in form.errors.items():
        name = names.get(field, field)
        raw = form.data.get(field, "")
        errors.append({"name": name, "value": str(raw)[:40], "message": " ".join(messages_)})
    return errors


def _live_context(request: HttpRequest, metric: Metric) -> tuple[dict[str, Any], bool]:
    """The chart part of a metric's page (also served alone, for the period switch and polling).

    A bad parameter (`?period=year`, `?from=notadate`, a date outside 1900–2999) is named in a
    notice above the chart, the rest of the page uses its default, and the answer is a 400."""
    raw, names = _chart_query(request)
    form = ChartRangeForm(raw or None)
    valid = not form.is_bound or form.is_valid()
    data = {k: v for k, v in form.cleaned_data.items() if k not in form.errors} if form.is_bound else {}
    period = data.get("period") or Period.DAY
    first, last = selectors.series_window(period, data.get("start"), data.get("end"))
    if selectors.shift(first, period, selectors.MAX_BUCKETS[period]) <= last:
        first = selectors.shift(last, period, -(selectors.MAX_BUCKETS[period] - 1))
    rows = selectors.series(metric, period, first, last)
    latest = selectors.latest_of(rows, metric.direction, running=selectors.running_bucket(metric, period))
    set_aside = getattr(metric, "set_aside_days", 0)
    query = {"period": period}
    if data.get("start"):
        query["start"] = data["start"].isoformat()
    if data.get("end"):
        query["end"] = data["end"].isoformat()
    return {
        "metric": metric,
        "range_form": form,
        "period": period,
        "periods": Period.choices,
        "first": first,
        "last": last,
        "range_label": f"{format_bucket(first, period)} – {format_bucket(last, period)}",
        "chart": _chart(metric, rows, period, (first, last), "big", latest=latest),
        "chart_small": _chart(metric, rows, period, (first, last), "small", latest=latest),
        "latest": latest,
        "bucket_count": len(rows),
        "set_aside": set_aside,
        "rollup_failures": selectors.rollup_failures_of(metric) if set_aside else [],
        "live_query": urlencode(query),
        "query_errors": _query_errors(form, names) if form.is_bound else [],
    }, valid


def _samples_page(request: HttpRequest, metric: Metric) -> dict[str, Any]:
    """Newest first, keyset-paginated by time (no COUNT over what may be millions of samples)."""
    before = _instant(request.GET.get("before"))
    after = _instant(request.GET.get("after"))
    rows, older, newer = selectors.samples_newest_first(metric, before=before, after=after, size=SAMPLES_PAGE)
    keep = request.GET.copy()  # the chart's period and range stay as they are
    for name in ("before", "after"):
        keep.pop(name, None)

    def link(**cursor: str) -> str:
        query = keep.copy()
        query.update(cursor)
        return f"?{query.urlencode()}#samples"

    return {
        "samples": rows,
        "older_url": link(before=rows[-1].ts.isoformat()) if older and rows else "",
        "newer_url": link(after=rows[0].ts.isoformat()) if newer and rows else "",
        "newest_url": f"?{keep.urlencode()}#samples",
        "samples_paged": before is not None or after is not None,
        "samples_back": f"?{request.GET.urlencode()}" if request.GET else "",
    }


def _instant(raw: str | None) -> dt.datetime | None:
    if not raw:
        return None
    try:
        return services.parse_timestamp(raw)
    except services._Invalid:
        return None


def _workspace_role(request: WorkspaceRequest) -> str | None:
    """The caller's role in the page's workspace (set by pmtool.views.workspace_page)."""
    return getattr(request, "role", None) or getattr(request.workspace, "my_role", None)


def _detail(
    request: WorkspaceRequest,
    access: Access[Metric],
    *,
    sample_form: SampleForm | None = None,
    upload_form: UploadForm | None = None,
    status: int = 200,
) -> HttpResponse:
    metric = access.obj
    live, valid = _live_context(request, metric)
    context = {
        **live,
        **_samples_page(request, metric),
        "product": metric.product,
        "key_results": list(selectors.key_results_of_metric(metric)),
        "history": list(activity_of_object(metric)[:10]),
        "sample_form": sample_form or SampleForm(),
        "upload_form": upload_form or UploadForm(),
        "can_edit": access.can_edit,
        "nav_active": "metrics",
    }
    return render(request, "strategy/metrics/detail.html", context, status=status if valid else 400)


def _access(request: WorkspaceRequest, metric_id: int, *, write: bool = False) -> Access[Metric]:
    """The metric (404 outside this workspace) with `pending` and its last sample annotated, and the
    caller's role."""
    access = access_metric(request.user, metric_id, write=write, workspace=request.workspace)
    annotated = selectors.metric_status(metric_id)
    if annotated is None:  # deleted in between
        return access
    annotated.product.workspace = request.workspace
    return Access(obj=annotated, role=access.role)


def _metric(request: WorkspaceRequest, metric_id: int, *, write: bool = False) -> Metric:
    return _access(request, metric_id, write=write).obj


@workspace_page()
@require_GET
def metric_detail(request: WorkspaceRequest, metric_id: int) -> HttpResponse:
    return _detail(request, _access(request, metric_id))


@workspace_page()
@require_GET
def metric_live(request: WorkspaceRequest, metric_id: int) -> HttpResponse:
    """The chart part alone: the period switch and the "rollup pending" poll swap it in place."""
    metric = _metric(request, metric_id)
    context, valid = _live_context(request, metric)
    return render(request, "strategy/metrics/detail.html#metric-live", context, status=200 if valid else 400)


# --- samples ----------------------------------------------------------------------------


def _to_detail(metric: Metric, ws: str, anchor: str = "") -> HttpResponse:
    return redirect(reverse("strategy:metric_detail", kwargs={"ws": ws, "metric_id": metric.pk}) + anchor)


@workspace_page(minimum=Role.EDITOR, what="add samples")
@require_POST
def sample_add(request: WorkspaceRequest, metric_id: int) -> HttpResponse:
    access = _access(request, metric_id, write=True)
    metric = access.obj
    form = SampleForm(request.POST)
    if form.is_valid():
        try:
            sample = services.sample_add(
                actor=Actor.from_request(request),
                metric=metric,
                ts=form.timestamp(),
                value=form.cleaned_data["value"],
                source="form",
            )
        except ApplicationError as exc:
            add_service_error(form, _renamed(exc, {"ts": "date"}))
        else:
            messages.success(
                request,
                f"Added {format_value(sample.value, metric.unit)} at {sample.ts:%Y-%m-%d %H:%M} UTC. "
                "The chart updates as soon as the rollup has run.",
            )
            return _to_detail(metric, request.workspace.slug)
    return _detail(request, access, sample_form=form, status=400)


def _renamed(exc: ApplicationError, names: dict[str, str]) -> ApplicationError:
    exc.fields = {names.get(k, k): v for k, v in exc.fields.items()}
    return exc


@workspace_page(minimum=Role.EDITOR, what="upload samples")
@require_POST
def samples_upload(request: WorkspaceRequest, metric_id: int) -> HttpResponse:
    access = _access(request, metric_id, write=True)
    metric = access.obj
    form = UploadForm(request.POST, request.FILES)
    if form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            summary = services.samples_import_csv(
                actor=Actor.from_request(request), metric=metric, content=upload.read(services.CSV_MAX_BYTES + 1)
            )
        except ApplicationError as exc:
            add_service_error(form, exc)
            if exc.message not in exc.fields.get("file", [exc.message]):
                form.add_error(None, exc.message)  # "3 invalid rows: nothing was imported." above the lines
        else:
            replaced = summary.received - summary.distinct
            messages.success(
                request,
                f"Imported {summary.distinct:,} sample{'s' if summary.distinct != 1 else ''} from {upload.name}, "
                f"{summary.first:%Y-%m-%d} to {summary.last:%Y-%m-%d}"
                + (f" ({replaced:,} repeated times: the last row of each counts)" if replaced else "")
                + ". The chart updates as soon as the rollup has run.",
            )
            return _to_detail(metric, request.workspace.slug)
    return _detail(request, access, upload_form=form, status=400)


@workspace_page(minimum=Role.EDITOR, what="delete samples")
@require_POST
def sample_delete(request: WorkspaceRequest, metric_id: int, sample_id: int) -> HttpResponse:
    metric = _metric(request, metric_id, write=True)
    sample = access_sample(metric, sample_id)
    services.sample_delete(actor=Actor.from_request(request), metric=metric, sample=sample)
    messages.success(request, f"Deleted the sample of {sample.ts:%Y-%m-%d %H:%M} UTC.")
    return _to_detail(metric, request.workspace.slug, "#samples")


@workspace_page(minimum=Role.EDITOR, what="delete samples")
@require_POST
def samples_delete_selected(request: WorkspaceRequest, metric_id: int) -> HttpResponse:
    """The samples ticked in the table, deleted in one go (the rollup re-runs for their days)."""
    metric = _metric(request, metric_id, write=True)
    raw = request.POST.getlist("sample")
    ids = [int(v) for v in raw if v.isdigit() and len(v) < 19]
    back = request.POST.get("back", "")
    try:
        deleted = services.samples_delete_selected(actor=Actor.from_request(request), metric=metric, sample_ids=ids)
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, f"Deleted {deleted:,} sample{'s' if deleted != 1 else ''}.")
    target = reverse("strategy:metric_detail", kwargs={"ws": request.workspace.slug, "metric_id": metric.pk})
    # Back to the same page of the table (the query of the page the form was on, kept as it was).
    query = back if back.startswith("?") and len(back) < 500 and "\n" not in back and "#" not in back else ""
    return redirect(f"{target}{query}#samples")


@workspace_page(minimum=Role.EDITOR, what="delete samples")
@require_http_methods(["GET", "POST"])
def samples_delete_range(request: WorkspaceRequest, metric_id: int) -> HttpResponse:
    """GET: pick a range and see how many samples it holds; POST: delete them."""
    metric = _metric(request, metric_id, write=True)
    form = RangeForm(request.POST if request.method == "POST" else (request.GET or None))
    count = None
    if form.is_bound and form.is_valid():
        start, end = selectors.day_bounds(form.cleaned_data["start"], form.cleaned_data["end"])
        if request.method == "POST":
            deleted = services.samples_delete_range(
                actor=Actor.from_request(request), metric=metric, start=start, end=end
            )
            messages.success(
                request,
                f"Deleted {deleted:,} sample{'s' if deleted != 1 else ''} from {form.cleaned_data['start']:%Y-%m-%d} "
                f"to {form.cleaned_data['end']:%Y-%m-%d}.",
            )
            return _to_detail(metric, request.workspace.slug, "#samples")
        count = selectors.samples_of(metric, start=start, end=end).count()
    return render(
        request,
        "strategy/metrics/delete_range.html",
        {"metric": metric, "product": metric.product, "form": form, "count": count, "nav_active": "metrics"},
        status=400 if form.errors else 200,
    )


# --- create, edit, delete --------------------------------------------------------------------


def _form_page(request: HttpRequest, context: dict[str, Any], *, status: int | None = None) -> HttpResponse:
    context.setdefault("nav_active", "metrics")
    return render(
        request, "strategy/metrics/form.html", context, status=status or (400 if context["form"].errors else 200)
    )


@workspace_page(minimum=Role.EDITOR, what="create metrics")
@require_http_methods(["GET", "POST"])
def metric_create(request: WorkspaceRequest) -> HttpResponse:
    products = list(products_of(request.workspace).values_list("slug", "name"))
    preselect = request.GET.get("product", "")
    form = MetricForm(
        request.POST or None,
        products=products,
        initial={"product": preselect if any(s == preselect for s, _n in products) else ""},
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        product = access_product(request.user, workspace=request.workspace, slug=data["product"], write=True)
        try:
            metric = services.metric_create(
                actor=Actor.from_request(request), product=product, **{f: data[f] for f in METRIC_FIELDS}
            )
        except ApplicationError as exc:
            add_service_error(form, exc)
        else:
            messages.success(request, f"Metric “{metric.name}” created. Add samples below, by hand or as CSV.")
            return _to_detail(metric, request.workspace.slug)
    return _form_page(request, {"form": form, "metric": None, "no_products": not products})


def _shown(metric: Metric) -> list[tuple[str, object]]:
    """What the conflict panel lists of the metric as saved now."""
    return [
        ("Name", metric.name),
        ("Unit", metric.unit),
        ("Better when", metric.get_direction_display()),
        ("Aggregation", metric.get_aggregation_display()),
        ("Description", metric.description),
    ]


@workspace_page(minimum=Role.EDITOR, what="change metrics")
@require_http_methods(["GET", "POST"])
def metric_edit(request: WorkspaceRequest, metric_id: int) -> HttpResponse:
    metric = _metric(request, metric_id, write=True)
    initial = {**{f: getattr(metric, f) for f in METRIC_FIELDS}, "version": metric.version}
    form = MetricForm(request.POST or None, initial=initial)
    actor = Actor.from_request(request)

    def save(data: dict[str, Any]) -> Metric:
        values = {f: data[f] for f in METRIC_FIELDS}
        return services.metric_update(actor=actor, metric=metric, version=data["version"], **values)

    def saved(result: Metric) -> HttpResponse:
        note = " Every bucket now shows the new aggregation." if result.aggregation != metric.aggregation else ""
        messages.success(request, f"Saved “{result.name}”.{note}")
        return _to_detail(result, request.workspace.slug)

    return edit_page(
        request,
        form=form,
        template="strategy/metrics/form.html",
        context={"metric": metric, "what": "metric", "nav_active": "metrics"},
        save=save,
        saved=saved,
        shown=_shown,
    )


@workspace_page(minimum=Role.EDITOR, what="delete metrics")
@require_http_methods(["GET", "POST"])
def metric_delete(request: WorkspaceRequest, metric_id: int) -> HttpResponse:
    """GET: what goes with the metric, and the version the user sees; POST: delete that version."""
    metric = _metric(request, metric_id, write=True)
    actor = Actor.from_request(request)

    def deleted() -> HttpResponse:
        messages.success(request, f"Metric “{metric.name}” deleted with its samples.")
        query = urlencode({"product": metric.product.slug})
        return redirect(f"{reverse('strategy:metrics', kwargs={'ws': request.workspace.slug})}?{query}")

    return delete_page(
        request,
        obj=metric,
        delete=lambda version: services.metric_delete(actor=actor, metric=metric, version=version),
        deleted=deleted,
        template="strategy/metrics/delete.html",
        context={
            "metric": metric,
            "product": metric.product,
            "key_results": list(selectors.key_results_of_metric(metric)),
            "what": "metric",
            "nav_active": "metrics",
        },
    )
