"""HTML pages of the core app. Thin: form → access_* → service/selector → template.
A page returns its partial when the request comes from htmx."""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Callable
from functools import wraps
from typing import Any, cast

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest, HttpResponse, HttpResponseBase, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from . import home as home_page
from . import selectors, services, throttle
from .activity import KNOWN_ACTIONS, Actor
from .errors import ApplicationError, NotFound, PermissionDenied
from .forms import (
    AcceptInvitationForm,
    ActivityFilterForm,
    EmailAuthenticationForm,
    InviteForm,
    ProductForm,
    RoleForm,
    TokenForm,
    WorkspaceForm,
    WorkspaceRenameForm,
    add_service_error,
)
from .health import check_all
from .models import Invitation, LifecycleStage, Product, Role, User
from .pages import VersionField, WorkspaceRequest, edit_page, page_of
from .permissions import (
    access_membership,
    access_pending_invitation,
    can_edit_content,
    can_manage_workspace,
    can_remove_member,
    product_access,
    require_role,
    workspace_access,
)


class ProductEditForm(ProductForm):
    """The product form of the edit page, with the hidden, required version the user read.
    (Here rather than in pmtool.forms, which pmtool.pages imports.)"""

    version = VersionField()


View = Callable[..., HttpResponseBase]


def signed_in(request: HttpRequest) -> User:
    """The signed-in user of a login_required page (typed: not an AnonymousUser)."""
    user = request.user
    if not isinstance(user, User):
        raise NotFound("Sign in first.")
    return user


def _enter(request: HttpRequest, ws: str, minimum: str, what: str) -> WorkspaceRequest:
    """`request` as a WorkspaceRequest: its workspace and the caller's role set (404/403 otherwise).
    The workspace also carries the role as `.my_role` for the pages that still read it there."""
    access = workspace_access(request.user, slug=ws, minimum=minimum, what=what)
    setattr(access.obj, "my_role", access.role)  # noqa: B010 - older readers (strategy views)
    setattr(request, "workspace", access.obj)  # noqa: B010 - typed by WorkspaceRequest
    setattr(request, "role", access.role)  # noqa: B010
    return cast(WorkspaceRequest, request)


def workspace_page(minimum: str = Role.VIEWER, what: str = "do this") -> Callable[[View], View]:
    """Resolve `<ws>` to request.workspace and request.role for a signed-in member, or 404/403."""

    def decorator(view: View) -> View:
        @login_required
        @wraps(view)
        def wrapper(request: HttpRequest, ws: str, *args: Any, **kwargs: Any) -> HttpResponseBase:
            request = _enter(request, ws, minimum, what)
            if request.session.get("workspace") != ws:
                request.session["workspace"] = ws  # remembered for "/" (written only on a switch)
            return view(request, *args, **kwargs)

        return wrapper

    return decorator


def remembered_workspace(view: View) -> View:
    """An account page (API tokens, password) keeps the shell of the workspace it was reached from:
    the one the session remembers from the last workspace page, while the user is still a member
    (else the page shows without a workspace, as before)."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        slug = request.session.get("workspace") if request.user.is_authenticated else None
        if slug and getattr(request, "workspace", None) is None:
            with contextlib.suppress(NotFound):  # no longer a member: no workspace shell
                _enter(request, slug, Role.VIEWER, "do this")
        return view(request, *args, **kwargs)

    return wrapper


# --- sign-in ------------------------------------------------------------------


class LoginView(auth_views.LoginView):
    """Django's sign-in, with failed attempts throttled per address and per IP."""

    authentication_form = EmailAuthenticationForm
    redirect_authenticated_user = True

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        email = str(request.POST.get("username", ""))[:254]
        ip = request.META.get("REMOTE_ADDR", "")
        if throttle.login_blocked(email=email, ip=ip):
            # Bound without the password, so it is not even tried while blocked.
            form = self.authentication_form(request, data={"username": email})
            form.is_valid()
            form.errors.pop("password", None)
            form.add_error(None, "Too many failed sign-ins. Wait 15 minutes, or reset your password.")
            return self.render_to_response(self.get_context_data(form=form), status=429)
        response = super().post(request, *args, **kwargs)
        if response.status_code == 302:
            throttle.login_succeeded(email=email)
        else:
            throttle.login_failed(email=email, ip=ip)
        return response


# --- home and workspaces ------------------------------------------------------


