"""Shared fixtures.

Real services: PostgreSQL (DATABASE_URL, set by scripts/test.sh), Redis
(TEST_REDIS_URL), a Celery worker process, Debian's chromium. A test that needs
one that is missing is skipped on a developer machine and FAILS with CI=true.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from django.db import connection
from rest_framework.test import APIClient

from pmtool.activity import Actor
from pmtool.models import Membership, Role, User, Workspace

from .factories import ProductFactory, UserFactory, WorkspaceFactory

IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}
ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")


def require(condition: bool, what: str) -> None:
    """Skip when `what` is missing on a developer machine; fail in CI."""
    if condition:
        return
    if IN_CI:
        pytest.fail(f"{what} is required in CI (CI=true) but is not available", pytrace=False)
    pytest.skip(f"{what} not available")


@pytest.fixture
def require_postgres() -> None:
    require(connection.vendor == "postgresql", "PostgreSQL (DATABASE_URL)")


@pytest.fixture(autouse=True)
def _markers(request: pytest.FixtureRequest) -> None:
    if request.node.get_closest_marker("postgres"):
        request.getfixturevalue("require_postgres")


@pytest.fixture(autouse=True)
def _celery_eager() -> Iterator[None]:
    """Unit tests run tasks in-process (the embedded mode's path)."""
    from pmtool.celery import app

    # The app reads Django's CELERY_* settings (namespace "CELERY"): the prefixed key is the one
    # that counts; `app.conf.task_always_eager = True` would be shadowed by it.
    app.conf.update(CELERY_TASK_ALWAYS_EAGER=True)
    yield


# --- people and workspaces ------------------------------------------------------


@dataclass
class Team:
    """A workspace with one member of each role, and an outsider with a workspace of their own."""

    workspace: Workspace
    admin: User
    editor: User
    viewer: User
    outsider: User
    other_workspace: Workspace

    def user(self, who: str) -> User | None:
        return None if who == "anonymous" else getattr(self, who)

    def actor(self, who: str = "admin") -> Actor:
        return Actor(user=getattr(self, who))


@pytest.fixture
def team(db: Any) -> Team:
    workspace = WorkspaceFactory(name="Acme", slug="acme")
    users = {}
    for role in (Role.ADMIN, Role.EDITOR, Role.VIEWER):
        users[role] = UserFactory(email=f"{role}@acme.test", name=role.title())
        Membership.objects.create(workspace=workspace, user=users[role], role=role)
    outsider = UserFactory(email="outsider@other.test", name="Outsider")
    other = WorkspaceFactory(name="Other Co", slug="other")
    Membership.objects.create(workspace=other, user=outsider, role=Role.ADMIN)
    return Team(workspace, users[Role.ADMIN], users[Role.EDITOR], users[Role.VIEWER], outsider, other)


@pytest.fixture
def product(team: Team) -> Any:
    return ProductFactory(workspace=team.workspace, name="Atlas", slug="atlas")


@pytest.fixture
def signed_in(client: Any, team: Team) -> Any:
    """signed_in("editor") -> the test client, signed in as that member of `team` (pages' tests)."""

    def sign_in(who: str) -> Any:
        client.force_login(getattr(team, who))
        return client

    return sign_in


@pytest.fixture
def api() -> APIClient:
    return APIClient()


def api_client(user: User | None) -> APIClient:
    client = APIClient()
    if user is not None:
        client.force_authenticate(user)
    return client


@pytest.fixture
def api_as() -> Any:
    return api_client


# --- Redis and a real Celery worker ----------------------------------------------


@pytest.fixture(scope="session")
def redis_url() -> str:
    url = os.environ.get("TEST_REDIS_URL", "")
    ok = False
    if url:
        import redis

        try:
            redis.Redis.from_url(url, socket_connect_timeout=1).ping()
            ok = True
        except redis.RedisError:
            ok = False
    require(ok, "Redis (TEST_REDIS_URL)")
    return url


def _reset_broker_pool(app: Any) -> None:
    """Forget the app's broker connections, so the next send connects to the current
    broker_url. (`app.pool.force_close_all()` alone leaves the app holding a closed
    pool: every later send fails with "Acquire on closed pool".)"""
    from kombu import pools

    pools.reset()
    app._pool = None
    app.amqp._producer_pool = None


@pytest.fixture
def celery_worker(transactional_db: Any, redis_url: str, settings: Any) -> Iterator[dict[str, Any]]:
    """A real `celery worker` process on Redis, using the test database.

    Tasks are sent to a queue private to this test run; the app switches from
    in-process to the broker for the duration of the test.
    """
    from pmtool.celery import app

    db = connection.settings_dict
    if connection.vendor == "postgresql":
        database_url = (
            f"postgres://{db['USER'] or 'postgres'}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"
        )
    else:
        require(False, "PostgreSQL for the worker test (SQLite test databases live in memory)")
    queue = f"pmtool-test-{uuid.uuid4().hex[:8]}"
    mail_dir = Path(os.environ.get("PMTOOL_TEST_TMP", "/tmp")) / f"pmtool-mail-{queue}"
    mail_dir.mkdir(parents=True, exist_ok=True)
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "pmtool.settings",
        "DEBUG": "0",
        "SECRET_KEY": settings.SECRET_KEY,
        "DATABASE_URL": database_url,
        "DB_CONN_MAX_AGE": "0",
        "REDIS_URL": redis_url,
        "CELERY_QUEUE": queue,
        "EMAIL_URL": f"filemail://{mail_dir}",
        "PMTOOL_BASE_URL": "http://testserver",
    }
    worker = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "pmtool",
            "worker",
            "-P",
            "solo",
            "-Q",
            queue,
            "-l",
            "INFO",
            "-n",
            f"{queue}@%h",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    saved = {f"CELERY_{k.upper()}": app.conf[k] for k in ("broker_url", "task_always_eager", "task_default_queue")}
    app.conf.update(CELERY_BROKER_URL=redis_url, CELERY_TASK_ALWAYS_EAGER=False, CELERY_TASK_DEFAULT_QUEUE=queue)
    _reset_broker_pool(app)
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if worker.poll() is not None:
                pytest.fail(f"celery worker exited early:\n{worker.stdout.read() if worker.stdout else ''}")
            if app.control.ping(destination=[f"{queue}@{os.uname().nodename}"], timeout=0.5):
                break
        else:
            pytest.fail("celery worker did not answer a ping within 30 s")
        yield {"queue": queue, "mail_dir": mail_dir, "process": worker}
    finally:
        app.conf.update(**saved)
        _reset_broker_pool(app)
        worker.terminate()
        try:
            worker.wait(timeout=10)
        except subprocess.TimeoutExpired:
            worker.kill()
        shutil.rmtree(mail_dir, ignore_errors=True)


def wait_for(predicate: Any, *, timeout: float = 20.0, interval: float = 0.1) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError(f"condition not met within {timeout} s")
