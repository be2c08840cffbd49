"""Backlog tool pages: the CSV export of the current view, bulk edits of selected rows, the CSV
import (upload → column mapping with a preview → validation → import), and saved views ("Save this
view" and the manage page: rename, share / unshare, delete).

The backlog page itself (backlog.views.features) includes the pieces that live on it from
templates/backlog/tools_*.html through the `backlog_tools` template tags, one line each."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

from django.contrib import messages
from django.http import HttpResponse, HttpResponseRedirect, QueryDict, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from pmtool.activity import Actor
from pmtool.errors import ApplicationError, NotFound, ValidationError
from pmtool.forms import add_service_error
from pmtool.models import Product, Role
from pmtool.pages import WorkspaceRequest, delete_page, edit_page
from pmtool.permissions import product_access
from pmtool.views import workspace_page

from ..api.csv import export_response
from ..filters import parse_query
from ..forms.tools import BulkForm, SavedViewEditForm, SavedViewForm, UploadForm
from ..models import ScorecardCriterion
from ..permissions import access_saved_view
from ..selectors.bulk import matching_count
from ..selectors.saved_views import saved_views_for
from ..services import bulk as bulk_services
from ..services import csv_import
from ..services import saved_views as view_services
from ..templatetags.backlog_tools import bulk_options

PAGE_PARAMS = ("page", "cursor", "page_size")


def backlog_url(request: WorkspaceRequest, product: Product, params: dict[str, list[str]] | None = None) -> str:
    """The backlog page of `product`, with a view's parameters."""
    base = f"/w/{request.workspace.slug}/products/{product.slug}/backlog/"
    return base + ("?" + urlencode(params, doseq=True) if params else "")


def _next(request: WorkspaceRequest, product: Product, raw: str | None) -> str:
    if raw and url_has_allowed_host_and_scheme(raw, allowed_hosts={request.get_host()}, require_https=False):
        return raw
    return backlog_url(request, product)


def _redirect(request: WorkspaceRequest, url: str) -> HttpResponse:
    """A redirect that htmx follows as a full page load (so the list shows the new versions)."""
    if request.htmx:
        response = HttpResponse(status=204)
        response["HX-Redirect"] = url
        return response
    return HttpResponseRedirect(url)


# --- export ---------------------------------------------------------------------------------


@workspace_page()
@require_GET
def export_csv(request: WorkspaceRequest, slug: str) -> StreamingHttpResponse | HttpResponse:
    """The CSV of the view the page shows (its filter and sort parameters)."""
    product = product_access(request.user, workspace=request.workspace, slug=slug).obj
    try:
        query = parse_query(dict(request.GET.lists()), ignore=PAGE_PARAMS)
    except ValidationError as exc:
        return HttpResponse(f"{exc.message} {json.dumps(exc.fields)}", status=400, content_type="text/plain")
    return export_response(request, product, query, feature_path=f"/w/{request.workspace.slug}/features/{{id}}/")


# --- bulk edits ---------------------------------------------------------------------------------


@workspace_page(minimum=Role.EDITOR, what="change features")
@require_POST
def bulk_edit(request: WorkspaceRequest, slug: str) -> HttpResponse:
    """Apply the bulk bar's change to the selected rows; back to the list with what happened
    (the rows that changed under the user are named)."""
    product = product_access(request.user, workspace=request.workspace, slug=slug, write=True).obj
    form = BulkForm(request.POST, options=bulk_options(product))
    back = _next(request, product, request.POST.get("next"))
    if not form.is_valid():
        errors = "; ".join(str(e) for errs in form.errors.values() for e in errs)
        messages.error(request, f"Nothing changed: {errors}")
        return _redirect(request, back)
    if form.is_matching:
        return _bulk_matching(request, product, form, back)
    try:
        result = bulk_services.features_bulk_update(
            actor=Actor.from_request(request), product=product, items=form.cleaned_data["item"], changes=form.changes()
        )
    except ApplicationError as exc:
        details = "; ".join(m for ms in exc.fields.values() for m in ms)
        messages.error(request, f"{exc.message} {details}".strip())
        return _redirect(request, back)
    (messages.warning if result.stale or result.missing_ids else messages.success)(request, result.message())
    return _redirect(request, back)


