"""The activity log: who did what to which object, which fields changed, when.

Services call `activity_record` inside their transaction (one INSERT), or `record_activity` for
the common shape: "actor did <action> to obj, with these changes", in the workspace and product the
object belongs to (`scope_of`). Later features record their own objects the same way; reads are in
selectors.
"""

from __future__ import annotations

import datetime as dt
import decimal
import uuid
from dataclasses import dataclass
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db import models

from .models import ActivityEvent, ApiToken, Product, User, Workspace


@dataclass(frozen=True)
class Actor:
    """Who performs a write: a signed-in user, a user through an API token, or a system task."""

    user: User | None = None
    token: ApiToken | None = None
    system: str | None = None

    @classmethod
    def from_request(cls, request: Any) -> Actor:
        token = request.auth if isinstance(getattr(request, "auth", None), ApiToken) else None
        user = request.user if request.user.is_authenticated else None
        return cls(user=user, token=token)

    @classmethod
    def for_system(cls, name: str) -> Actor:
        return cls(system=name)

    @property
    def label(self) -> str:
        if self.system:
            return f"system: {self.system}"
        if self.user is None:
            return "anonymous"
        if self.token is not None:
            return f"{self.user.email} (API token {self.token.name})"
        return self.user.email


def json_safe(value: Any) -> Any:
    """A value as it can be stored in the `changes` JSON."""
    if isinstance(value, models.Model):
        return value.pk
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, decimal.Decimal | uuid.UUID):
        return str(value)
    if isinstance(value, list | tuple | set):
        return [json_safe(v) for v in value]
    return value


def apply_changes(instance: models.Model, values: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Set `values` on `instance`; return {field: {"from": old, "to": new}} for real changes."""
    changes: dict[str, dict[str, Any]] = {}
    for field, new in values.items():
        old = getattr(instance, field)
        if old != new:
            changes[field] = {"from": json_safe(old), "to": json_safe(new)}
            setattr(instance, field, new)
    return changes


def activity_record(
    *,
    actor: Actor,
    workspace: Workspace | int,
    target: models.Model,
    action: str,
    changes: dict[str, Any] | None = None,
    product: Product | int | None = None,
) -> ActivityEvent:
    workspace_id = workspace if isinstance(workspace, int) else workspace.pk
    product_id = product.pk if isinstance(product, Product) else product
    return ActivityEvent.objects.create(
        workspace_id=workspace_id,
        product_id=product_id,
        actor_user=actor.user,
        actor_token=actor.token,
        actor_label=actor.label[:160],
        target_type=ContentType.objects.get_for_model(target, for_concrete_model=True),
        target_id=target.pk,
        target_repr=str(target)[:200],
        action=action,
        changes=changes or {},
    )


def scope_of(obj: models.Model) -> tuple[int, int | None]:
    """The workspace and product an object's events belong to: a product's own; an object with a
    workspace of its own (a goal, a team, a status) that workspace and its product if it has one;
    an object of a product (a feature, a release, a criterion) its product's, read from the product
    loaded with it (load it with the object, or this is a query)."""
    if isinstance(obj, Product):
        return obj.workspace_id, obj.pk
    workspace_id = getattr(obj, "workspace_id", None)
    if isinstance(workspace_id, int):
        return workspace_id, getattr(obj, "product_id", None)
    product = getattr(obj, "product", None)
    if isinstance(product, Product):
        return product.workspace_id, product.pk
    raise TypeError(f"A {type(obj).__name__} belongs to no workspace or product: say where with `within`.")


def record_activity(
    actor: Actor,
    action: str,
    target: models.Model,
    changes: dict[str, Any] | None = None,
    *,
    within: models.Model | None = None,
) -> ActivityEvent:
    """Record that `actor` did `action` to `target`, with `changes`, in the workspace and product of
    `within` (default: the target's own, see `scope_of`; a key result's are its goal's)."""
    workspace_id, product_id = scope_of(target if within is None else within)
    return activity_record(
        actor=actor, workspace=workspace_id, product=product_id, target=target, action=action, changes=changes
    )


# Actions the core records (later apps add their own); offered as a filter on the activity page.
KNOWN_ACTIONS = (
    "created",
    "updated",
    "archived",
    "restored",
    "member_added",
    "member_removed",
    "role_changed",
    "invited",
    "invitation_revoked",
    "invitation_resent",
    # strategy
    "deleted",
    "samples_added",
    "samples_deleted",
    # backlog
    "moved",
    "merged",
)
