"""Page helpers shared by the planning pages (goals and initiatives): the quarter-list switch of a
time-frame form, create forms without a version, the create round trip, the time frame of an edit and
the edit page itself."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from django import forms
from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect

from pmtool.errors import ApplicationError
from pmtool.forms import add_service_error
from pmtool.pages import WorkspaceRequest, edit_page
from pmtool.versioning import UNSET

from ..forms.goals import TimeFrameMixin, quarter_list_switch

FormT = TypeVar("FormT", bound=forms.Form)
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


def without_version(form: FormT) -> FormT:
    """A create form: nothing was read yet, so there is no version to send back."""
    del form.fields["version"]
    return form


def create_page(
    request: WorkspaceRequest,
    form: forms.Form,
    create: Callable[[dict[str, Any]], T],
    created: Callable[[T], HttpResponse],
    show: Callable[..., HttpResponse],
) -> HttpResponse:
    """A create page's round trip: a valid POST runs `create(cleaned_data)` (the service) and
    answers `created(result)`; a service error lands on the form; else `show(form, status=…)`
    (400 when the form has errors)."""
    if request.method == "POST" and form.is_valid():
        try:
            result = create(form.cleaned_data)
        except ApplicationError as exc:
            add_service_error(form, exc)
        else:
            return created(result)
    return show(form, status=400 if form.errors else 200)


def time_frame_changes(form: TimeFrameMixin) -> dict[str, Any]:
    """The quarter and dates an edit form changes (UNSET for those it leaves as they are)."""
    time_frame = form.time_frame()
    return {name: time_frame.get(name, UNSET) for name in ("quarter", "start_date", "end_date")}


def saved_redirect(request: WorkspaceRequest, title: str, to: str, **ids: Any) -> HttpResponse:
    """After an edit: the flash "Saved “title”." and the object's page."""
    messages.success(request, f"Saved “{title}”.")
    return redirect(to, ws=request.workspace.slug, **ids)


def planning_edit_page(
    request: WorkspaceRequest,
    *,
    make_form: Callable[..., TimeFrameForm],
    initial: dict[str, Any],
    show: Callable[[TimeFrameForm], HttpResponse],
    save: Callable[[TimeFrameForm, dict[str, Any]], T],
    detail: str,
    template: str,
    context: dict[str, Any],
) -> HttpResponse:
    """The edit page of a goal or an initiative: the quarter-list switch (answered by `show`), the
    form bound to the POST with the object's `initial` values, `save(form, cleaned_data)` (the
    service), then "Saved" and the object's page (`detail`, the URL name taking `<what>_id`)."""
    switched = quarter_list_switched(request, make_form)
    if switched is not None:
        return show(switched)
    form = make_form(request.POST or None, initial=initial)
    what = detail.removeprefix("strategy:").removesuffix("_detail")

    def saved(result: Any) -> HttpResponse:
        return saved_redirect(request, result.title, detail, **{f"{what}_id": result.pk})

    return edit_page(
        request, form=form, template=template, context=context, save=lambda data: save(form, data), saved=saved
    )
