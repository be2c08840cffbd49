"""Vision pages: read it, edit it (pmtool.pages.edit_page: the stale-version conflict panel), read
its history and compare any two revisions. Thin: form → product_access → service/selector →
template."""

from __future__ import annotations

from collections.abc import Sequence

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods

from pmtool.activity import Actor
from pmtool.errors import NotFound
from pmtool.models import Role
from pmtool.pages import WorkspaceRequest, edit_page
from pmtool.permissions import product_access
from pmtool.views import workspace_page

from ..forms.vision import CompareForm, VisionForm
from ..models import VISION_FIELDS, Vision
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
def vision_detail(request: WorkspaceRequest, slug: str) -> HttpResponse:
    access = product_access(request.user, workspace=request.workspace, slug=slug)
    product = access.obj
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
            "can_edit": access.can_edit,
            "tab": "vision",
        },
    )


def _vision_shown(vision: Vision) -> Sequence[tuple[str, object]]:
    return [(VISION_LABELS[f], getattr(vision, f)) for f in VISION_FIELDS]


@workspace_page(minimum=Role.EDITOR, what="change the vision")
@require_http_methods(["GET", "POST"])
def vision_edit(request: WorkspaceRequest, slug: str) -> HttpResponse:
    product = product_access(
        request.user, workspace=request.workspace, slug=slug, write=True, action="change the vision"
    ).obj
    vision = vision_of(product)
    actor = Actor.from_request(request)
    initial = {**{f: getattr(vision, f) for f in VISION_FIELDS}, "version": vision.version}

    def saved(result: Vision) -> HttpResponse:
        if result.pk is None or result.version == vision.version:
            messages.info(request, "Nothing changed: the vision was already like this.")
        else:
            messages.success(request, f"Vision saved (revision {result.version}).")
        return redirect("strategy:vision", ws=request.workspace.slug, slug=product.slug)

    return edit_page(
        request,
        form=VisionForm(request.POST if request.method == "POST" else None, initial=initial),
        template="strategy/vision/vision_form.html",
        context={"product": product, "vision": vision, "tab": "vision", "what": "vision"},
        save=lambda data: vision_update(actor=actor, product=product, **data),
        saved=saved,
        shown=_vision_shown,
    )


@workspace_page()
@require_GET
def vision_history(request: WorkspaceRequest, slug: str) -> HttpResponse:
    access = product_access(request.user, workspace=request.workspace, slug=slug)
    product = access.obj
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
        "can_edit": access.can_edit,
        "history_url": reverse("strategy:vision_history", kwargs={"ws": request.workspace.slug, "slug": product.slug}),
        "tab": "vision",
    }
    template = "strategy/vision/vision_history.html"
    if request.htmx and request.htmx.target == "vision-compare":
        template += "#vision-compare"
    return render(request, template, context, status=status)
