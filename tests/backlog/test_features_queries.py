"""Query counts of the feature list API and the backlog pages (after Zulip's
assert_database_query_count): 5 rows, then 60, within the same tight bound and with the same count."""

from __future__ import annotations

from functools import partial
from itertools import count
from typing import Any

import pytest

from backlog.models import Feature, FeatureStatus, Release, Tag
from backlog.selectors.features import encode_cursor
from backlog.services.features import feature_create
from pmtool.ranking import even_keys
from strategy.models import Initiative
from tests.factories import TeamFactory
from tests.harness import queries as querycount
from tests.harness.queries import api, ok, page

pytestmark = pytest.mark.django_db

# fmt: off
BOUNDS = {
    # surface                                  max queries (5 rows or 60)
    # pages: session, user, workspace + the navigation's workspace switcher are 4 of these; the backlog
    # page adds the product, ONE query for the rows with their names and tags (the neighbours of page 1
    # come with it: the row after the page is read anyway, nothing is before it), ONE for the options of
    # the filters and the bulk bar (statuses, members, initiatives, releases, teams, tags), the counts.
    # api (force_authenticate): the product with the caller's role, then ONE query for the rows and tags
    "page: backlogs of the workspace":          6,
    "page: product backlog":                    10,  # + tools (views menu 1), frameworks 1
    "page: product backlog, sorted by RICE":    10,
    "page: feature detail (epic)":              10,
    # the inline "Edit scores" form of a row (htmx): session, user, workspace, the feature's access,
    # the criteria once, its values once, the row with its tags (5 criteria or 60: the same)
    "page: inline edit scores (form)":          7,
    "api: features":                            2,
    "api: features, deep page by cursor":       3,  # a page crossing from scored to unscored rows: two
}
# fmt: on

measure = partial(querycount.measure, BOUNDS)
_seq = count(1)


def grower(team: Any, product: Any) -> Any:
    """Adds n features, each with a status, owner, initiative, release, team and two tags (bulk)."""
    status = FeatureStatus.objects.filter(workspace=team.workspace).first()
    initiative = Initiative.objects.create(workspace=team.workspace, title="Retention")
    release = Release.objects.create(product=product, name="R1")
    squad = TeamFactory(workspace=team.workspace)
    tags = [Tag.objects.create(workspace=team.workspace, name=f"tag{i}") for i in range(2)]
    epic = feature_create(actor=team.actor(), product=product, title="Epic", type="epic")

    def grow(n: int) -> None:
        last = Feature.objects.filter(product=product).order_by("-rank").values_list("rank", flat=True).first()
        keys = [k for k in even_keys(10_000) if k > (last or "")][:n]
        features = Feature.objects.bulk_create(
            Feature(
                product=product, title=f"F{next(_seq)}", status=status, owner=team.editor, initiative=initiative,
                release=release, team=squad, rank=key, parent=epic, reach=10, impact=1, confidence=50, effort=1,
                rice_score=5.0,
            )
            for key in keys
        )  # fmt: skip
        through = Feature.tags.through
        through.objects.bulk_create(through(feature_id=f.pk, tag_id=t.pk) for f in features for t in tags)

    grow.epic = epic  # type: ignore[attr-defined]
    return grow


def results(response: Any) -> int:
    return len(response.json()["results"])


def rows(response: Any) -> int:
    return response.content.decode().count('class="backlog-row')


def _backlog(team: Any, product: Any, assert_max: Any, surface: str, query: str = "") -> None:
    client = page(team.editor)
    url = f"/w/acme/products/{product.slug}/backlog/{query}"
    measure(assert_max, surface, lambda: ok(client.get(url)), grower(team, product), rows)


def test_backlog_page(team: Any, product: Any, django_assert_max_num_queries: Any) -> None:
    _backlog(team, product, django_assert_max_num_queries, "page: product backlog")


def test_backlog_page_sorted(team: Any, product: Any, django_assert_max_num_queries: Any) -> None:
    _backlog(team, product, django_assert_max_num_queries, "page: product backlog, sorted by RICE", "?sort=rice")


def test_backlogs_of_the_workspace(team: Any, product: Any, django_assert_max_num_queries: Any) -> None:
    client = page(team.editor)

    def add_products(n: int) -> None:
        from tests.factories import ProductFactory

        for _ in range(n):
            ProductFactory(workspace=team.workspace)

    measure(
        django_assert_max_num_queries, "page: backlogs of the workspace", lambda: ok(client.get("/w/acme/backlog/")),
        add_products, lambda r: r.content.decode().count("<th scope=\"row\">"),
    )  # fmt: skip


def test_epic_detail(team: Any, product: Any, django_assert_max_num_queries: Any) -> None:
    client = page(team.editor)
    grow = grower(team, product)
    url = f"/w/acme/features/{grow.epic.pk}/"
    measure(
        django_assert_max_num_queries, "page: feature detail (epic)", lambda: ok(client.get(url)), grow,
        lambda r: r.content.decode().count('class="pending-row'),
    )  # fmt: skip


def test_api_list(team: Any, product: Any, django_assert_max_num_queries: Any) -> None:
    client = api(team.editor)
    url = f"/api/v1/products/{product.pk}/features/"
    measure(django_assert_max_num_queries, "api: features", lambda: ok(client.get(url)), grower(team, product), results)


def test_api_list_deep_page(team: Any, product: Any, django_assert_max_num_queries: Any) -> None:
    client = api(team.editor)
    # a cursor into the middle of the RICE order (every grown row has RICE 5, ranks start with "a")
    cursor = encode_cursor("rice", [5.0, "0"])
    url = f"/api/v1/products/{product.pk}/features/?sort=rice&page_size=200&cursor={cursor}"

    def deep() -> Any:
        return ok(client.get(url))

    measure(django_assert_max_num_queries, "api: features, deep page by cursor", deep, grower(team, product), results)


def test_inline_edit_scores_form(team: Any, product: Any, django_assert_max_num_queries: Any) -> None:
    from tests.factories import CriterionFactory

    client = page(team.editor)
    feature = feature_create(actor=team.actor(), product=product, title="Dark mode")
    url = f"/w/acme/features/{feature.pk}/rice/"

    def add_criteria(n: int) -> None:
        for _ in range(n):
            CriterionFactory(product=product)

    def selects(response: Any) -> int:
        return response.content.decode().count('<select name="c')

    def fetch() -> Any:
        return ok(client.get(url, headers={"HX-Request": "true"}))

    measure(django_assert_max_num_queries, "page: inline edit scores (form)", fetch, add_criteria, selects)
