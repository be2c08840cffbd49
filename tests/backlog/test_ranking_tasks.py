"""The re-key task on a real Celery worker (Redis broker, the test database): a move that makes a
key longer than KEY_LONG marks the product and enqueues `backlog.rekey_product` after commit; the
worker gives the product even keys in the same order and clears the mark."""

from __future__ import annotations

import pytest

from backlog.models import BacklogSettings, Feature
from backlog.services.ranking import feature_move
from pmtool.ranking import KEY_LONG, even_keys
from tests.conftest import wait_for
from tests.factories import FeatureFactory


@pytest.mark.postgres
def test_a_long_key_is_rekeyed_by_the_worker(team, product, celery_worker):
    low = FeatureFactory(product=product, rank="a0")
    high = FeatureFactory(product=product, rank="a0" + "0" * (KEY_LONG + 2) + "1")
    mover = FeatureFactory(product=product)

    moved = feature_move(actor=team.actor("editor"), feature_id=mover.pk, after_id=low.pk, before_id=high.pk)
    assert len(moved.rank) > KEY_LONG

    def rekeyed() -> bool:
        ranks = list(Feature.objects.filter(product=product).order_by("rank").values_list("rank", flat=True))
        return ranks == even_keys(3)

    wait_for(rekeyed, timeout=30)
    order = list(Feature.objects.filter(product=product).order_by("rank").values_list("id", flat=True))
    assert order == [low.pk, mover.pk, high.pk]
    wait_for(lambda: BacklogSettings.objects.get(product=product).rekey_requested_at is None, timeout=10)
