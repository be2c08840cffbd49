"""Who may do what. One module, used by pages and API alike.

Predicates are pure functions of a role. `access_*` fetch an object and
authorise in one call (the object carries the caller's role as `.my_role`):
an object outside the user's workspaces is NotFound, never PermissionDenied,
so existence is not leaked.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from django.db import models
from django.db.models import OuterRef, Subquery

from .errors import NotFound, PermissionDenied
from .models import Invitation, Membership, Product, Role, Workspace
from .selectors import invitations_pending

ROLE_RANK = {Role.VIEWER: 1, Role.EDITOR: 2, Role.ADMIN: 3}

M = TypeVar("M", bound=models.Model)


def role_at_least(role: str | None, minimum: str) -> bool:
    return role is not None and ROLE_RANK.get(role, 0) >= ROLE_RANK[minimum]


def can_view_workspace(role: str | None) -> bool:
    return role_at_least(role, Role.VIEWER)


def can_edit_content(role: str | None) -> bool:
    """Create and change products (and, later, features, roadmaps, feedback)."""
    return role_at_least(role, Role.EDITOR)


def can_manage_workspace(role: str | None) -> bool:
    """Rename the workspace, invite, change roles, remove members."""
    return role_at_least(role, Role.ADMIN)


def can_edit_product(user: Any, product: Product) -> bool:
    return can_edit_content(_role_on(user, product))


def _role_on(user: Any, obj: Any) -> str | None:
    role = getattr(obj, "my_role", None)
    if role is not None or not getattr(user, "is_authenticated", False):
        return role
    workspace_id = obj.id if isinstance(obj, Workspace) else obj.workspace_id
    return Membership.objects.filter(user=user, workspace_id=workspace_id).values_list("role", flat=True).first()


def member_role(user: Any, workspace_ref: str) -> Subquery:
    """The caller's role in the workspace whose id is at `workspace_ref` (an annotation; NULL = not a member)."""
    return Subquery(Membership.objects.filter(workspace_id=OuterRef(workspace_ref), user_id=user.pk).values("role")[:1])


def require_role(role: str | None, minimum: str, what: str) -> None:
    """PermissionDenied unless `role` (an object's `.my_role`) is at least `minimum`."""
    if not role_at_least(role, minimum):
        needed = "an admin" if minimum == Role.ADMIN else "an editor or admin"
        raise PermissionDenied(f"Only {needed} of this workspace can {what}.")


def access_workspace(
    user: Any,
    *,
    slug: str | None = None,
    workspace_id: int | None = None,
    minimum: str = Role.VIEWER,
    what: str = "do this",
) -> Workspace:
    """The workspace, with `.my_role`, if `user` is a member with at least `minimum`."""
    if not getattr(user, "is_authenticated", False):
        raise NotFound("Workspace not found.")
    lookup = {"slug": slug} if slug is not None else {"pk": workspace_id}
    workspace = (
        Workspace.objects.filter(**lookup)
        .annotate(my_role=member_role(user, "pk"))
        .filter(my_role__isnull=False)
        .first()
    )
    if workspace is None:
        raise NotFound("Workspace not found.")
    require_role(workspace.my_role, minimum, what)
    return workspace


def access_product(
    user: Any,
    product_id: int | None = None,
    *,
    workspace: Workspace | None = None,
    slug: str | None = None,
    write: bool = False,
) -> Product:
    """The product, with `.my_role` and its workspace, if `user` may read (or write) it."""
    if not getattr(user, "is_authenticated", False):
        raise NotFound("Product not found.")
    qs = Product.objects.select_related("workspace")
    if workspace is not None:
        qs = qs.filter(workspace=workspace)
    qs = qs.filter(pk=product_id) if product_id is not None else qs.filter(slug=slug)
    product = qs.annotate(my_role=member_role(user, "workspace_id")).filter(my_role__isnull=False).first()
    if product is None:
        raise NotFound("Product not found.")
    product.workspace.my_role = product.my_role
    if write:
        require_role(product.my_role, Role.EDITOR, "change products")
    return product


def access_membership(user: Any, membership_id: int, *, workspace: Workspace) -> Membership:
    """A membership of `workspace` (whose access the caller has already checked)."""
    membership = Membership.objects.select_related("user").filter(pk=membership_id, workspace=workspace).first()
    if membership is None:
        raise NotFound("Member not found.")
    return membership


def access_pending_invitation(invitation_id: int, *, workspace: Workspace) -> Invitation:
    """A pending invitation of `workspace` (whose access the caller has already checked)."""
    invitation = invitations_pending(workspace).filter(pk=invitation_id).first()
    if invitation is None:
        raise NotFound("Invitation not found.")
    return invitation


def can_remove_member(actor_membership: Membership | None, membership: Membership) -> bool:
    """You may leave a workspace yourself; otherwise only an admin removes a member."""
    if actor_membership is None or actor_membership.workspace_id != membership.workspace_id:
        return False
    return actor_membership.user_id == membership.user_id or actor_membership.role == Role.ADMIN


@dataclass(frozen=True)
class Access(Generic[M]):
    """An object the caller may see, with the caller's role in its workspace."""

    obj: M
    role: Role

    @property
    def can_edit(self) -> bool:
        return can_edit_content(self.role)

    @property
    def can_manage(self) -> bool:
        return can_manage_workspace(self.role)


_ROLE_ALIAS = "_access_role"


def access_object(
    user: Any,
    queryset: models.QuerySet[M],
    pk: int,
    *,
    what: str,
    workspace_field: str = "workspace_id",
    write: bool = False,
    action: str | None = None,
) -> Access[M]:
    """Fetch-and-authorise in one query: the row `pk` of `queryset` and the caller's role.

    A missing id and an object outside the caller's workspaces are the same NotFound ("Persona not
    found."), so existence is not leaked; `write=True` needs an editor or admin (PermissionDenied,
    "Only an editor or admin of this workspace can change personas." with action="change personas").
    `workspace_field` is the path to the workspace id, e.g. "goal__workspace_id" for a key result."""
    missing = NotFound(f"{what[:1].upper()}{what[1:]} not found.")
    if not getattr(user, "is_authenticated", False):
        raise missing
    obj = (
        queryset.filter(pk=pk)
        .annotate(**{_ROLE_ALIAS: member_role(user, workspace_field)})
        .filter(**{f"{_ROLE_ALIAS}__isnull": False})
        .first()
    )
    if obj is None:
        raise missing
    role = Role(obj.__dict__.pop(_ROLE_ALIAS))
    if write:
        require_role(role, Role.EDITOR, action or f"change this {what}")
    return Access(obj=obj, role=role)