def _bulk_matching(request: WorkspaceRequest, product: Product, form: BulkForm, back: str) -> HttpResponse:
    """ "Every feature matching this view": the view is the one the bar came from (`next`). Without
    `expected` this is the confirmation page naming the count; with it, the change, refused (the
    confirmation again, with the new count) when another number of features matches now."""
    params = {k: v for k, v in parse_qs(urlsplit(back).query).items() if k not in PAGE_PARAMS}
    try:
        query = parse_query(params)
    except ValidationError as exc:
        messages.error(request, f"Nothing changed: {exc.message}")
        return _redirect(request, back)
    changes = form.changes()
    expected = form.cleaned_data.get("expected")
    if not changes:
        messages.error(request, "Nothing changed: choose a change to make.")
        return _redirect(request, back)
    if expected is None:
        return _bulk_confirm(request, product, form, back, count=matching_count(product, query))
    try:
        result = bulk_services.features_bulk_update_matching(
            actor=Actor.from_request(request), product=product, query=query, expected=expected, changes=changes
        )
    except bulk_services.ViewChanged as exc:
        return _bulk_confirm(request, product, form, back, count=exc.now, changed_from=expected, status=409)
    except ApplicationError as exc:
        details = "; ".join(m for ms in exc.fields.values() for m in ms)
        messages.error(request, f"{exc.message} {details}".strip())
        return _redirect(request, back)
    messages.success(request, result.message())
    return _redirect(request, back)


def _bulk_confirm(
    request: WorkspaceRequest,
    product: Product,
    form: BulkForm,
    back: str,
    *,
    count: int,
    changed_from: int | None = None,
    status: int = 200,
) -> HttpResponse:
    context = {
        "product": product,
        "count": count,
        "too_many": count > bulk_services.MAX_MATCHING,
        "max_matching": bulk_services.MAX_MATCHING,
        "changed_from": changed_from,
        "described": form.described(),
        "change_data": form.change_data(),
        "back": back,
        "backlog_url": back,
    }
    return render(request, "backlog/tools_bulk_confirm.html", context, status=status)


# --- import ----------------------------------------------------------------------------------------


def _import_url(request: WorkspaceRequest, product: Product, job_id: int | None = None) -> str:
    kwargs: dict[str, Any] = {"ws": request.workspace.slug, "slug": product.slug}
    if job_id is None:
        return reverse("backlog:tools_import", kwargs=kwargs)
    return reverse("backlog:tools_import_review", kwargs={**kwargs, "job_id": job_id})


@workspace_page(minimum=Role.EDITOR, what="import features")
@require_http_methods(["GET", "POST"])
def import_upload(request: WorkspaceRequest, slug: str) -> HttpResponse:
    """Step 1: the file."""
    product = product_access(request.user, workspace=request.workspace, slug=slug, write=True).obj
    form = UploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            job = csv_import.import_job_create(
                actor=Actor.from_request(request),
                product=product,
                content=form.cleaned_data["file"],
                filename=getattr(request.FILES.get("file"), "name", "") or "",
            )
        except ApplicationError as exc:
            add_service_error(
                form, ValidationError(exc.message, fields={"file": [m for ms in exc.fields.values() for m in ms]})
            )
        else:
            return redirect(_import_url(request, product, job.pk))
    context = {"product": product, "form": form, "backlog_url": backlog_url(request, product)}
    return render(request, "backlog/tools_import_upload.html", context, status=400 if form.errors else 200)


