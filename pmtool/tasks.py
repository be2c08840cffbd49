"""Celery tasks of the core app: ids in, one service call, safe to run twice."""

from celery import shared_task

from . import services

TASK_OPTIONS = {
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
def send_invitation_email(invitation_id: int, resend: bool = False) -> bool:
    return services.invitation_send_email(invitation_id=invitation_id, resend=resend) is not None


@shared_task(name="pmtool.ping", acks_late=True, time_limit=10)
def ping() -> str:
    """Answers 'pong': lets /healthz and the tests see a live worker."""
    return "pong"
