"""Who may do what. One module, used by pages and API alike.

Predicates are pure functions of a role. Fetch-and-authorise is one call: `access_object` (and the
`*_access` helpers built on it) returns `Access(obj, role)`, the caller's role as a typed value. An
object outside the user's workspaces is NotFound, never PermissionDenied, so existence is not leaked.

`access_workspace` / `access_product` are the older forms: the same lookups, returning the object
with the role copied onto it as `.my_role`, for the strategy modules and templates that still read
it (to be removed once they use the `*_access` forms).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Generic, TypeVar, cast

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db import connection, models
from django.db.models import OuterRef, Subquery

from .errors import NotFound, PermissionDenied
from .models import Invitation, Membership, Product, Role, Workspace
from .rawrows import select_list, split_row
from .selectors import invitations_pending

AnyUser = AbstractBaseUser | AnonymousUser
ROLE_RANK: dict[str, int] = {Role.VIEWER: 1, Role.EDITOR: 2, Role.ADMIN: 3}

M = TypeVar("M", bound=models.Model)
W = TypeVar("W", Workspace, Product)


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


def can_edit_product(user: AnyUser, product: Product) -> bool:
    return can_edit_content(_role_on(user, product))


def _role_on(user: AnyUser, obj: Product | Workspace) -> str | None:
    """The role `access_product`/`access_workspace` copied onto `obj`, else one query."""
    role = obj.__dict__.get("my_role")
    if role is not None or not user.is_authenticated or user.pk is None:
        return None if role is None else str(role)
    workspace_id = obj.pk if isinstance(obj, Workspace) else obj.workspace_id
    found: str | None = (
        Membership.objects.filter(user_id=user.pk, workspace_id=workspace_id).values_list("role", flat=True).first()
    )
    return found


def member_role(user: AnyUser, workspace_ref: str) -> Subquery:
    """The caller's role in the workspace whose id is at `workspace_ref` (an annotation; NULL = not a member)."""
    user_id = cast(int, user.pk)  # None for an anonymous user: `user_id = NULL` matches no row
    return Subquery(Membership.objects.filter(workspace_id=OuterRef(workspace_ref), user_id=user_id).values("role")[:1])


def require_role(role: str | None, minimum: str, what: str) -> None:
    """PermissionDenied unless `role` (the caller's, e.g. `Access.role`) is at least `minimum`."""
    if not role_at_least(role, minimum):
        needed = "an admin" if minimum == Role.ADMIN else "an editor or admin"
        raise PermissionDenied(f"Only {needed} of this workspace can {what}.")


def access_membership(user: AnyUser, membership_id: int, *, workspace: Workspace) -> Membership:
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


def _not_found(what: str) -> NotFound:
    return NotFound(f"{what[:1].upper()}{what[1:]} not found.")


def _access_first(
    user: AnyUser,
    queryset: models.QuerySet[M],
    *,
    what: str,
    workspace_field: str,
    minimum: str = Role.VIEWER,
    action: str | None = None,
) -> Access[M]:
    """The first row of `queryset` in one of the caller's workspaces, with the caller's role;
    NotFound when there is none, PermissionDenied when the role is below `minimum`."""
    if not user.is_authenticated:
        raise _not_found(what)
    obj = (
        queryset.annotate(**{_ROLE_ALIAS: member_role(user, workspace_field)})
        .filter(**{f"{_ROLE_ALIAS}__isnull": False})
        .first()
    )
    if obj is None:
        raise _not_found(what)
    role = Role(obj.__dict__.pop(_ROLE_ALIAS))
    if minimum != Role.VIEWER:
        require_role(role, minimum, action or f"change this {what}")
    return Access(obj=obj, role=role)


