"""Pages of the plan: the workspace's statuses (settings, admins change them), a product's
releases, the workspace's teams, and a product's backlog settings.

Thin: form → access_* → service/selector → template. Creates and edits go through
pmtool.pages.service_form_page (the form maps itself to the service: `initial_for`, `arguments`;
conflict panel on a stale version), deletes through service_delete_page (a status's delete has its
own confirmation: it may name a replacement for the features that use it)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from pmtool.activity import Actor
from pmtool.errors import ApplicationError, PermissionDenied
from pmtool.forms import add_service_error
from pmtool.models import Product, Role
from pmtool.pages import (
    WorkspaceRequest,
    redirect_saying,
    service_delete_page,
    service_form_page,
    without_version,
)
from pmtool.permissions import can_edit_content, can_manage_workspace, product_access
from pmtool.versioning import StaleVersion
from pmtool.views import workspace_page

from ..forms.plan import BacklogSettingsForm, ReleaseForm, StatusDeleteForm, StatusForm, StatusMoveForm, TeamForm
from ..models import FeatureStatus, Framework, Release, ReleaseStatus, Team
from ..permissions import access_release, access_status, access_team
from ..selectors import plan as selectors
from ..services import releases as release_services
from ..services import settings as settings_services
from ..services import statuses as status_services
from ..services import teams as team_services


def _ws(request: WorkspaceRequest) -> str:
    return request.workspace.slug


def _role(request: WorkspaceRequest) -> str | None:
    return getattr(request, "role", None) or getattr(request.workspace, "my_role", None)


def _bound(request: WorkspaceRequest) -> Any:
    return request.POST if request.method == "POST" else None


# --- statuses (workspace settings) -------------------------------------------------------------


def _statuses_url(request: WorkspaceRequest) -> str:
    return reverse("backlog:statuses", kwargs={"ws": _ws(request)})


def _status_shown(status: FeatureStatus) -> list[tuple[str, object]]:
    return [("Name", status.name), ("Category", status.get_category_display()), ("Colour", status.colour)]


@workspace_page()
@require_GET
def status_list(request: WorkspaceRequest) -> HttpResponse:
    statuses = list(selectors.statuses_of(request.workspace))
    context = {
        "statuses": statuses,
        "can_manage": can_manage_workspace(_role(request)),
        "section": "statuses",
        "nav_active": "settings",
    }
    return render(request, "backlog/plan/status_list.html", context)


def _status_context(found: FeatureStatus | None) -> dict[str, Any]:
    return {"status_obj": found, "section": "statuses", "what": "status", "nav_active": "settings"}


@workspace_page(minimum=Role.ADMIN, what="change statuses")
@require_http_methods(["GET", "POST"])
def status_create(request: WorkspaceRequest) -> HttpResponse:
    return service_form_page(
        request,
        form=without_version(StatusForm(_bound(request))),
        service=status_services.status_create,
        ids={"workspace": request.workspace},
        saved=redirect_saying(request, _statuses_url(request), lambda found: f"Status “{found.name}” created."),
        template="backlog/plan/status_form.html",
        context=_status_context(None),
    )


@workspace_page(minimum=Role.ADMIN, what="change statuses")
@require_http_methods(["GET", "POST"])
def status_edit(request: WorkspaceRequest, status_id: int) -> HttpResponse:
    found = access_status(request.user, status_id, write=True, workspace=request.workspace).obj
    return service_form_page(
        request,
        form=StatusForm(_bound(request), initial=StatusForm.initial_for(found)),
        service=status_services.status_update,
        ids={"status_id": found.pk},
        saved=redirect_saying(request, _statuses_url(request), lambda result: f"Saved “{result.name}”."),
        template="backlog/plan/status_form.html",
        context=_status_context(found),
        shown=_status_shown,
    )


@workspace_page(minimum=Role.ADMIN, what="change statuses")
@require_POST
def status_move(request: WorkspaceRequest, status_id: int) -> HttpResponse:
    found = access_status(request.user, status_id, write=True, workspace=request.workspace).obj
    form = StatusMoveForm(request.POST)
    if not form.is_valid():
        messages.error(request, "That move was not understood: reload the page and try again.")
        return redirect(_statuses_url(request))
    try:
        moved = status_services.status_move(
            actor=Actor.from_request(request),
            status_id=found.pk,
            version=form.cleaned_data["version"],
            direction=form.cleaned_data["direction"],
        )
    except StaleVersion:
        messages.error(request, f"“{found.name}” was changed by someone else: here is the list as it is now.")
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, f"Moved “{moved.name}” {form.cleaned_data['direction']}.")
    return redirect(f"{_statuses_url(request)}#status-{found.pk}")


@workspace_page(minimum=Role.ADMIN, what="change statuses")
@require_http_methods(["GET", "POST"])
def status_delete(request: WorkspaceRequest, status_id: int) -> HttpResponse:
    found = selectors.status_detail(access_status(request.user, status_id, write=True, workspace=request.workspace).obj)
    others = [(s.pk, s.name) for s in selectors.statuses_of(request.workspace) if s.pk != found.pk]
    form = StatusDeleteForm(_bound(request), replacements=others, initial={"version": found.version})
    context = {
        "obj": found,
        "form": form,
        "section": "statuses",
        "what": "status",
        "cancel_url": _statuses_url(request),
    }
    if request.method != "POST":
        return render(request, "backlog/plan/status_delete.html", context)
    if not form.is_valid():
        return render(request, "backlog/plan/status_delete.html", context, status=400)
    try:
        status_services.status_delete(
            actor=Actor.from_request(request),
            status_id=found.pk,
            version=form.cleaned_data["version"],
            replacement_id=form.cleaned_data["replacement"],
        )
    except StaleVersion as exc:
        fresh = StatusDeleteForm(
            None, replacements=others, initial={"version": exc.current_version, **form.cleaned_data}
        )
        page = {**context, "form": fresh, "obj": exc.current, "conflict": exc.current}
        return render(request, "backlog/plan/status_delete.html", page, status=409)
    except ApplicationError as exc:
        add_service_error(form, exc)
        return render(request, "backlog/plan/status_delete.html", context, status=exc.status_code)
    messages.success(request, f"Status “{found.name}” deleted.")
    return redirect(_statuses_url(request))


# --- releases ---------------------------------------------------------------------------------------


def _releases_url(request: WorkspaceRequest, product: Product) -> str:
    return reverse("backlog:releases", kwargs={"ws": _ws(request), "slug": product.slug})


def _release_shown(release: Release) -> list[tuple[str, object]]:
    return [
        ("Name", release.name),
        ("Status", release.get_status_display()),
        ("Start date", release.start_date),
        ("Release date", release.release_date),
        ("Description", release.description),
    ]


@workspace_page()
@require_GET
def release_list(request: WorkspaceRequest, slug: str) -> HttpResponse:
    access = product_access(request.user, workspace=request.workspace, slug=slug)
    status = request.GET.get("status") or ""
    chosen = status if status in ReleaseStatus.values else None
    releases = list(selectors.releases_of(access.obj, status=chosen).order_by("release_date", "name", "id"))
    context = {
        "product": access.obj,
        "releases": releases,
        "can_edit": access.can_edit,
        "statuses": ReleaseStatus.choices,
        "chosen_status": chosen or "",
    }
    return render(request, "backlog/plan/release_list.html", context, status=400 if status and not chosen else 200)


@workspace_page(minimum=Role.EDITOR, what="change releases")
@require_http_methods(["GET", "POST"])
def release_create(request: WorkspaceRequest, slug: str) -> HttpResponse:
    product = product_access(request.user, workspace=request.workspace, slug=slug, write=True).obj
    return service_form_page(
        request,
        form=without_version(ReleaseForm(_bound(request))),
        service=release_services.release_create,
        ids={"product": product},
        saved=redirect_saying(
            request, _releases_url(request, product), lambda found: f"Release “{found.name}” created."
        ),
        template="backlog/plan/release_form.html",
        context={"product": product, "release": None, "what": "release"},
    )


@workspace_page(minimum=Role.EDITOR, what="change releases")
@require_http_methods(["GET", "POST"])
def release_edit(request: WorkspaceRequest, release_id: int) -> HttpResponse:
    found = access_release(request.user, release_id, write=True, workspace=request.workspace).obj
    return service_form_page(
        request,
        form=ReleaseForm(_bound(request), initial=ReleaseForm.initial_for(found)),
        service=release_services.release_update,
        ids={"release_id": found.pk},
        saved=redirect_saying(request, _releases_url(request, found.product), lambda result: f"Saved “{result.name}”."),
        template="backlog/plan/release_form.html",
        context={"release": found, "product": found.product, "what": "release"},
        shown=_release_shown,
    )


@workspace_page(minimum=Role.EDITOR, what="change releases")
@require_http_methods(["GET", "POST"])
def release_delete(request: WorkspaceRequest, release_id: int) -> HttpResponse:
    found = access_release(request.user, release_id, write=True, workspace=request.workspace).obj
    url = _releases_url(request, found.product)
    return service_delete_page(
        request,
        obj=found,
        service=release_services.release_delete,
        ids={"release_id": found.pk},
        deleted=redirect_saying(request, url, lambda release: f"Release “{release.name}” deleted."),
        context={"what": "release", "cancel_url": url, "consequence": "; its features stay, without a release"},
    )


# --- teams ---------------------------------------------------------------------------------------------


def _teams_url(request: WorkspaceRequest) -> str:
    return reverse("backlog:teams", kwargs={"ws": _ws(request)})


def _member_choices(request: WorkspaceRequest) -> list[tuple[int, str]]:
    return [(u.pk, u.display_name) for u in selectors.member_choices(request.workspace)]


def _team_shown(team: Team) -> list[tuple[str, object]]:
    members = ", ".join(u.display_name for u in team.members.order_by("name", "email"))
    return [("Name", team.name), ("Capacity", team.capacity), ("Members", members), ("Description", team.description)]


@workspace_page()
@require_GET
def team_list(request: WorkspaceRequest) -> HttpResponse:
    context = {
        "teams": list(selectors.teams_of(request.workspace)),
        "can_edit": can_edit_content(_role(request)),
        "section": "teams",
        "nav_active": "settings",
    }
    return render(request, "backlog/plan/team_list.html", context)


@workspace_page(minimum=Role.EDITOR, what="change teams")
@require_http_methods(["GET", "POST"])
def team_create(request: WorkspaceRequest) -> HttpResponse:
    return service_form_page(
        request,
        form=without_version(TeamForm(_bound(request), members=_member_choices(request))),
        service=team_services.team_create,
        ids={"workspace": request.workspace},
        saved=redirect_saying(request, _teams_url(request), lambda found: f"Team “{found.name}” created."),
        template="backlog/plan/team_form.html",
        context={"team": None, "what": "team"},
    )


@workspace_page(minimum=Role.EDITOR, what="change teams")
@require_http_methods(["GET", "POST"])
def team_edit(request: WorkspaceRequest, team_id: int) -> HttpResponse:
    found = access_team(request.user, team_id, write=True, workspace=request.workspace).obj
    return service_form_page(
        request,
        form=TeamForm(_bound(request), initial=TeamForm.initial_for(found), members=_member_choices(request)),
        service=team_services.team_update,
        ids={"team_id": found.pk},
        saved=redirect_saying(request, _teams_url(request), lambda result: f"Saved “{result.name}”."),
        template="backlog/plan/team_form.html",
        context={"team": found, "what": "team"},
        shown=_team_shown,
    )


@workspace_page(minimum=Role.EDITOR, what="change teams")
@require_http_methods(["GET", "POST"])
def team_delete(request: WorkspaceRequest, team_id: int) -> HttpResponse:
    found = access_team(request.user, team_id, write=True, workspace=request.workspace).obj
    url = _teams_url(request)
    return service_delete_page(
        request,
        obj=found,
        service=team_services.team_delete,
        ids={"team_id": found.pk},
        deleted=redirect_saying(request, url, lambda team: f"Team “{team.name}” deleted."),
        context={"what": "team", "cancel_url": url, "consequence": "; its features stay, without a team"},
    )


# --- backlog settings ---------------------------------------------------------------------------------------


@workspace_page()
@require_http_methods(["GET", "POST"])
def backlog_settings(request: WorkspaceRequest, slug: str) -> HttpResponse:
    access = product_access(request.user, workspace=request.workspace, slug=slug)
    if request.method == "POST" and not access.can_edit:
        raise PermissionDenied("Only an editor or admin of this workspace can change backlog settings.")
    product = access.obj
    found = selectors.backlog_settings_for(product)
    labels = dict(Framework.choices)
    here = reverse("backlog:settings", kwargs={"ws": _ws(request), "slug": product.slug})
    return service_form_page(
        request,
        form=BacklogSettingsForm(_bound(request), initial=BacklogSettingsForm.initial_for(found)),
        service=settings_services.backlog_settings_update,
        ids={"product": product},
        saved=redirect_saying(request, here, lambda _: f"Saved the backlog settings of {product.name}."),
        template="backlog/plan/backlog_settings.html",
        context={
            "product": product,
            "settings": found,
            "can_edit": access.can_edit,
            "shown_frameworks": [labels[f] for f in found.frameworks if f in labels],
            "what": "backlog settings",
        },
        shown=lambda current: [("Frameworks", ", ".join(labels.get(f, f) for f in current.frameworks))],
    )
