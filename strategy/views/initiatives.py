"""Strategy pages of initiatives: list, create, detail, edit, delete.

Thin: form → access_* → service/selector → template."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods

from pmtool.activity import Actor
from pmtool.errors import ApplicationError
from pmtool.models import Role
from pmtool.pages import VersionForm, WorkspaceRequest, without_version
from pmtool.selectors import activity_of_object
from pmtool.timeframes import quarter_of
from pmtool.views import workspace_page

from ..forms.goals import TimeFrameMixin
from ..forms.initiatives import InitiativeFilterForm, InitiativeForm
from ..models import Initiative
from ..parts import initiative_features
from ..permissions import access_initiative
from ..selectors import initiatives as selectors
from ..services import initiatives as services
from .goals import (
    CONFIRM_DELETE,
    HISTORY_SIZE,
    _id_from_query,
    _product_choices,
    _product_from_query,
    _version_missing,
    _ws,
)
from .planning import planning_create_page, planning_edit_page, planning_list

# --- initiatives ----------------------------------------------------------------------------------


@workspace_page()
@require_GET
def initiative_list(request: WorkspaceRequest) -> HttpResponse:
    return planning_list(
        request,
        form=InitiativeFilterForm(request.GET or None, products=_product_choices(request)),
        select=selectors.initiatives_of,
        template="strategy/goals/initiative_list.html",
        partial="initiative-table",
    )


def _initiative_form(
    request: WorkspaceRequest, data: Any = None, *, initiative: Initiative | None = None, **kwargs: Any
) -> InitiativeForm:
    goals = selectors.goal_choices(request.workspace)
    form = InitiativeForm(
        data,
        products=_product_choices(request, keep_id=initiative.product_id if initiative else None),
        goals=[(g.pk, f"{g.product.name if g.product else 'Company'} · {g.title}") for g in goals],
        quarter=quarter_of(initiative.start_date, initiative.end_date) if initiative else None,
        **kwargs,
    )
    return form if initiative is not None else without_version(form)


def _initiative_form_page(
    request: WorkspaceRequest,
    form: TimeFrameMixin,
    initiative: Initiative | None = None,
    *,
    conflict: Initiative | None = None,
    status: int = 200,
) -> HttpResponse:
    context = {"form": form, "initiative": initiative, "conflict": conflict, "nav_active": "strategy"}
    return render(request, "strategy/goals/initiative_form.html", context, status=status)


@workspace_page(minimum=Role.EDITOR, what="create initiatives")
@require_http_methods(["GET", "POST"])
def initiative_create(request: WorkspaceRequest) -> HttpResponse:
    goal_id = _id_from_query(request, "goal")
    initial = {"product": _product_from_query(request), "goals": [goal_id] if goal_id else []}
    return planning_create_page(
        request,
        make_form=lambda data, **kw: _initiative_form(request, data, **kw),
        initial=initial,
        show=lambda form, **kw: _initiative_form_page(request, form, **kw),
        create=services.initiative_create,
        message=lambda initiative: f"Initiative “{initiative.title}” created.",
        detail="strategy:initiative_detail",
    )


@workspace_page()
@require_GET
def initiative_detail(request: WorkspaceRequest, initiative_id: int) -> HttpResponse:
    access = access_initiative(request.user, initiative_id, workspace=request.workspace)
    detailed = selectors.initiative_detail(access.obj)
    history = list(activity_of_object(detailed)[:HISTORY_SIZE])
    features = initiative_features([detailed.pk])  # None until an app provides features
    return render(
        request,
        "strategy/goals/initiative_detail.html",
        {
            "initiative": detailed,
            "quarter": quarter_of(detailed.start_date, detailed.end_date),
            "history": history,
            "features_known": features is not None,
            "top_features": (features or {}).get(detailed.pk, []),
            "can_edit": access.can_edit,
            "nav_active": "strategy",
        },
    )


@workspace_page(minimum=Role.EDITOR, what="change initiatives")
@require_http_methods(["GET", "POST"])
def initiative_edit(request: WorkspaceRequest, initiative_id: int) -> HttpResponse:
    initiative = access_initiative(request.user, initiative_id, workspace=request.workspace, write=True).obj
    initial = InitiativeForm.initial_for(initiative, selectors.goal_ids_served(initiative))

    return planning_edit_page(
        request,
        obj=initiative,
        make_form=lambda data, **kw: _initiative_form(request, data, initiative=initiative, **kw),
        initial=initial,
        show=lambda form: _initiative_form_page(request, form, initiative),
        update=services.initiative_update,
        detail="strategy:initiative_detail",
        template="strategy/goals/initiative_form.html",
        context={"initiative": initiative, "nav_active": "strategy"},
    )


@workspace_page(minimum=Role.EDITOR, what="delete initiatives")
@require_http_methods(["GET", "POST"])
def initiative_delete(request: WorkspaceRequest, initiative_id: int) -> HttpResponse:
    initiative = access_initiative(request.user, initiative_id, workspace=request.workspace, write=True).obj
    if request.method == "POST":
        form = VersionForm(request.POST)
        if not form.is_valid():
            return _version_missing(request, CONFIRM_DELETE, _initiative_confirmation(request, initiative))
        try:
            services.initiative_delete(
                actor=Actor.from_request(request), initiative_id=initiative.pk, version=form.cleaned_data["version"]
            )
        except ApplicationError as exc:
            messages.error(request, exc.message)
            return redirect("strategy:initiative_delete", ws=_ws(request), initiative_id=initiative.pk)
        messages.success(request, f"Initiative “{initiative.title}” deleted.")
        return redirect("strategy:initiative_list", ws=_ws(request))
    return render(request, CONFIRM_DELETE, _initiative_confirmation(request, initiative))


def _initiative_confirmation(request: WorkspaceRequest, initiative: Initiative) -> dict[str, Any]:
    goals = selectors.goal_count_served(initiative)
    return {
        "kind": "initiative",
        "obj": initiative,
        "title": initiative.title,
        "back_url": reverse("strategy:initiative_detail", kwargs={"ws": _ws(request), "initiative_id": initiative.pk}),
        "consequences": [f"It no longer serves its {goals} goal{'s' if goals != 1 else ''}; the goals stay."]
        if goals
        else [],
        "nav_active": "strategy",
    }
