"""Backlog pages of features: the workspace's backlogs, a product's ranked backlog (filters, sort,
search, keyset pages, rank handles, inline edit of RICE inputs and scorecard values), and a
feature's detail, create, edit, delete, archive and restore pages.

Thin: query/form → access_* → service/selector → template."""

from __future__ import annotations

import copy
from typing import Any

from django.contrib import messages
from django.db.models import Q
from django.http import HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from pmtool.activity import Actor
from pmtool.errors import ApplicationError, ValidationError
from pmtool.forms import add_service_error
from pmtool.markdown import render_markdown
from pmtool.models import Product, Role
from pmtool.pages import PAGE_SIZE, VersionForm, WorkspaceRequest, delete_page, edit_page
from pmtool.permissions import can_edit_content, product_access
from pmtool.selectors import activity_of_object, members_of, products_of
from pmtool.versioning import StaleVersion
from pmtool.views import workspace_page
from strategy.models import Initiative

from ..filters import NONE, SORTS, BacklogQuery, parse_query
from ..forms.features import FeatureForm, ScoresForm, criterion_field_name
from ..models import Feature, FeatureType, Framework, MoSCoW, Release, StatusCategory, Team
from ..permissions import access_feature
from ..selectors import features as selectors
from ..selectors import inline as inline_selectors
from ..selectors.plan import backlog_settings_for
from ..services import features as services
from ..services import inline as inline_services
from .rows import present_all

HISTORY_SIZE = 20
PAGE_PARAMS = ("cursor",)


def _ws(request: WorkspaceRequest) -> str:
    return request.workspace.slug


def _can_edit(request: WorkspaceRequest) -> bool:
    return can_edit_content(getattr(request, "role", None) or getattr(request.workspace, "my_role", None))


# --- choices ------------------------------------------------------------------------------------


def _choices(request: WorkspaceRequest, product: Product, *, feature: Feature | None = None) -> dict[str, Any]:
    """The options of a feature form (one query each; the backlog page reads its own: backlog_choices)."""
    workspace = request.workspace
    return {
        "statuses": [(s.pk, f"{s.name} ({s.get_category_display()})") for s in selectors.statuses_of(workspace)],
        "owners": [(m.user_id, m.user.display_name) for m in members_of(workspace)],
        "epics": [(e.pk, e.title) for e in selectors.epics_of(product, exclude_id=feature.pk if feature else None)],
        "initiatives": [
            (i.pk, i.title)
            for i in Initiative.objects.filter(workspace=workspace)
            .filter(Q(product__isnull=True) | Q(product_id=product.pk))
            .order_by("title", "id")
        ],
        "releases": [(r.pk, r.name) for r in Release.objects.filter(product=product)],
        "teams": [(t.pk, t.name) for t in Team.objects.filter(workspace=workspace)],
    }


def _feature_form(
    request: WorkspaceRequest, product: Product, data: Any = None, *, feature: Feature | None = None, **kwargs: Any
) -> FeatureForm:
    return FeatureForm(data, **_choices(request, product, feature=feature), with_version=feature is not None, **kwargs)


def _backlog_url(request: WorkspaceRequest, product: Product) -> str:
    return reverse("backlog:product_backlog", kwargs={"ws": _ws(request), "slug": product.slug})


def _detail_url(request: WorkspaceRequest, feature: Feature) -> str:
    return reverse("backlog:feature_detail", kwargs={"ws": _ws(request), "feature_id": feature.pk})


# --- the workspace's backlogs ----------------------------------------------------------------------


@workspace_page()
@require_GET
def backlog_home(request: WorkspaceRequest) -> HttpResponse:
    """Every (not archived) product of the workspace with its backlog's counts by category."""
    products = list(products_of(request.workspace))
    counts = selectors.category_counts_by_product([p.pk for p in products])
    rows = [(p, [counts[p.pk][c] for c in StatusCategory.values], sum(counts[p.pk].values())) for p in products]
    return render(
        request,
        "backlog/features_home.html",
        {"rows": rows, "categories": StatusCategory.choices, "nav_active": "backlog"},
    )


# --- a product's backlog ----------------------------------------------------------------------------


