"""Every non-trivial read of the core app, shaped for the page or endpoint that uses it."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib.auth.models import AnonymousUser
from django.contrib.contenttypes.models import ContentType
from django.db.models import Count, IntegerField, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone

from .models import ActivityEvent, ApiToken, Invitation, Membership, Product, User, Workspace


def _count(queryset: QuerySet[Any]) -> Coalesce:
    """A correlated COUNT(*) subquery (no join fan-out between several counted relations)."""
    counted = queryset.order_by().values("workspace_id").annotate(n=Count("*")).values("n")
    return Coalesce(Subquery(counted, output_field=IntegerField()), 0)


def workspaces_for_user(user: User) -> QuerySet[Workspace]:
    """The user's workspaces with their role (`my_role`), active product and member counts."""
    role = Membership.objects.filter(workspace_id=OuterRef("pk"), user_id=user.pk).values("role")[:1]
    return (
        Workspace.objects.annotate(my_role=Subquery(role))
        .filter(my_role__isnull=False)
        .annotate(
            product_count=_count(Product.objects.filter(workspace_id=OuterRef("pk"), archived_at__isnull=True)),
            member_count=_count(Membership.objects.filter(workspace_id=OuterRef("pk"))),
        )
        .order_by("name", "id")
    )


def workspace_switcher(user: User) -> list[dict[str, Any]]:
    """Slim list for the navigation's workspace switcher."""
    rows = (
        Membership.objects.filter(user_id=user.pk)
        .order_by("workspace__name")
        .values("workspace__slug", "workspace__name", "role")
    )
    return [dict(row) for row in rows]


def members_of(workspace: Workspace) -> QuerySet[Membership]:
    return Membership.objects.filter(workspace=workspace).select_related("user").order_by("user__name", "user__email")


def membership_of(workspace: Workspace, user: User | AnonymousUser) -> Membership | None:
    """The user's membership of `workspace` (None for a non-member or an anonymous user)."""
    if not user.is_authenticated:
        return None
    return Membership.objects.filter(workspace=workspace, user_id=user.pk).first()


def invitations_pending(workspace: Workspace) -> QuerySet[Invitation]:
    return (
        Invitation.objects.filter(
            workspace=workspace, accepted_at__isnull=True, revoked_at__isnull=True, expires_at__gt=timezone.now()
        )
        .select_related("invited_by")
        .order_by("-created_at", "-id")
    )


def products_of(
    workspace: Workspace,
    *,
    archived: bool | None = False,
    q: str | None = None,
    stage: str | None = None,
) -> QuerySet[Product]:
    """Products of a workspace; `archived=None` means all."""
    qs = Product.objects.filter(workspace=workspace)
    if archived is not None:
        qs = qs.filter(archived_at__isnull=not archived)
    if q:
        qs = qs.filter(Q(name__icontains=q) | Q(description__icontains=q))
    if stage:
        qs = qs.filter(stage=stage)
    return qs.order_by("name", "id")


def activity_of_workspace(
    workspace: Workspace,
    *,
    actor_id: int | None = None,
    action: str | None = None,
    kind: str | None = None,
    product_id: int | None = None,
    since: dt.date | None = None,
    until: dt.date | None = None,
) -> QuerySet[ActivityEvent]:
    qs = ActivityEvent.objects.filter(workspace=workspace)
    if actor_id:
        qs = qs.filter(actor_user_id=actor_id)
    if action:
        qs = qs.filter(action=action)
    if kind:
        qs = qs.filter(target_type__model=kind)
    if product_id:
        qs = qs.filter(product_id=product_id)
    if since:
        qs = qs.filter(created_at__date__gte=since)
    if until:
        qs = qs.filter(created_at__date__lte=until)
    return qs.select_related("actor_user", "target_type", "product").order_by("-created_at", "-id")


def activity_kinds(workspace: Workspace) -> list[tuple[str, str]]:
    """The kinds of object the workspace's activity is about, as (model name, verbose name): the
    activity page's "Object" filter offers exactly these (one query; content types are cached)."""
    type_ids = (
        ActivityEvent.objects.filter(workspace=workspace).order_by().values_list("target_type_id", flat=True).distinct()
    )
    kinds = []
    for type_id in type_ids:
        content_type = ContentType.objects.get_for_id(type_id)
        model = content_type.model_class()
        label = str(model._meta.verbose_name) if model is not None else content_type.model
        kinds.append((content_type.model, label[:1].upper() + label[1:]))
    return sorted(kinds, key=lambda kind: kind[1])


def activity_of_object(obj: Any) -> QuerySet[ActivityEvent]:
    """The history of one object, newest first."""
    target_type = ContentType.objects.get_for_model(obj, for_concrete_model=True)
    return (
        ActivityEvent.objects.filter(target_type=target_type, target_id=obj.pk)
        .select_related("actor_user", "target_type")
        .order_by("-created_at", "-id")
    )


def api_tokens_of(user: User) -> QuerySet[ApiToken]:
    return ApiToken.objects.filter(user=user).order_by("revoked_at", "-created_at", "-id")
