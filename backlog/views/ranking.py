"""Ranking pages: "Order the backlog" (a compact ranked list with drag handles, 50 a page) and the
move endpoint its script posts to (form-encoded, CSRF; answers JSON, errors in the API's body).

Thin: form → access_* → service/selector → template or JSON."""

from __future__ import annotations

from django.http import HttpResponse, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from pmtool.activity import Actor
from pmtool.api.errors import error_body
from pmtool.errors import ApplicationError, concurrency_conflict
from pmtool.pages import WorkspaceRequest
from pmtool.permissions import can_edit_content, product_access
from pmtool.views import workspace_page

from ..api.ranking import moved_body
from ..forms.ranking import MoveForm
from ..permissions import access_feature
from ..selectors import ranking as selectors
from ..services import ranking as services


@workspace_page()
@require_GET
def backlog_order(request: WorkspaceRequest, slug: str) -> HttpResponse:
    product = product_access(request.user, workspace=request.workspace, slug=slug).obj
    order = selectors.order_page(product, request.GET.get("page"))
    move_url = reverse("backlog:feature_move", kwargs={"ws": request.workspace.slug, "feature_id": 1})
    context = {
        "product": product,
        "order": order,
        "can_edit": can_edit_content(request.role),
        "move_url_template": move_url.replace("/1/move/", "/{id}/move/"),
        "nav_active": "backlog",
    }
    return render(request, "backlog/order.html", context)


def _error(exc: ApplicationError) -> JsonResponse:
    return JsonResponse(error_body(exc.code, exc.message, exc.fields, exc.current_state), status=exc.status_code)


@workspace_page()
@require_POST
def feature_move(request: WorkspaceRequest, feature_id: int) -> JsonResponse:
    # Not a member, or a viewer: the error pages every page answers (404 / 403, HTML). The move's
    # own refusals (400, 409) answer JSON in the API's error body, for the script.
    feature = access_feature(request.user, feature_id, write=True, workspace=request.workspace).obj
    try:
        form = MoveForm(request.POST)
        if not form.is_valid():
            fields = {name: [str(m) for m in messages] for name, messages in form.errors.items()}
            return JsonResponse(error_body("invalid", "Invalid input.", fields), status=400)
        data = form.cleaned_data
        moved = services.feature_move(
            actor=Actor.from_request(request),
            feature_id=feature.pk,
            product_id=feature.product_id,
            after_id=data["after_id"],
            before_id=data["before_id"],
            to=data["to"] or None,
        )
    except ApplicationError as exc:
        return _error(exc)
    except Exception as exc:
        conflict = concurrency_conflict(exc)
        if conflict is None:
            raise
        return _error(conflict)
    return JsonResponse(moved_body(moved))
