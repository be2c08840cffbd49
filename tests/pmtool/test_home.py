"""The workspace home (/w/<ws>/): products with their stage, goals and next steps, recent activity,
sections registered by the apps (pmtool.home), and what a viewer or an empty workspace sees."""

from __future__ import annotations

import datetime as dt
import pathlib
import re
from typing import Any

import pytest
from django.utils import timezone

from pmtool import home, services
from pmtool.home import NextStep, ProductPart
from pmtool.models import Product
from strategy.models import Goal, KeyResult, Metric, Vision
from tests.factories import ProductFactory
from tests.harness.queries import page

pytestmark = pytest.mark.django_db


def html_of(response: Any) -> str:
    assert response.status_code == 200, response.status_code
    return response.content.decode()


def card_of(html: str, name: str) -> str:
    """The HTML of the product card whose heading links `name`."""
    for piece in html.split('<li class="card home-product">')[1:]:
        card = piece.split("<section", 1)[0]
        if f">{name}</a></h3>" in card:
            return card
    raise AssertionError(f"no card for {name!r}")


def add_goal(
    product: Product, title: str, *, ended: bool = False, key_results: int = 0, progress: float | None = None
) -> Goal:
    today = timezone.localdate()
    start, end = (
        (today - dt.timedelta(days=120), today - dt.timedelta(days=30))
        if ended
        else (
            today - dt.timedelta(days=10),
            today + dt.timedelta(days=80),
        )
    )
    goal = Goal.objects.create(
        workspace=product.workspace,
        product=product,
        title=title,
        start_date=start,
        end_date=end,
        progress=progress,
        status="at_risk",
    )
    for i in range(key_results):
        KeyResult.objects.create(goal=goal, title=f"{title} KR {i}", kind="manual", percent=50)
    return goal


def test_the_workspace_home_is_a_page_not_a_redirect(client: Any, team: Any, product: Product) -> None:
    client.force_login(team.viewer)
    response = client.get("/w/acme/")
    html = html_of(response)
    assert "<h1>Acme</h1>" in html
    assert 'class="nav-home" aria-current="page"' in html
    # Signing in, "/" and a new workspace lead there.
    assert client.get("/")["Location"] == "/w/acme/"


def test_each_product_shows_its_stage_goals_and_the_next_steps_for_an_editor(
    client: Any, team: Any, product: Product
) -> None:
    beacon = ProductFactory(workspace=team.workspace, name="Beacon", slug="beacon", stage="launch")
    Vision.objects.create(product=product, statement="Store teams run their day from one screen.")
    Metric.objects.create(product=product, name="Weekly active stores")
    add_goal(product, "Halve the support load", key_results=2, progress=46)
    add_goal(product, "Make Atlas a habit", key_results=0)
    add_goal(product, "Last year's goal", ended=True, key_results=1, progress=100)
    add_goal(beacon, "An ended goal", ended=True, key_results=1, progress=80)

    html = html_of(page(team.editor).get("/w/acme/"))
    atlas = card_of(html, "Atlas")
    assert 'class="stage stage-growth"' in atlas and "Growth" in atlas
    assert "Halve the support load" in atlas and "46%" in atlas and "At risk" in atlas
    assert "Last year&#x27;s goal" not in atlas and "Last year's goal" not in atlas  # ended goals are not current
    # Vision, metric and goals are there: the one next step is the goal without key results.
    assert "Write a vision" not in atlas and "Add a metric" not in atlas and "Set a goal" not in atlas
    assert "Add key results to “Make Atlas a habit”" in atlas
    assert "No key results yet" in atlas

    card = card_of(html, "Beacon")
    assert 'class="stage stage-launch"' in card
    assert 'href="/w/acme/products/beacon/vision/edit/">Write a vision</a>' in card
    assert 'href="/w/acme/goals/new/?product=beacon">Set a goal</a>' in card
    assert "Its goals have all ended." in card
    assert 'href="/w/acme/metrics/new/?product=beacon">Add a metric</a>' in card


def test_a_viewer_sees_the_home_without_write_prompts(client: Any, team: Any, product: Product) -> None:
    html = html_of(page(team.viewer).get("/w/acme/"))
    card = card_of(html, "Atlas")
    assert "No goals yet." in card
    for prompt in ("Next step", "Write a vision", "Set a goal", "Add a metric", "New product"):
        assert prompt not in html, prompt


def test_an_empty_workspace_offers_the_first_step(client: Any, team: Any) -> None:
    editor = html_of(page(team.editor).get("/w/acme/"))
    assert "No products yet" in editor
    assert 'href="/w/acme/products/new/">Create your first product</a>' in editor
    viewer = html_of(page(team.viewer).get("/w/acme/"))
    assert "No products yet" in viewer
    assert "Create your first product" not in viewer
    assert "Editors and admins can create products." in viewer


