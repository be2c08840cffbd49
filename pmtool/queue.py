"""Side effects after commit, by name: the one place that calls a task's `.delay()`.

Owns `enqueue_on_commit(task, *ids)`: the task is sent once the current transaction commits (at
once outside one), with ids only (ints or strings: a task fetches what it needs, so a retried or
late task never works on a stale copy). With no broker (the embedded default,
CELERY_TASK_ALWAYS_EAGER) `.delay()` runs the task in-process after the commit: the same path.

A low module on purpose: it imports no services and no tasks module, so services can schedule
tasks without the services ↔ tasks import cycles.
"""

from __future__ import annotations

from typing import Protocol

from django.db import transaction

TaskArg = int | str


class Task(Protocol):
    """What a Celery task offers here (celery ships no types)."""

    name: str

    def delay(self, *args: TaskArg) -> object: ...


def _id(task: Task, value: object) -> TaskArg:
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise TypeError(f"{task.name}: tasks take ids (int or str), not {type(value).__name__} {value!r}")
    return value


def enqueue_on_commit(task: Task, *ids: TaskArg, using: str | None = None, robust: bool = False) -> None:
    """Send `task(*ids)` once the current transaction commits; refuse anything but int/str ids.

    `robust=True`: an error while sending (or, in-process, while running) the task is logged, not
    raised into the request that committed (Django's `on_commit(robust=True)`)."""
    args = tuple(_id(task, value) for value in ids)

    def send() -> None:
        task.delay(*args)

    send.__qualname__ = f"{task.name}.delay"  # named in Django's log of a robust callback's error
    transaction.on_commit(send, using=using, robust=robust)
