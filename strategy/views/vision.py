"""Vision pages: read it, edit it (with the stale-version conflict panel), read its history and
compare any two revisions. Thin: form → access_product → service/selector → template."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods

from pmtool.activity import Actor
from pmtool.errors import ApplicationError, NotFound
from pmtool.forms import add_service_error
from pmtool.models import Role
from pmtool.permissions import access_product, can_edit_content
from pmtool.views import workspace_page

from ..forms.vision import CompareForm, VisionForm
from ..models import VISION_FIELDS
from ..selectors.vision import (
    VISION_LABELS,
    changed_fields,
    vision_compare,
    vision_is_empty,
    vision_of,
    vision_revisions,
)
from ..services.vision import vision_update

HISTORY_PAGE_SIZE = 50


@workspace_page()
@require_GET
def vision_detail(request: HttpRequest, slug: str) -> HttpResponse:
    product = access_product(request.user, workspace=request.workspace, slug=slug)
    vision = vision_of(product)
    sections = [(VISION_LABELS[f], getattr(vision, f)) for f in VISION_FIELDS]
    return render(
        request,
        "strategy/vision/vision_detail.html",
        {
            "product": product,
            "vision": vision,
            "sections": sections,
            "is_empty": vision_is_empty(vision),
            "can_edit": can_edit_content(product.my_role),
            "tab": "vision",
        },
    )


@workspace_page(minimum=Role.EDITOR, what="change the vision")
@require_http_methods(["GET", "POST"])
def vision_edit(request: HttpRequest, slug: str) -> HttpResponse:
    product = access_product(request.user, workspace=request.workspace, slug=slug, write=True)
    vision = vision_of(product)
    initial = {**{f: getattr(vision, f) for f in VISION_FIELDS}, "version": vision.version}
    form = VisionForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            saved = vision_update(
                actor=Actor.from_request(request),
                product=product,
                version=data["version"] if data["version"] is not None else vision.version,
                **{f: data[f] for f in VISION_FIELDS},
            )
        except ApplicationError as exc:
            if exc.code != "stale_version":
                add_service_error(form, exc)
            else:
                # What is saved now beside the user's text; saving again applies the text on top.
                current = vision_of(product)
                form.data = form.data.copy()
                form.data["version"] = current.version
                return _form_page(request, form, product, current, conflict=current, status=409)
        else:
            if saved.pk is None or saved.version == vision.version:
                messages.info(request, "Nothing changed: the vision was already like this.")
            else:
                messages.success(request, f"Vision saved (revision {saved.version}).")
            return redirect("strategy:vision", ws=request.workspace.slug, slug=product.slug)
    return _form_page(request, form, product, vision, status=400 if form.errors else 200)


def _form_page(
    request: HttpRequest, form: VisionForm, product: Any, vision: Any, *, conflict: Any = None, status: int = 200
) -> HttpResponse:
    context = {
        "form": form,
        "product": product,
        "vision": vision,
        "conflict": conflict,
        "conflict_sections": [(VISION_LABELS[f], getattr(conflict, f)) for f in VISION_FIELDS] if conflict else [],
        "tab": "vision",
    }
    return render(request, "strategy/vision/vision_form.html", context, status=status)


@workspace_page()
@require_GET
def vision_history(request: HttpRequest, slug: str) -> HttpResponse:
    product = access_product(request.user, workspace=request.workspace, slug=slug)
    vision = vision_of(product)
    paginator = Paginator(vision_revisions(vision), HISTORY_PAGE_SIZE)
    paginator.count = vision.version  # revisions are numbered 1…version: no COUNT query
    page = paginator.get_page(request.GET.get("page"))
    revisions = list(page.object_list)
    for revision in revisions:
        revision.changed_labels = [VISION_LABELS[f] for f in changed_fields(revision)]

    compare_form = CompareForm(request.GET or None)
    status = 200
    comparison = None
    if compare_form.is_bound and not compare_form.is_valid():
        status = 400
    else:
        a = compare_form.cleaned_data.get("a") if compare_form.is_bound else None
        b = compare_form.cleaned_data.get("b") if compare_form.is_bound else None
        try:
            comparison = vision_compare(vision, a, b)
        except NotFound as exc:
            compare_form.add_error(None, exc.message)
            status = 400
    context = {
        "product": product,
        "vision": vision,
        "page": page,
        "revisions": revisions,
        "compare_form": compare_form,
        "comparison": comparison,
        # Revisions are numbered 1…version without gaps: the compare menus need no query.
        "numbers": list(range(vision.version, 0, -1)) if vision.pk else [],
        "can_edit": can_edit_content(product.my_role),
        "history_url": reverse("strategy:vision_history", kwargs={"ws": request.workspace.slug, "slug": product.slug}),
        "tab": "vision",
    }
    template = "strategy/vision/vision_history.html"
    if request.htmx and request.htmx.target == "vision-compare":
        template += "#vision-compare"
    return render(request, template, context, status=status)
