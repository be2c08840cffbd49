"""Persona and competitor pages: lists, create forms, edit forms (pmtool.pages.edit_page: the
stale-version conflict panel), delete confirmations posting the version the user read
(pmtool.pages.delete_page), and the side-by-side comparison of a product with its competitors.

Product-level pages live under products/<slug>/…, object pages under personas/<id>/… and
competitors/<id>/… (the same shape as the API)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods

from pmtool.activity import Actor
from pmtool.errors import ApplicationError
from pmtool.forms import add_service_error
from pmtool.models import Product, Role
from pmtool.pages import WorkspaceRequest, delete_page, edit_page
from pmtool.views import workspace_page

from ..forms.research import CompetitorEditForm, CompetitorForm, PersonaEditForm, PersonaForm
from ..models import Competitor, Persona, ThreatLevel, Vision
from ..permissions import access_competitor, access_persona, access_product_role
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


def _form_page(request: WorkspaceRequest, template: str, context: dict[str, Any]) -> HttpResponse:
    return render(request, template, context, status=400 if context["form"].errors else 200)


def _list_url(request: WorkspaceRequest, name: str, product: Product) -> str:
    return reverse(f"strategy:{name}", kwargs={"ws": request.workspace.slug, "slug": product.slug})


def _saved(request: WorkspaceRequest, what: str, url: str) -> Any:
    def done(obj: Persona | Competitor) -> HttpResponse:
        messages.success(request, f"Saved {what} “{obj.name}”.")
        return redirect(url)

    return done


def _deleted(request: WorkspaceRequest, what: str, obj: Persona | Competitor, url: str) -> Any:
    def done() -> HttpResponse:
        messages.success(request, f"{what.capitalize()} “{obj.name}” deleted.")
        return redirect(url)

    return done


def _bound(request: WorkspaceRequest) -> Any:
    return request.POST if request.method == "POST" else None


def _persona_shown(persona: Persona) -> Sequence[tuple[str, object]]:
    return [
        ("Name", persona.name),
        ("Role", persona.role),
        ("Goals", persona.goals),
        ("Pains", persona.pains),
        ("Quote", persona.quote),
    ]


def _competitor_shown(competitor: Competitor) -> Sequence[tuple[str, object]]:
    return [
        ("Name", competitor.name),
        ("Website", competitor.website),
        ("Threat level", competitor.get_threat_level_display()),
        ("Positioning", competitor.positioning),
        ("Strengths", competitor.strengths),
        ("Weaknesses", competitor.weaknesses),
        ("Pricing", competitor.pricing_notes),
    ]


# --- personas ---------------------------------------------------------------------


@workspace_page()
@require_GET
def persona_list(request: WorkspaceRequest, slug: str) -> HttpResponse:
    access = access_product_role(request.user, workspace=request.workspace, slug=slug)
    return render(
        request,
        "strategy/research/persona_list.html",
        {
            "product": access.obj,
            "personas": list(personas_of(access.obj)),
            "can_edit": access.can_edit,
            "tab": "personas",
        },
    )


@workspace_page(minimum=Role.EDITOR, what="create personas")
@require_http_methods(["GET", "POST"])
def persona_create(request: WorkspaceRequest, slug: str) -> HttpResponse:
    product = access_product_role(request.user, workspace=request.workspace, slug=slug).obj
    form = PersonaForm(_bound(request))
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
def persona_edit(request: WorkspaceRequest, persona_id: int) -> HttpResponse:
    persona = access_persona(request.user, persona_id, write=True, workspace=request.workspace).obj
    product = persona.product
    actor = Actor.from_request(request)
    initial = {**{f: getattr(persona, f) for f in PERSONA_FIELDS}, "version": persona.version}
    return edit_page(
        request,
        form=PersonaEditForm(_bound(request), initial=initial),
        template="strategy/research/persona_form.html",
        context={"product": product, "persona": persona, "tab": "personas", "what": "persona"},
        save=lambda data: services.persona_update(actor=actor, persona_id=persona.pk, **data),
        saved=_saved(request, "persona", _list_url(request, "personas", product)),
        shown=_persona_shown,
    )


@workspace_page(minimum=Role.EDITOR, what="delete personas")
@require_http_methods(["GET", "POST"])
def persona_delete(request: WorkspaceRequest, persona_id: int) -> HttpResponse:
    persona = access_persona(request.user, persona_id, write=True, workspace=request.workspace).obj
    product = persona.product
    actor = Actor.from_request(request)
    url = _list_url(request, "personas", product)
    return delete_page(
        request,
        obj=persona,
        delete=lambda version: services.persona_delete(actor=actor, persona_id=persona.pk, version=version),
        deleted=_deleted(request, "persona", persona, url),
        context={
            "product": product,
            "what": "persona",
            "cancel_url": url,
            "consequence": f"from {product.name}",
            "tab": "personas",
        },
        template="strategy/research/confirm_delete.html",
    )


# --- competitors ------------------------------------------------------------------


@workspace_page()
@require_GET
def competitor_list(request: WorkspaceRequest, slug: str) -> HttpResponse:
    access = access_product_role(request.user, workspace=request.workspace, slug=slug)
    return render(
        request,
        "strategy/research/competitor_list.html",
        {
            "product": access.obj,
            "competitors": list(competitors_of(access.obj)),
            "can_edit": access.can_edit,
            "tab": "competitors",
        },
    )


@workspace_page(minimum=Role.EDITOR, what="create competitors")
@require_http_methods(["GET", "POST"])
def competitor_create(request: WorkspaceRequest, slug: str) -> HttpResponse:
    product = access_product_role(request.user, workspace=request.workspace, slug=slug).obj
    form = CompetitorForm(_bound(request))
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
def competitor_edit(request: WorkspaceRequest, competitor_id: int) -> HttpResponse:
    competitor = access_competitor(request.user, competitor_id, write=True, workspace=request.workspace).obj
    product = competitor.product
    actor = Actor.from_request(request)
    initial = {**{f: getattr(competitor, f) for f in COMPETITOR_FIELDS}, "version": competitor.version}
    return edit_page(
        request,
        form=CompetitorEditForm(_bound(request), initial=initial),
        template="strategy/research/competitor_form.html",
        context={"product": product, "competitor": competitor, "tab": "competitors", "what": "competitor"},
        save=lambda data: services.competitor_update(actor=actor, competitor_id=competitor.pk, **data),
        saved=_saved(request, "competitor", _list_url(request, "competitors", product)),
        shown=_competitor_shown,
    )


@workspace_page(minimum=Role.EDITOR, what="delete competitors")
@require_http_methods(["GET", "POST"])
def competitor_delete(request: WorkspaceRequest, competitor_id: int) -> HttpResponse:
    competitor = access_competitor(request.user, competitor_id, write=True, workspace=request.workspace).obj
    product = competitor.product
    actor = Actor.from_request(request)
    url = _list_url(request, "competitors", product)
    return delete_page(
        request,
        obj=competitor,
        delete=lambda version: services.competitor_delete(actor=actor, competitor_id=competitor.pk, version=version),
        deleted=_deleted(request, "competitor", competitor, url),
        context={
            "product": product,
            "what": "competitor",
            "cancel_url": url,
            "consequence": f"from {product.name} and from the comparison",
            "tab": "competitors",
        },
        template="strategy/research/confirm_delete.html",
    )


CLAMP_CHARS = 140  # a comparison cell with more text than this (about five lines) is clamped, with "more"


def _cell(what: str, *parts: tuple[str, str, bool]) -> dict[str, Any]:
    """One text cell of the comparison: its parts (source label, text, is Markdown), the ones with
    text only; `long` when they are long enough to clamp; `what` names the cell for its toggle."""
    kept = [{"source": source, "text": text, "markdown": md} for source, text, md in parts if text]
    return {"parts": kept, "long": sum(len(text) for _source, text, _md in parts) > CLAMP_CHARS, "what": what}


def _comparison_rows(product: Product, vision: Vision | None, competitors: list[Competitor]) -> list[dict[str, Any]]:
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
def competitor_compare(request: WorkspaceRequest, slug: str) -> HttpResponse:
    access = access_product_role(request.user, workspace=request.workspace, slug=slug)
    product = access.obj
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
            "can_edit": access.can_edit,
            "tab": "compare",
        },
    )
