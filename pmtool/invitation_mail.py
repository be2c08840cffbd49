"""The invitation link and its e-mail: what the mail task runs.

Owns the signed invitation token (`invitation_token`, `invitation_from_token`), the link it makes
(`invitation_url`) and sending the e-mail (`invitation_send_email`, safe to run twice). A low module:
pmtool.tasks imports it, pmtool.services schedules the tasks, so services and tasks do not import
each other in a circle.
"""

from __future__ import annotations

import datetime as dt
import secrets

from django.conf import settings
from django.core import signing
from django.core.mail import send_mail
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from .errors import NotFound
from .models import Invitation

_INVITATION_SALT = "pmtool.invitation"


def invitation_token(invitation: Invitation) -> str:
    return signing.dumps({"i": invitation.pk, "n": invitation.nonce}, salt=_INVITATION_SALT, compress=True)


def invitation_url(invitation: Invitation) -> str:
    base = str(settings.PMTOOL_BASE_URL).rstrip("/")
    return base + reverse("invitation_accept", args=[invitation_token(invitation)])


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


def invitation_send_email(*, invitation_id: int, resend: bool = False) -> Invitation | None:
    """Send the invitation e-mail; called by the Celery tasks.

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
