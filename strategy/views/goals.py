"""Strategy pages of goals, key results and initiatives, and the two strategy overviews: the
workspace's (company goals, products) and a product's (vision → goals → initiatives → research).

Thin: form → access_* → service/selector → template. Key results are edited inline with htmx
(the key-result section is re-rendered); every htmx action also works as a plain form page."""

from __future__ import annotations

import re
from typing import Any

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods

from pmtool.activity import Actor
from pmtool.errors import ApplicationError
from pmtool.forms import add_service_error
from pmtool.models import Role
from pmtool.pages import VERSION_MISSING, VersionForm, WorkspaceRequest, without_version
from pmtool.permissions import access_product, can_edit_content
from pmtool.timeframes import quarter_of
from pmtool.versioning import StaleVersion
from pmtool.views import workspace_page

from ..forms.goals import (
    DERIVED,
    GoalFilterForm,
    GoalForm,
    KeyResultForm,
    TimeFrameMixin,
    current_quarter,
)
from ..models import Goal, KeyResult, KeyResultKind
from ..parts import initiative_features
from ..permissions import access_goal, access_key_result
from ..selectors import goals as selectors
from ..services import goals as services
from .planning import planning_create_page, planning_edit_page, planning_list

CONFIRM_DELETE = "strategy/goals/confirm_delete.html"
_SLUG = re.compile(r"[-a-zA-Z0-9_]{1,60}")
HISTORY_SIZE = 20
POLL_LIMIT = 60  # progress checks (every 2 s) before the goal page stops waiting for the worker


def _ws(request: WorkspaceRequest) -> str:
    return request.workspace.slug


def _product_choices(request: WorkspaceRequest, keep_id: int | None = None) -> list[tuple[int, str]]:
    """Active products of the workspace (and `keep_id`, archived or not), by name."""
    return selectors.product_choices(request.workspace, keep_id=keep_id)


def _product_from_query(request: WorkspaceRequest) -> int | None:
    """The id of the product named by ?product=<slug> (to preselect it), if it is one of the workspace's."""
    slug = request.GET.get("product", "")
    if not _SLUG.fullmatch(slug):
        return None
    return selectors.product_id_by_slug(request.workspace, slug)


def _id_from_query(request: WorkspaceRequest, name: str) -> int | None:
    value = request.GET.get(name, "")
    return int(value) if value.isascii() and value.isdigit() and 0 < len(value) < 19 else None


def _where_goal_lives(request: WorkspaceRequest, goal: Goal) -> str:
    if goal.product is not None:
        return reverse("strategy:product_strategy", kwargs={"ws": _ws(request), "slug": goal.product.slug})
    return reverse("strategy:home", kwargs={"ws": _ws(request)})


# --- the strategy overviews ---------------------------------------------------------------


@workspace_page()
@require_GET
def overview(request: WorkspaceRequest) -> HttpResponse:
    """The workspace's strategy: company goals with their child goals, and a card per active product."""
    data = selectors.strategy_overview(request.workspace)
    return render(
        request,
        "strategy/goals/overview.html",
        {
            "company_goals": data.company_goals,
            "products": data.products,
            "can_edit": can_edit_content(getattr(request.workspace, "my_role", None)),
            "nav_active": "strategy",
        },
    )


@workspace_page()
@require_GET
def product_strategy(request: WorkspaceRequest, slug: str) -> HttpResponse:
    """A product's strategy, top-down: vision → goals → initiatives → personas and competitors."""
    product = access_product(request.user, workspace=request.workspace, slug=slug)
    data = selectors.product_strategy(product)
    features = initiative_features(i.pk for i in data.initiatives)  # None until an app provides features
    for initiative in data.initiatives:
        initiative.top_features = (features or {}).get(initiative.pk, [])  # type: ignore[attr-defined]
    return render(
        request,
        "strategy/goals/product_strategy.html",
        {
            "product": product,
            "vision": data.vision,
            "goals": data.goals,
            "initiatives": data.initiatives,
            "personas": data.personas,
            "competitors": data.competitors,
            "features_known": features is not None,
            "can_edit": can_edit_content(getattr(product, "my_role", None)),
            "nav_active": "strategy",
        },
    )


# --- goals ------------------------------------------------------------------------------------


@workspace_page()
@require_GET
def goal_list(request: WorkspaceRequest) -> HttpResponse:
    return planning_list(
        request,
        form=GoalFilterForm(request.GET or None, products=_product_choices(request)),
        select=selectors.goals_of,
        template="strategy/goals/goal_list.html",
        partial="goal-table",
    )


