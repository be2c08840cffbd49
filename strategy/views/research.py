"""Persona and competitor pages: lists, create forms, edit forms (pmtool.pages.edit_page: the
stale-version conflict panel), delete confirmations posting the version the user read
(pmtool.pages.delete_page), and the side-by-side comparison of a product with its competitors.

Product-level pages live under products/<slug>/…, object pages under personas/<id>/… and
competitors/<id>/… (the same shape as the API)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from django import forms
from django.contrib import messages
from django.db.models import QuerySet
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods

from pmtool.activity import Actor
from pmtool.errors import ApplicationError
from pmtool.forms import add_service_error
from pmtool.models import Product, Role
from pmtool.pages import WorkspaceRequest, delete_page, edit_page
from pmtool.permissions import Access, product_access
from pmtool.views import View, workspace_page

from ..forms.research import CompetitorEditForm, CompetitorForm, PersonaEditForm, PersonaForm
from ..models import Competitor, Persona, ThreatLevel, Vision
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


@dataclass(frozen=True)
class _Kind:
    """What differs between the persona and the competitor pages (the flows are the same)."""

    what: str  # "persona"
    tab: str  # "personas": also the name of the list page
    fields: tuple[str, ...]
    create_form: type[forms.Form]
    edit_form: type[forms.Form]
    access: Callable[..., Access[Any]]
    create: Callable[..., Persona | Competitor]
    update: Callable[[Actor, int, dict[str, Any]], Persona | Competitor]
    delete: Callable[[Actor, int, int], object]
    shown: Callable[[Any], Sequence[tuple[str, object]]]
    created: str  # the message's verb: "created", "added"
    consequence: str = ""  # what else the delete removes

    @property
    def template(self) -> str:
        return f"strategy/research/{self.what}_form.html"


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


PERSONA = _Kind(
    what="persona",
    tab="personas",
    fields=PERSONA_FIELDS,
    create_form=PersonaForm,
    edit_form=PersonaEditForm,
    access=access_persona,
    create=services.persona_create,
    update=lambda actor, pk, data: services.persona_update(actor=actor, persona_id=pk, **data),
    delete=lambda actor, pk, version: services.persona_delete(actor=actor, persona_id=pk, version=version),
    shown=_persona_shown,
    created="created",
)
COMPETITOR = _Kind(
    what="competitor",
    tab="competitors",
    fields=COMPETITOR_FIELDS,
    create_form=CompetitorForm,
    edit_form=CompetitorEditForm,
    access=access_competitor,
    create=services.competitor_create,
    update=lambda actor, pk, data: services.competitor_update(actor=actor, competitor_id=pk, **data),
    delete=lambda actor, pk, version: services.competitor_delete(actor=actor, competitor_id=pk, version=version),
    shown=_competitor_shown,
    created="added",
    consequence=" and from the comparison",
)


def _list_url(request: WorkspaceRequest, kind: _Kind, product: Product) -> str:
    return reverse(f"strategy:{kind.tab}", kwargs={"ws": request.workspace.slug, "slug": product.slug})


def _bound(request: WorkspaceRequest) -> Any:
    return request.POST if request.method == "POST" else None


def _list(request: WorkspaceRequest, slug: str, kind: _Kind, rows: Callable[[Product], Any]) -> HttpResponse:
    access = product_access(request.user, workspace=request.workspace, slug=slug)
    context = {"product": access.obj, kind.tab: list(rows(access.obj)), "can_edit": access.can_edit, "tab": kind.tab}
    return render(request, f"strategy/research/{kind.what}_list.html", context)


def _create(request: WorkspaceRequest, slug: str, kind: _Kind) -> HttpResponse:
    product = product_access(request.user, workspace=request.workspace, slug=slug).obj
    form = kind.create_form(_bound(request))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            obj = kind.create(actor=Actor.from_request(request), product=product, **{f: data[f] for f in kind.fields})
        except ApplicationError as exc:
            add_service_error(form, exc)
        else:
            messages.success(request, f"{kind.what.capitalize()} “{obj.name}” {kind.created}.")
            return redirect(_list_url(request, kind, product))
    context = {"form": form, "product": product, "tab": kind.tab}
    return render(request, kind.template, context, status=400 if form.errors else 200)


def _edit(request: WorkspaceRequest, pk: int, kind: _Kind) -> HttpResponse:
    obj = kind.access(request.user, pk, write=True, workspace=request.workspace).obj
    actor = Actor.from_request(request)
    url = _list_url(request, kind, obj.product)

    def saved(result: Persona | Competitor) -> HttpResponse:
        messages.success(request, f"Saved {kind.what} “{result.name}”.")
        return redirect(url)

    return edit_page(
        request,
        form=kind.edit_form(
            _bound(request), initial={**{f: getattr(obj, f) for f in kind.fields}, "version": obj.version}
        ),
        template=kind.template,
        context={"product": obj.product, kind.what: obj, "tab": kind.tab, "what": kind.what},
        save=lambda data: kind.update(actor, obj.pk, data),
        saved=saved,
        shown=kind.shown,
    )


def _delete(request: WorkspaceRequest, pk: int, kind: _Kind) -> HttpResponse:
    obj = kind.access(request.user, pk, write=True, workspace=request.workspace).obj
    actor = Actor.from_request(request)
    url = _list_url(request, kind, obj.product)

    def deleted() -> HttpResponse:
        messages.success(request, f"{kind.what.capitalize()} “{obj.name}” deleted.")
        return redirect(url)

    context = {
        "product": obj.product,
        "what": kind.what,
        "cancel_url": url,
        "consequence": f"from {obj.product.name}{kind.consequence}",
        "tab": kind.tab,
    }
    return delete_page(
        request,
        obj=obj,
        delete=lambda version: kind.delete(actor, obj.pk, version),
        deleted=deleted,
        context=context,
        template="strategy/research/confirm_delete.html",
    )


# --- the pages of each kind --------------------------------------------------------


def _named(name: str, view: View) -> View:
    view.__name__ = view.__qualname__ = name
    return view


def _pages(kind: _Kind, select: Callable[[Product], QuerySet[Any]]) -> tuple[View, View, View, View]:
    """The list, create, edit and delete pages of `kind` (the URL names the object `<what>_id`)."""
    key, plural = f"{kind.what}_id", kind.tab

    def list_page(request: WorkspaceRequest, slug: str) -> HttpResponse:
        return _list(request, slug, kind, select)

    def create_page(request: WorkspaceRequest, slug: str) -> HttpResponse:
        return _create(request, slug, kind)

    def edit_page(request: WorkspaceRequest, **ids: int) -> HttpResponse:
        return _edit(request, ids[key], kind)

    def delete_page(request: WorkspaceRequest, **ids: int) -> HttpResponse:
        return _delete(request, ids[key], kind)

    get_or_post = require_http_methods(["GET", "POST"])
    return (
        workspace_page()(require_GET(_named(f"{kind.what}_list", list_page))),
        workspace_page(minimum=Role.EDITOR, what=f"create {plural}")(
            get_or_post(_named(f"{kind.what}_create", create_page))
        ),
        workspace_page(minimum=Role.EDITOR, what=f"change {plural}")(
            get_or_post(_named(f"{kind.what}_edit", edit_page))
        ),
        workspace_page(minimum=Role.EDITOR, what=f"delete {plural}")(
            get_or_post(_named(f"{kind.what}_delete", delete_page))
        ),
    )


persona_list, persona_create, persona_edit, persona_delete = _pages(PERSONA, personas_of)
competitor_list, competitor_create, competitor_edit, competitor_delete = _pages(COMPETITOR, competitors_of)


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
    access = product_access(request.user, workspace=request.workspace, slug=slug)
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