@login_required
def home(request: HttpRequest) -> HttpResponse:
    switcher = selectors.workspace_switcher(signed_in(request))
    slugs = [w["workspace__slug"] for w in switcher]
    last = request.session.get("workspace")
    if last in slugs:
        return redirect("workspace_home", ws=last)
    if len(slugs) == 1:
        return redirect("workspace_home", ws=slugs[0])
    return redirect("workspace_list")


@login_required
@require_GET
def workspace_list(request: HttpRequest) -> HttpResponse:
    workspaces = list(selectors.workspaces_for_user(signed_in(request)))
    return render(request, "pmtool/workspace_list.html", {"workspaces": workspaces})


@login_required
@require_http_methods(["GET", "POST"])
def workspace_create(request: HttpRequest) -> HttpResponse:
    form = WorkspaceForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            workspace = services.workspace_create(
                actor=Actor.from_request(request),
                name=form.cleaned_data["name"],
                slug=form.cleaned_data["slug"] or None,
            )
        except ApplicationError as exc:
            add_service_error(form, exc)
        else:
            messages.success(
                request, f"Workspace “{workspace.name}” created. Invite your team from Settings → Members."
            )
            return redirect("workspace_home", ws=workspace.slug)
    return render(request, "pmtool/workspace_form.html", {"form": form}, status=400 if form.errors else 200)


@workspace_page()
@require_GET
def workspace_home(request: WorkspaceRequest) -> HttpResponse:
    """The workspace's home: sections registered by the apps (pmtool.home), products first."""
    return render(request, "pmtool/home.html", {"sections": home_page.build(request, request.workspace)})


# --- products -----------------------------------------------------------------


@workspace_page()
@require_GET
def product_list(request: WorkspaceRequest) -> HttpResponse:
    workspace = request.workspace
    view = request.GET.get("view", "active")
    archived = {"active": False, "archived": True, "all": None}.get(view, False)
    # NUL cannot go into a PostgreSQL query (it would be a 500); nobody searches for it.
    q = request.GET.get("q", "").replace("\x00", "").strip()[:200]
    stage = request.GET.get("stage", "")
    stage = stage if stage in LifecycleStage.values else ""
    products = selectors.products_of(workspace, archived=archived, q=q or None, stage=stage or None)
    context = {
        "page": page_of(request, products),
        "view": view,
        "q": q,
        "stage": stage,
        "stages": LifecycleStage.choices,
        "can_edit": can_edit_content(request.role),
    }
    template = "pmtool/product_list.html#product-table" if request.htmx else "pmtool/product_list.html"
    return render(request, template, context)


def _product_form_page(request: HttpRequest, form: ProductForm, product: Product | None = None) -> HttpResponse:
    return render(
        request, "pmtool/product_form.html", {"form": form, "product": product}, status=400 if form.errors else 200
    )


@workspace_page(minimum=Role.EDITOR, what="create products")
@require_http_methods(["GET", "POST"])
def product_create(request: WorkspaceRequest) -> HttpResponse:
    form = ProductForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            product = services.product_create(
                actor=Actor.from_request(request),
                workspace=request.workspace,
                name=data["name"],
                slug=data["slug"] or None,
                description=data["description"],
                stage=data["stage"],
            )
        except ApplicationError as exc:
            add_service_error(form, exc)
        else:
            messages.success(request, f"Product “{product.name}” created.")
            return redirect("product_detail", ws=request.workspace.slug, slug=product.slug)
    return _product_form_page(request, form)


@workspace_page()
@require_GET
def product_detail(request: WorkspaceRequest, slug: str) -> HttpResponse:
    access = product_access(request.user, workspace=request.workspace, slug=slug)
    history = list(selectors.activity_of_object(access.obj)[:20])
    return render(
        request,
        "pmtool/product_detail.html",
        {"product": access.obj, "history": history, "can_edit": access.can_edit},
    )


def _product_shown(product: Any) -> list[tuple[str, object]]:
    """What the conflict panel lists of the product as saved now."""
    return [
        ("Name", product.name),
        ("Address", product.slug),
        ("Stage", product.get_stage_display()),
        ("Description", product.description),
    ]


@workspace_page(minimum=Role.EDITOR, what="change products")
@require_http_methods(["GET", "POST"])
def product_edit(request: WorkspaceRequest, slug: str) -> HttpResponse:
    product = product_access(request.user, workspace=request.workspace, slug=slug, write=True).obj
    initial = {
        "name": product.name,
        "slug": product.slug,
        "stage": product.stage,
        "description": product.description,
        "version": product.version,
    }

    def save(data: dict[str, Any]) -> Product:
        return services.product_update(
            actor=Actor.from_request(request),
            product=product,
            version=data["version"],
            name=data["name"],
            slug=data["slug"] or product.slug,
            description=data["description"],
            stage=data["stage"],
        )

    def saved(updated: Product) -> HttpResponse:
        messages.success(request, f"Saved “{updated.name}”.")
        return redirect("product_detail", ws=request.workspace.slug, slug=updated.slug)

    return edit_page(
        request,
        form=ProductEditForm(request.POST or None, initial=initial),
        template="pmtool/product_form.html",
        context={"product": product},
        save=save,
        saved=saved,
        shown=_product_shown,
    )