def test_current_company_goals_have_their_section(client: Any, team: Any, product: Product) -> None:
    assert "Company goals" not in html_of(page(team.viewer).get("/w/acme/"))  # none: no empty section
    today = timezone.localdate()
    parent = Goal.objects.create(
        workspace=team.workspace,
        title="Become the default operations screen",
        start_date=today - dt.timedelta(days=30),
        end_date=today + dt.timedelta(days=60),
        progress=44,  # from its child goals: no key results of its own
        status="off_track",
    )
    Goal.objects.create(workspace=team.workspace, title="An ended company goal", end_date=today - dt.timedelta(days=1))
    Goal.objects.create(workspace=team.workspace, title="Not measured yet")
    Goal.objects.create(workspace=team.workspace, product=product, parent=parent, title="A product goal under it")
    html = html_of(page(team.viewer).get("/w/acme/"))
    section = html.split('id="home-strategy-company-goals-title"', 1)[1].split("<section", 1)[0]
    assert "Become the default operations screen" in section and "44%" in section and "Off track" in section
    assert "Not measured yet" in section and "No key results yet" in section
    assert "An ended company goal" not in section and "A product goal under it" not in section
    assert 'href="/w/acme/strategy/"' in section


def test_recent_activity_is_short_and_links_to_all(client: Any, team: Any, product: Product) -> None:
    for i in range(8):
        other = ProductFactory(workspace=team.workspace, name=f"Other {i}", slug=f"other-{i}")
        services.product_archive(actor=team.actor("editor"), product=other)
    html = html_of(page(team.viewer).get("/w/acme/"))
    activity = html.split('id="home-activity-title"', 1)[1]
    assert activity.count('class="history-item') == home.HOME_ACTIVITY
    assert "archived" in activity
    assert 'href="/w/acme/activity/">All activity' in activity
    assert "<dl" not in activity  # the short list names what happened, the activity page shows the changes


def test_an_app_adds_a_section_and_a_product_part_without_the_core_naming_it(
    client: Any, team: Any, product: Product
) -> None:
    seen: list[list[int]] = []

    def load(h: home.Home, products: list[Product]) -> dict[int, ProductPart]:
        seen.append([p.pk for p in products])
        return {
            p.pk: ProductPart(
                context={"note": f"note of {p.name}"},
                next_steps=[
                    NextStep("Plan a release", "/plan/"),
                    NextStep("Read the news", "/news/", minimum_role="viewer"),
                ],
            )
            for p in products
        }

    home.register_section(
        "later-app", title="Upcoming releases", order=50, template="partials/messages.html", context=lambda h: {}
    )
    home.register_section("hidden-app", title="Never shown", order=60, template="x.html", context=lambda h: None)
    home.register_product_part("later-part", order=30, template="partials/messages.html", load=load)
    try:
        viewer = html_of(page(team.viewer).get("/w/acme/"))
        editor = html_of(page(team.editor).get("/w/acme/"))
    finally:
        home._sections.pop("later-app")
        home._sections.pop("hidden-app")
        home._parts.pop("later-part")
    titles = re.findall(r'<h2 id="home-[^"]+" class="section-title">([^<]+)</h2>', editor)
    assert titles == ["Products", "Upcoming releases", "Recent activity"]
    assert seen == [[product.pk], [product.pk]]  # one call for all the cards
    assert "Read the news" in viewer and "Plan a release" not in viewer  # the core drops what the role may not do
    assert "Read the news" in editor and "Plan a release" in editor


def test_the_core_never_imports_an_app_above_it() -> None:
    core = pathlib.Path(__file__).resolve().parents[2] / "pmtool"
    offenders = [
        f"{path.relative_to(core)}:{n}"
        for path in core.rglob("*.py")
        for n, line in enumerate(path.read_text().splitlines(), 1)
        if re.match(r"\s*(from|import)\s+(strategy|backlog|roadmaps|feedback)\b", line)
    ]
    assert offenders == []


def test_the_home_counts_the_same_queries_for_one_product_and_many(
    team: Any, django_assert_max_num_queries: Any
) -> None:
    def add_products(n: int) -> None:
        for _ in range(n):
            i = Product.objects.count() + 1
            p = ProductFactory(workspace=team.workspace, name=f"Product {i:03d}", slug=f"p-{i}")
            add_goal(p, f"Goal {i}", key_results=i % 2, progress=40)
            add_goal(p, f"Old goal {i}", ended=True)
            if i % 2:
                Vision.objects.create(product=p, statement="Why.")
                Metric.objects.create(product=p, name=f"Metric {i}")
            services.product_update(actor=team.actor("editor"), product=p, version=1, description=f"v{i}")

    client = page(team.editor)
    Goal.objects.create(workspace=team.workspace, title="Company goal", progress=30)
    add_products(1)
    client.get("/w/acme/")  # warm per-process caches (content types)
    with django_assert_max_num_queries(HOME_QUERIES) as one:
        response = client.get("/w/acme/")
    assert len(response.context["sections"][0].data["cards"]) == 1
    add_products(home.HOME_PRODUCTS + 2)
    with django_assert_max_num_queries(HOME_QUERIES) as many:
        response = client.get("/w/acme/")
    assert len(response.context["sections"][0].data["cards"]) == home.HOME_PRODUCTS
    assert response.context["sections"][0].data["more"] is True
    assert len(one) == len(many), f"{len(one)} queries with 1 product, {len(many)} with {home.HOME_PRODUCTS}"


# session, user, workspace, switcher + products, strategy's two reads for the cards, the backlog's one
# (features by category, every card at once), company goals, activity
HOME_QUERIES = 10
