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
from typing import Any

from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core import signing
from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.db.models import F
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.text import slugify

from .activity import Actor, activity_record, apply_changes
from .errors import Conflict, NotFound, PreconditionFailed, ValidationError
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

# --- helpers ------------------------------------------------------------------


def _unique_slug(queryset: Any, source: str, *, max_length: int = 60, fallback: str = "item") -> str:
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


def _no_nul(value: str, field: str) -> str:
    """PostgreSQL text cannot hold NUL: refuse it here, whatever the caller validated."""
    if "\x00" in value:
        raise ValidationError(
            f"The {field} contains a NUL character.", fields={field: ["Null characters are not allowed."]}
        )
    return value


def _clean_name(value: str, *, field: str = "name", max_length: int = 120) -> str:
    value = _no_nul((value or "").strip(), field)
    if not value:
        raise ValidationError(f"The {field} is required.", fields={field: ["This field is required."]})
    if len(value) > max_length:
        raise ValidationError(
            f"The {field} is too long.",
            fields={field: [f"Ensure this field has no more than {max_length} characters."]},
        )
    return value


def _validate_slug(slug: str) -> str:
    cleaned = slugify(slug)[:60]
    if not cleaned or cleaned != slug.lower():  # "Mobile-App" is taken as "mobile-app"
        raise ValidationError(
            "The slug may only contain lowercase letters, numbers and hyphens.",
            fields={"slug": ["Use lowercase letters, numbers and hyphens (at most 60)."]},
        )
    return cleaned


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


@transaction.atomic
def workspace_create(*, actor: Actor, name: str, slug: str | None = None) -> Workspace:
    if actor.user is None:
        raise ValidationError("A workspace is created by a person.")
    name = _clean_name(name)
    slug = _validate_slug(slug) if slug else _unique_slug(Workspace.objects.all(), name, fallback="workspace")
    if Workspace.objects.filter(slug=slug).exists():
        raise Conflict("That address is taken.", fields=_WORKSPACE_SLUG_TAKEN)
    try:
        with transaction.atomic():
            workspace = Workspace.objects.create(name=name, slug=slug, created_by=actor.user)
    except IntegrityError:  # a concurrent create took the slug between the check and the insert
        raise Conflict("That address is taken.", fields=_WORKSPACE_SLUG_TAKEN) from None
    membership = Membership.objects.create(workspace=workspace, user=actor.user, role=Role.ADMIN)
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
    changes = apply_changes(workspace, {"name": _clean_name(name)})
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
    if role not in Role.values:
        raise ValidationError("Unknown role.", fields={"role": [f"Choose one of: {', '.join(Role.values)}."]})
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

_INVITATION_SALT = "pmtool.invitation"


def invitation_token(invitation: Invitation) -> str:
    return signing.dumps({"i": invitation.pk, "n": invitation.nonce}, salt=_INVITATION_SALT, compress=True)


def invitation_url(invitation: Invitation) -> str:
    return settings.PMTOOL_BASE_URL.rstrip("/") + reverse("invitation_accept", args=[invitation_token(invitation)])


def invitation_from_token(token: str) -> Invitation:
    """The pending invitation a link names; NotFound when forged, revoked, used or expired."""
    max_age = dt.timedelta(days=settings.INVITATION_VALID_DAYS)
    try:
        data = signing.loads(token, salt=_INVITATION_SALT, max_age=max_age)
        invitation = Invitation.objects.select_related("workspace", "invited_by").get(pk=int(data["i"]))
    except (signing.BadSignature, Invitation.DoesNotExist, KeyError, TypeError, ValueError):
        raise NotFound("This invitation link is not valid.") from None
    if not secrets.compare_digest(str(data.get("n", "")), invitation.nonce) or not invitation.is_pending:
        raise NotFound("This invitation is no longer valid: ask an admin of the workspace for a new one.")
    return invitation


@transaction.atomic
def invitation_create(*, actor: Actor, workspace: Workspace, email: str, role: str = Role.EDITOR) -> Invitation:
    from .tasks import send_invitation_email

    email = User.objects.normalize_email((email or "").strip()).lower()
    if role not in Role.values:
        raise ValidationError("Unknown role.", fields={"role": [f"Choose one of: {', '.join(Role.values)}."]})
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
    transaction.on_commit(lambda: send_invitation_email.delay(invitation.pk))
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


