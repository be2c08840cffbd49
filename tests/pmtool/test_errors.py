"""Database errors caused by concurrent writes become a 409, not a 500 (pmtool.errors.concurrency_conflict)."""

from __future__ import annotations

import threading
from typing import Any

import pytest
from django.db import OperationalError, connections, transaction

from pmtool.errors import Conflict, concurrency_conflict
from pmtool.models import Product
from tests.factories import ProductFactory


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_real_deadlock_maps_to_a_conflict(team: Any) -> None:
    first, second = ProductFactory(workspace=team.workspace), ProductFactory(workspace=team.workspace)
    barrier = threading.Barrier(2, timeout=10)
    errors: list[BaseException] = []

    def lock(a: int, b: int) -> None:
        try:
            with transaction.atomic():
                Product.objects.select_for_update().get(pk=a)
                barrier.wait()
                Product.objects.select_for_update().get(pk=b)
        except OperationalError as error:
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=lock, args=pair) for pair in ((first.pk, second.pk), (second.pk, first.pk))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(20)

    assert len(errors) == 1  # PostgreSQL broke the deadlock by failing one of the two
    conflict = concurrency_conflict(errors[0])
    assert isinstance(conflict, Conflict)
    assert conflict.status_code == 409
    assert conflict.code == "concurrent_write"


def test_other_errors_are_left_alone() -> None:
    assert concurrency_conflict(OperationalError("connection refused")) is None
    assert concurrency_conflict(ValueError("x")) is None
