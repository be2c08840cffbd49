"""Celery tasks of the core app: ids in, one call, safe to run twice.

Imports no services (pmtool.services schedules these with pmtool.queue.enqueue_on_commit)."""

from typing import Any

from celery import shared_task

from .invitation_mail import invitation_send_email

TASK_OPTIONS: dict[str, Any] = {
    "acks_late": True,
    "autoretry_for": (ConnectionError, TimeoutError, OSError),
    "retry_backoff": True,
    "retry_backoff_max": 600,
    "retry_jitter": True,
    "max_retries": 5,
    "soft_time_limit": 30,
    "time_limit": 60,
}


@shared_task(name="pmtool.send_invitation_email", **TASK_OPTIONS)
def send_invitation_email(invitation_id: int) -> bool:
    """Mail a new invitation, unless it was mailed already (a retried or redelivered task)."""
    return invitation_send_email(invitation_id=invitation_id) is not None


@shared_task(name="pmtool.resend_invitation_email", **TASK_OPTIONS)
def resend_invitation_email(invitation_id: int) -> bool:
    """Mail a pending invitation again (an admin's explicit re-send)."""
    return invitation_send_email(invitation_id=invitation_id, resend=True) is not None


@shared_task(name="pmtool.ping", acks_late=True, time_limit=10)
def ping() -> str:
    """Answers 'pong': lets /healthz and the tests see a live worker."""
    return "pong"