def _goal_form(request: WorkspaceRequest, data: Any = None, *, goal: Goal | None = None, **kwargs: Any) -> GoalForm:
    quarter = quarter_of(goal.start_date, goal.end_date) if goal else None
    parents = selectors.parent_choices(request.workspace, exclude_id=goal.pk if goal else None)
    owners = selectors.members_for_owner(request.workspace)
    form = GoalForm(
        data,
        products=_product_choices(request, keep_id=goal.product_id if goal else None),
        parents=[(g.pk, g.title) for g in parents],
        owners=[(m.user_id, m.user.display_name) for m in owners],
        quarter=quarter,
        **kwargs,
    )
    return form if goal is not None else without_version(form)


def _goal_form_page(
    request: WorkspaceRequest, form: TimeFrameMixin, goal: Goal | None = None, *, status: int = 200
) -> HttpResponse:
    context = {"form": form, "goal": goal, "nav_active": "strategy"}
    return render(request, "strategy/goals/goal_form.html", context, status=status)


@workspace_page(minimum=Role.EDITOR, what="create goals")
@require_http_methods(["GET", "POST"])
def goal_create(request: WorkspaceRequest) -> HttpResponse:
    initial = {
        "status": DERIVED,
        "product": _product_from_query(request),
        "parent": _id_from_query(request, "parent"),
        "quarter": current_quarter(),
    }
    return planning_create_page(
        request,
        make_form=lambda data, **kw: _goal_form(request, data, **kw),
        initial=initial,
        show=lambda form, **kw: _goal_form_page(request, form, **kw),
        create=services.goal_create,
        message=lambda goal: f"Goal “{goal.title}” created. Add its key results below.",
        detail="strategy:goal_detail",
    )


def _progress_pending(goal: Goal, key_results: list[KeyResult]) -> bool:
    """Whether the rollup has not yet recomputed the goal since its inputs last changed."""
    if goal.progress_updated_at is None:
        return True
    latest = max([goal.updated_at, *(kr.updated_at for kr in key_results)])
    return goal.progress_updated_at < latest


def _goal_context(request: WorkspaceRequest, goal: Goal, can_edit: bool, **extra: Any) -> dict[str, Any]:
    key_results = list(goal.key_results.all())
    context: dict[str, Any] = {
        "goal": goal,
        "key_results": key_results,
        "expected": goal.expected_progress(),
        "quarter": quarter_of(goal.start_date, goal.end_date),
        "pending": _progress_pending(goal, key_results),
        "can_edit": can_edit,
        "nav_active": "strategy",
    }
    if can_edit and "add_form" not in extra:
        context["metrics"] = _metric_choices(goal)
        context["add_form"] = without_version(KeyResultForm(metrics=context["metrics"], prefix="new"))
    context.update(extra)
    return context


def _metric_choices(goal: Goal) -> list[tuple[int, str]]:
    metrics = selectors.metrics_for(goal)
    if goal.product_id is not None:
        return [(m.pk, f"{m.name}{f' ({m.unit})' if m.unit else ''}") for m in metrics]
    return [(m.pk, f"{m.product.name} · {m.name}{f' ({m.unit})' if m.unit else ''}") for m in metrics]


def _load_goal(request: WorkspaceRequest, goal_id: int, *, write: bool = False) -> tuple[Goal, bool]:
    """The goal with its key results, children and initiatives loaded, and whether the caller may edit it."""
    access = access_goal(request.user, goal_id, workspace=request.workspace, write=write)
    return selectors.goal_detail(access.obj), access.can_edit


@workspace_page()
@require_GET
def goal_detail(request: WorkspaceRequest, goal_id: int) -> HttpResponse:
    goal, can_edit = _load_goal(request, goal_id)
    if request.htmx and request.GET.get("part") == "key-results":
        return _key_results_section(request, goal)
    if request.htmx and request.GET.get("part") == "progress":
        polls = request.GET.get("n", "0")
        polls_done = int(polls) if polls.isascii() and polls.isdigit() and len(polls) < 6 else 0
        context = _goal_context(request, goal, can_edit, polls=polls_done + 1, poll_limit=POLL_LIMIT)
        return render(request, "strategy/goals/goal_detail.html#goal-progress-poll", context)
    history = list(selectors.goal_history(goal)[:HISTORY_SIZE])
    return render(
        request,
        "strategy/goals/goal_detail.html",
        _goal_context(request, goal, can_edit, history=history, polls=0, poll_limit=POLL_LIMIT),
    )