def _filter_fields(request: WorkspaceRequest, choices: selectors.BacklogChoices) -> list[dict[str, Any]]:
    """The filter selects of the backlog page, with the values the request chose."""
    get = request.GET

    def select(name: str, label: str, options: list[tuple[Any, str]], *, none: str | None = None) -> dict[str, Any]:
        chosen = set(get.getlist(name))
        opts = [("", f"Any {label if label.isupper() or label == 'MoSCoW' else label.lower()}")]
        if none:
            opts.append((NONE, none))
        opts += [(str(v), text) for v, text in options]
        return {"name": name, "label": label, "options": [(v, t, v in chosen) for v, t in opts]}

    tags = [(t, t) for t in choices.tags]
    return [
        select("status", "Status", [(pk, name.split(" (")[0]) for pk, name in choices.statuses]),
        select("category", "Category", list(StatusCategory.choices)),
        select("type", "Type", list(FeatureType.choices)),
        select("moscow", "MoSCoW", list(MoSCoW.choices), none="No MoSCoW"),
        select("owner", "Owner", [(user_id, name) for user_id, name, _, _ in choices.members], none="No owner"),
        select("initiative", "Initiative", choices.initiatives, none="No initiative"),
        select("release", "Release", choices.releases, none="No release"),
        select("team", "Team", choices.teams, none="No team"),
        select("tag", "Tag", tags),
    ]


def _page_query(request: WorkspaceRequest) -> tuple[BacklogQuery | None, selectors.Cursor | None, dict[str, list[str]]]:
    """The filter and sort of the request and its cursor, or the errors that make it a 400."""
    try:
        query = parse_query(dict(request.GET.lists()), ignore=PAGE_PARAMS)
    except ValidationError as exc:
        return None, None, exc.fields
    token = request.GET.get("cursor", "")
    if not token:
        return query, None, {}
    cursor = selectors.decode_cursor(token, query.sort)
    if cursor is None:
        return query, None, {"cursor": ["This page link is not valid (or belongs to another sort): start again."]}
    return query, cursor, {}


@workspace_page()
@require_GET
def product_backlog(request: WorkspaceRequest, slug: str) -> HttpResponse:
    """The ranked (or sorted) backlog of a product, filtered, 50 rows a page (keyset pages)."""
    access = product_access(request.user, workspace=request.workspace, slug=slug)
    product = access.obj
    query, cursor, errors = _page_query(request)
    page = selectors.Page(rows=[], next=None, previous=None)
    neighbours: tuple[int | None, int | None] = (None, None)
    if query is not None and not errors:
        position, backward = (cursor.position, cursor.backward) if cursor else (None, False)
        page = selectors.backlog_rows(product, query, size=PAGE_SIZE, position=position, backward=backward)
        present_all(page.rows, _ws(request))
        if query.is_ranked:
            neighbours = selectors.neighbour_ids(product, query, page, position=position, backward=backward)
    sort = query.sort if query is not None else "rank"
    params = QueryDict(mutable=True)
    params.update(request.GET)
    params.pop("cursor", None)
    choices = selectors.backlog_choices(product)
    counts = selectors.category_counts(product)
    frameworks = backlog_settings_for(product).frameworks
    context = {
        "product": product,
        "frameworks": frameworks,
        # the frameworks the product does not show (backlog settings): their columns are folded away
        "hidden_frameworks": [f for f in Framework.values if f not in frameworks],
        "query": query,
        "errors": errors,
        "page": page,
        "prev_id": neighbours[0],
        "next_id": neighbours[1],
        "next_cursor": selectors.encode_cursor(sort, page.next) if page.next else None,
        "previous_cursor": selectors.encode_cursor(sort, page.previous, backward=True) if page.previous else None,
        "params": params.urlencode(),
        "filters": _filter_fields(request, choices),
        "choices": choices,  # the bulk bar's options too
        "sorts": [(key, label, key == sort) for key, (label, _) in SORTS.items()],
        "q": request.GET.get("q", ""),
        "archived": request.GET.get("archived") in ("1", "true"),
        "parent": request.GET.get("parent", ""),
        "counts": [(value, label, counts[value]) for value, label in StatusCategory.choices],
        "can_edit": access.can_edit,
        "ranked": query is not None and query.is_ranked and not (query.archived),
        "filtered": query is not None and query.is_filtered,
        "nav_active": "backlog",
    }
    template = "backlog/features_backlog.html"
    if request.htmx and request.htmx.target == "backlog-list":
        template += "#backlog-list"
    return render(request, template, context, status=400 if errors else 200)


