"""Query counts of the goal, key result and initiative lists and the strategy pages (after Zulip's
assert_database_query_count): 5 rows, then 60, within the same tight bound and with the same count."""

from __future__ import annotations

import datetime as dt
from functools import partial
from itertools import count
from typing import Any

import pytest

from pmtool.models import Membership, Product, Role, User
from strategy.models import Competitor, Goal, Initiative, KeyResult, Metric, Persona, Vision
from tests.harness import queries as querycount
from tests.harness.queries import api, ok, page

pytestmark = pytest.mark.django_db

# fmt: off
BOUNDS = {
    # surface                                           max queries (5 rows or 60)
    # pages: session, user, workspace + the navigation's workspace switcher are 4 of these
    "page: strategy overview":                          7,
    "page: product strategy":                           13,  # +1: the initiatives' top features (strategy.parts)
    "page: goals":                                      7,
    "page: goal detail":                                11,
    "page: initiatives":                                8,
    "api: goals":                                       2,
    "api: goal (with key results)":                     5,
    "api: key results of a goal":                       2,
    "api: initiatives":                                 3,
}
# fmt: on

measure = partial(querycount.measure, BOUNDS)

_seq = count(1)


def results(response: Any) -> int:
    body = response.json()
    return len(body["results"] if isinstance(body, dict) and "results" in body else body)


# --- growing rows -----------------------------------------------------------------------------


def add_people(team: Any, n: int) -> list[User]:
    users = User.objects.bulk_create(User(email=f"owner{next(_seq)}@acme.test", name=f"Owner {i}") for i in range(n))
    Membership.objects.bulk_create(Membership(workspace=team.workspace, user=u, role=Role.EDITOR) for u in users)
    return users


def add_products(team: Any, n: int) -> list[Product]:
    return Product.objects.bulk_create(
        Product(workspace=team.workspace, name=f"Product {i:04d}", slug=f"p-{i}", stage="growth")
        for i in (next(_seq) for _ in range(n))
    )


def add_goals(team: Any, n: int, *, product: Product | None = None, parent: Goal | None = None) -> list[Goal]:
    """Goals with owners, dates and two key results each (one bound to a metric when the goal has a product)."""
    owners = add_people(team, 2)
    metric = Metric.objects.filter(product=product).first() if product else None
    if product and metric is None:
        metric = Metric.objects.create(product=product, name="Signups", unit="users")
    goals = Goal.objects.bulk_create(
        Goal(
            workspace=team.workspace,
            product=product,
            parent=parent,
            title=f"Goal {i:04d}",
            owner=owners[i % 2],
            start_date=dt.date(2026, 1, 1),
            end_date=dt.date(2026, 3, 31),
            progress=(i * 7) % 100,
            status=("on_track", "at_risk", "off_track", "done")[i % 4],
        )
        for i in (next(_seq) for _ in range(n))
    )
    KeyResult.objects.bulk_create(
        kr
        for goal in goals
        for kr in (
            KeyResult(goal=goal, title="Measured", baseline=0, target=100, current=40, metric=metric, position=1),
            KeyResult(goal=goal, title="Manual", kind="manual", percent=30, position=2, weight=2),
        )
    )
    return goals


def add_initiatives(team: Any, n: int, *, product: Product | None = None, goals: list[Goal] | None = None) -> None:
    goals = goals or add_goals(team, 2, product=product)
    initiatives = Initiative.objects.bulk_create(
        Initiative(
            workspace=team.workspace,
            product=product if i % 2 else None,
            title=f"Initiative {i:04d}",
            colour="#0ea5e9",
            status="active",
            start_date=dt.date(2026, 1, 1),
            end_date=dt.date(2026, 6, 30),
        )
        for i in (next(_seq) for _ in range(n))
    )
    Initiative.goals.through.objects.bulk_create(
        Initiative.goals.through(initiative_id=i.pk, goal_id=g.pk) for i in initiatives for g in goals
    )


def add_research(product: Product, n: int) -> None:
    Persona.objects.bulk_create(Persona(product=product, name=f"Persona {next(_seq)}", role="Role") for _ in range(n))
    Competitor.objects.bulk_create(Competitor(product=product, name=f"Rival {next(_seq)}") for _ in range(n))


# --- pages ---------------------------------------------------------------------------------------


def test_strategy_overview_page(team, django_assert_max_num_queries):
    client = page(team.viewer)
    company = add_goals(team, 1)[0]

    def grow(n: int) -> None:
        add_goals(team, n)
        for product in add_products(team, n):
            add_goals(team, 1, product=product, parent=company)
        add_initiatives(team, 2)

    measure(
        django_assert_max_num_queries,
        "page: strategy overview",
        lambda: ok(client.get("/w/acme/strategy/")),
        grow,
        lambda r: min(len(r.context["company_goals"]), len(r.context["products"])),
    )