def access_object(
    user: AnyUser,
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
    return _access_first(
        user,
        queryset.filter(pk=pk),
        what=what,
        workspace_field=workspace_field,
        minimum=Role.EDITOR if write else Role.VIEWER,
        action=action,
    )


def workspace_access(
    user: AnyUser,
    *,
    slug: str | None = None,
    workspace_id: int | None = None,
    minimum: str = Role.VIEWER,
    what: str = "do this",
) -> Access[Workspace]:
    """The workspace (by slug or id) and the caller's role, if the caller is a member with at least
    `minimum` ("Only an admin of this workspace can {what}." otherwise)."""
    if slug is not None:
        return _workspace_by_slug(user, slug, minimum=minimum, action=what)
    by_id = Workspace.objects.filter(pk=workspace_id) if workspace_id is not None else Workspace.objects.none()
    return _access_first(user, by_id, what="workspace", workspace_field="pk", minimum=minimum, action=what)


def product_access(
    user: AnyUser,
    product_id: int | None = None,
    *,
    workspace: Workspace | None = None,
    slug: str | None = None,
    write: bool = False,
    action: str = "change products",
) -> Access[Product]:
    """The product (by id, or by slug inside `workspace`), its workspace loaded, and the caller's
    role; `write=True` needs an editor or admin ("Only an editor or admin of this workspace can
    <action>." for a viewer)."""
    minimum = Role.EDITOR if write else Role.VIEWER
    if product_id is not None and workspace is None and slug is None:
        return _product_by_id(user, product_id, minimum=minimum, action=action)
    if product_id is None and workspace is not None and slug is not None:
        return _product_by_slug(user, workspace, slug, minimum=minimum, action=action)
    queryset = Product.objects.select_related("workspace")
    if workspace is not None:
        queryset = queryset.filter(workspace=workspace)
    queryset = queryset.filter(pk=product_id) if product_id is not None else queryset.filter(slug=slug)
    return _access_first(user, queryset, what="product", workspace_field="workspace_id", minimum=minimum, action=action)


BIGINT_LIMIT = 2**63


# The same answer as the ORM form of product_access by id (the product, its workspace, the caller's
# role), as one fixed statement: the ORM took ~2 ms to build and compile it on every API request
# (~0.3 ms to run). Membership is unique per (workspace, user), so the join gives at most one row.
# By slug inside a workspace (every product page) and the workspace by slug (every workspace page)
# are the same kind of statement; a (workspace, slug) names one product, a slug one workspace.
_PRODUCT_SQL = (
    f"SELECT {select_list(Product, 'p')}, {select_list(Workspace, 'w')}, m.role"  # noqa: S608 - model metadata
    f' FROM "{Product._meta.db_table}" p JOIN "{Workspace._meta.db_table}" w ON w.id = p.workspace_id'
    f' JOIN "{Membership._meta.db_table}" m ON m.workspace_id = p.workspace_id AND m.user_id = %s'
)
_PRODUCT_BY_ID_SQL = _PRODUCT_SQL + " WHERE p.id = %s"
_PRODUCT_BY_SLUG_SQL = _PRODUCT_SQL + " WHERE p.workspace_id = %s AND p.slug = %s"
_WORKSPACE_BY_SLUG_SQL = (
    f"SELECT {select_list(Workspace, 'w')}, m.role"  # noqa: S608 - model metadata
    f' FROM "{Workspace._meta.db_table}" w'
    f' JOIN "{Membership._meta.db_table}" m ON m.workspace_id = w.id AND m.user_id = %s'
    " WHERE w.slug = %s"
)


def _product_by_id(user: AnyUser, product_id: int, *, minimum: str, action: str) -> Access[Product]:
    """product_access by id alone, in one hand-written statement (see _PRODUCT_BY_ID_SQL)."""
    if not user.is_authenticated or not 0 < product_id < BIGINT_LIMIT:  # out of range: no such row, as in the ORM
        raise _not_found("product")
    return _product_row(_PRODUCT_BY_ID_SQL, [user.pk, product_id], minimum=minimum, action=action)


def _product_by_slug(user: AnyUser, workspace: Workspace, slug: str, *, minimum: str, action: str) -> Access[Product]:
    """product_access by slug inside `workspace`, in one hand-written statement (_PRODUCT_BY_SLUG_SQL)."""
    if not user.is_authenticated:
        raise _not_found("product")
    return _product_row(_PRODUCT_BY_SLUG_SQL, [user.pk, workspace.pk, slug], minimum=minimum, action=action)


def _workspace_by_slug(user: AnyUser, slug: str, *, minimum: str, action: str) -> Access[Workspace]:
    """workspace_access by slug, in one hand-written statement (_WORKSPACE_BY_SLUG_SQL)."""
    if not user.is_authenticated:
        raise _not_found("workspace")
    with connection.cursor() as cursor:
        cursor.execute(_WORKSPACE_BY_SLUG_SQL, [user.pk, slug])
        row = cursor.fetchone()
    if row is None:
        raise _not_found("workspace")
    (workspace,), (role_value,) = split_row(row, Workspace)
    role = Role(role_value)
    if minimum != Role.VIEWER:
        require_role(role, minimum, action)
    return Access(obj=cast(Workspace, workspace), role=role)


def _product_row(sql: str, params: list[int | str | None], *, minimum: str, action: str) -> Access[Product]:
    """The product, its workspace and the caller's role read by `sql` (one of the _PRODUCT_SQL forms)."""
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        row = cursor.fetchone()
    if row is None:
        raise _not_found("product")
    (found, workspace), (role_value,) = split_row(row, Product, Workspace)
    product = cast(Product, found)
    Product.workspace.field.set_cached_value(product, workspace)
    role = Role(role_value)
    if minimum != Role.VIEWER:
        require_role(role, minimum, action)
    return Access(obj=product, role=role)


def _with_my_role(obj: W, role: Role) -> W:
    setattr(obj, "my_role", role)  # noqa: B010 - the older access_* forms' attribute, for its readers
    return obj


def access_workspace(
    user: AnyUser,
    *,
    slug: str | None = None,
    workspace_id: int | None = None,
    minimum: str = Role.VIEWER,
    what: str = "do this",
) -> Workspace:
    """Older form of `workspace_access`: the workspace with the role as `.my_role`."""
    access = workspace_access(user, slug=slug, workspace_id=workspace_id, minimum=minimum, what=what)
    return _with_my_role(access.obj, access.role)


def access_product(
    user: AnyUser,
    product_id: int | None = None,
    *,
    workspace: Workspace | None = None,
    slug: str | None = None,
    write: bool = False,
) -> Product:
    """Older form of `product_access`: the product and its workspace with the role as `.my_role`."""
    access = product_access(user, product_id, workspace=workspace, slug=slug, write=write)
    _with_my_role(access.obj.workspace, access.role)
    return _with_my_role(access.obj, access.role)
