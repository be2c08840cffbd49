"""Page helpers shared by the planning pages (goals and initiatives): the quarter-list switch of a
time-frame form, the create page, the time frame of an edit and the edit page itself, on the shared
blocks of pmtool.pages (create_page, service_form_page)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from django import forms
from django.contrib import messages
from django.db.models import QuerySet
from django.http import HttpResponse
from django.shortcuts import redirect

from pmtool.activity import Actor
from pmtool.pages import WorkspaceRequest, create_page, filtered_list, service_form_page
from pmtool.permissions import can_edit_content
from pmtool.versioning import UNSET

from ..forms.goals import TimeFrameMixin, quarter_list_switch

TimeFrameForm = TypeVar("TimeFrameForm", bound=TimeFrameMixin)
T = TypeVar("T")


def quarter_list_switched(request: WorkspaceRequest, make_form: Callable[..., TimeFrameForm]) -> TimeFrameForm | None:
    """The form re-shown with the other quarter list when "Show/Hide past quarters" was pressed
    (what was typed stays, nothing is saved, no errors are shown); None for any other request."""
    past = quarter_list_switch(request.POST) if request.method == "POST" else None
    if past is None:
        return None
    posted = make_form(request.POST)
    typed = {name: posted[name].value() for name in posted.fields}
    form = make_form(None, initial={**typed, "past_quarters": past})
    form.focus_quarter()
    return form


def time_frame_changes(form: TimeFrameMixin) -> dict[str, Any]:
    """The quarter and dates an edit form changes (UNSET for those it leaves as they are)."""
    time_frame = form.time_frame()
    return {name: time_frame.get(name, UNSET) for name in ("quarter", "start_date", "end_date")}


def _detail_redirect(request: WorkspaceRequest, detail: str, obj: Any) -> HttpResponse:
    what = detail.removeprefix("strategy:").removesuffix("_detail")
    return redirect(detail, ws=request.workspace.slug, **{f"{what}_id": obj.pk})


def planning_create_page(
    request: WorkspaceRequest,
    *,
    make_form: Callable[..., TimeFrameForm],
    initial: dict[str, Any],
    show: Callable[..., HttpResponse],
    create: Callable[..., T],
    message: Callable[[T], str],
    detail: str,
) -> HttpResponse:
    """The create page of a goal or an initiative: the quarter-list switch (answered by `show`), the
    form with `initial` values, `create(actor=, workspace=, **form.arguments(), **time frame)` (the
    service), then the flash `message(obj)` and the new object's page (`detail`, taking `<what>_id`)."""
    switched = quarter_list_switched(request, make_form)
    if switched is not None:
        return show(switched)
    form = make_form(request.POST or None, initial=initial)

    def run(data: dict[str, Any]) -> T:
        actor = Actor.from_request(request)
        return create(actor=actor, workspace=request.workspace, **form.arguments(), **form.time_frame())

    def created(obj: T) -> HttpResponse:
        messages.success(request, message(obj))
        return _detail_redirect(request, detail, obj)

    return create_page(request, form, run, created, show)


def planning_edit_page(
    request: WorkspaceRequest,
    *,
    obj: Any,
    make_form: Callable[..., TimeFrameForm],
    initial: dict[str, Any],
    show: Callable[[TimeFrameForm], HttpResponse],
    update: Callable[..., T],
    detail: str,
    template: str,
    context: dict[str, Any],
) -> HttpResponse:
    """The edit page of a goal or an initiative: the quarter-list switch (answered by `show`), the
    form bound to the POST with the object's `initial` values, `update(actor=, <what>_id=, version=,
    **form.arguments(), **time frame changes)` (the service), then "Saved" and the object's page
    (`detail`, the URL name taking `<what>_id`)."""
    switched = quarter_list_switched(request, make_form)
    if switched is not None:
        return show(switched)
    form = make_form(request.POST or None, initial=initial)
    what = detail.removeprefix("strategy:").removesuffix("_detail")

    def saved(result: Any) -> HttpResponse:
        messages.success(request, f"Saved “{result.title}”.")
        return _detail_redirect(request, detail, result)

    return service_form_page(
        request,
        form=form,
        service=lambda **arguments: update(**arguments, **time_frame_changes(form)),
        ids={f"{what}_id": obj.pk},
        saved=saved,
        template=template,
        context=context,
    )


def planning_list(
    request: WorkspaceRequest,
    *,
    form: forms.Form,
    select: Callable[..., QuerySet[Any]],
    template: str,
    partial: str,
) -> HttpResponse:
    """The goal or initiative list: `form` (product level and status) filters
    `select(workspace, company=, product_id=, status=)`, in time order (pmtool.pages.filtered_list)."""

    def rows(filters: dict[str, Any]) -> QuerySet[Any]:
        product = filters.get("product") or ""
        return select(
            request.workspace,
            company=product == "company",
            product_id=int(product) if product.isdigit() else None,
            status=filters.get("status") or None,
        ).order_by("start_date", "title", "id")

    context = {"can_edit": can_edit_content(getattr(request.workspace, "my_role", None)), "nav_active": "strategy"}
    return filtered_list(request, form=form, rows=rows, template=template, partial=partial, context=context)
