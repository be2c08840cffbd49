"""Concurrent moves from several OS processes against PostgreSQL, each with its own connection to
the test database: afterwards the order is a consistent total order (every feature once, keys
strictly increasing, no duplicates), no move was lost (each feature's version counts its moves,
one ScoreEvent per successful move), and replaying the successful moves in the order they
committed gives exactly the order in the database."""

from __future__ import annotations

import multiprocessing
import random
from typing import Any

import pytest
from django.db import connections

from backlog.models import Feature, ScoreEvent
from pmtool.activity import Actor
from pmtool.errors import Conflict
from tests.factories import FeatureFactory

PROCESSES = 4
MOVES = 40
FEATURES = 25


def _mover(seed: int, product_id: int, results: Any) -> None:
    """One process: random moves, each named from a fresh read of the order (so some go stale)."""
    from backlog.services.ranking import feature_move

    connections.close_all()  # forked: open a connection of its own (the parent closed its own first)
    rng = random.Random(seed)
    done = stale = 0
    try:
        for _ in range(MOVES):
            order = list(Feature.objects.filter(product_id=product_id).order_by("rank").values_list("id", flat=True))
            mover = rng.choice(order)
            rest = [i for i in order if i != mover]
            kind = rng.random()
            if kind < 0.15:
                body: dict[str, Any] = {"to": rng.choice(["top", "bottom"])}
            elif kind < 0.3:
                body = rng.choice([{"after_id": rng.choice(rest)}, {"before_id": rng.choice(rest)}])
            else:
                i = rng.randrange(len(rest) - 1)
                body = {"after_id": rest[i], "before_id": rest[i + 1]}
            try:
                feature_move(actor=Actor.for_system(f"mover {seed}"), feature_id=mover, **body)
                done += 1
            except Conflict:
                stale += 1
        results.put(("ok", seed, done, stale))
    except Exception as exc:  # noqa: BLE001 - reported to the parent, which fails the test
        results.put(("error", seed, repr(exc), 0))
    finally:
        connections.close_all()


@pytest.mark.postgres
def test_concurrent_moves_keep_a_consistent_total_order(transactional_db: Any, product: Any) -> None:
    features = [FeatureFactory(product=product, title=f"F{i}") for i in range(FEATURES)]
    initial = [f.pk for f in features]
    connections.close_all()
    context = multiprocessing.get_context("fork")
    results = context.Queue()
    workers = [context.Process(target=_mover, args=(seed, product.pk, results)) for seed in range(PROCESSES)]
    for worker in workers:
        worker.start()
    reports = [results.get(timeout=180) for _ in workers]
    for worker in workers:
        worker.join(timeout=30)
        assert worker.exitcode == 0
    errors = [r for r in reports if r[0] != "ok"]
    assert not errors, errors
    done = sum(r[2] for r in reports)
    assert done > PROCESSES * MOVES // 3, reports  # most moves went through; some were stale

    rows = list(Feature.objects.filter(product=product).order_by("rank").values_list("id", "rank", "version"))
    ids = [pk for pk, _, _ in rows]
    ranks = [rank for _, rank, _ in rows]
    assert sorted(ids) == sorted(initial)  # every feature once
    assert ranks == sorted(ranks) and len(set(ranks)) == len(ranks)  # byte-wise strictly increasing
    assert sum(version - 1 for _, _, version in rows) == done  # no move lost its write
    events = list(ScoreEvent.objects.filter(product=product).order_by("id").values_list("detail", flat=True))
    assert len(events) == done

    replay = list(initial)  # the successful moves, in commit order (ids are taken under the lock)
    for detail in events:
        replay.remove(detail["feature"])
        place = 0 if detail["after_id"] is None else replay.index(detail["after_id"]) + 1
        if detail["before_id"] is not None:
            assert replay[place] == detail["before_id"], detail
        replay.insert(place, detail["feature"])
    assert replay == ids