def invitation_send_email(*, invitation_id: int, resend: bool = False) -> Invitation | None:
    """Send the invitation e-mail; called by the Celery task.

    Safe to run twice: a delivered invitation (sent_at set) is not mailed again
    unless this is an explicit re-send. None when nothing was sent.
    """
    invitation = Invitation.objects.select_related("workspace", "invited_by").filter(pk=invitation_id).first()
    if invitation is None or not invitation.is_pending or (invitation.sent_at is not None and not resend):
        return None
    context = {"invitation": invitation, "url": invitation_url(invitation)}
    send_mail(
        subject=f"You are invited to {invitation.workspace.name} on pmtool",
        message=render_to_string("pmtool/email/invitation.txt", context),
        from_email=None,
        recipient_list=[invitation.email],
    )
    Invitation.objects.filter(pk=invitation.pk).update(sent_at=timezone.now())
    return invitation


@transaction.atomic
def invitation_resend(*, actor: Actor, invitation: Invitation) -> Invitation:
    """Mail a pending invitation again, with its expiry pushed back to a full validity period."""
    from .tasks import send_invitation_email

    invitation = Invitation.objects.select_for_update().get(pk=invitation.pk)
    if invitation.accepted_at is not None or invitation.revoked_at is not None:
        raise Conflict("This invitation is no longer pending: invite the person again.")
    invitation.expires_at = timezone.now() + dt.timedelta(days=settings.INVITATION_VALID_DAYS)
    invitation.save(update_fields=["expires_at"])
    activity_record(actor=actor, workspace=invitation.workspace_id, target=invitation, action="invitation_resent")
    transaction.on_commit(lambda: send_invitation_email.delay(invitation.pk, resend=True))
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


def _product_values(*, name: Any = None, description: Any = None, stage: Any = None) -> dict[str, Any]:
    values: dict[str, Any] = {}
    if name is not None:
        values["name"] = _clean_name(name)
    if description is not None:
        if len(description) > 5000:
            raise ValidationError("The description is too long.", fields={"description": ["At most 5000 characters."]})
        values["description"] = _no_nul(description.strip(), "description")
    if stage is not None:
        if stage not in LifecycleStage.values:
            raise ValidationError(
                "Unknown lifecycle stage.", fields={"stage": [f"Choose one of: {', '.join(LifecycleStage.values)}."]}
            )
        values["stage"] = stage
    return values


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
        slug = _validate_slug(slug)
        if siblings.filter(slug=slug).exists():
            raise Conflict(
                "A product with this slug exists already.", fields={"slug": ["Already used in this workspace."]}
            )
    else:
        slug = _unique_slug(siblings, values["name"], fallback="product")
    try:
        with transaction.atomic():
            product = Product.objects.create(workspace=workspace, slug=slug, created_by=actor.user, **values)
    except IntegrityError:
        raise Conflict(
            "A product with this slug exists already.", fields={"slug": ["Already used in this workspace."]}
        ) from None
    activity_record(
        actor=actor,
        workspace=workspace,
        product=product,
        target=product,
        action="created",
        changes={k: {"from": None, "to": v} for k, v in {**values, "slug": slug}.items() if v != ""},
    )
    return product


def stale_version(what: str, version: int, current: int, *, precondition: bool = False) -> Conflict:
    """The error for an edit based on a version that is no longer the current one: Conflict (409),
    or PreconditionFailed (412) when the version came from an If-Match header."""
    error = PreconditionFailed if precondition else Conflict
    return error(
        f"This {what} was changed by someone else (you edited version {version}, it is now at "
        f"version {current}). Reload it and apply your change again.",
        code="stale_version",
    )


def lock_version(queryset: Any, pk: int, version: int | None, *, precondition: bool = False, what: str = "item") -> Any:
    """The row `pk` of `queryset`, locked (SELECT … FOR UPDATE) for the rest of the transaction.

    Optimistic locking for every editable object: a `version` that is not the row's current one
    raises `stale_version`. `None` skips the check (callers that require a version check for it first)."""
    locked = queryset.select_for_update().filter(pk=pk).first()
    if locked is None:
        raise NotFound(f"{what[:1].upper()}{what[1:]} not found.")
    if version is not None and locked.version != version:
        raise stale_version(what, version, locked.version, precondition=precondition)
    return locked


