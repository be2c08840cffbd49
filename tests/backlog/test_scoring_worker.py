"""The scorecard recompute through a real Celery worker on Redis (tests/conftest.py `celery_worker`):
a burst of weight changes coalesces into few recomputes with the right final scores, and a
recompute that finds the product's lock taken retries about a second later instead of waiting or
dropping the request."""

from __future__ import annotations

import re
import threading
import time
from typing import Any

import pytest
from django.db import connections

from backlog.models import BacklogSettings, CriterionValue, Feature, ScoreCause, ScoreEvent
from backlog.scoring import RECOMPUTE_LOCK_NAMESPACE
from backlog.services.scorecard import criterion_create, criterion_update
from tests.factories import FeatureFactory

from ..conftest import wait_for
from ..pmtool.test_tasks import WorkerLog

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.worker, pytest.mark.postgres]


def _computed(product: Any) -> bool:
    settings = BacklogSettings.objects.get(product=product)
    return settings.scores_computed_at is not None and settings.scores_computed_at >= settings.scores_requested_at


def _scorecard(team: Any, product: Any, features: int = 30) -> tuple[Any, Any, list[Feature]]:
    actor = team.actor()
    value = criterion_create(actor=actor, product=product, name="Value", weight=1)
    risk = criterion_create(actor=actor, product=product, name="Risk", weight=1, direction="cost")
    rows = FeatureFactory.create_batch(features, product=product)
    CriterionValue.objects.bulk_create(
        [CriterionValue(feature=f, criterion=value, value=1 + i % 5) for i, f in enumerate(rows)]
        + [CriterionValue(feature=f, criterion=risk, value=1 + (i * 3) % 5) for i, f in enumerate(rows)]
    )
    return value, risk, rows


def test_a_burst_of_weight_changes_coalesces_into_few_recomputes(celery_worker, team, product):
    value, _risk, rows = _scorecard(team, product)
    wait_for(lambda: _computed(product), timeout=30)
    runs_before = ScoreEvent.objects.filter(product=product, cause=ScoreCause.RECOMPUTE).count()
    for weight in range(2, 22):  # 20 changes, each its own transaction and its own task
        value.refresh_from_db()
        criterion_update(actor=team.actor("editor"), criterion_id=value.pk, version=value.version, weight=weight)
    wait_for(lambda: _computed(product), timeout=30)
    runs = ScoreEvent.objects.filter(product=product, cause=ScoreCause.RECOMPUTE).count() - runs_before
    print(f"burst: 20 weight changes, {runs} recompute(s)")
    assert 1 <= runs <= 5, runs
    answered = [
        change["weight"]["to"]
        for event in ScoreEvent.objects.filter(product=product, cause=ScoreCause.RECOMPUTE).order_by("id")
        for change in event.detail["answers"]
        if isinstance(change.get("weight"), dict)
    ]
    assert answered == list(range(2, 22))  # every change answered once, in order
    for i, feature in enumerate(Feature.objects.filter(pk__in=[f.pk for f in rows]).order_by("rank")):
        v, r = 1 + i % 5, 1 + (i * 3) % 5
        assert feature.scorecard_score == pytest.approx(100 * (21 * (v - 1) / 4 + (5 - r) / 4) / 22)


def test_a_recompute_finding_the_lock_taken_retries_shortly(celery_worker, team, product):
    value, _risk, _rows = _scorecard(team, product, features=3)
    wait_for(lambda: _computed(product), timeout=30)
    log = WorkerLog(celery_worker)
    held, release = threading.Event(), threading.Event()

    def hold() -> None:
        other = connections.create_connection("default")
        try:
            with other.cursor() as cursor:
                cursor.execute("BEGIN")
                cursor.execute("SELECT pg_advisory_xact_lock(%s, hashint8(%s))", [RECOMPUTE_LOCK_NAMESPACE, product.pk])
                held.set()
                release.wait(30)
                cursor.execute("COMMIT")
        finally:
            other.close()

    thread = threading.Thread(target=hold)
    thread.start()
    try:
        assert held.wait(10)
        criterion_update(actor=team.actor(), criterion_id=value.pk, version=value.version, weight=5)
        wait_for(lambda: log.text().count("Retry in 1") >= 2, timeout=20)  # retried, neither waiting nor dropped
        assert not _computed(product)
    finally:
        release.set()
        thread.join()
    wait_for(lambda: _computed(product), timeout=20)
    assert ScoreEvent.objects.filter(product=product, cause=ScoreCause.RECOMPUTE).latest("id").detail["answers"][0][
        "weight"
    ] == {"from": 1, "to": 5}


def test_a_failing_product_is_retried_with_backoff_and_blocks_no_other(celery_worker, team, product):
    """Product A's recompute fails in the database (a trigger refuses its recompute event: the real
    failure path, no mock); product B, queued behind it, is recomputed meanwhile; A is retried with
    a growing countdown and succeeds once the failure is gone."""
    from django.db import connection

    from tests.factories import ProductFactory

    other = ProductFactory(workspace=team.workspace, name="Beacon", slug="beacon")
    value, _risk, _rows = _scorecard(team, product, features=3)
    other_value, _, _ = _scorecard(team, other, features=3)
    wait_for(lambda: _computed(product) and _computed(other), timeout=30)
    log = WorkerLog(celery_worker)
    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE FUNCTION refuse_recompute() RETURNS trigger AS $$ BEGIN "
            f"IF NEW.cause = 'recompute' AND NEW.product_id = {int(product.pk)} "
            "THEN RAISE EXCEPTION 'refused for the test'; END IF; RETURN NEW; END $$ LANGUAGE plpgsql"
        )
        cursor.execute(
            "CREATE TRIGGER refuse_recompute BEFORE INSERT ON backlog_scoreevent "
            "FOR EACH ROW EXECUTE FUNCTION refuse_recompute()"
        )
    try:
        criterion_update(actor=team.actor(), criterion_id=value.pk, version=value.version, weight=3)
        criterion_update(actor=team.actor(), criterion_id=other_value.pk, version=other_value.version, weight=3)
        wait_for(lambda: _computed(other), timeout=20)  # B is not held up by A
        wait_for(lambda: len(re.findall(r"Retry in (\d+)s", log.text())) >= 2, timeout=30)
        assert not _computed(product)
        assert "refused for the test" in log.text()
        # Backoff, not a hot loop: a handful of retries in these seconds, never hundreds.
        time.sleep(3)
        assert len(re.findall(r"Retry in (\d+)s", log.text())) <= 6
    finally:
        with connection.cursor() as cursor:
            cursor.execute("DROP TRIGGER refuse_recompute ON backlog_scoreevent")
            cursor.execute("DROP FUNCTION refuse_recompute()")
    wait_for(lambda: _computed(product), timeout=40)  # a later retry succeeds
