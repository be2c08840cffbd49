"""Pages of the scorecard (criteria with their weight shares, add / edit / delete / reorder, the top
features by scorecard score) and of a feature's scores (the explanation, its values, the history and
"why did this move?"). Thin: form → access_* → service/selector → template."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from pmtool.activity import Actor
from pmtool.models import Role
from pmtool.pages import WorkspaceRequest, redirect_saying, service_delete_page, service_form_page
from pmtool.permissions import product_access
from pmtool.views import workspace_page

from ..explain import explain_feature
from ..forms.scoring import CriterionEditForm, CriterionForm, CriterionMoveForm, FeatureValuesForm, WhyMovedForm
from ..models import BacklogSettings, CriterionValue, Feature, ScorecardCriterion
from ..permissions import access_criterion, access_feature
from ..selectors import scoring as selectors
from ..services import scorecard as services

HISTORY_ROWS = 50
NAV = "backlog"
RECOMPUTING = "scores are being recomputed."


def _scorecard_url(request: WorkspaceRequest, slug: str) -> str:
    return reverse("backlog:scorecard", kwargs={"ws": request.workspace.slug, "slug": slug})


def _shown(criterion: ScorecardCriterion) -> list[tuple[str, object]]:
    return [
        ("Name", criterion.name),
        ("Weight", criterion.weight),
        ("Direction", criterion.get_direction_display()),
        ("Scale", f"{criterion.scale_min}–{criterion.scale_max}"),
        ("Description", criterion.description),
    ]


@workspace_page()
@require_GET
def scorecard(request: WorkspaceRequest, slug: str) -> HttpResponse:
    access = product_access(request.user, workspace=request.workspace, slug=slug)
    product = access.obj
    settings = BacklogSettings.objects.filter(product=product).first()
    pending = bool(
        settings
        and settings.scores_requested_at
        and (settings.scores_computed_at is None or settings.scores_computed_at < settings.scores_requested_at)
    )
    context = {
        "product": product,
        "criteria": selectors.criteria_with_shares(product),
        "top": list(selectors.top_by_scorecard(product)),
        "pending": pending,
        "can_edit": access.can_edit,
        "form": CriterionForm() if access.can_edit else None,
        "nav_active": NAV,
    }
    if request.htmx:
        return render(request, "backlog/scoring_scorecard.html#top-features", context)
    return render(request, "backlog/scoring_scorecard.html", context)


@workspace_page(minimum=Role.EDITOR, what="change the scorecard")
@require_http_methods(["GET", "POST"])
def criterion_create(request: WorkspaceRequest, slug: str) -> HttpResponse:
    product = product_access(
        request.user, workspace=request.workspace, slug=slug, write=True, action="change the scorecard"
    ).obj
    back = _scorecard_url(request, product.slug)
    context = {
        "heading": f"New criterion of {product.name}'s scorecard",
        "what": "criterion",
        "cancel_url": back,
        "submit_label": "Add criterion",
        "nav_active": NAV,
    }
    return service_form_page(
        request,
        form=CriterionForm(request.POST or None),
        service=services.criterion_create,
        ids={"product": product},
        saved=redirect_saying(request, back, lambda found: f"Criterion “{found.name}” added; {RECOMPUTING}"),
        template="partials/edit_page.html",
        context=context,
    )


@workspace_page(minimum=Role.EDITOR, what="change the scorecard")
@require_POST
def criteria_order(request: WorkspaceRequest, slug: str) -> HttpResponse:
    product = product_access(
        request.user, workspace=request.workspace, slug=slug, write=True, action="change the scorecard"
    ).obj
    form = CriterionMoveForm(request.POST)
    ids = list(
        ScorecardCriterion.objects.filter(product=product).order_by("position", "id").values_list("pk", flat=True)
    )
    if not form.is_valid() or form.cleaned_data["criterion"] not in ids:
        messages.error(request, "Choose a criterion of this scorecard to move.")
        return redirect(_scorecard_url(request, product.slug))
    at = ids.index(form.cleaned_data["criterion"])
    to = at - 1 if form.cleaned_data["direction"] == "up" else at + 1
    if 0 <= to < len(ids):
        ids[at], ids[to] = ids[to], ids[at]
        services.criteria_reorder(actor=Actor.from_request(request), product=product, criterion_ids=ids)
    return redirect(_scorecard_url(request, product.slug))


@workspace_page(minimum=Role.EDITOR, what="change the scorecard")
@require_http_methods(["GET", "POST"])
def criterion_edit(request: WorkspaceRequest, criterion_id: int) -> HttpResponse:
    criterion = access_criterion(request.user, criterion_id, workspace=request.workspace, write=True).obj
    back = _scorecard_url(request, criterion.product.slug)
    context = {
        "heading": f"Edit criterion “{criterion.name}”",
        "what": "criterion",
        "cancel_url": back,
        "nav_active": NAV,
    }
    return service_form_page(
        request,
        form=CriterionEditForm(request.POST or None, initial=CriterionEditForm.initial_for(criterion)),
        service=services.criterion_update,
        ids={"criterion_id": criterion.pk},
        saved=redirect_saying(request, back, lambda result: f"Criterion “{result.name}” saved; {RECOMPUTING}"),
        template="partials/edit_page.html",
        context=context,
        shown=_shown,
    )


@workspace_page(minimum=Role.EDITOR, what="change the scorecard")
@require_http_methods(["GET", "POST"])
def criterion_delete(request: WorkspaceRequest, criterion_id: int) -> HttpResponse:
    criterion = access_criterion(request.user, criterion_id, workspace=request.workspace, write=True).obj
    back = _scorecard_url(request, criterion.product.slug)
    count = CriterionValue.objects.filter(criterion=criterion).count()
    return service_delete_page(
        request,
        obj=criterion,
        service=services.criterion_delete,
        ids={"criterion_id": criterion.pk},
        deleted=redirect_saying(request, back, lambda found: f"Criterion “{found.name}” removed; {RECOMPUTING}"),
        context={
            "what": "criterion",
            "cancel_url": back,
            "consequence": f"and its {count} value{'s' if count != 1 else ''} from the features' scorecards",
            "nav_active": NAV,
        },
    )


# --- a feature's scores ---------------------------------------------------------------------------------


def _values_form(feature: Feature, data: Any = None) -> FeatureValuesForm:
    criteria = list(ScorecardCriterion.objects.filter(product_id=feature.product_id).order_by("position", "id"))
    return FeatureValuesForm(data, criteria=criteria, initial=FeatureValuesForm.initial_for(feature))


def _why_moved(request: WorkspaceRequest, feature: Feature) -> dict[str, Any]:
    bound = "start" in request.GET or "end" in request.GET
    form = WhyMovedForm(request.GET if bound else None, initial=WhyMovedForm.defaults())
    if bound and not form.is_valid():
        return {"why_form": form, "why": None}
    start, end = form.window() if bound else (WhyMovedForm.defaults()["start"], WhyMovedForm.defaults()["end"])
    return {"why_form": form, "why": selectors.why_moved(feature, start, end)}


@workspace_page()
@require_GET
def feature_scores(request: WorkspaceRequest, feature_id: int) -> HttpResponse:
    access = access_feature(request.user, feature_id, workspace=request.workspace)
    feature = access.obj
    why = _why_moved(request, feature)
    status = 400 if why["why"] is None else 200
    if request.htmx and request.htmx.target == "why-moved":
        return render(request, "backlog/scoring_feature_scores.html#why-moved", why, status=status)
    history = list(selectors.score_history_of(feature)[:HISTORY_ROWS])
    for row in history:
        row.why = selectors.history_sentence(row)  # type: ignore[attr-defined]
    context = {
        "feature": feature,
        "product": feature.product,
        "explanation": explain_feature(feature),
        "history": history,
        "can_edit": access.can_edit,
        "nav_active": NAV,
        **why,
    }
    return render(request, "backlog/scoring_feature_scores.html", context, status=status)


@workspace_page(minimum=Role.EDITOR, what="change features")
@require_http_methods(["GET", "POST"])
def feature_values(request: WorkspaceRequest, feature_id: int) -> HttpResponse:
    feature = access_feature(request.user, feature_id, workspace=request.workspace, write=True).obj
    scores_url = reverse("backlog:feature_scores", kwargs={"ws": request.workspace.slug, "feature_id": feature.pk})
    context = {
        "heading": f"Scorecard values of “{feature.title}”",
        "what": "feature",
        "cancel_url": scores_url,
        "nav_active": NAV,
    }
    return service_form_page(
        request,
        form=_values_form(feature, request.POST or None),
        service=services.feature_values_set,
        ids={"feature_id": feature.pk},
        saved=redirect_saying(request, scores_url, lambda result: f"Scorecard values of “{result.title}” saved."),
        template="partials/edit_page.html",
        context=context,
        shown=lambda f: [("Title", f.title), ("Version", f.version)],
    )
