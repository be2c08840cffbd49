"""Every write of the core app. Keyword-only arguments, one transaction each,
the object returned; side effects (e-mail) only after commit; an activity event
for each change.

Callers have already authorised the caller (pmtool.permissions.access_*);
services enforce the domain rules (last admin, unique slugs, stale versions).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from collections.abc import Callable
from typing import Any, cast

from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError, connection, models, transaction
from django.utils import timezone
from django.utils.text import slugify

from . import versioning
from .activity import Actor, activity_record, apply_changes
from .cleaning import clean_choice, clean_name, clean_slug, no_nul
from .errors import Conflict, NotFound, ValidationError
from .invitation_mail import invitation_from_token as invitation_from_token
from .invitation_mail import invitation_send_email as invitation_send_email
from .invitation_mail import invitation_token as invitation_token
from .invitation_mail import invitation_url as invitation_url
from .models import (
    ApiToken,
    Invitation,
    LifecycleStage,
    Membership,
    Product,
    Role,
    TokenScope,
    User,
    Workspace,
)
from .queue import enqueue_on_commit
from .rawrows import select_list, split_row
from .tasks import resend_invitation_email, send_invitation_email
from .versioning import UNSET, Maybe, given, save_changes

# --- helpers ------------------------------------------------------------------


def _unique_slug(queryset: models.QuerySet[Any], source: str, *, max_length: int = 60, fallback: str = "item") -> str:
    """A slug from `source`, made unique inside `queryset` with a -2, -3… suffix.

    A suffix shortens a long base, so candidates are checked by exact value (not by
    prefix), a hundred per query; a cut never leaves a trailing "-" or "_".
    """
    base = slugify(source)[:max_length].strip("-_") or fallback

    def candidate(n: int) -> str:
        suffix = f"-{n}"
        return base if n == 1 else f"{base[: max_length - len(suffix)].rstrip('-_')}{suffix}"

    start = 1
    while True:
        batch = [candidate(n) for n in range(start, start + 100)]
        taken = set(queryset.filter(slug__in=batch).values_list("slug", flat=True))
        for slug in batch:
            if slug not in taken:
                return slug
        start += 100


# --- people -------------------------------------------------------------------


def user_create(*, email: str, password: str | None, name: str = "") -> User:
    email = User.objects.normalize_email(email).lower()
    if User.objects.filter(email__iexact=email).exists():
        raise Conflict("An account with this e-mail address exists already.", fields={"email": ["Already registered."]})
    user = User(email=email, name=name.strip())
    if password is not None:
        try:
            validate_password(password, user)
        except DjangoValidationError as exc:
            raise ValidationError("The password is too weak.", fields={"password": list(exc.messages)}) from exc
    user.set_password(password)
    user.save()
    return user


# --- workspaces and members ---------------------------------------------------


_WORKSPACE_SLUG_TAKEN = {"slug": ["A workspace with this slug exists already."]}

WorkspaceSetup = Callable[[Workspace], object]
_workspace_setup: list[WorkspaceSetup] = []


def register_workspace_setup(setup: WorkspaceSetup) -> None:
    """Let an app add its defaults to every new workspace (e.g. the backlog's feature statuses).

    Called from the app's `AppConfig.ready()`, as the workspace home's sections are: the core names
    no app above it. `setup(workspace)` runs inside `workspace_create`'s transaction."""
    if setup not in _workspace_setup:
        _workspace_setup.append(setup)


def workspace_run_setup(workspace: Workspace) -> None:
    """Give `workspace` every app's defaults (workspace_create does; test factories call it too)."""
    for setup in _workspace_setup:
        setup(workspace)


@transaction.atomic
def workspace_create(*, actor: Actor, name: str, slug: str | None = None) -> Workspace:
    if actor.user is None:
        raise ValidationError("A workspace is created by a person.")
    name = clean_name(name)
    slug = clean_slug(slug) if slug else _unique_slug(Workspace.objects.all(), name, fallback="workspace")
    if Workspace.objects.filter(slug=slug).exists():
        raise Conflict("That address is taken.", fields=_WORKSPACE_SLUG_TAKEN)
    try:
        with transaction.atomic():
            workspace = Workspace.objects.create(name=name, slug=slug, created_by=actor.user)
    except IntegrityError:  # a concurrent create took the slug between the check and the insert
        raise Conflict("That address is taken.", fields=_WORKSPACE_SLUG_TAKEN) from None
    membership = Membership.objects.create(workspace=workspace, user=actor.user, role=Role.ADMIN)
    workspace_run_setup(workspace)
    activity_record(
        actor=actor,
        workspace=workspace,
        target=workspace,
        action="created",
        changes={"name": {"from": None, "to": name}},
    )
    activity_record(
        actor=actor,
        workspace=workspace,
        target=membership,
        action="member_added",
        changes={"role": {"from": None, "to": Role.ADMIN}},
    )
    return workspace


@transaction.atomic
def workspace_update(*, actor: Actor, workspace: Workspace, name: str) -> Workspace:
    changes = apply_changes(workspace, {"name": clean_name(name)})
    if changes:
        workspace.save(update_fields=list(changes))
        activity_record(actor=actor, workspace=workspace, target=workspace, action="updated", changes=changes)
    return workspace


def _lock_admins(workspace_id: int) -> int:
    """Lock the workspace's admin rows and count them (serialises last-admin checks)."""
    return len(
        list(
            Membership.objects.select_for_update()
            .filter(workspace_id=workspace_id, role=Role.ADMIN)
            .values_list("pk", flat=True)
        )
    )


@transaction.atomic
def membership_change_role(*, actor: Actor, membership: Membership, role: str) -> Membership:
    role = clean_choice(role, Role, field="role", what="role")
    membership = Membership.objects.select_for_update(of=("self",)).select_related("user").get(pk=membership.pk)
    if membership.role == Role.ADMIN and role != Role.ADMIN and _lock_admins(membership.workspace_id) <= 1:
        raise Conflict("A workspace needs at least one admin: make someone else admin first.", code="last_admin")
    changes = apply_changes(membership, {"role": role})
    if changes:
        membership.save(update_fields=["role"])
        activity_record(
            actor=actor, workspace=membership.workspace_id, target=membership, action="role_changed", changes=changes
        )
    return membership


@transaction.atomic
def membership_remove(*, actor: Actor, membership: Membership) -> None:
    membership = Membership.objects.select_for_update(of=("self",)).select_related("user").get(pk=membership.pk)
    if membership.role == Role.ADMIN and _lock_admins(membership.workspace_id) <= 1:
        raise Conflict("The last admin cannot be removed: make someone else admin first.", code="last_admin")
    activity_record(
        actor=actor,
        workspace=membership.workspace_id,
        target=membership,
        action="member_removed",
        changes={"user": {"from": membership.user.email, "to": None}, "role": {"from": membership.role, "to": None}},
    )
    membership.delete()


# --- invitations --------------------------------------------------------------


@transaction.atomic
def invitation_create(*, actor: Actor, workspace: Workspace, email: str, role: str = Role.EDITOR) -> Invitation:
    email = User.objects.normalize_email((email or "").strip()).lower()
    role = clean_choice(role, Role, field="role", what="role")
    if Membership.objects.filter(workspace=workspace, user__email__iexact=email).exists():
        raise Conflict(f"{email} is a member of this workspace already.", fields={"email": ["Already a member."]})
    if Invitation.objects.filter(
        workspace=workspace,
        email__iexact=email,
        accepted_at__isnull=True,
        revoked_at__isnull=True,
        expires_at__gt=timezone.now(),
    ).exists():
        raise Conflict(f"{email} has a pending invitation already.", fields={"email": ["Already invited."]})
    # An expired, never-answered invitation of the same address makes way for the new one.
    Invitation.objects.filter(
        workspace=workspace, email__iexact=email, accepted_at__isnull=True, revoked_at__isnull=True
    ).update(revoked_at=timezone.now())
    try:
        with transaction.atomic():
            invitation = Invitation.objects.create(
                workspace=workspace,
                email=email,
                role=role,
                nonce=secrets.token_urlsafe(16),
                invited_by=actor.user,
                expires_at=timezone.now() + dt.timedelta(days=settings.INVITATION_VALID_DAYS),
            )
    except IntegrityError:  # a concurrent invitation of the same address won the race
        raise Conflict(f"{email} has a pending invitation already.", fields={"email": ["Already invited."]}) from None
    activity_record(
        actor=actor,
        workspace=workspace,
        target=invitation,
        action="invited",
        changes={"email": {"from": None, "to": email}, "role": {"from": None, "to": role}},
    )
    enqueue_on_commit(send_invitation_email, invitation.pk)
    return invitation


@transaction.atomic
def invitation_revoke(*, actor: Actor, invitation: Invitation) -> Invitation:
    invitation = Invitation.objects.select_for_update().get(pk=invitation.pk)
    if invitation.accepted_at is not None:
        raise Conflict("This invitation was accepted already.")
    if invitation.revoked_at is None:
        invitation.revoked_at = timezone.now()
        invitation.save(update_fields=["revoked_at"])
        activity_record(actor=actor, workspace=invitation.workspace_id, target=invitation, action="invitation_revoked")
    return invitation


@transaction.atomic
def invitation_resend(*, actor: Actor, invitation: Invitation) -> Invitation:
    """Mail a pending invitation again, with its expiry pushed back to a full validity period."""
    invitation = Invitation.objects.select_for_update().get(pk=invitation.pk)
    if invitation.accepted_at is not None or invitation.revoked_at is not None:
        raise Conflict("This invitation is no longer pending: invite the person again.")
    invitation.expires_at = timezone.now() + dt.timedelta(days=settings.INVITATION_VALID_DAYS)
    invitation.save(update_fields=["expires_at"])
    activity_record(actor=actor, workspace=invitation.workspace_id, target=invitation, action="invitation_resent")
    enqueue_on_commit(resend_invitation_email, invitation.pk)
    return invitation


@transaction.atomic
def invitation_accept(*, invitation: Invitation, user: User) -> Membership:
    invitation = Invitation.objects.select_for_update().select_related("workspace").get(pk=invitation.pk)
    if not invitation.is_pending:
        raise Conflict("This invitation is no longer valid.")
    if user.email.lower() != invitation.email.lower():
        raise Conflict(
            f"This invitation is for {invitation.email}. Sign out and open the link again, "
            "or ask for an invitation to your own address.",
            code="wrong_account",
        )
    membership, created = Membership.objects.get_or_create(
        workspace=invitation.workspace, user=user, defaults={"role": invitation.role}
    )
    invitation.accepted_at = timezone.now()
    invitation.accepted_by = user
    invitation.save(update_fields=["accepted_at", "accepted_by"])
    if created:
        activity_record(
            actor=Actor(user=user),
            workspace=invitation.workspace,
            target=membership,
            action="member_added",
            changes={"role": {"from": None, "to": membership.role}},
        )
    return membership


@transaction.atomic
def invitation_accept_new_user(*, invitation: Invitation, name: str, password: str) -> tuple[User, Membership]:
    """A person without an account accepts: the account is created with the invited address."""
    user = user_create(email=invitation.email, password=password, name=name)
    return user, invitation_accept(invitation=invitation, user=user)


# --- products -----------------------------------------------------------------


DESCRIPTION_MAX = 5000
_SLUG_TAKEN = {"slug": ["Already used in this workspace."]}


def _product_values(
    *, name: Maybe[str] = UNSET, description: Maybe[str] = UNSET, stage: Maybe[str] = UNSET
) -> dict[str, str]:
    """The given fields, cleaned (UNSET ones left out)."""
    values: dict[str, str] = {}
    if given(name):
        values["name"] = clean_name(name)
    if given(description):
        if len(description) > DESCRIPTION_MAX:
            raise ValidationError(
                "The description is too long.", fields={"description": [f"At most {DESCRIPTION_MAX} characters."]}
            )
        values["description"] = no_nul(description.strip(), "description")
    if given(stage):
        values["stage"] = clean_choice(stage, LifecycleStage, field="stage", what="lifecycle stage")
    return values


def _slug_taken() -> Conflict:
    return Conflict("A product with this slug exists already.", fields=_SLUG_TAKEN)


@transaction.atomic
def product_create(
    *,
    actor: Actor,
    workspace: Workspace,
    name: str,
    slug: str | None = None,
    description: str = "",
    stage: str = LifecycleStage.IDEA,
) -> Product:
    values = _product_values(name=name, description=description, stage=stage)
    siblings = Product.objects.filter(workspace=workspace)
    if slug:
        slug = clean_slug(slug)
        if siblings.filter(slug=slug).exists():
            raise _slug_taken()
    else:
        slug = _unique_slug(siblings, values["name"], fallback="product")
    try:
        with transaction.atomic():
            product = Product.objects.create(workspace=workspace, slug=slug, created_by=actor.user, **values)
    except IntegrityError:
        raise _slug_taken() from None
    activity_record(
        actor=actor,
        workspace=workspace,
        product=product,
        target=product,
        action="created",
        changes={k: {"from": None, "to": v} for k, v in {**values, "slug": slug}.items() if v != ""},
    )
    return product


def _lock_product(product: Product, version: int | None) -> Product:
    """The product row, locked; checked against `version` when one is given (archive and restore
    are idempotent and may be sent without one)."""
    if version is not None:
        return versioning.lock_version(Product.objects.all(), product.pk, version, what="product")
    locked = Product.objects.select_for_update(of=("self",)).filter(pk=product.pk).first()
    if locked is None:
        raise NotFound("Product not found.")
    return locked


@transaction.atomic
def product_update(
    *,
    actor: Actor,
    product: Product,
    version: int,
    name: Maybe[str] = UNSET,
    slug: Maybe[str] = UNSET,
    description: Maybe[str] = UNSET,
    stage: Maybe[str] = UNSET,
) -> Product:
    """Change a product based on `version` (required): a stale one raises StaleVersion."""
    locked = versioning.lock_version(Product.objects.all(), product.pk, version, what="product")
    values = _product_values(name=name, description=description, stage=stage)
    if given(slug) and slug != locked.slug:
        values["slug"] = clean_slug(slug)
        if Product.objects.filter(workspace_id=locked.workspace_id, slug=values["slug"]).exclude(pk=locked.pk).exists():
            raise _slug_taken()
    changes = save_changes(locked, values)
    if changes:
        activity_record(
            actor=actor, workspace=locked.workspace_id, product=locked, target=locked, action="updated", changes=changes
        )
    locked.workspace = product.workspace
    return locked


def _set_archived(*, actor: Actor, product: Product, version: int | None, archive: bool) -> Product:
    locked = _lock_product(product, version)
    old = locked.archived_at
    if (old is None) == archive:
        now = timezone.now()
        save_changes(locked, {"archived_at": now if archive else None})
        activity_record(
            actor=actor,
            workspace=locked.workspace_id,
            product=locked,
            target=locked,
            action="archived" if archive else "restored",
            changes={"archived_at": {"from": old and old.isoformat(), "to": now.isoformat() if archive else None}},
        )
    locked.workspace = product.workspace
    return locked


@transaction.atomic
def product_archive(*, actor: Actor, product: Product, version: int | None = None) -> Product:
    """Archive a product (read-only, restorable); a no-op when it is archived already."""
    return _set_archived(actor=actor, product=product, version=version, archive=True)


@transaction.atomic
def product_restore(*, actor: Actor, product: Product, version: int | None = None) -> Product:
    """Restore an archived product; a no-op when it is not archived."""
    return _set_archived(actor=actor, product=product, version=version, archive=False)


# --- API tokens ---------------------------------------------------------------

TOKEN_PREFIX = "pmt_"  # noqa: S105 - a public prefix, not a secret


def api_token_hash(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


@transaction.atomic
def api_token_create(
    *, user: User, name: str, scope: str = TokenScope.WRITE, expires_at: dt.datetime | None = None
) -> tuple[ApiToken, str]:
    """A new token and its secret, which is returned here once and never stored."""
    name = clean_name(name, max_length=80)
    scope = clean_choice(scope, TokenScope, field="scope", what="scope")
    if expires_at is not None and expires_at <= timezone.now():
        raise ValidationError("The expiry must be in the future.", fields={"expires_at": ["Must be in the future."]})
    raw = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        user=user,
        name=name,
        scope=scope,
        expires_at=expires_at,
        prefix=raw[: len(TOKEN_PREFIX) + 6],
        token_hash=api_token_hash(raw),
    )
    return token, raw


@transaction.atomic
def api_token_revoke(*, user: User, token_id: int) -> ApiToken:
    token = ApiToken.objects.select_for_update().filter(pk=token_id, user=user).first()
    if token is None:
        raise NotFound("Token not found.")
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
    return token


# The token and its user (what select_related("user") loads), as one fixed statement: it runs on
# every API request, and the ORM took longer to build it than PostgreSQL to answer it.
_TOKEN_BY_HASH_SQL = (
    f"SELECT {select_list(ApiToken, 't')}, {select_list(User, 'u')}"  # noqa: S608 - from model metadata
    f' FROM "{ApiToken._meta.db_table}" t'
    f' JOIN "{User._meta.db_table}" u ON u.id = t.user_id WHERE t.token_hash = %s'
)


def _api_token_by_hash(token_hash: str) -> ApiToken | None:
    with connection.cursor() as cursor:
        cursor.execute(_TOKEN_BY_HASH_SQL, [token_hash])
        row = cursor.fetchone()
    if row is None:
        return None
    (found, user), _ = split_row(row, ApiToken, User)
    token = cast(ApiToken, found)
    ApiToken.user.field.set_cached_value(token, user)
    return token


def api_token_authenticate(raw: str) -> ApiToken | None:
    """The active token with this secret (its user loaded), recording when it was last used.

    last_used_at is written at most once a minute per token, so a busy
    integration does not turn every read into a write.
    """
    token = _api_token_by_hash(api_token_hash(raw))
    if token is None or not token.is_active or not token.user.is_active:
        return None
    now = timezone.now()
    if token.last_used_at is None or now - token.last_used_at > dt.timedelta(minutes=1):
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now
    return token