@workspace_page(minimum=Role.EDITOR, what="change goals")
@require_http_methods(["GET", "POST"])
def goal_edit(request: WorkspaceRequest, goal_id: int) -> HttpResponse:
    goal = access_goal(request.user, goal_id, workspace=request.workspace, write=True).obj
    initial = GoalForm.initial_for(goal)

    return planning_edit_page(
        request,
        obj=goal,
        make_form=lambda data, **kw: _goal_form(request, data, goal=goal, **kw),
        initial=initial,
        show=lambda form: _goal_form_page(request, form, goal),
        update=services.goal_update,
        detail="strategy:goal_detail",
        template="strategy/goals/goal_form.html",
        context={"goal": goal, "nav_active": "strategy"},
    )


def _version_posted(request: WorkspaceRequest) -> int | None:
    """The version a delete confirmation posted (None when it is missing or not a version)."""
    form = VersionForm(request.POST)
    return form.cleaned_data["version"] if form.is_valid() else None


def _version_missing(request: WorkspaceRequest, template: str, context: dict[str, Any]) -> HttpResponse:
    """A delete posted without the version the user saw: nothing is deleted, the confirmation again (400)."""
    return render(request, template, {**context, "error": VERSION_MISSING}, status=400)


@workspace_page(minimum=Role.EDITOR, what="delete goals")
@require_http_methods(["GET", "POST"])
def goal_delete(request: WorkspaceRequest, goal_id: int) -> HttpResponse:
    goal, _ = _load_goal(request, goal_id, write=True)
    if request.method == "POST":
        version = _version_posted(request)
        if version is None:
            return _version_missing(request, CONFIRM_DELETE, _goal_confirmation(request, goal))
        back = _where_goal_lives(request, goal)
        try:
            services.goal_delete(actor=Actor.from_request(request), goal_id=goal.pk, version=version)
        except ApplicationError as exc:
            messages.error(request, exc.message)
            return redirect("strategy:goal_delete", ws=_ws(request), goal_id=goal.pk)
        messages.success(request, f"Goal “{goal.title}” deleted.")
        return redirect(back)
    return render(request, CONFIRM_DELETE, _goal_confirmation(request, goal))


def _goal_confirmation(request: WorkspaceRequest, goal: Goal) -> dict[str, Any]:
    return {
        "kind": "goal",
        "obj": goal,
        "title": goal.title,
        "back_url": reverse("strategy:goal_detail", kwargs={"ws": _ws(request), "goal_id": goal.pk}),
        "consequences": _goal_delete_consequences(goal),
        "nav_active": "strategy",
    }


def _goal_delete_consequences(goal: Goal) -> list[str]:
    lines = []
    key_results = len(goal.key_results.all())
    if key_results:
        plural = key_results != 1
        lines.append(f"Its {key_results} key result{'s are' if plural else ' is'} deleted with it.")
    children = len(goal.children.all())
    if children:
        lines.append(
            f"Its {children} child goal{'s stay' if children != 1 else ' stays'}, no longer contributing to a parent."
        )
    initiatives = len(goal.initiatives.all())
    if initiatives:
        plural = initiatives != 1
        lines.append(f"{initiatives} initiative{'s' if plural else ''} no longer serve{'' if plural else 's'} it.")
    return lines


# --- key results --------------------------------------------------------------------------------


def _key_results_section(
    request: WorkspaceRequest, goal: Goal, *, status: int = 200, editing: int | None = None, **extra: Any
) -> HttpResponse:
    """The key-result section of the goal page (and, out of band, its progress card)."""
    goal, can_edit = _load_goal(request, goal.pk)
    context = _goal_context(request, goal, can_edit, editing=editing, oob=True, polls=0, poll_limit=POLL_LIMIT, **extra)
    return render(request, "strategy/goals/goal_detail.html#key-results-htmx", context, status=status)


def _key_result_form_page(
    request: WorkspaceRequest,
    form: KeyResultForm,
    goal: Goal,
    key_result: KeyResult | None = None,
    *,
    status: int = 200,
) -> HttpResponse:
    context = {"form": form, "goal": goal, "key_result": key_result, "nav_active": "strategy"}
    return render(request, "strategy/goals/key_result_form.html", context, status=status)