@workspace_page(minimum=Role.EDITOR, what="archive products")
@require_POST
def product_archive(request: WorkspaceRequest, slug: str) -> HttpResponse:
    product = product_access(request.user, workspace=request.workspace, slug=slug, write=True).obj
    services.product_archive(actor=Actor.from_request(request), product=product)
    messages.success(request, f"“{product.name}” archived. It stays readable under Archived and can be restored.")
    return redirect("product_list", ws=request.workspace.slug)


@workspace_page(minimum=Role.EDITOR, what="restore products")
@require_POST
def product_restore(request: WorkspaceRequest, slug: str) -> HttpResponse:
    product = product_access(request.user, workspace=request.workspace, slug=slug, write=True).obj
    services.product_restore(actor=Actor.from_request(request), product=product)
    messages.success(request, f"“{product.name}” restored.")
    return redirect("product_detail", ws=request.workspace.slug, slug=product.slug)


# --- activity -----------------------------------------------------------------


@workspace_page()
@require_GET
def activity(request: WorkspaceRequest) -> HttpResponse:
    workspace = request.workspace
    members = selectors.members_of(workspace)
    actors = [(m.user_id, m.user.display_name) for m in members]
    products = list(selectors.products_of(workspace, archived=None).values_list("id", "name")[:500])
    form = ActivityFilterForm(
        request.GET or None,
        actors=actors,
        products=products,
        actions=KNOWN_ACTIONS,
        kinds=selectors.activity_kinds(workspace),
    )
    filters = form.cleaned_data if form.is_bound and form.is_valid() else {}
    invalid = form.is_bound and bool(form.errors)
    events = selectors.activity_of_workspace(
        workspace,
        actor_id=filters.get("actor"),
        action=filters.get("action") or None,
        kind=filters.get("kind") or None,
        product_id=filters.get("product"),
        since=filters.get("since"),
        until=filters.get("until"),
    )
    if invalid:  # never show unfiltered events under filters the user believes are applied
        events = events.none()
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "pmtool/activity.html",
        {"form": form, "page": page_of(request, events), "query": query.urlencode()},
        status=400 if form.is_bound and form.errors else 200,
    )


# --- workspace settings -------------------------------------------------------


@workspace_page()
@require_http_methods(["GET", "POST"])
def settings_general(request: WorkspaceRequest) -> HttpResponse:
    workspace = request.workspace
    form = WorkspaceRenameForm(request.POST or None, initial={"name": workspace.name})
    if request.method == "POST":
        require_role(request.role, Role.ADMIN, "rename the workspace")
        if form.is_valid():
            try:
                services.workspace_update(
                    actor=Actor.from_request(request), workspace=workspace, name=form.cleaned_data["name"]
                )
            except ApplicationError as exc:
                add_service_error(form, exc)
            else:
                messages.success(request, "Workspace renamed.")
                return redirect("settings_general", ws=workspace.slug)
    return render(
        request,
        "pmtool/settings_general.html",
        {"form": form, "can_manage": can_manage_workspace(request.role), "section": "general"},
        status=400 if form.errors else 200,
    )


@workspace_page()
@require_http_methods(["GET", "POST"])
def settings_members(request: WorkspaceRequest) -> HttpResponse:
    workspace = request.workspace
    can_manage = can_manage_workspace(request.role)
    form = InviteForm(request.POST or None)
    if request.method == "POST":
        require_role(request.role, Role.ADMIN, "invite people")
        if form.is_valid():
            try:
                invitation = services.invitation_create(
                    actor=Actor.from_request(request),
                    workspace=workspace,
                    email=form.cleaned_data["email"],
                    role=form.cleaned_data["role"],
                )
            except ApplicationError as exc:
                add_service_error(form, exc)
            else:
                messages.success(request, f"Invitation sent to {invitation.email}.")
                return redirect("settings_members", ws=workspace.slug)
    members = list(selectors.members_of(workspace))
    admin_count = sum(1 for m in members if m.role == Role.ADMIN)
    return render(
        request,
        "pmtool/settings_members.html",
        {
            "members": members,
            "admin_count": admin_count,
            "invitations": list(selectors.invitations_pending(workspace)) if can_manage else [],
            "form": form,
            "can_manage": can_manage,
            "roles": Role.choices,
            "section": "members",
        },
        status=400 if form.errors else 200,
    )