# --- a backlog row: the inline "Edit scores" (RICE inputs and scorecard values) ---------------------


def _row(
    request: WorkspaceRequest, feature_id: int, *, form: ScoresForm | None = None, status: int = 200, **extra: Any
) -> HttpResponse:
    """The row (htmx), or without JS a page holding the row and its form."""
    row = present_all([selectors.backlog_row(feature_id)], _ws(request))[0]
    ranked = (request.POST if request.method == "POST" else request.GET).get("ranked") == "1"
    product = {"slug": row["product__slug"], "name": row["product__name"]}
    backlog_url = reverse("backlog:product_backlog", kwargs={"ws": _ws(request), "slug": product["slug"]})
    context = {
        "f": row, "form": form, "can_edit": True, "ranked": ranked and bool(request.htmx),
        "backlog_url": backlog_url, **extra,
    }  # fmt: skip
    if request.htmx:
        return render(request, "backlog/features_row.html", context, status=status)
    context.update(product=product, nav_active="backlog")
    return render(request, "backlog/features_row_page.html", context, status=status)


def _rice_id(feature_id: int) -> str:
    return f"rice-{feature_id}-%s"


def _rice_initial(feature: Feature) -> dict[str, Any]:
    impact, effort = feature.impact, feature.effort
    return {
        "reach": feature.reach,
        "impact": None if impact is None else format(impact.normalize(), "f"),
        "confidence": feature.confidence,
        "effort": None if effort is None else format(effort.normalize(), "f"),
        "version": feature.version,
    }


def _scores_initial(feature: Feature, values: dict[int, int]) -> dict[str, Any]:
    return {**_rice_initial(feature), **{criterion_field_name(pk): value for pk, value in values.items()}}


def _scores_form(feature: Feature, criteria: list[Any], data: Any = None, **kwargs: Any) -> ScoresForm:
    return ScoresForm(data, criteria=criteria, auto_id=_rice_id(feature.pk), **kwargs)


def _place_service_error(form: ScoresForm, exc: ApplicationError) -> None:
    """The service names a criterion's value `values.<id>`: shown beside that criterion's select."""
    placed = copy.copy(exc)
    placed.fields = {
        (criterion_field_name(int(k[7:])) if k.startswith("values.") and k[7:].isdigit() else k): v
        for k, v in exc.fields.items()
    }
    add_service_error(form, placed)


@workspace_page(minimum=Role.EDITOR, what="change features")
@require_http_methods(["GET", "POST"])
def feature_rice(request: WorkspaceRequest, feature_id: int) -> HttpResponse:
    """The inline "Edit scores" of a backlog row (RICE inputs and the product's scorecard values).
    GET: the row with its form (or, `?cancel=1`, the plain row). POST: save with the version; the
    row again with the new scores, or the form with the errors (400) or with the newer values and
    the conflict message (409). Without JS (no HX-Request) the form is a page of its own and a
    saved POST redirects back to the backlog."""
    feature = access_feature(request.user, feature_id, workspace=request.workspace, write=True).obj
    if request.method == "GET" and request.GET.get("cancel"):
        if not request.htmx:
            return redirect(_backlog_url(request, selectors.feature_detail(feature.pk).product))
        return _row(request, feature.pk)
    criteria = inline_selectors.criteria_for_edit(feature.product_id)
    if request.method == "GET":
        initial = _scores_initial(feature, inline_selectors.values_of(feature))
        return _row(request, feature.pk, form=_scores_form(feature, criteria, initial=initial))
    form = _scores_form(feature, criteria, request.POST)
    if not form.is_valid():
        return _row(request, feature.pk, form=form, status=400)
    data = form.cleaned_data
    try:
        saved = inline_services.feature_scores_save(
            actor=Actor.from_request(request), feature_id=feature.pk, version=data["version"],
            reach=data["reach"], impact=data["impact"], confidence=data["confidence"], effort=data["effort"],
            values=form.values(),
        )  # fmt: skip
    except StaleVersion as exc:
        current = exc.current
        assert isinstance(current, Feature)  # noqa: S101 - the service locks features
        fresh = _scores_form(feature, criteria, {**request.POST.dict(), "version": str(exc.current_version)})
        fresh.is_valid()
        conflict = selectors.feature_detail(current.pk)
        now = inline_selectors.values_of(conflict)
        conflict_values = [(c.name, now.get(c.pk)) for c in criteria]
        return _row(request, feature.pk, form=fresh, status=409, conflict=conflict, conflict_values=conflict_values)
    except ApplicationError as exc:
        _place_service_error(form, exc)
        return _row(request, feature.pk, form=form, status=400)
    if not request.htmx:
        messages.success(request, f"Scores of “{saved.title}” saved.")
        return redirect(_backlog_url(request, selectors.feature_detail(saved.pk).product) + f"#feature-{saved.pk}")
    return _row(request, feature.pk, saved=True)