def test_product_strategy_page(team, product, django_assert_max_num_queries):
    Vision.objects.create(product=product, statement="A vision.")
    client = page(team.viewer)
    company = add_goals(team, 1)[0]

    def grow(n: int) -> None:
        goals = add_goals(team, n, product=product, parent=company)
        add_initiatives(team, n, product=product, goals=goals[:2])
        add_research(product, n)

    measure(
        django_assert_max_num_queries,
        "page: product strategy",
        lambda: ok(client.get("/w/acme/products/atlas/strategy/")),
        grow,
        lambda r: min(len(r.context["goals"]), len(r.context["initiatives"]), len(r.context["personas"])),
    )


def test_goals_page(team, product, django_assert_max_num_queries):
    client = page(team.viewer)
    company = add_goals(team, 1)[0]

    def grow(n: int) -> None:
        add_goals(team, n, product=product, parent=company)
        add_goals(team, 1)

    measure(
        django_assert_max_num_queries,
        "page: goals",
        lambda: ok(client.get("/w/acme/goals/")),
        grow,
        lambda r: len(r.context["page"].object_list),
    )


def test_goal_detail_page(team, product, django_assert_max_num_queries):
    from pmtool.activity import Actor, activity_record

    client = page(team.editor)  # an editor: the page also carries the add-key-result form
    goal = add_goals(team, 1)[0]
    actor = Actor(user=team.admin)

    def grow(n: int) -> None:
        children = add_goals(team, n, product=product, parent=goal)
        KeyResult.objects.bulk_create(
            KeyResult(goal=goal, title=f"KR {i}", baseline=0, target=10, current=i % 10, position=i) for i in range(n)
        )
        add_initiatives(team, n, goals=[goal, *children[:1]])
        for _ in range(n):
            activity_record(actor=actor, workspace=team.workspace, target=goal, action="updated", changes={})

    measure(
        django_assert_max_num_queries,
        "page: goal detail",
        lambda: ok(client.get(f"/w/acme/goals/{goal.pk}/")),
        grow,
        lambda r: min(len(r.context["key_results"]), len(r.context["goal"].children.all())),
    )


def test_initiatives_page(team, product, django_assert_max_num_queries):
    client = page(team.viewer)
    measure(
        django_assert_max_num_queries,
        "page: initiatives",
        lambda: ok(client.get("/w/acme/initiatives/")),
        lambda n: add_initiatives(team, n, product=product),
        lambda r: len(r.context["page"].object_list),
    )


# --- API -------------------------------------------------------------------------------------------


def test_goals_api(team, product, django_assert_max_num_queries):
    client = api(team.viewer)
    company = add_goals(team, 1)[0]
    measure(
        django_assert_max_num_queries,
        "api: goals",
        lambda: ok(client.get(f"/api/v1/workspaces/{team.workspace.pk}/goals/")),
        lambda n: add_goals(team, n, product=product, parent=company),
        results,
    )


def test_goal_api_with_key_results(team, product, django_assert_max_num_queries):
    client = api(team.viewer)
    goal = add_goals(team, 1, product=product)[0]

    def grow(n: int) -> None:
        KeyResult.objects.bulk_create(
            KeyResult(goal=goal, title=f"KR {i}", baseline=0, target=10, current=1, position=i + 3) for i in range(n)
        )
        add_goals(team, n, product=product, parent=goal)
        add_initiatives(team, n, goals=[goal])

    measure(
        django_assert_max_num_queries,
        "api: goal (with key results)",
        lambda: ok(client.get(f"/api/v1/goals/{goal.pk}/")),
        grow,
        lambda r: len(r.json()["key_results"]),
    )


def test_key_results_api(team, product, django_assert_max_num_queries):
    client = api(team.viewer)
    goal = add_goals(team, 1, product=product)[0]
    metric = Metric.objects.get(product=product)
    measure(
        django_assert_max_num_queries,
        "api: key results of a goal",
        lambda: ok(client.get(f"/api/v1/goals/{goal.pk}/key-results/")),
        lambda n: KeyResult.objects.bulk_create(
            KeyResult(goal=goal, title=f"KR {i}", baseline=0, target=10, metric=metric, position=i + 3)
            for i in range(n)
        ),
        results,
    )


def test_initiatives_api(team, product, django_assert_max_num_queries):
    client = api(team.viewer)
    measure(
        django_assert_max_num_queries,
        "api: initiatives",
        lambda: ok(client.get(f"/api/v1/workspaces/{team.workspace.pk}/initiatives/")),
        lambda n: add_initiatives(team, n, product=product),
        results,
    )