@workspace_page(minimum=Role.EDITOR, what="import features")
@require_http_methods(["GET", "POST"])
def import_review(request: WorkspaceRequest, slug: str, job_id: int) -> HttpResponse:
    """Steps 2 and 3: the column mapping with a preview of the first rows as they will be created,
    every bad row with its line; then the import (all rows, or the clean rows only when ticked)."""
    product = product_access(request.user, workspace=request.workspace, slug=slug, write=True).obj
    actor = Actor.from_request(request)
    job = csv_import.import_job_of(actor=actor, product=product, job_id=job_id)
    parsed = csv_import.job_parsed(job)
    criteria = list(ScorecardCriterion.objects.filter(product_id=product.pk).order_by("position", "id"))
    mapping = csv_import.job_mapping(job)
    error: str | None = None
    status = 200
    if request.method == "POST":
        posted = {str(i): request.POST.get(f"column-{i}", "") for i in range(len(parsed.headers))}
        try:
            mapping = csv_import.import_job_set_mapping(job=job, mapping=posted)
            if request.POST.get("action") == "import":
                result = csv_import.import_job_run(
                    actor=actor, job=job, clean_rows_only=request.POST.get("clean_rows_only") == "on"
                )
                bad = len(result.errors)
                skipped = f"; {bad} bad row{'s' if bad != 1 else ''} skipped" if bad else ""
                messages.success(
                    request, f"Imported {result.created} feature{'s' if result.created != 1 else ''}{skipped}."
                )
                return redirect(backlog_url(request, product))
        except ApplicationError as exc:
            error, status = exc.message, exc.status_code
            if "mapping" in exc.fields:
                error = f"{exc.message} {' '.join(exc.fields['mapping'])}"
    checked = csv_import.validate(product, parsed, mapping) if "title" in mapping.values() else None
    context = {
        "product": product,
        "job": job,
        "error": error,
        "columns": _columns(parsed, mapping, criteria),
        "preview": _preview(parsed, mapping, checked, product),
        "checked": checked,
        "errors": checked.errors if checked else [],
        "imported": job.status == "imported",
        "backlog_url": backlog_url(request, product),
        "upload_url": _import_url(request, product),
    }
    return render(request, "backlog/tools_import_review.html", context, status=status)


def _columns(
    parsed: csv_import.ParsedCsv, mapping: dict[int, str], criteria: list[ScorecardCriterion]
) -> list[dict[str, Any]]:
    choices = csv_import.field_choices(criteria)
    sample = parsed.rows[0] if parsed.rows else []
    return [
        {
            "index": i,
            "header": header or f"Column {i + 1}",
            "sample": sample[i] if i < len(sample) else "",
            "field": mapping.get(i, ""),
            "choices": choices,
        }
        for i, header in enumerate(parsed.headers)
    ]


def _preview(parsed: csv_import.ParsedCsv, mapping: dict[int, str], checked: Any, product: Product) -> dict[str, Any]:
    """The first rows as they will be created: each mapped field's cell, and the row's errors."""
    fields = [(i, f) for i, f in sorted(mapping.items()) if f]
    choices = csv_import.field_choices(list(ScorecardCriterion.objects.filter(product_id=product.pk)))
    errors = {e.line: e.fields for e in checked.errors} if checked else {}
    rows = []
    for line, cells in list(zip(parsed.lines, parsed.rows, strict=True))[: csv_import.PREVIEW_ROWS]:
        row_errors = errors.get(line, {})
        rows.append(
            {
                "line": line,
                "cells": [
                    {"value": cells[i] if i < len(cells) else "", "error": " ".join(row_errors.get(f, []))}
                    for i, f in fields
                ],
                "ok": not row_errors,
            }
        )
    return {"headers": [choices.get(f, f) for _, f in fields], "rows": rows}


# --- saved views ---------------------------------------------------------------------------------------


