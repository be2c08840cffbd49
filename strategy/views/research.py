"""Persona and competitor pages: lists, create/edit forms (with the stale-version conflict panel),
delete confirmations, and the side-by-side comparison of a product with its competitors.

Product-level pages live under products/<slug>/…, object pages under personas/<id>/… and
competitors/<id>/… (the same shape as the API)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods

from pmtool.activity import Actor
from pmtool.errors import ApplicationError
from pmtool.forms import add_service_error
from pmtool.models import Role
from pmtool.permissions import access_product, can_edit_content
from pmtool.views import workspace_page

from ..forms.research import CompetitorForm, PersonaForm
from ..models import Competitor, Persona, ThreatLevel
from ..permissions import access_competitor, access_persona
from ..selectors.research import competitor_comparison, competitors_of, personas_of
from ..services import research as services

PERSONA_FIELDS = ("name", "role", "goals", "pains", "quote")
COMPETITOR_FIELDS = (
    "name",
    "website",
    "threat_level",
    "positioning",
    "strengths",
    "weaknesses",
    "pricing_notes",
)


def _form_page(request: HttpRequest, template: str, context: dict[str, Any], *, status: int | None = None) -> Any:
    form = context["form"]
    return render(request, template, context, status=status or (400 if form.errors else 200))


def _edit(
    request: HttpRequest,
    *,
    obj: Any,
    form_class: type[forms.Form],
    fields: tuple[str, ...],
    update: Callable[..., Any],
    refetch: Callable[[], Any],
    template: str,
    context: dict[str, Any],
    what: str,
    done: str,
) -> HttpResponse:
    """The edit flow shared by personas and competitors: a stale version shows the conflict panel."""
    initial = {**{f: getattr(obj, f) for f in fields}, "version": obj.version}
    form = form_class(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            saved = update(
                actor=Actor.from_request(request),
                version=data["version"] or obj.version,
                **{f: data[f] for f in fields},
            )
        except ApplicationError as exc:
            if exc.code != "stale_version":
                add_service_error(form, exc)
            else:
                current = refetch()
                form.data = form.data.copy()
                form.data["version"] = current.version
                return _form_page(request, template, {**context, "form": form, "conflict": current}, status=409)
        else:
            messages.success(request, f"Saved {what} “{saved.name}”.")
            return redirect(done)
    return _form_page(request, template, {**context, "form": form})


# --- personas ---------------------------------------------------------------------


@workspace_page()
@require_GET
def persona_list(request: HttpRequest, slug: str) -> HttpResponse:
    product = access_product(request.user, workspace=request.workspace, slug=slug)
    return render(
        request,
        "strategy/research/persona_list.html",
        {
            "product": product,
            "personas": list(personas_of(product)),
            "can_edit": can_edit_content(product.my_role),
            "tab": "personas",
        },
    )


@workspace_page(minimum=Role.EDITOR, what="create personas")
@require_http_methods(["GET", "POST"])
def persona_create(request: HttpRequest, slug: str) -> HttpResponse:
    product = access_product(request.user, workspace=request.workspace, slug=slug)
    form = PersonaForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            persona = services.persona_create(
                actor=Actor.from_request(request), product=product, **{f: data[f] for f in PERSONA_FIELDS}
            )
        except ApplicationError as exc:
            add_service_error(form, exc)
        else:
            messages.success(request, f"Persona “{persona.name}” created.")
            return redirect("strategy:personas", ws=request.workspace.slug, slug=product.slug)
    return _form_page(
        request, "strategy/research/persona_form.html", {"form": form, "product": product, "tab": "personas"}
    )


@workspace_page(minimum=Role.EDITOR, what="change personas")
@require_http_methods(["GET", "POST"])
def persona_edit(request: HttpRequest, persona_id: int) -> HttpResponse:
    persona = access_persona(request.user, persona_id, write=True, workspace=request.workspace)
    product = persona.product
    return _edit(
        request,
        obj=persona,
        form_class=PersonaForm,
        fields=PERSONA_FIELDS,
        update=lambda **kw: services.persona_update(persona=persona, **kw),
        refetch=lambda: Persona.objects.get(pk=persona.pk),
        template="strategy/research/persona_form.html",
        context={"product": product, "persona": persona, "tab": "personas"},
        what="persona",
        done=reverse("strategy:personas", kwargs={"ws": request.workspace.slug, "slug": product.slug}),
    )


@workspace_page(minimum=Role.EDITOR, what="delete personas")
@require_http_methods(["GET", "POST"])
def persona_delete(request: HttpRequest, persona_id: int) -> HttpResponse:
    persona = access_persona(request.user, persona_id, write=True, workspace=request.workspace)
    product = persona.product
    if request.method == "POST":
        services.persona_delete(actor=Actor.from_request(request), persona=persona)
        messages.success(request, f"Persona “{persona.name}” deleted.")
        return redirect("strategy:personas", ws=request.workspace.slug, slug=product.slug)
    return render(
        request,
        "strategy/research/confirm_delete.html",
        {"product": product, "obj": persona, "kind": "persona", "tab": "personas"},
    )


# --- competitors ------------------------------------------------------------------


@workspace_page()
@require_GET
def competitor_list(request: HttpRequest, slug: str) -> HttpResponse:
    product = access_product(request.user, workspace=request.workspace, slug=slug)
    return render(
        request,
        "strategy/research/competitor_list.html",
        {
            "product": product,
            "competitors": list(competitors_of(product)),
            "can_edit": can_edit_content(product.my_role),
            "tab": "competitors",
        },
    )


@workspace_page(minimum=Role.EDITOR, what="create competitors")
@require_http_methods(["GET", "POST"])
def competitor_create(request: HttpRequest, slug: str) -> HttpResponse:
    product = access_product(request.user, workspace=request.workspace, slug=slug)
    form = CompetitorForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            competitor = services.competitor_create(
                actor=Actor.from_request(request), product=product, **{f: data[f] for f in COMPETITOR_FIELDS}
            )
        except ApplicationError as exc:
            add_service_error(form, exc)
        else:
            messages.success(request, f"Competitor “{competitor.name}” added.")
            return redirect("strategy:competitors", ws=request.workspace.slug, slug=product.slug)
    return _form_page(
        request, "strategy/research/competitor_form.html", {"form": form, "product": product, "tab": "competitors"}
    )


@workspace_page(minimum=Role.EDITOR, what="change competitors")
@require_http_methods(["GET", "POST"])
def competitor_edit(request: HttpRequest, competitor_id: int) -> HttpResponse:
    competitor = access_competitor(request.user, competitor_id, write=True, workspace=request.workspace)
    product = competitor.product
    return _edit(
        request,
        obj=competitor,
        form_class=CompetitorForm,
        fields=COMPETITOR_FIELDS,
        update=lambda **kw: services.competitor_update(competitor=competitor, **kw),
        refetch=lambda: Competitor.objects.get(pk=competitor.pk),
        template="strategy/research/competitor_form.html",
        context={"product": product, "competitor": competitor, "tab": "competitors"},
        what="competitor",
        done=reverse("strategy:competitors", kwargs={"ws": request.workspace.slug, "slug": product.slug}),
    )


@workspace_page(minimum=Role.EDITOR, what="delete competitors")
@require_http_methods(["GET", "POST"])
def competitor_delete(request: HttpRequest, competitor_id: int) -> HttpResponse:
    competitor = access_competitor(request.user, competitor_id, write=True, workspace=request.workspace)
    product = competitor.product
    if request.method == "POST":
        services.competitor_delete(actor=Actor.from_request(request), competitor=competitor)
        messages.success(request, f"Competitor “{competitor.name}” deleted.")
        return redirect("strategy:competitors", ws=request.workspace.slug, slug=product.slug)
    return render(
        request,
        "strategy/research/confirm_delete.html",
        {"product": product, "obj": competitor, "kind": "competitor", "tab": "competitors"},
    )


CLAMP_CHARS = 140  # a comparison cell with more text than this (about five lines) is clamped, with "more"


def _cell(what: str, *parts: tuple[str, str, bool]) -> dict[str, Any]:
    """One text cell of the comparison: its parts (source label, text, is Markdown), the ones with
    text only; `long` when they are long enough to clamp; `what` names the cell for its toggle."""
    kept = [{"source": source, "text": text, "markdown": md} for source, text, md in parts if text]
    return {"parts": kept, "long": sum(len(p["text"]) for p in kept) > CLAMP_CHARS, "what": what}


def _comparison_rows(product: Any, vision: Any, competitors: list[Competitor]) -> list[dict[str, Any]]:
    """The text rows of the comparison (threat level and website are drawn by the template): the
    product's column first, read from its description and vision, then one cell per competitor."""

    def v(field: str) -> str:
        return getattr(vision, field, "") if vision is not None else ""

    own = {
        "positioning": (("", product.description, False), ("Target customers (vision)", v("target_customers"), True)),
        "strengths": (("Differentiation (vision)", v("differentiation"), True),),
        "weaknesses": (),
        "pricing_notes": (("Business model (vision)", v("business_model"), True),),
    }
    rows = []
    for field, label in (
        ("positioning", "Positioning"),
        ("strengths", "Strengths"),
        ("weaknesses", "Weaknesses"),
        ("pricing_notes", "Pricing"),
    ):
        cells = [_cell(f"{label} of {product.name}", *own[field])]
        cells += [_cell(f"{label} of {c.name}", ("", getattr(c, field), True)) for c in competitors]
        rows.append({"key": field, "label": label, "cells": cells})
    return rows


@workspace_page()
@require_GET
def competitor_compare(request: HttpRequest, slug: str) -> HttpResponse:
    product = access_product(request.user, workspace=request.workspace, slug=slug)
    comparison = competitor_comparison(product)
    return render(
        request,
        "strategy/research/competitor_compare.html",
        {
            "product": product,
            "comparison": comparison,
            "vision": comparison.vision,
            "competitors": comparison.competitors,
            "rows": _comparison_rows(product, comparison.vision, comparison.competitors),
            "threat_levels": ThreatLevel.choices,
            "can_edit": can_edit_content(product.my_role),
            "tab": "compare",
        },
    )
