"""Query counts of the plan's lists (after Zulip's assert_database_query_count): statuses,
releases and teams, pages and API, with 5 rows then 60 (each with features, members), within the
same tight bound and with the same count; and the product strategy page with initiatives that
have features (their top features are one query)."""

from __future__ import annotations

from functools import partial
from itertools import count
from typing import Any

import pytest

from backlog.models import Feature, FeatureStatus, Release, StatusCategory, Team
from pmtool.models import Membership, Role, User
from pmtool.ranking import keys_between
from strategy.models import Initiative
from tests.harness import queries as querycount
from tests.harness.queries import api, ok, page

pytestmark = pytest.mark.django_db

# fmt: off
BOUNDS = {
    # surface                        max queries (5 rows or 60); a page's session, user, workspace and switcher are 4
    "page: statuses":                6,
    "page: releases":                7,
    "page: teams":                   7,
    "page: product strategy":        13,
    "api: statuses":                 3,
    "api: releases":                 3,
    "api: teams":                    4,
}
# fmt: on

measure = partial(querycount.measure, BOUNDS)
_seq = count(1)


def results(response: Any) -> int:
    return len(response.json()["results"])


def add_features(product: Any, n: int, **fields: Any) -> None:
    last = Feature.objects.filter(product=product).order_by("-rank").values_list("rank", flat=True).first()
    statuses = list(FeatureStatus.objects.filter(workspace_id=product.workspace_id))
    keys = keys_between(last, None, n)
    Feature.objects.bulk_create(
        Feature(product=product, title=f"F{next(_seq)}", status=statuses[i % len(statuses)], rank=key, **fields)
        for i, key in enumerate(keys)
    )


def add_statuses(team: Any, n: int) -> None:
    start = FeatureStatus.objects.filter(workspace=team.workspace).count()
    FeatureStatus.objects.bulk_create(
        FeatureStatus(
            workspace=team.workspace, name=f"S{next(_seq)}", category=StatusCategory.PLANNED, position=start + i
        )
        for i in range(n)
    )


def add_releases(product: Any, n: int) -> None:
    made = Release.objects.bulk_create(Release(product=product, name=f"R{next(_seq):04d}") for _ in range(n))
    for release in made[:3]:
        add_features(product, 2, release=release)


def add_teams(team: Any, n: int) -> None:
    users = User.objects.bulk_create(User(email=f"m{next(_seq)}@acme.test", name="M") for _ in range(2))
    Membership.objects.bulk_create(Membership(workspace=team.workspace, user=u, role=Role.EDITOR) for u in users)
    made = Team.objects.bulk_create(Team(workspace=team.workspace, name=f"T{next(_seq):04d}") for _ in range(n))
    Team.members.through.objects.bulk_create(
        Team.members.through(team_id=t.pk, user_id=u.pk) for t in made for u in users
    )


def test_statuses_page(team, django_assert_max_num_queries):
    client = page(team.viewer)
    measure(
        django_assert_max_num_queries, "page: statuses", lambda: ok(client.get("/w/acme/settings/statuses/")),
        lambda n: add_statuses(team, n), lambda r: len(r.context["statuses"]),
    )  # fmt: skip


def test_statuses_api(team, django_assert_max_num_queries):
    client = api(team.viewer)
    url = f"/api/v1/workspaces/{team.workspace.pk}/statuses/?page_size=200"
    measure(
        django_assert_max_num_queries, "api: statuses", lambda: ok(client.get(url)),
        lambda n: add_statuses(team, n), results,
    )  # fmt: skip


def test_releases_page(team, product, django_assert_max_num_queries):
    client = page(team.viewer)
    measure(
        django_assert_max_num_queries, "page: releases", lambda: ok(client.get("/w/acme/products/atlas/releases/")),
        lambda n: add_releases(product, n), lambda r: len(r.context["releases"]),
    )  # fmt: skip


def test_releases_api(team, product, django_assert_max_num_queries):
    client = api(team.viewer)
    url = f"/api/v1/products/{product.pk}/releases/?page_size=200"
    measure(
        django_assert_max_num_queries, "api: releases", lambda: ok(client.get(url)),
        lambda n: add_releases(product, n), results,
    )  # fmt: skip


def test_teams_page(team, django_assert_max_num_queries):
    client = page(team.viewer)
    measure(
        django_assert_max_num_queries, "page: teams", lambda: ok(client.get("/w/acme/teams/")),
        lambda n: add_teams(team, n), lambda r: len(r.context["teams"]),
    )  # fmt: skip


def test_teams_api(team, django_assert_max_num_queries):
    client = api(team.viewer)
    url = f"/api/v1/workspaces/{team.workspace.pk}/teams/?page_size=200"
    measure(
        django_assert_max_num_queries, "api: teams", lambda: ok(client.get(url)),
        lambda n: add_teams(team, n), results,
    )  # fmt: skip


def test_product_strategy_page_with_features(team, product, django_assert_max_num_queries):
    client = page(team.viewer)

    def grow(n: int) -> None:
        made = Initiative.objects.bulk_create(
            Initiative(workspace=team.workspace, product=product, title=f"I{next(_seq)}") for _ in range(n)
        )
        for initiative in made:
            add_features(product, 6, initiative=initiative)

    measure(
        django_assert_max_num_queries, "page: product strategy",
        lambda: ok(client.get("/w/acme/products/atlas/strategy/")), grow, lambda r: len(r.context["initiatives"]),
    )  # fmt: skip