# --- one feature ----------------------------------------------------------------------------------------


@workspace_page()
@require_GET
def feature_detail(request: WorkspaceRequest, feature_id: int) -> HttpResponse:
    access = access_feature(request.user, feature_id, workspace=request.workspace)
    feature = selectors.feature_detail(access.obj.pk)
    is_epic = feature.type == FeatureType.EPIC
    return render(
        request,
        "backlog/features_detail.html",
        {
            "feature": feature,
            "product": feature.product,
            "description": render_markdown(feature.description),
            "children": list(selectors.feature_children(feature)) if is_epic else [],
            "progress": selectors.epic_progress(feature) if is_epic else None,
            "history": list(activity_of_object(feature)[:HISTORY_SIZE]),
            "can_edit": access.can_edit,
            "nav_active": "backlog",
        },
    )


def _form_page(
    request: WorkspaceRequest, form: FeatureForm, product: Product, feature: Feature | None, *, status: int = 200
) -> HttpResponse:
    context = {"form": form, "product": product, "feature": feature, "nav_active": "backlog"}
    return render(request, "backlog/features_form.html", context, status=status)


@workspace_page(minimum=Role.EDITOR, what="create features")
@require_http_methods(["GET", "POST"])
def feature_create(request: WorkspaceRequest, slug: str) -> HttpResponse:
    product = product_access(
        request.user, workspace=request.workspace, slug=slug, write=True, action="create features"
    ).obj
    initial = {"type": request.GET.get("type") or FeatureType.FEATURE}
    parent = request.GET.get("parent", "")
    if parent.isdigit():
        initial["parent"] = parent
    form = _feature_form(request, product, request.POST or None, initial=initial)
    if request.method != "POST":
        return _form_page(request, form, product, None)
    if form.is_valid():
        try:
            feature = services.feature_create(
                actor=Actor.from_request(request), product=product, **form.service_arguments()
            )
        except ApplicationError as exc:
            add_service_error(form, exc)
        else:
            messages.success(request, f"Feature “{feature.title}” created at the bottom of the backlog.")
            return redirect("backlog:feature_detail", ws=_ws(request), feature_id=feature.pk)
    return _form_page(request, form, product, None, status=400)


def _shown(feature: Feature) -> list[tuple[str, object]]:
    """What the conflict panel lists of a feature as saved now."""
    current = selectors.feature_detail(feature.pk)
    return [
        ("Title", current.title),
        ("Type", current.get_type_display()),
        ("Parent epic", current.parent.title if current.parent else None),
        ("Status", current.status.name),
        ("Owner", current.owner.display_name if current.owner else None),
        ("MoSCoW", current.get_moscow_display() if current.moscow else None),
        ("Initiative", current.initiative.title if current.initiative else None),
        ("Release", current.release.name if current.release else None),
        ("Team", current.team.name if current.team else None),
        ("Tags", ", ".join(t.name for t in current.tags.all())),
        ("Start date", current.start_date),
        ("Due date", current.due_date),
        ("Reach", current.reach),
        ("Impact", current.impact),
        ("Confidence", current.confidence),
        ("Effort", current.effort),
        ("Description", current.description),
    ]


