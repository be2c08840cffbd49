"""The Celery path with a real worker process on a real Redis, and /healthz.

The worker is `celery worker` in a subprocess (tests/conftest.py `celery_worker`),
reading the test PostgreSQL database and writing e-mail as files.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import pytest
from django.db import transaction

from pmtool import services
from pmtool.models import Invitation, Role
from pmtool.tasks import ping, resend_invitation_email, send_invitation_email

from ..conftest import _reset_broker_pool, wait_for


class WorkerLog:
    """What the worker process has printed so far (its stdout is a pipe nobody else reads)."""

    def __init__(self, worker: dict[str, Any]) -> None:
        self._fd = worker["process"].stdout.fileno()
        os.set_blocking(self._fd, False)
        self._text = ""

    def text(self) -> str:
        while True:
            try:
                chunk = os.read(self._fd, 65536)
            except BlockingIOError:
                break
            if not chunk:
                break
            self._text += chunk.decode(errors="replace")
        return self._text

    def result(self, task_id: str, *, timeout: float = 20.0) -> str:
        """The return value the worker logged for `task_id` (e.g. "'pong'", "True")."""
        pattern = re.compile(rf"\[{re.escape(task_id)}\] succeeded in [0-9.e-]+s: (.*)")
        match = wait_for(lambda: pattern.search(self.text()), timeout=timeout)
        return match.group(1).strip()


def mails(mail_dir: Path) -> list[str]:
    return [p.read_text() for p in sorted(mail_dir.iterdir()) if p.is_file()]


def _invite(team: Any, email: str = "newcomer@example.test") -> Invitation:
    return services.invitation_create(
        actor=team.actor("admin"), workspace=team.workspace, email=email, role=Role.VIEWER
    )


# --- the invitation e-mail ------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
@pytest.mark.worker
@pytest.mark.postgres
def test_invitation_email_is_sent_by_the_worker_after_commit(celery_worker: dict, team: Any, client: Any) -> None:
    mail_dir: Path = celery_worker["mail_dir"]
    with transaction.atomic():
        invitation = _invite(team)
        # Still inside the transaction: nothing may be on its way yet. (Had the task been
        # queued now, the worker would look for a row it cannot see and send nothing.)
        log = WorkerLog(celery_worker)
        probe = ping.delay()
        assert log.result(probe.id) == "'pong'"
        assert "Task pmtool.send_invitation_email[" not in log.text()
        assert mails(mail_dir) == []

    sent = wait_for(lambda: Invitation.objects.filter(pk=invitation.pk, sent_at__isnull=False).first())
    assert sent.sent_at >= invitation.created_at
    (message,) = wait_for(lambda: mails(mail_dir))
    assert "To: newcomer@example.test" in message
    assert "Subject: You are invited to Acme on pmtool" in message
    assert "Task pmtool.send_invitation_email[" in log.text()

    # The link in the e-mail works.
    url = re.search(r"http://testserver(/invitations/\S+/)", message).group(1)
    page = client.get(url)
    assert page.status_code == 200
    assert "Join Acme" in page.content.decode()


@pytest.mark.django_db(transaction=True)
@pytest.mark.worker
@pytest.mark.postgres
def test_rolled_back_invitation_sends_nothing(celery_worker: dict, team: Any) -> None:
    log = WorkerLog(celery_worker)

    class Abort(Exception):
        pass

    with pytest.raises(Abort), transaction.atomic():
        _invite(team)
        raise Abort

    # The worker handles its queue in order: once a later ping is answered, anything
    # queued before it has been handled too.
    assert log.result(ping.delay().id) == "'pong'"
    assert "Task pmtool.send_invitation_email[" not in log.text()
    assert mails(celery_worker["mail_dir"]) == []
    assert not Invitation.objects.exists()


@pytest.mark.django_db(transaction=True)
@pytest.mark.worker
@pytest.mark.postgres
def test_invitation_task_is_safe_to_run_twice(celery_worker: dict, team: Any, client: Any) -> None:
    mail_dir: Path = celery_worker["mail_dir"]
    log = WorkerLog(celery_worker)
    invitation = _invite(team)
    first_sent = wait_for(lambda: Invitation.objects.get(pk=invitation.pk).sent_at)
    wait_for(lambda: len(mails(mail_dir)) == 1)

    # Delivered again (a retry, or acks_late redelivery): the invitation is not mailed twice.
    again = send_invitation_email.delay(invitation.pk)
    assert log.result(again.id) == "False"
    invitation.refresh_from_db()
    assert invitation.sent_at == first_sent
    assert invitation.is_pending
    assert Invitation.objects.count() == 1
    assert len(mails(mail_dir)) == 1

    # An admin's explicit re-send mails it again, with the same still-valid link.
    services.invitation_resend(actor=team.actor("admin"), invitation=invitation)
    wait_for(lambda: len(mails(mail_dir)) == 2)
    assert wait_for(lambda: Invitation.objects.get(pk=invitation.pk).sent_at > first_sent)
    links = {re.search(r"http://testserver(/invitations/\S+/)", m).group(1) for m in mails(mail_dir)}
    assert all(client.get(link).status_code == 200 for link in links)


@pytest.mark.django_db(transaction=True)
@pytest.mark.worker
@pytest.mark.postgres
def test_task_for_a_gone_or_revoked_invitation_does_nothing(celery_worker: dict, team: Any) -> None:
    mail_dir: Path = celery_worker["mail_dir"]
    log = WorkerLog(celery_worker)
    invitation = _invite(team)
    wait_for(lambda: mails(mail_dir))
    services.invitation_revoke(actor=team.actor("admin"), invitation=invitation)

    assert log.result(send_invitation_email.delay(invitation.pk).id) == "False"
    assert log.result(send_invitation_email.delay(987654321).id) == "False"
    assert len(mails(mail_dir)) == 1
    assert "Traceback" not in log.text()


@pytest.mark.django_db(transaction=True)
@pytest.mark.worker
@pytest.mark.postgres
def test_ping_task_answers_pong_through_the_worker(celery_worker: dict) -> None:
    log = WorkerLog(celery_worker)
    result = ping.delay()
    assert log.result(result.id) == "'pong'"
    assert f"Task pmtool.ping[{result.id}] received" in log.text()


def test_tasks_are_configured_to_be_retried_safely() -> None:
    for task in (send_invitation_email, resend_invitation_email):
        assert task.acks_late is True
        assert task.max_retries and task.max_retries > 0
        assert task.time_limit and task.soft_time_limit and task.soft_time_limit < task.time_limit
        assert ConnectionError in task.autoretry_for


# --- /healthz ---------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
@pytest.mark.worker
@pytest.mark.postgres
def test_healthz_reports_database_redis_and_worker_ok(
    celery_worker: dict, redis_url: str, settings: Any, client: Any
) -> None:
    settings.REDIS_URL = redis_url
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert "no-cache" in response["Cache-Control"] or "max-age=0" in response["Cache-Control"]
    report = response.json()
    assert report["status"] == "ok"
    assert report["overall"] == "ok"
    assert report["database"]["status"] == "ok"
    assert report["database"]["vendor"] == "postgresql"
    assert report["redis"]["status"] == "ok"
    assert report["worker"]["status"] == "ok"
    assert report["worker"]["workers"] >= 1


@pytest.mark.django_db
def test_healthz_without_redis_runs_tasks_in_process(settings: Any, client: Any) -> None:
    settings.REDIS_URL = ""
    response = client.get("/healthz")
    assert response.status_code == 200
    report = response.json()
    assert report["status"] == "ok"
    assert report["database"]["status"] == "ok"
    assert report["redis"]["status"] == "not_configured"
    assert report["worker"]["status"] == "in_process"


@pytest.mark.django_db
def test_healthz_with_redis_down_is_503(settings: Any, client: Any) -> None:
    settings.REDIS_URL = "redis://127.0.0.1:1/0"
    response = client.get("/healthz")
    assert response.status_code == 503
    report = response.json()
    assert report["status"] == "down"
    assert report["database"]["status"] == "ok"
    assert report["redis"]["status"] == "down"
    assert report["redis"]["error"]
    assert report["worker"]["status"] == "unknown"


@pytest.mark.django_db
@pytest.mark.redis
def test_healthz_with_redis_but_no_worker_is_degraded_not_down(redis_url: str, settings: Any, client: Any) -> None:
    """No worker: tasks queue up, but web stays in rotation (200, overall "degraded")."""
    from pmtool.celery import app

    # A Redis database no test worker listens on, so no other worker can answer.
    parts = urlsplit(redis_url)
    lonely = urlunsplit(parts._replace(path="/13"))
    settings.REDIS_URL = lonely
    saved = app.conf.broker_url
    app.conf.update(CELERY_BROKER_URL=lonely)
    _reset_broker_pool(app)
    try:
        response = client.get("/healthz")
    finally:
        app.conf.update(CELERY_BROKER_URL=saved)
        _reset_broker_pool(app)
    assert response.status_code == 200
    report = response.json()
    assert report["status"] == "ok"
    assert report["overall"] == "degraded"
    assert report["redis"]["status"] == "ok"
    assert report["worker"]["status"] == "down"


def test_healthz_only_answers_get(client: Any) -> None:
    assert client.post("/healthz").status_code == 405
