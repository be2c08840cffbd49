"""Fetch-and-authorise for strategy objects (after pmtool.permissions.access_product).

Each `access_*` returns the object with the caller's role as `.my_role` if the caller is a
member of its workspace (NotFound otherwise, never PermissionDenied: existence is not leaked),
and raises PermissionDenied for a write by a viewer. Pass `workspace` to keep a page lookup
inside the workspace of its URL.

access_goal, access_key_result and access_initiative are built on pmtool.permissions.access_object:
they return Access(obj, role) instead.
"""

from __future__ import annotations

from typing import Any, TypeVar

from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.auth.models import AnonymousUser
from django.db.models import Model, QuerySet

from pmtool.errors import NotFound
from pmtool.models import Workspace
from pmtool.permissions import Access, access_object

from .models import Competitor, Goal, Initiative, KeyResult, Metric, MetricSample, Persona

M = TypeVar("M", bound=Model)


def _in_workspace(queryset: QuerySet[M], workspace_field: str, workspace: Workspace | None) -> QuerySet[M]:
    """`queryset`, kept inside the workspace of a page's URL when one is given."""
    return queryset if workspace is None else queryset.filter(**{workspace_field: workspace.pk})


def access_goal(user: Any, goal_id: int, *, write: bool = False, workspace: Workspace | None = None) -> Access[Goal]:
    """A goal (workspace, product, owner and parent loaded) and the caller's role."""
    qs = Goal.objects.select_related("workspace", "product", "owner", "parent")
    return access_object(
        user, _in_workspace(qs, "workspace_id", workspace), goal_id, what="goal", write=write, action="change goals"
    )


def access_key_result(
    user: Any, key_result_id: int, *, write: bool = False, workspace: Workspace | None = None
) -> Access[KeyResult]:
    """A key result (its goal, the goal's workspace and product, its metric loaded) and the caller's role."""
    qs = KeyResult.objects.select_related("goal__workspace", "goal__product", "metric")
    return access_object(
        user,
        _in_workspace(qs, "goal__workspace_id", workspace),
        key_result_id,
        what="key result",
        workspace_field="goal__workspace_id",
        write=write,
        action="change key results",
    )


def access_initiative(
    user: Any, initiative_id: int, *, write: bool = False, workspace: Workspace | None = None
) -> Access[Initiative]:
    """An initiative (workspace and product loaded) and the caller's role."""
    qs = Initiative.objects.select_related("workspace", "product")
    return access_object(
        user,
        _in_workspace(qs, "workspace_id", workspace),
        initiative_id,
        what="initiative",
        write=write,
        action="change initiatives",
    )


def access_persona(
    user: Any, persona_id: int, *, write: bool = False, workspace: Workspace | None = None
) -> Access[Persona]:
    """The persona and the caller's role (NotFound outside the caller's workspaces, or outside
    `workspace` when given; PermissionDenied for a write by a viewer)."""
    qs = Persona.objects.select_related("product__workspace")
    if workspace is not None:
        qs = qs.filter(product__workspace_id=workspace.pk)
    return access_object(
        user, qs, persona_id, what="persona", workspace_field="product__workspace_id", write=write,
        action="change personas",
    )  # fmt: skip


def access_competitor(
    user: Any, competitor_id: int, *, write: bool = False, workspace: Workspace | None = None
) -> Access[Competitor]:
    """The competitor and the caller's role (as access_persona)."""
    qs = Competitor.objects.select_related("product__workspace")
    if workspace is not None:
        qs = qs.filter(product__workspace_id=workspace.pk)
    return access_object(
        user, qs, competitor_id, what="competitor", workspace_field="product__workspace_id", write=write,
        action="change competitors",
    )  # fmt: skip


def access_metric(
    user: AbstractBaseUser | AnonymousUser, metric_id: int, *, write: bool = False, workspace: Workspace | None = None
) -> Access[Metric]:
    """The metric (with its product and workspace) and the caller's role, as an Access
    (pmtool.permissions.access_object); `workspace` keeps a page's lookup inside its URL's workspace."""
    qs = Metric.objects.select_related("product__workspace")
    if workspace is not None:
        qs = qs.filter(product__workspace_id=workspace.pk)
    path = "product__workspace_id"
    return access_object(user, qs, metric_id, what="metric", workspace_field=path, write=write, action="change metrics")


def access_sample(metric: Metric, sample_id: int) -> MetricSample:
    """A sample of `metric` (whose access the caller has already checked)."""
    sample = MetricSample.objects.filter(pk=sample_id, metric=metric).first()
    if sample is None:
        raise NotFound("Sample not found.")
    return sample
