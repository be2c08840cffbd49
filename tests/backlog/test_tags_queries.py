"""Query counts of the tag lists (after Zulip's assert_database_query_count): the page and the API,
with 5 tags then 60 (each on features of two products), within the same tight bound and with the
same count."""

from __future__ import annotations

from functools import partial
from itertools import count
from typing import Any

import pytest

from backlog.models import Feature, Tag
from tests.factories import FeatureFactory, ProductFactory
from tests.harness import queries as querycount
from tests.harness.queries import api, ok, page

pytestmark = pytest.mark.django_db

# fmt: off
BOUNDS = {
    # surface          max queries (5 rows or 60); a page's session, user, workspace and switcher are 4
    "page: tags":      7,
    "api: tags":       2,
}
# fmt: on

measure = partial(querycount.measure, BOUNDS)
_seq = count(1)


@pytest.fixture
def features(team: Any, product: Any) -> list[Feature]:
    beacon = ProductFactory(workspace=team.workspace, name="Beacon", slug="beacon")
    return [FeatureFactory(product=product), FeatureFactory(product=beacon), FeatureFactory(product=product)]


def add_tags(team: Any, features: list[Feature], n: int) -> None:
    made = Tag.objects.bulk_create(
        Tag(workspace=team.workspace, name=f"T{next(_seq):04d}", colour="#4f46e5", description="d") for _ in range(n)
    )
    Feature.tags.through.objects.bulk_create(
        Feature.tags.through(tag_id=t.pk, feature_id=f.pk) for t in made for f in features
    )


def test_tags_page(team, features, django_assert_max_num_queries):
    client = page(team.viewer)
    measure(
        django_assert_max_num_queries, "page: tags", lambda: ok(client.get("/w/acme/tags/")),
        lambda n: add_tags(team, features, n), lambda r: len(r.context["rows"]),
    )  # fmt: skip


def test_tags_api(team, features, django_assert_max_num_queries):
    client = api(team.viewer)
    url = f"/api/v1/workspaces/{team.workspace.pk}/tags/?page_size=200"
    measure(
        django_assert_max_num_queries, "api: tags", lambda: ok(client.get(url)),
        lambda n: add_tags(team, features, n), lambda r: len(r.json()["results"]),
    )  # fmt: skip