@workspace_page(minimum=Role.EDITOR, what="change goals")
@require_http_methods(["GET", "POST"])
def key_result_create(request: WorkspaceRequest, goal_id: int) -> HttpResponse:
    goal = access_goal(request.user, goal_id, workspace=request.workspace, write=True).obj
    form = without_version(KeyResultForm(request.POST or None, metrics=_metric_choices(goal), prefix="new"))
    if request.method == "POST" and form.is_valid():
        try:
            key_result = services.key_result_create(actor=Actor.from_request(request), goal=goal, **form.arguments())
        except ApplicationError as exc:
            add_service_error(form, exc)
        else:
            if request.htmx:
                added = f"Key result “{key_result.title}” added."
                return _key_results_section(request, goal, notice=added)
            messages.success(request, f"Key result “{key_result.title}” added.")
            return redirect(reverse("strategy:goal_detail", kwargs={"ws": _ws(request), "goal_id": goal.pk}))
    status = 400 if form.errors else 200
    if request.htmx and request.method == "POST":
        return _key_results_section(request, goal, status=status, add_form=form)
    return _key_result_form_page(request, form, goal, status=status)


def _plain(value: float | None) -> float | int | None:
    """2.0 → 2 (the form shows "2", not "2.0")."""
    return int(value) if value is not None and float(value).is_integer() and abs(value) < 1e15 else value


def _key_result_initial(key_result: KeyResult) -> dict[str, Any]:
    return {
        "title": key_result.title,
        "kind": key_result.kind,
        "direction": key_result.direction,
        "baseline": _plain(key_result.baseline),
        "target": _plain(key_result.target),
        "current": _plain(key_result.current),
        "unit": key_result.unit,
        "metric": key_result.metric_id,
        "metric_period": key_result.metric_period,
        "percent": _plain(key_result.percent) if key_result.kind == KeyResultKind.MANUAL else None,
        "weight": key_result.weight,
        "version": key_result.version,
    }


@workspace_page(minimum=Role.EDITOR, what="change goals")
@require_http_methods(["GET", "POST"])
def key_result_edit(request: WorkspaceRequest, key_result_id: int) -> HttpResponse:
    key_result = access_key_result(request.user, key_result_id, workspace=request.workspace, write=True).obj
    goal = key_result.goal
    form = KeyResultForm(
        request.POST or None,
        metrics=_metric_choices(goal),
        prefix=f"kr{key_result.pk}",
        initial=_key_result_initial(key_result),
    )
    status = 200
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            saved = services.key_result_update(
                actor=Actor.from_request(request),
                key_result_id=key_result.pk,
                version=data["version"],
                **form.arguments(),
            )
        except StaleVersion as exc:
            posted = request.POST.copy()
            posted[form.add_prefix("version")] = str(exc.current_version)
            form.data = posted
            form.add_error(
                None,
                "Someone else changed this key result while you were editing. Its saved values are shown "
                "beside the form; save again to apply yours on top.",
            )
            status = 409
            key_result = selectors.key_result_detail(key_result.pk)
        except ApplicationError as exc:
            add_service_error(form, exc)
        else:
            if request.htmx:
                return _key_results_section(request, goal, notice=f"Saved “{saved.title}”.")
            messages.success(request, f"Saved “{saved.title}”.")
            return redirect("strategy:goal_detail", ws=_ws(request), goal_id=goal.pk)
    if form.errors and status == 200:
        status = 400
    if request.htmx:
        return _key_results_section(request, goal, status=status, editing=key_result.pk, edit_form=form)
    return _key_result_form_page(request, form, goal, key_result, status=status)


@workspace_page(minimum=Role.EDITOR, what="change goals")
@require_http_methods(["GET", "POST"])
def key_result_delete(request: WorkspaceRequest, key_result_id: int) -> HttpResponse:
    key_result = access_key_result(request.user, key_result_id, workspace=request.workspace, write=True).obj
    goal = key_result.goal
    goal_url = reverse("strategy:goal_detail", kwargs={"ws": _ws(request), "goal_id": goal.pk})
    if request.method == "POST":
        version = _version_posted(request)
        if version is None:
            return _version_missing(request, CONFIRM_DELETE, _key_result_confirmation(key_result, goal_url))
        try:
            services.key_result_delete(actor=Actor.from_request(request), key_result_id=key_result.pk, version=version)
        except ApplicationError as exc:
            messages.error(request, exc.message)
            return redirect(goal_url)
        if request.htmx:
            return _key_results_section(request, goal, notice=f"Key result “{key_result.title}” deleted.")
        messages.success(request, f"Key result “{key_result.title}” deleted.")
        return redirect(goal_url)
    return render(request, CONFIRM_DELETE, _key_result_confirmation(key_result, goal_url))


def _key_result_confirmation(key_result: KeyResult, goal_url: str) -> dict[str, Any]:
    goal = key_result.goal
    return {
        "kind": "key result",
        "obj": key_result,
        "title": key_result.title,
        "goal": goal,
        "back_url": goal_url,
        "consequences": [f"The progress of “{goal.title}” is recomputed without it."],
        "nav_active": "strategy",
    }