@workspace_page(minimum=Role.ADMIN, what="change roles")
@require_POST
def member_role(request: WorkspaceRequest, membership_id: int) -> HttpResponse:
    workspace = request.workspace
    membership = access_membership(request.user, membership_id, workspace=workspace)
    form = RoleForm(request.POST)
    error = None
    if form.is_valid():
        try:
            membership = services.membership_change_role(
                actor=Actor.from_request(request), membership=membership, role=form.cleaned_data["role"]
            )
        except ApplicationError as exc:
            error = exc.message
    else:
        error = "Choose a role: admin, editor or viewer."
    if request.htmx:
        membership.refresh_from_db()
        admin_count = selectors.members_of(workspace).filter(role=Role.ADMIN).count()
        return render(
            request,
            "pmtool/settings_members.html#member-row",
            {
                "m": membership,
                "roles": Role.choices,
                "can_manage": True,
                "row_error": error,
                "row_saved": error is None,
                "admin_count": admin_count,
            },
            status=409 if error else 200,
        )
    if error:
        messages.error(request, error)
    else:
        messages.success(request, f"{membership.user.display_name} is now {membership.get_role_display().lower()}.")
    return redirect("settings_members", ws=workspace.slug)


@workspace_page()
@require_POST
def member_remove(request: WorkspaceRequest, membership_id: int) -> HttpResponse:
    workspace = request.workspace
    membership = access_membership(request.user, membership_id, workspace=workspace)
    leaving = membership.user_id == request.user.pk
    if not can_remove_member(selectors.membership_of(workspace, request.user), membership):
        raise PermissionDenied("Only an admin of this workspace can remove members.")
    try:
        services.membership_remove(actor=Actor.from_request(request), membership=membership)
    except ApplicationError as exc:
        messages.error(request, exc.message)
        return redirect("settings_members", ws=workspace.slug)
    if leaving:
        request.session.pop("workspace", None)
        messages.success(request, f"You left {workspace.name}.")
        return redirect("home")
    messages.success(request, f"{membership.user.display_name} was removed from the workspace.")
    return redirect("settings_members", ws=workspace.slug)


def _on_pending_invitation(
    request: WorkspaceRequest,
    invitation_id: int,
    act: Callable[..., Invitation],
    done: str,
    gone: str,
) -> HttpResponse:
    """Apply `act` (a service) to a pending invitation and say so (`done` names its e-mail), or say
    `gone` when it is no longer pending; back to the members page either way."""
    try:
        invitation = access_pending_invitation(invitation_id, workspace=request.workspace)
    except NotFound:
        messages.error(request, gone)
    else:
        act(actor=Actor.from_request(request), invitation=invitation)
        messages.success(request, done.format(email=invitation.email))
    return redirect("settings_members", ws=request.workspace.slug)


@workspace_page(minimum=Role.ADMIN, what="revoke invitations")
@require_POST
def invitation_revoke(request: WorkspaceRequest, invitation_id: int) -> HttpResponse:
    return _on_pending_invitation(
        request,
        invitation_id,
        services.invitation_revoke,
        done="Invitation of {email} revoked.",
        gone="That invitation is no longer pending.",
    )


@workspace_page(minimum=Role.ADMIN, what="re-send invitations")
@require_POST
def invitation_resend(request: WorkspaceRequest, invitation_id: int) -> HttpResponse:
    return _on_pending_invitation(
        request,
        invitation_id,
        services.invitation_resend,
        done="Invitation sent to {email} again; it is valid for another period.",
        gone="That invitation is no longer pending: invite the person again.",
    )


# --- invitations (public link) ------------------------------------------------


