"""Fetch-and-authorise for backlog objects, on pmtool.permissions.access_object.

Each `access_*` returns Access(obj, role) if the caller is a member of the object's workspace
(NotFound otherwise, never PermissionDenied: existence is not leaked) and raises PermissionDenied
for a write by a viewer. Pass `workspace` to keep a page's lookup inside the workspace of its URL.
"""

from __future__ import annotations

from typing import TypeVar

from django.db import connection
from django.db.models import Model, QuerySet

from pmtool.errors import NotFound
from pmtool.models import Membership, Product, Role, Workspace
from pmtool.permissions import BIGINT_LIMIT, Access, AnyUser, access_object, require_role

from .models import Feature, FeatureStatus, Release, SavedView, ScorecardCriterion, Tag, Team

M = TypeVar("M", bound=Model)

_BY_PRODUCT = "product__workspace_id"


def _in_workspace(queryset: QuerySet[M], workspace_field: str, workspace: Workspace | None) -> QuerySet[M]:
    return queryset if workspace is None else queryset.filter(**{workspace_field: workspace.pk})


def access_feature(
    user: AnyUser, feature_id: int, *, write: bool = False, workspace: Workspace | None = None
) -> Access[Feature]:
    """A feature (product, workspace, status loaded) and the caller's role."""
    qs = Feature.objects.select_related("product__workspace", "status")
    return access_object(
        user, _in_workspace(qs, _BY_PRODUCT, workspace), feature_id, what="feature",
        workspace_field=_BY_PRODUCT, write=write, action="change features",
    )  # fmt: skip


# A feature's product and the caller's role, as one fixed statement (the move's access check: the ORM
# form with its related rows took ~2 ms to build and compile per request, ~0.2 ms to run).
_FEATURE_PLACE_SQL = (
    f'SELECT f.product_id, m.role FROM "{Feature._meta.db_table}" f'  # noqa: S608 - table names from models
    f' JOIN "{Product._meta.db_table}" p ON p.id = f.product_id'
    f' JOIN "{Membership._meta.db_table}" m ON m.workspace_id = p.workspace_id AND m.user_id = %s'
    " WHERE f.id = %s"
)


def access_feature_place(user: AnyUser, feature_id: int, *, write: bool = False) -> Access[Feature]:
    """access_feature for a caller that needs only where the feature is (a move): the same NotFound
    and PermissionDenied, but the Feature has only `id` and `product_id` loaded (nothing related)."""
    row = None
    if user.is_authenticated and 0 < feature_id < BIGINT_LIMIT:  # out of range: no such row, as in the ORM
        with connection.cursor() as cursor:
            cursor.execute(_FEATURE_PLACE_SQL, [user.pk, feature_id])
            row = cursor.fetchone()
    if row is None:
        raise NotFound("Feature not found.")
    role = Role(row[1])
    if write:
        require_role(role, Role.EDITOR, "change features")
    return Access(obj=Feature.from_db(connection.alias, ["id", "product_id"], (feature_id, row[0])), role=role)


def access_release(
    user: AnyUser, release_id: int, *, write: bool = False, workspace: Workspace | None = None
) -> Access[Release]:
    """A release (product and workspace loaded) and the caller's role."""
    qs = Release.objects.select_related("product__workspace")
    return access_object(
        user, _in_workspace(qs, _BY_PRODUCT, workspace), release_id, what="release",
        workspace_field=_BY_PRODUCT, write=write, action="change releases",
    )  # fmt: skip


def access_team(
    user: AnyUser, team_id: int, *, write: bool = False, workspace: Workspace | None = None
) -> Access[Team]:
    """A team (workspace loaded) and the caller's role."""
    qs = Team.objects.select_related("workspace")
    return access_object(
        user, _in_workspace(qs, "workspace_id", workspace), team_id, what="team",
        write=write, action="change teams",
    )  # fmt: skip


def access_tag(user: AnyUser, tag_id: int, *, write: bool = False, workspace: Workspace | None = None) -> Access[Tag]:
    """A tag (workspace loaded) and the caller's role; changing tags needs an editor, as teams do."""
    qs = Tag.objects.select_related("workspace")
    return access_object(
        user, _in_workspace(qs, "workspace_id", workspace), tag_id, what="tag",
        write=write, action="change tags",
    )  # fmt: skip


def access_status(
    user: AnyUser, status_id: int, *, write: bool = False, workspace: Workspace | None = None
) -> Access[FeatureStatus]:
    """A feature status (workspace loaded) and the caller's role; changing statuses needs an admin
    when `write` (they are the workspace's vocabulary, as its members are)."""
    qs = FeatureStatus.objects.select_related("workspace")
    access = access_object(user, _in_workspace(qs, "workspace_id", workspace), status_id, what="status")
    if write:
        require_role(access.role, Role.ADMIN, "change statuses")
    return access


def access_criterion(
    user: AnyUser, criterion_id: int, *, write: bool = False, workspace: Workspace | None = None
) -> Access[ScorecardCriterion]:
    """A scorecard criterion (product and workspace loaded) and the caller's role."""
    qs = ScorecardCriterion.objects.select_related("product__workspace")
    return access_object(
        user, _in_workspace(qs, _BY_PRODUCT, workspace), criterion_id, what="criterion",
        workspace_field=_BY_PRODUCT, write=write, action="change the scorecard",
    )  # fmt: skip


def access_saved_view(
    user: AnyUser, view_id: int, *, write: bool = False, workspace: Workspace | None = None
) -> Access[SavedView]:
    """A saved view the caller may see: their own, or one shared with the workspace (NotFound for
    another person's personal view). Writing needs an editor, and only the owner changes a view."""
    qs = SavedView.objects.select_related("product__workspace", "owner")
    if user.is_authenticated:
        qs = qs.filter(owner_id=user.pk) if write else qs.filter(owner_id=user.pk) | qs.filter(shared=True)
    return access_object(
        user, _in_workspace(qs, _BY_PRODUCT, workspace), view_id, what="saved view",
        workspace_field=_BY_PRODUCT, write=write, action="change saved views",
    )  # fmt: skip
