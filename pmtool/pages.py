"""The page side of the versioned-object protocol (pmtool.versioning), for every app.

Owns: the typed request of workspace pages (`WorkspaceRequest`), the hidden `version` field of edit
and delete forms (required: a missing version is an error, never last-write-wins), the edit page
flow with its conflict panel (`edit_page`: on a stale version the form comes back, 409, with the
user's input kept, the current values shown and the current version in the hidden field, so saving
again applies the edit on top), the create round trip (`create_page`, and `without_version` for a
create form), the delete confirmation (`delete_page`, the version posted), and the filtered list
with its htmx partial (`filtered_list`). Templates: templates/partials/edit_page.html,
conflict.html, confirm_delete.html, confirm_delete_page.html.

Forms own the mapping between a page and its service (`ServiceForm`): `initial_for(obj)` gives an
edit form's values for an object, `arguments()` the service's keyword arguments from the cleaned
data, so a page hands the form and the service to `service_form_page` and names no field itself.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any, Final, TypeVar

from django import forms
from django.contrib import messages
from django.core.paginator import Page, Paginator
from django.db import models
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django_htmx.middleware import HtmxDetails

from .activity import Actor
from .errors import ApplicationError
from .forms import add_service_error
from .models import Role, Workspace
from .versioning import StaleVersion, version_of

T = TypeVar("T")
M = TypeVar("M", bound=models.Model)
FormT = TypeVar("FormT", bound=forms.Form)

PAGE_SIZE: Final = 50
VERSION_MISSING: Final = (
    "This form was sent without the version you opened, so it could overwrite someone else's change: "
    "reload the page and apply your change again."
)
_NO_FILTER: Final[tuple[object, ...]] = (None, "", [])  # a filter left empty filters nothing
Shown = Callable[[Any], Sequence[tuple[str, object]]]
"""The current values a conflict panel lists: obj → [(label, value), …]."""


class WorkspaceRequest(HttpRequest):
    """A request of a workspace page, for type checkers: `workspace` (set by pmtool.views.workspace_page),
    `htmx` (django-htmx's middleware) and `role`, the caller's role (workspace_page sets it once the
    callers move onto these blocks; until then it is `workspace.my_role`)."""

    workspace: Workspace
    role: Role
    htmx: HtmxDetails


class VersionField(forms.IntegerField):
    """The hidden, required version the user read."""

    widget = forms.HiddenInput

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("min_value", 0)
        kwargs.setdefault("error_messages", {"required": VERSION_MISSING, "invalid": VERSION_MISSING})
        super().__init__(required=True, **kwargs)


class VersionForm(forms.Form):
    """The body of a delete confirmation: only the version."""

    version = VersionField()


class ServiceForm(forms.Form):
    """A form that owns its mapping to a service: `arguments()` turns the cleaned data into the keyword
    arguments the create and the update service both take (beside the actor, the ids and the version).
    Subclasses also offer `initial_for(obj, ...)`, a classmethod giving the edit form's values of an
    object (with its version), in a signature of their own (some take related ids beside the object)."""

    def arguments(self) -> dict[str, Any]:
        raise NotImplementedError


def without_version(form: FormT) -> FormT:
    """A create form: nothing was read yet, so there is no version to send back."""
    del form.fields["version"]
    return form


def _version_errors_up(form: forms.Form) -> None:
    """A hidden field's error is invisible beside it: show the version's above the form."""
    errors = form.errors.get("version")
    field = form.fields.get("version")
    if errors and field is not None and field.widget.is_hidden:
        form.add_error(None, errors[0])


def _with_version(form: forms.Form, version: int) -> None:
    """Put the current version in a bound form's hidden field (saving again applies on top)."""
    data = form.data.copy() if isinstance(form.data, QueryDict) else QueryDict(mutable=True)
    if not isinstance(form.data, QueryDict):
        data.update(form.data)
    data[form.add_prefix("version")] = str(version)
    form.data = data


def edit_page(
    request: HttpRequest,
    *,
    form: forms.Form,
    template: str,
    context: Mapping[str, Any],
    save: Callable[[dict[str, Any]], T],
    saved: Callable[[T], HttpResponse],
    shown: Shown | None = None,
) -> HttpResponse:
    """GET: the form. POST: `save(cleaned_data)` (the service; cleaned_data["version"] is the
    version the user read) then `saved(result)` (a redirect). Invalid input or a service error:
    the form with its errors, 400. A stale version: the form with the user's input, the conflict
    panel listing `shown(current)`, the current version in the hidden field, 409."""
    status = 200
    page = {**context, "form": form}
    if request.method == "POST":
        if form.is_valid():
            try:
                return saved(save(dict(form.cleaned_data)))
            except StaleVersion as exc:
                _with_version(form, exc.current_version)
                page["conflict"] = exc.current
                page["conflict_values"] = list(shown(exc.current)) if shown else []
                return render(request, template, page, status=409)
            except ApplicationError as exc:
                add_service_error(form, exc)
        else:
            _version_errors_up(form)
        status = 400
    return render(request, template, page, status=status)


def service_form_page(
    request: HttpRequest,
    *,
    form: ServiceForm,
    service: Callable[..., T],
    ids: Mapping[str, Any],
    saved: Callable[[T], HttpResponse],
    template: str,
    context: Mapping[str, Any],
    shown: Shown | None = None,
) -> HttpResponse:
    """`edit_page` for a create or an edit whose form maps itself to the service: a valid POST calls
    `service(actor=<the request's>, **ids, version=<the version read>, **form.arguments())`, the
    version only when the form has one (a create form has none: `without_version`)."""

    def save(data: dict[str, Any]) -> T:
        version = {"version": data["version"]} if "version" in form.fields else {}
        return service(actor=Actor.from_request(request), **ids, **version, **form.arguments())

    return edit_page(request, form=form, template=template, context=context, save=save, saved=saved, shown=shown)


def service_delete_page(
    request: HttpRequest,
    *,
    obj: M,
    service: Callable[..., object],
    ids: Mapping[str, Any],
    deleted: Callable[[M], HttpResponse],
    context: Mapping[str, Any],
    template: str = "partials/confirm_delete_page.html",
) -> HttpResponse:
    """`delete_page` whose POST calls `service(actor=<the request's>, **ids, version=<the version
    posted>)`, then answers `deleted(obj)` (the object as it was shown: a redirect)."""
    return delete_page(
        request,
        obj=obj,
        delete=lambda version: service(actor=Actor.from_request(request), **ids, version=version),
        deleted=lambda: deleted(obj),
        context=context,
        template=template,
    )


def redirect_saying(request: HttpRequest, to: str, message: Callable[[T], str]) -> Callable[[T], HttpResponse]:
    """A page's `saved` or `deleted`: flash `message(result)` and redirect to the URL `to`."""

    def done(result: T) -> HttpResponse:
        messages.success(request, message(result))
        return redirect(to)

    return done


def create_page(
    request: HttpRequest,
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


def delete_page(
    request: HttpRequest,
    *,
    obj: models.Model,
    delete: Callable[[int], object],
    deleted: Callable[[], HttpResponse],
    context: Mapping[str, Any],
    template: str = "partials/confirm_delete_page.html",
) -> HttpResponse:
    """GET: the confirmation, carrying the version the user sees. POST: `delete(version)` then
    `deleted()` (a redirect). No version: 400. A stale version: the confirmation again with what
    changed said and the current version, 409 (confirming again deletes the current version)."""
    form = VersionForm(request.POST if request.method == "POST" else None, initial={"version": version_of(obj)})
    page = {**context, "obj": obj, "form": form}
    if request.method != "POST":
        return render(request, template, page)
    if not form.is_valid():
        _version_errors_up(form)
        return render(request, template, page, status=400)
    try:
        delete(form.cleaned_data["version"])
    except StaleVersion as exc:
        _with_version(form, exc.current_version)
        return render(request, template, {**page, "obj": exc.current, "conflict": exc.current}, status=409)
    except ApplicationError as exc:
        add_service_error(form, exc)
        return render(request, template, page, status=exc.status_code)
    return deleted()


def page_of(request: HttpRequest, queryset: models.QuerySet[M], per_page: int = PAGE_SIZE) -> Page[M]:
    """The page `?page=` names (the last for a number past the end, the first for junk)."""
    return Paginator(queryset, per_page).get_page(request.GET.get("page"))


def filtered_list(
    request: HttpRequest,
    *,
    form: forms.Form,
    rows: Callable[[dict[str, Any]], models.QuerySet[M]],
    template: str,
    partial: str,
    context: Mapping[str, Any],
    per_page: int = PAGE_SIZE,
) -> HttpResponse:
    """A list under a filter form bound to GET: `rows(filters)` paginated; an htmx request gets the
    `template#partial` fragment only. Invalid filters: their errors and no rows (never unfiltered
    rows under filters the user believes apply), 400."""
    invalid = form.is_bound and not form.is_valid()
    chosen = {} if invalid or not form.is_bound else form.cleaned_data
    filters = {name: value for name, value in chosen.items() if value not in _NO_FILTER}
    queryset = rows(filters)
    if invalid:
        queryset = queryset.none()
    query = request.GET.copy()
    query.pop("page", None)
    page = {
        **context,
        "form": form,
        "page": page_of(request, queryset, per_page),
        "query": query.urlencode(),
        "filtered": bool(filters),
    }
    htmx = getattr(request, "htmx", None)
    name = f"{template}#{partial}" if htmx else template
    return render(request, name, page, status=400 if invalid else 200)