def _views_url(request: WorkspaceRequest, product: Product) -> str:
    return reverse("backlog:tools_views", kwargs={"ws": request.workspace.slug, "slug": product.slug})


@workspace_page()
@require_http_methods(["GET", "POST"])
def saved_views(request: WorkspaceRequest, slug: str) -> HttpResponse:
    """The manage page (mine and shared); POST saves the view the backlog page shows (editor)."""
    access = product_access(request.user, workspace=request.workspace, slug=slug)
    product = access.obj
    form = SavedViewForm(request.POST or None)
    if request.method == "POST":
        product_access(request.user, workspace=request.workspace, slug=slug, write=True, action="save views")
        if form.is_valid():
            params = {
                name: values
                for name, values in QueryDict(form.cleaned_data["query"] or "").lists()
                if name not in PAGE_PARAMS
            }
            try:
                view = view_services.saved_view_create(
                    actor=Actor.from_request(request),
                    product=product,
                    name=form.cleaned_data["name"],
                    shared=form.cleaned_data["shared"],
                    query=params,
                )
            except ApplicationError as exc:
                add_service_error(form, exc)
            else:
                messages.success(request, f"Saved the view “{view.name}”.")
                return redirect(backlog_url(request, product, view.query))
    views = list(saved_views_for(product, request.user))  # type: ignore[arg-type]
    for view in views:
        view.url = backlog_url(request, product, view.query)  # type: ignore[attr-defined]
        view.mine = view.owner_id == request.user.pk  # type: ignore[attr-defined]
    context = {"product": product, "views": views, "form": form, "can_edit": access.can_edit,
               "backlog_url": backlog_url(request, product)}  # fmt: skip
    return render(request, "backlog/tools_views.html", context, status=400 if form.errors else 200)


def _own_view(request: WorkspaceRequest, slug: str, view_id: int) -> Any:
    """The caller's own view, of the product in the URL (404 otherwise)."""
    view = access_saved_view(request.user, view_id, write=True, workspace=request.workspace).obj
    if view.product.slug != slug:
        raise NotFound("Saved view not found.")
    return view


@workspace_page(minimum=Role.EDITOR, what="change saved views")
@require_http_methods(["GET", "POST"])
def saved_view_edit(request: WorkspaceRequest, slug: str, view_id: int) -> HttpResponse:
    view = _own_view(request, slug, view_id)
    product = view.product
    actor = Actor.from_request(request)
    url = _views_url(request, product)

    def saved(result: Any) -> HttpResponse:
        messages.success(request, f"Saved the view “{result.name}”.")
        return redirect(url)

    initial = {"name": view.name, "shared": view.shared, "version": view.version}
    return edit_page(
        request,
        form=SavedViewEditForm(request.POST if request.method == "POST" else None, initial=initial),
        template="backlog/tools_view_form.html",
        context={"product": product, "view": view, "views_url": url},
        save=lambda data: view_services.saved_view_update(
            actor=actor, view_id=view.pk, version=data["version"], name=data["name"], shared=data["shared"]
        ),
        saved=saved,
        shown=lambda current: [("Name", current.name), ("Shared", "yes" if current.shared else "no")],
    )


@workspace_page(minimum=Role.EDITOR, what="delete saved views")
@require_http_methods(["GET", "POST"])
def saved_view_delete(request: WorkspaceRequest, slug: str, view_id: int) -> HttpResponse:
    view = _own_view(request, slug, view_id)
    url = _views_url(request, view.product)
    actor = Actor.from_request(request)

    def deleted() -> HttpResponse:
        messages.success(request, f"Deleted the view “{view.name}”.")
        return redirect(url)

    return delete_page(
        request,
        obj=view,
        delete=lambda version: view_services.saved_view_delete(actor=actor, view_id=view.pk, version=version),
        deleted=deleted,
        context={
            "product": view.product,
            "what": "saved view",
            "cancel_url": url,
            "consequence": "for everyone it is shared with",
        },
    )