@never_cache
@require_http_methods(["GET", "POST"])
def invitation_accept(request: HttpRequest, token: str) -> HttpResponse:
    try:
        invitation = services.invitation_from_token(token)
    except ApplicationError as exc:
        return render(request, "pmtool/invitation_invalid.html", {"message": exc.message}, status=404)
    has_account = User.objects.filter(email__iexact=invitation.email).exists()
    context: dict[str, Any] = {"invitation": invitation, "has_account": has_account}
    if request.user.is_authenticated:
        if request.method == "POST":
            try:
                membership = services.invitation_accept(invitation=invitation, user=request.user)
            except ApplicationError as exc:
                messages.error(request, exc.message)
                return redirect(request.path)
            messages.success(request, f"Welcome to {membership.workspace.name}.")
            return redirect("workspace_home", ws=membership.workspace.slug)
        return render(request, "pmtool/invitation_accept.html", context)
    if has_account:
        login_url = f"{reverse('login')}?next={request.path}"
        return render(request, "pmtool/invitation_accept.html", {**context, "login_url": login_url})
    form = AcceptInvitationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            user, membership = services.invitation_accept_new_user(
                invitation=invitation, name=form.cleaned_data["name"], password=form.cleaned_data["password1"]
            )
        except ApplicationError as exc:
            add_service_error(form, exc)
            if "password" in exc.fields:
                form.add_error("password1", exc.fields["password"])
        else:
            login(request, user, backend="django.contrib.auth.backends.ModelBackend")
            messages.success(request, f"Welcome to {membership.workspace.name}, {user.display_name}.")
            return redirect("workspace_home", ws=membership.workspace.slug)
    return render(
        request, "pmtool/invitation_accept.html", {**context, "form": form}, status=400 if form.errors else 200
    )


# --- personal API tokens ------------------------------------------------------


@login_required
@remembered_workspace
@require_http_methods(["GET", "POST"])
def tokens(request: HttpRequest) -> HttpResponse:
    form = TokenForm(request.POST or None)
    created_secret = None
    if request.method == "POST" and form.is_valid():
        days = form.cleaned_data["expires_in"]
        expires_at = timezone.now() + dt.timedelta(days=int(days)) if days else None
        try:
            _token, created_secret = services.api_token_create(
                user=signed_in(request),
                name=form.cleaned_data["name"],
                scope=form.cleaned_data["scope"],
                expires_at=expires_at,
            )
        except ApplicationError as exc:
            add_service_error(form, exc)
        else:
            form = TokenForm()
    response = render(
        request,
        "pmtool/tokens.html",
        {"form": form, "tokens": list(selectors.api_tokens_of(signed_in(request))), "created_secret": created_secret},
        status=400 if form.errors else 200,
    )
    response["Cache-Control"] = "no-store"
    return response


@login_required
@require_POST
def token_revoke(request: HttpRequest, token_id: int) -> HttpResponse:
    try:
        token = services.api_token_revoke(user=signed_in(request), token_id=token_id)
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, f"Token “{token.name}” revoked: it no longer works.")
    return redirect("tokens")


# --- sections not built yet ---------------------------------------------------


def section_pending(section: str, blurb: str) -> Callable:
    """A page for a section whose issue has not been built yet: says so, no fake content."""

    @workspace_page()
    @require_GET
    def view(request: HttpRequest) -> HttpResponse:
        return render(
            request, "pmtool/section_pending.html", {"section": section, "blurb": blurb, "nav_active": section.lower()}
        )

    view.__name__ = f"{section.lower()}_pending"
    return view


# --- health and errors --------------------------------------------------------


@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    """Database, Redis and worker status as JSON; 503 when the database or a configured Redis is down."""
    report = check_all()
    return JsonResponse(report, status=200 if report["status"] == "ok" else 503)


def _wants_json(request: HttpRequest) -> bool:
    return request.path.startswith("/api/")


def error_page(request: HttpRequest, status: int, code: str, title: str, message: str) -> HttpResponse:
    if _wants_json(request):
        return JsonResponse({"error": {"code": code, "message": message, "fields": {}}}, status=status)
    return render(request, "error.html", {"status": status, "title": title, "message": message}, status=status)


def error_400(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    if isinstance(exception, RequestDataTooBig):  # past DATA_UPLOAD_MAX_MEMORY_SIZE
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        return error_page(
            request, 413, "too_large", "Too large", f"The request body is too large: at most {limit:,} bytes."
        )
    return error_page(request, 400, "bad_request", "Bad request", "The request could not be understood.")


def error_403(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    message = (
        str(exception) if isinstance(exception, ApplicationError) else "You do not have permission to do that here."
    )
    return error_page(request, 403, "permission_denied", "Not allowed", message)


def error_404(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return error_page(request, 404, "not_found", "Not found", "There is nothing here, or you do not have access to it.")


def error_500(request: HttpRequest) -> HttpResponse:
    return error_page(
        request,
        500,
        "server_error",
        "Something went wrong",
        "We could not complete that. The error was logged; please try again.",
    )


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    return error_page(
        request,
        403,
        "csrf_failed",
        "Form expired",
        "This form expired or came from elsewhere. Go back, reload the page and submit again.",
    )