def _edit_initial(feature: Feature) -> dict[str, Any]:
    return {
        **_rice_initial(feature),
        "title": feature.title,
        "type": feature.type,
        "parent": feature.parent_id,
        "status": feature.status_id,
        "owner": feature.owner_id,
        "moscow": feature.moscow,
        "initiative": feature.initiative_id,
        "release": feature.release_id,
        "team": feature.team_id,
        "tags": ", ".join(t.name for t in feature.tags.all()),
        "start_date": feature.start_date,
        "due_date": feature.due_date,
        "description": feature.description,
    }


@workspace_page(minimum=Role.EDITOR, what="change features")
@require_http_methods(["GET", "POST"])
def feature_edit(request: WorkspaceRequest, feature_id: int) -> HttpResponse:
    feature = access_feature(request.user, feature_id, workspace=request.workspace, write=True).obj
    feature = selectors.feature_detail(feature.pk)
    form = _feature_form(
        request, feature.product, request.POST or None, feature=feature, initial=_edit_initial(feature)
    )

    def save(data: dict[str, Any]) -> Feature:
        return services.feature_update(
            actor=Actor.from_request(request), feature_id=feature.pk, version=data["version"],
            **form.service_arguments(),
        )  # fmt: skip

    def saved(result: Feature) -> HttpResponse:
        messages.success(request, f"Feature “{result.title}” saved.")
        return redirect("backlog:feature_detail", ws=_ws(request), feature_id=result.pk)

    context = {"product": feature.product, "feature": feature, "nav_active": "backlog", "what": "feature"}
    return edit_page(
        request, form=form, template="backlog/features_form.html", context=context, save=save, saved=saved,
        shown=_shown,
    )  # fmt: skip


@workspace_page(minimum=Role.EDITOR, what="delete features")
@require_http_methods(["GET", "POST"])
def feature_delete(request: WorkspaceRequest, feature_id: int) -> HttpResponse:
    feature = access_feature(request.user, feature_id, workspace=request.workspace, write=True).obj
    product = feature.product
    children = Feature.objects.filter(parent_id=feature.pk).count()

    def deleted() -> HttpResponse:
        messages.success(request, f"Feature “{feature.title}” deleted.")
        return redirect("backlog:product_backlog", ws=_ws(request), slug=product.slug)

    return delete_page(
        request,
        obj=feature,
        delete=lambda version: services.feature_delete(
            actor=Actor.from_request(request), feature_id=feature.pk, version=version
        ),
        deleted=deleted,
        context={
            "what": "feature",
            "cancel_url": _detail_url(request, feature),
            "consequence": (
                f"from the backlog; its {children} child{'ren' if children != 1 else ''} stay, without a parent"
                if children
                else "from the backlog, with its score history"
            ),
            "nav_active": "backlog",
        },
    )


def _archive_page(request: WorkspaceRequest, feature_id: int, *, archive: bool) -> HttpResponse:
    feature = access_feature(request.user, feature_id, workspace=request.workspace, write=True).obj
    form = VersionForm(request.POST)
    if not form.is_valid():
        messages.error(request, "This form was sent without the version you opened: reload the page and try again.")
        return redirect("backlog:feature_detail", ws=_ws(request), feature_id=feature.pk)
    write = services.feature_archive if archive else services.feature_restore
    try:
        write(actor=Actor.from_request(request), feature_id=feature.pk, version=form.cleaned_data["version"])
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        done = "archived: it is out of the backlog until restored" if archive else "restored to the backlog"
        messages.success(request, f"Feature “{feature.title}” {done}.")
    return redirect("backlog:feature_detail", ws=_ws(request), feature_id=feature.pk)


@workspace_page(minimum=Role.EDITOR, what="archive features")
@require_POST
def feature_archive(request: WorkspaceRequest, feature_id: int) -> HttpResponse:
    return _archive_page(request, feature_id, archive=True)


@workspace_page(minimum=Role.EDITOR, what="restore features")
@require_POST
def feature_restore(request: WorkspaceRequest, feature_id: int) -> HttpResponse:
    return _archive_page(request, feature_id, archive=False)
