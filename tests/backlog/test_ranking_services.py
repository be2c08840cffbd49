"""backlog.services.ranking: moves (the neighbour contract, one row written, 409 with the current
neighbours, history and activity) and the re-key (one statement, same order, even keys)."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from backlog.models import BacklogSettings, Feature, ScoreCause, ScoreEvent, ScoreHistory
from backlog.services import ranking
from backlog.services.ranking import feature_move, features_rekey
from pmtool.activity import Actor
from pmtool.errors import Conflict, NotFound, ValidationError
from pmtool.models import ActivityEvent
from pmtool.ranking import KEY_LONG, even_keys, key_between
from tests.factories import FeatureFactory, ProductFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def actor(team: Any) -> Actor:
    return team.actor("editor")


@pytest.fixture
def five(product: Any) -> list[Feature]:
    return [FeatureFactory(product=product, title=f"F{i}") for i in range(5)]


def order(product: Any) -> list[int]:
    return list(Feature.objects.filter(product=product).order_by("rank").values_list("id", flat=True))


def ids(features: list[Feature]) -> list[int]:
    return [f.pk for f in features]


_WRITE_TO_FEATURES = re.compile(r'^\s*(UPDATE|INSERT INTO|DELETE FROM)\s+"?backlog_feature"?\s', re.IGNORECASE)


def writes_to_features(queries: CaptureQueriesContext) -> list[str]:
    """The statements that wrote to backlog_feature (not to its neighbours' tables)."""
    return [q["sql"] for q in queries.captured_queries if _WRITE_TO_FEATURES.match(q["sql"])]


def test_move_between_two_neighbours_writes_one_row(actor, product, five):
    a, b, c, d, e = five
    with CaptureQueriesContext(connection) as queries:
        moved = feature_move(actor=actor, feature_id=e.pk, after_id=a.pk, before_id=b.pk)
    assert order(product) == ids([a, e, b, c, d])
    writes = writes_to_features(queries)
    assert len(writes) == 1 and writes[0].lstrip().startswith("UPDATE"), writes
    assert moved.version == 2 and a.rank < moved.rank < b.rank
    assert moved.neighbours.as_dict() == {"after_id": a.pk, "before_id": b.pk}
    row = Feature.objects.get(pk=e.pk)
    assert (row.rank, row.version, row.updated_by) == (moved.rank, 2, actor.user)
    others = Feature.objects.exclude(pk=e.pk).values_list("version", flat=True)
    assert set(others) == {1}


def test_move_records_a_score_event_history_row_and_activity(actor, product, five):
    a, _, c, _, _ = five
    old = c.rank
    moved = feature_move(actor=actor, feature_id=c.pk, after_id=None, before_id=a.pk)
    event = ScoreEvent.objects.get()
    assert event.cause == ScoreCause.MOVED and event.actor_user == actor.user and event.product_id == product.pk
    assert event.detail == {"feature": c.pk, "from": old, "to": moved.rank, "after_id": None, "before_id": a.pk}
    history = ScoreHistory.objects.get()
    assert (history.event, history.feature_id, history.rank) == (event, c.pk, moved.rank)
    activity = ActivityEvent.objects.get(action="moved")
    assert activity.target_id == c.pk and activity.changes["rank"] == {"from": old, "to": moved.rank}
    assert order(product)[0] == c.pk


@pytest.mark.parametrize(("to", "expected"), [("top", [4, 0, 1, 2, 3]), ("bottom", [0, 1, 2, 3, 4])])
def test_move_to_an_end_without_neighbours(actor, product, five, to, expected):
    if to == "bottom":
        feature_move(actor=actor, feature_id=five[4].pk, to="top")
        expected = [0, 1, 2, 3, 4]
    with CaptureQueriesContext(connection) as queries:
        moved = feature_move(actor=actor, feature_id=five[4].pk, to=to)
    assert order(product) == [five[i].pk for i in expected]
    assert len(writes_to_features(queries)) == 1
    assert moved.neighbours.as_dict() == (
        {"after_id": None, "before_id": five[0].pk} if to == "top" else {"after_id": five[3].pk, "before_id": None}
    )


def test_an_end_named_by_its_neighbour(actor, product, five):
    a, b, c, d, e = five
    feature_move(actor=actor, feature_id=b.pk, after_id=e.pk)  # bottom: e is the last
    feature_move(actor=actor, feature_id=d.pk, before_id=a.pk)  # top: a is the first
    assert order(product) == ids([d, a, c, e, b])


def test_moving_to_where_it_is_keeps_the_order(actor, product, five):
    a, b, c, _, _ = five
    feature_move(actor=actor, feature_id=b.pk, after_id=a.pk, before_id=c.pk)
    assert order(product) == ids(five)


@pytest.mark.parametrize(
    "kwargs",
    [
        {},
        {"after_id": None, "before_id": None},
        {"to": "middle"},
        {"to": "top", "after_id": 1},
        {"after_id": "self"},
        {"before_id": "self"},
        {"after_id": "a", "before_id": "a"},
    ],
)
def test_impossible_requests_are_400_and_write_nothing(actor, product, five, kwargs):
    mapping = {"self": five[2].pk, "a": five[0].pk}
    kwargs = {k: mapping.get(v, v) if isinstance(v, str) and k != "to" else v for k, v in kwargs.items()}
    before = order(product)
    with pytest.raises(ValidationError):
        feature_move(actor=actor, feature_id=five[2].pk, **kwargs)
    assert order(product) == before and not ScoreEvent.objects.exists()


def test_unknown_feature_is_404(actor, five):
    with pytest.raises(NotFound):
        feature_move(actor=actor, feature_id=10**12, to="top")


def test_an_archived_feature_does_not_move(actor, product, five):
    Feature.objects.filter(pk=five[1].pk).update(archived_at=timezone.now())
    with pytest.raises(ValidationError) as info:
        feature_move(actor=actor, feature_id=five[1].pk, to="top")
    assert info.value.code == "archived"


def _stale(**kwargs: Any) -> Conflict:
    with pytest.raises(Conflict) as info:
        feature_move(**kwargs)
    assert info.value.code == "stale_neighbours"
    return info.value


def test_stale_neighbours_answer_409_with_the_current_neighbours(actor, product, five):
    a, b, c, d, e = five
    feature_move(actor=actor, feature_id=d.pk, after_id=a.pk, before_id=b.pk)  # someone else: a d b c e
    error = _stale(actor=actor, feature_id=e.pk, after_id=a.pk, before_id=b.pk)
    assert error.current_state == {"after_id": a.pk, "before_id": d.pk}
    assert "before_id" in error.fields
    assert order(product) == ids([a, d, b, c, e])
    # a retry with `current` works
    feature_move(actor=actor, feature_id=e.pk, **error.current_state)
    assert order(product) == ids([a, e, d, b, c])


def test_one_named_neighbour_places_it_right_next_to_it(actor, product, five):
    a, b, c, d, e = five
    moved = feature_move(actor=actor, feature_id=e.pk, before_id=c.pk)  # whatever is above c: b
    assert order(product) == ids([a, b, e, c, d])
    assert moved.neighbours.as_dict() == {"after_id": b.pk, "before_id": c.pk}
    moved = feature_move(actor=actor, feature_id=a.pk, after_id=c.pk)
    assert order(product) == ids([b, e, c, a, d])
    assert moved.neighbours.as_dict() == {"after_id": c.pk, "before_id": d.pk}
    error = _stale(actor=actor, feature_id=a.pk, after_id=10**12)
    assert error.current_state == {"after_id": None, "before_id": None} and "after_id" in error.fields


def test_a_deleted_archived_or_foreign_neighbour_is_stale(actor, product, five):
    a, b, c, _, e = five
    foreign = FeatureFactory(product=ProductFactory(workspace=product.workspace))
    error = _stale(actor=actor, feature_id=e.pk, after_id=foreign.pk, before_id=b.pk)
    assert error.current_state == {"after_id": a.pk, "before_id": b.pk} and "after_id" in error.fields
    Feature.objects.filter(pk=b.pk).update(archived_at=timezone.now())
    error = _stale(actor=actor, feature_id=e.pk, after_id=a.pk, before_id=b.pk)
    assert error.current_state == {"after_id": a.pk, "before_id": c.pk}
    c_id = c.pk
    c.delete()
    error = _stale(actor=actor, feature_id=e.pk, after_id=10**12, before_id=c_id)
    assert error.current_state == {"after_id": None, "before_id": None}
    assert not ScoreEvent.objects.exists()


def test_reversed_neighbours_are_stale(actor, product, five):
    a, b, c, _, _ = five
    error = _stale(actor=actor, feature_id=c.pk, after_id=b.pk, before_id=a.pk)
    assert error.current_state == {"after_id": b.pk, "before_id": five[3].pk}


def test_archived_features_keep_their_rank_and_do_not_count(actor, product, five):
    a, b, c, d, e = five
    Feature.objects.filter(pk=b.pk).update(archived_at=timezone.now())
    moved = feature_move(actor=actor, feature_id=e.pk, after_id=a.pk, before_id=c.pk)  # b between: hidden
    assert a.rank < moved.rank < Feature.objects.get(pk=b.pk).rank < c.rank
    assert order(product) == ids([a, e, b, c, d])
    Feature.objects.filter(pk=d.pk).update(archived_at=timezone.now())
    moved = feature_move(actor=actor, feature_id=a.pk, after_id=c.pk)  # right after c, before archived d
    assert order(product) == ids([e, b, c, a, d])
    assert moved.neighbours.as_dict() == {"after_id": c.pk, "before_id": None}  # d is not a neighbour


def test_repeated_moves_into_one_gap_stay_ordered(actor, product, five):
    a = five[0]
    for _ in range(30):  # the last one goes just below a, again and again: keys halve one gap
        now = order(product)
        feature_move(actor=actor, feature_id=now[-1], after_id=a.pk, before_id=now[1])
        assert order(product)[1] == now[-1]
    ranks = list(Feature.objects.filter(product=product).order_by("rank").values_list("rank", flat=True))
    assert ranks == sorted(ranks) and len(set(ranks)) == len(ranks)


def test_a_long_key_asks_for_a_rekey_once(actor, product, monkeypatch, django_capture_on_commit_callbacks):
    lo = FeatureFactory(product=product, rank="a0")
    hi_key = "a0" + "0" * (KEY_LONG + 2) + "1"
    hi = FeatureFactory(product=product, rank=hi_key)
    mover = FeatureFactory(product=product)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        moved = feature_move(actor=actor, feature_id=mover.pk, after_id=lo.pk, before_id=hi.pk)
    assert len(moved.rank) > KEY_LONG
    assert len(callbacks) == 1  # the re-key ran (in-process) after commit
    ranks = list(Feature.objects.filter(product=product).order_by("rank").values_list("rank", flat=True))
    assert ranks == even_keys(3)
    assert order(product) == [lo.pk, mover.pk, hi.pk]
    assert BacklogSettings.objects.get(product=product).rekey_requested_at is None


def test_a_pending_rekey_is_not_enqueued_again(actor, product, django_capture_on_commit_callbacks):
    BacklogSettings.objects.create(product=product, rekey_requested_at=timezone.now())
    lo = FeatureFactory(product=product, rank="a0")
    hi = FeatureFactory(product=product, rank="a0" + "0" * (KEY_LONG + 2) + "1")
    mover = FeatureFactory(product=product)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        feature_move(actor=actor, feature_id=mover.pk, after_id=lo.pk, before_id=hi.pk)
    assert callbacks == []


# --- re-key ------------------------------------------------------------------------------------


@pytest.mark.postgres
@pytest.mark.parametrize("n", [1, 3, 61, 62, 200])
def test_rekey_is_one_statement_same_order_even_keys(actor, product, n):
    import random

    rng = random.Random(n)
    keys: list[str] = []
    for _ in range(n):  # uneven keys, as moves leave them
        i = rng.randrange(len(keys) + 1)
        keys.insert(i, key_between(keys[i - 1] if i else None, keys[i] if i < len(keys) else None))
    Feature.objects.bulk_create(
        Feature(product=product, title=f"F{i}", rank=k, status_id=FeatureFactory.build(product=product).status_id)
        for i, k in enumerate(keys)
    )
    before = order(product)
    other = FeatureFactory(product=ProductFactory(workspace=product.workspace))
    with CaptureQueriesContext(connection) as queries:
        changed = features_rekey(product_id=product.pk)
    writes = writes_to_features(queries)
    assert len(writes) == 1, writes
    assert order(product) == before
    ranks = list(Feature.objects.filter(product=product).order_by("rank").values_list("rank", flat=True))
    assert ranks == even_keys(n)
    assert changed == sum(1 for old, new in zip(keys, ranks, strict=True) if old != new)
    assert Feature.objects.get(pk=other.pk).rank == other.rank
    assert features_rekey(product_id=product.pk) == 0  # twice: nothing left to change


@pytest.mark.postgres
def test_rekey_passes_through_transient_duplicates(product, five):
    """Keys one place off the even keys: mid-statement a row takes the key its neighbour still
    holds. A non-deferrable unique constraint (checked row by row) refuses that; the deferrable
    one (migration 0003, checked at the end of the statement) does not."""
    Feature.objects.filter(product=product).delete()
    keys = even_keys(5)
    status_id = FeatureFactory.build(product=product).status_id
    # ranks one place off the even keys: row i holds key i+1's value after the rekey
    shifted = [key_between(None, keys[0]), *keys[:-1]]
    Feature.objects.bulk_create(
        Feature(product=product, title=f"F{i}", rank=k, status_id=status_id) for i, k in enumerate(shifted)
    )
    before = order(product)
    features_rekey(product_id=product.pk)
    assert order(product) == before
    assert list(Feature.objects.filter(product=product).order_by("rank").values_list("rank", flat=True)) == keys


def test_rekey_task_runs_the_service(product, five):
    from backlog.tasks import rekey_product

    Feature.objects.filter(pk=five[0].pk).update(rank=key_between(None, "a" + "0" * 40 + "1")[:2] + "0" * 40 + "1")
    rekey_product.delay(product.pk)
    ranks = list(Feature.objects.filter(product=product).order_by("rank").values_list("rank", flat=True))
    assert ranks == even_keys(5)


def test_lock_is_per_product_advisory(product):
    if connection.vendor != "postgresql":
        ranking.lock_product_order(product.pk)  # a no-op on SQLite
        return
    with CaptureQueriesContext(connection) as queries:
        ranking.lock_product_order(product.pk)
    assert "pg_advisory_xact_lock" in queries.captured_queries[0]["sql"]
