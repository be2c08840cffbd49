"""Two transactions at once, in a fixed order (PostgreSQL, `transactional_db`): `race(hold, then)`
runs `hold` in a transaction that stays open, starts `then` in a second thread, waits until that
one is blocked on a lock (or has finished), then lets the first commit. What each side raised is
returned, not raised, for the test to assert on."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from django.db import connection, connections, transaction


@dataclass
class Race:
    errors: dict[str, BaseException] = field(default_factory=dict)
    """What `hold` ("hold") and `then` ("then") raised, by side."""
    waited: bool = False
    """Whether `then` was seen blocked on a lock while `hold`'s transaction was open."""


def race(hold: Callable[[], object], then: Callable[[], object], *, timeout: float = 10) -> Race:
    result = Race()
    holding, release = threading.Event(), threading.Event()

    def side(name: str, body: Callable[[], object], *, held: bool) -> None:
        try:
            if held:
                with transaction.atomic():
                    body()
                    holding.set()
                    release.wait(timeout)
            else:
                body()
        except BaseException as error:  # noqa: BLE001 - returned to the test
            result.errors[name] = error
        finally:
            holding.set()
            connections.close_all()

    first = threading.Thread(target=side, args=("hold", hold), kwargs={"held": True})
    first.start()
    assert holding.wait(timeout)
    second = threading.Thread(target=side, args=("then", then), kwargs={"held": False})
    second.start()
    with connection.cursor() as cursor:
        for _ in range(int(timeout / 0.05)):
            cursor.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND datname = current_database()"
            )
            if cursor.fetchone()[0]:
                result.waited = True
                break
            if not second.is_alive():
                break
            time.sleep(0.05)
    release.set()
    first.join(timeout + 5)
    second.join(timeout + 5)
    assert not first.is_alive() and not second.is_alive(), "a side of the race never finished"
    return result
