"""pmtool.queue.enqueue_on_commit: tasks leave after commit (in-process without a broker, through a
real worker with one), ids only, a low module, and the one place that calls `.delay()`."""

from __future__ import annotations

import ast
import datetime as dt
import secrets
from pathlib import Path
from typing import Any

import pytest
from django.core import mail
from django.db import transaction
from django.utils import timezone

from pmtool.models import Invitation, Role
from pmtool.queue import enqueue_on_commit
from pmtool.tasks import send_invitation_email

from ..conftest import ROOT, wait_for
from .test_tasks import mails

pytestmark = pytest.mark.postgres


def _invitation(team: Any) -> Invitation:
    """An invitation row without the service (whose own e-mail task would muddle the count)."""
    return Invitation.objects.create(
        workspace=team.workspace,
        email="newcomer@example.test",
        role=Role.VIEWER,
        nonce=secrets.token_urlsafe(16),
        invited_by=team.admin,
        expires_at=timezone.now() + dt.timedelta(days=7),
    )


@pytest.mark.django_db(transaction=True)
def test_without_a_broker_the_task_runs_in_process_after_commit_only(team: Any) -> None:
    with transaction.atomic():
        invitation = _invitation(team)
        enqueue_on_commit(send_invitation_email, invitation.pk)
        assert mail.outbox == []  # still inside the transaction
    assert [m.to for m in mail.outbox] == [["newcomer@example.test"]]
    assert Invitation.objects.get(pk=invitation.pk).sent_at is not None


@pytest.mark.django_db(transaction=True)
def test_a_rolled_back_transaction_sends_nothing(team: Any) -> None:
    class Abort(Exception):
        pass

    invitation = _invitation(team)
    with pytest.raises(Abort), transaction.atomic():
        enqueue_on_commit(send_invitation_email, invitation.pk)
        raise Abort
    assert mail.outbox == []


@pytest.mark.parametrize("bad", [None, True, 1.5, [1, 2], {"id": 1}, b"1"])
@pytest.mark.django_db
def test_only_int_or_str_ids_are_accepted(team: Any, bad: Any, django_capture_on_commit_callbacks: Any) -> None:
    with django_capture_on_commit_callbacks() as callbacks, pytest.raises(TypeError, match="tasks take ids"):
        enqueue_on_commit(send_invitation_email, bad)
    assert callbacks == []


@pytest.mark.django_db(transaction=True)
@pytest.mark.worker
def test_with_a_broker_a_real_worker_runs_it_after_commit(celery_worker: dict, team: Any) -> None:
    with transaction.atomic():
        invitation = _invitation(team)
        enqueue_on_commit(send_invitation_email, invitation.pk)
    assert wait_for(lambda: Invitation.objects.filter(pk=invitation.pk, sent_at__isnull=False).first())
    (message,) = wait_for(lambda: mails(celery_worker["mail_dir"]))
    assert "To: newcomer@example.test" in message


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text())
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            names.add("." * node.level + (node.module or ""))
            names.update(f"{node.module or ''}.{alias.name}" for alias in node.names)
    return names


def test_the_queue_module_imports_no_services_and_no_tasks() -> None:
    imported = _imports(ROOT / "pmtool" / "queue.py")
    assert not [name for name in imported if "services" in name or "tasks" in name or "rollups" in name]


def _delay_calls(root: Path = ROOT) -> list[str]:
    """`x.delay(...)` calls in the project's code (not tests: they probe the worker directly)."""
    found = []
    for path in sorted(root.rglob("*.py")):
        relative = path.relative_to(root)
        if relative.parts[0] in {".venv", "tests", "var", "staticfiles"} or relative == Path("pmtool/queue.py"):
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "delay":
                found.append(f"{relative}:{node.lineno}")
    return found


def test_the_scan_finds_delay_calls(tmp_path: Path) -> None:
    """The scan below can fail: it sees a `.delay(` call (and not one in a comment or string)."""
    (tmp_path / "app").mkdir()
    (tmp_path / "app" / "services.py").write_text(
        "# task.delay(1)\ntext = 'x.delay(2)'\ntransaction.on_commit(lambda: task.delay(3))\n"
    )
    (tmp_path / "tests").mkdir()
    (tmp_path / "tests" / "test_x.py").write_text("ping.delay()\n")
    assert _delay_calls(tmp_path) == ["app/services.py:3"]


def test_delay_is_called_only_by_enqueue_on_commit() -> None:
    assert _delay_calls() == []