def _lock_product(product: Product, version: int | None, *, precondition: bool = False) -> Product:
    return lock_version(Product.objects.all(), product.pk, version, precondition=precondition, what="product")


@transaction.atomic
def product_update(
    *,
    actor: Actor,
    product: Product,
    version: int | None = None,
    precondition: bool = False,
    name: str | None = None,
    slug: str | None = None,
    description: str | None = None,
    stage: str | None = None,
) -> Product:
    """Change a product. `version` (optimistic lock): a stale one raises Conflict (409),
    or PreconditionFailed (412) when it came from an If-Match header (`precondition`)."""
    locked = _lock_product(product, version, precondition=precondition)
    values = _product_values(name=name, description=description, stage=stage)
    if slug is not None and slug != locked.slug:
        values["slug"] = _validate_slug(slug)
        if Product.objects.filter(workspace_id=locked.workspace_id, slug=values["slug"]).exclude(pk=locked.pk).exists():
            raise Conflict(
                "A product with this slug exists already.", fields={"slug": ["Already used in this workspace."]}
            )
    changes = apply_changes(locked, values)
    if changes:
        locked.version = F("version") + 1
        locked.updated_at = timezone.now()
        locked.save(update_fields=[*changes, "version", "updated_at"])
        locked.refresh_from_db(fields=["version"])
        activity_record(
            actor=actor, workspace=locked.workspace_id, product=locked, target=locked, action="updated", changes=changes
        )
    locked.my_role = getattr(product, "my_role", None)
    locked.workspace = product.workspace
    return locked


@transaction.atomic
def product_archive(*, actor: Actor, product: Product, version: int | None = None) -> Product:
    locked = _lock_product(product, version)
    if locked.archived_at is None:
        now = timezone.now()
        Product.objects.filter(pk=locked.pk).update(archived_at=now, updated_at=now, version=F("version") + 1)
        locked.refresh_from_db(fields=["archived_at", "updated_at", "version"])
        activity_record(
            actor=actor,
            workspace=locked.workspace_id,
            product=locked,
            target=locked,
            action="archived",
            changes={"archived_at": {"from": None, "to": now.isoformat()}},
        )
    locked.my_role = getattr(product, "my_role", None)
    locked.workspace = product.workspace
    return locked


@transaction.atomic
def product_restore(*, actor: Actor, product: Product, version: int | None = None) -> Product:
    locked = _lock_product(product, version)
    if locked.archived_at is not None:
        old = locked.archived_at.isoformat()
        Product.objects.filter(pk=locked.pk).update(
            archived_at=None, updated_at=timezone.now(), version=F("version") + 1
        )
        locked.refresh_from_db(fields=["archived_at", "updated_at", "version"])
        activity_record(
            actor=actor,
            workspace=locked.workspace_id,
            product=locked,
            target=locked,
            action="restored",
            changes={"archived_at": {"from": old, "to": None}},
        )
    locked.my_role = getattr(product, "my_role", None)
    locked.workspace = product.workspace
    return locked


# --- API tokens ---------------------------------------------------------------

TOKEN_PREFIX = "pmt_"  # noqa: S105 - a public prefix, not a secret


def api_token_hash(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


@transaction.atomic
def api_token_create(
    *, user: User, name: str, scope: str = TokenScope.WRITE, expires_at: dt.datetime | None = None
) -> tuple[ApiToken, str]:
    """A new token and its secret, which is returned here once and never stored."""
    name = _clean_name(name, max_length=80)
    if scope not in TokenScope.values:
        raise ValidationError("Unknown scope.", fields={"scope": [f"Choose one of: {', '.join(TokenScope.values)}."]})
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


def api_token_authenticate(raw: str) -> ApiToken | None:
    """The active token with this secret (its user loaded), recording when it was last used.

    last_used_at is written at most once a minute per token, so a busy
    integration does not turn every read into a write.
    """
    token = ApiToken.objects.select_related("user").filter(token_hash=api_token_hash(raw)).first()
    if token is None or not token.is_active or not token.user.is_active:
        return None
    now = timezone.now()
    if token.last_used_at is None or now - token.last_used_at > dt.timedelta(minutes=1):
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now
    return token
