"""The strategy part of the demo workspace (run by `manage.py seed_demo`, which calls `seed` of
every installed app that has a `demo` module). Idempotent: a product that has a vision already is
left as it is. Everything goes through the services, so the history panels read like real work.

Atlas Analytics gets the full picture: a vision, three goals (one a company goal with a product
goal under it) with key results (two bound to metrics), five initiatives, three personas, four
competitors and two metrics with six months of daily samples, rolled up.
"""

from __future__ import annotations

import datetime as dt
import math
import random
from typing import Any

from django.utils import timezone

from pmtool.activity import Actor
from pmtool.models import Product, User, Workspace

from .models import GoalStatus, InitiativeStatus, Vision
from .services import goals as goal_services
from .services import initiatives as initiative_services
from .services import metrics as metric_services
from .services import research as research_services
from .services import vision as vision_services

VISION = {
    "statement": (
        "Every store operations team runs its day from **one screen**: stock, sales and staffing, live, "
        "without a data analyst in the loop."
    ),
    "target_customers": (
        "- Operations managers at retailers with **20–500 stores**\n"
        "- Regional managers who compare stores every Monday\n"
        "- Finance partners who need the same numbers the shop floor sees"
    ),
    "problem": (
        "Store numbers live in four systems (point of sale, inventory, rota, finance). Teams export CSVs "
        "every morning, glue them together in spreadsheets, and decide on yesterday's data."
    ),
    "differentiation": (
        "- Connectors for the common retail point-of-sale systems, set up in an afternoon\n"
        "- Dashboards that explain *why* a number moved (weather, promotions, staffing)\n"
        "- Priced per store, not per seat: the whole team can look"
    ),
    "business_model": (
        "Subscription per store per month, annual contracts with a 30-day pilot. Expansion comes from "
        "more stores and the add-ons (Beacon Mobile, Compass API)."
    ),
}

PERSONAS = (
    {
        "name": "Olivia, operations manager",
        "role": "Head of store operations, 140 stores",
        "goals": "- Spot under-performing stores before the weekly review\n- Cut the Monday reporting marathon",
        "pains": "- Numbers disagree between systems\n- Waits two days for the analyst's spreadsheet",
        "quote": "By the time I see the report, the week is already lost.",
    },
    {
        "name": "Raj, regional manager",
        "role": "Regional manager, 18 stores",
        "goals": "- Compare his stores like for like\n- Prove the effect of staffing changes",
        "pains": "- Visits stores blind\n- Cannot drill from region to shift",
        "quote": "I want to walk into a store already knowing what to ask.",
    },
    {
        "name": "Fatima, finance partner",
        "role": "Finance business partner for retail",
        "goals": "- One source of truth for margin per store\n- Close the month in days, not weeks",
        "pains": "- Reconciles operations' numbers by hand\n- Audits spreadsheets with broken formulas",
        "quote": "If ops and finance look at the same number, half my job disappears.",
    },
)

COMPETITORS = (
    {
        "name": "Lookout BI",
        "website": "https://lookout-bi.example",
        "positioning": "General-purpose BI suite sold to central data teams.",
        "strengths": "- Any data source\n- Strong enterprise sales team",
        "weaknesses": "- Needs analysts to build every dashboard\n- Priced per seat",
        "pricing_notes": "From $70 per seat per month; enterprise plans only above 100 seats.",
        "threat_level": "high",
    },
    {
        "name": "ShelfSense",
        "website": "https://shelfsense.example",
        "positioning": "Inventory analytics for grocery chains.",
        "strengths": "- Deep stock-out forecasting\n- Grocery references",
        "weaknesses": "- No staffing or sales views\n- Grocery only",
        "pricing_notes": "Per store, about 40% above our list price.",
        "threat_level": "medium",
    },
    {
        "name": "Spreadsheets + analyst",
        "website": "",
        "positioning": "The status quo: exports, spreadsheets and a weekly report.",
        "strengths": "- Already paid for\n- Infinitely flexible",
        "weaknesses": "- Days behind\n- Breaks when the analyst is away",
        "pricing_notes": "An analyst's salary per region.",
        "threat_level": "high",
    },
    {
        "name": "RotaMetrics",
        "website": "https://rotametrics.example",
        "positioning": "Workforce management with labour dashboards.",
        "strengths": "- Owns the rota data\n- Mobile app for staff",
        "weaknesses": "- Sales and stock are an afterthought",
        "pricing_notes": "Per employee per month.",
        "threat_level": "low",
    },
)


def _quarter(today: dt.date, offset: int = 0) -> str:
    index = (today.year * 4 + (today.month - 1) // 3) + offset
    return f"{index // 4}-Q{index % 4 + 1}"


def _daily(days: int, today: dt.date, shape: Any) -> list[dict[str, Any]]:
    start = today - dt.timedelta(days=days)
    return [
        {"ts": dt.datetime.combine(start + dt.timedelta(days=i), dt.time(12), tzinfo=dt.UTC).isoformat(), "value": v}
        for i in range(days)
        if (v := shape(i)) is not None
    ]


def seed(workspace: Workspace, users: dict[str, User]) -> None:
    """Add the demo strategy to Atlas Analytics (and a goal to Beacon Mobile), once.
    `users`: the demo users by role ("admin", "editor", "viewer")."""
    product = Product.objects.filter(workspace=workspace, slug="atlas-analytics").first()
    if product is None or Vision.objects.filter(product=product).exists():
        return
    admin, editor = users["admin"], users["editor"]
    pm, lead = Actor(user=editor), Actor(user=admin)
    today = timezone.localdate()
    rng = random.Random(2026)  # noqa: S311 - demo data, not secrets

    # Vision, written in two goes so the history has something to compare.
    first = {**VISION, "statement": "Store teams run their day from one screen."}
    vision = vision_services.vision_update(actor=pm, product=product, version=0, **first)
    vision_services.vision_update(actor=lead, product=product, version=vision.version, **VISION)

    for persona in PERSONAS:
        research_services.persona_create(actor=pm, product=product, **persona)
    for competitor in COMPETITORS:
        research_services.competitor_create(actor=pm, product=product, **competitor)

    # Metrics: six months of daily samples (weekly rhythm, growth, noise), rolled up on commit.
    active = metric_services.metric_create(
        actor=pm,
        product=product,
        name="Weekly active stores",
        unit="stores",
        aggregation="last",
        description="Stores with at least one dashboard opened in the last 7 days.",
    )
    churn = metric_services.metric_create(
        actor=pm,
        product=product,
        name="Support tickets",
        unit="tickets",
        direction="down",
        aggregation="sum",
        description="New support tickets per day, all channels.",
    )
    days = 183
    metric_services.samples_add(
        actor=pm,
        metric=active,
        samples=_daily(days, today, lambda i: round(410 + 1.35 * i + 12 * math.sin(i / 9) + rng.uniform(-6, 6))),
    )
    metric_services.samples_add(
        actor=pm,
        metric=churn,
        samples=_daily(
            days,
            today,
            lambda i: max(0, round(38 - 0.09 * i + (9 if i % 7 in (0, 1) else 0) + rng.uniform(-5, 5))),
        ),
    )

    # Goals: a company goal with a product goal under it, and a second product goal.
    company = goal_services.goal_create(
        actor=lead,
        workspace=workspace,
        title="Become the default operations screen for mid-size retail",
        description="The company objective for the year: adoption first, revenue follows.",
        owner_id=admin.pk,
        start_date=dt.date(today.year, 1, 1),
        end_date=dt.date(today.year, 12, 31),
    )
    adoption = goal_services.goal_create(
        actor=pm,
        workspace=workspace,
        product_id=product.pk,
        parent_id=company.pk,
        title="Make Atlas a daily habit for store teams",
        description="Stores that open Atlas every week stay; the ones that don't, churn at renewal.",
        owner_id=editor.pk,
        quarter=_quarter(today),
    )
    goal_services.key_result_create(
        actor=pm,
        goal=adoption,
        title="Weekly active stores",
        unit="stores",
        baseline=400,
        target=700,
        metric_id=active.pk,
        metric_period="week",
    )
    goal_services.key_result_create(
        actor=pm, goal=adoption, title="Ship the morning briefing e-mail", kind="manual", percent=60, weight=2
    )
    support = goal_services.goal_create(
        actor=pm,
        workspace=workspace,
        product_id=product.pk,
        parent_id=company.pk,
        title="Halve the support load per store",
        owner_id=editor.pk,
        quarter=_quarter(today),
    )
    goal_services.key_result_create(
        actor=pm,
        goal=support,
        title="Support tickets per week",
        unit="tickets",
        direction="down",
        baseline=300,
        target=150,
        metric_id=churn.pk,
        metric_period="week",
    )
    goal_services.key_result_create(
        actor=pm, goal=support, title="Self-serve setup guide published", kind="manual", percent=25
    )
    goal_services.key_result_create(
        actor=pm,
        goal=support,
        title="First-contact resolution",
        unit="%",
        baseline=55,
        target=80,
        current=63,
    )
    beacon = Product.objects.filter(workspace=workspace, slug="beacon-mobile").first()
    if beacon is not None:
        launch = goal_services.goal_create(
            actor=pm,
            workspace=workspace,
            product_id=beacon.pk,
            parent_id=company.pk,
            title="Launch Beacon to the first 50 stores",
            quarter=_quarter(today, 1),
            status=GoalStatus.AT_RISK,
            status_source="manual",
        )
        goal_services.key_result_create(
            actor=pm, goal=launch, title="Stores live on Beacon", unit="stores", baseline=0, target=50, current=8
        )

    initiatives = (
        ("Morning briefing", "#2563eb", InitiativeStatus.ACTIVE, [adoption.pk], 0),
        ("Point-of-sale connectors", "#059669", InitiativeStatus.ACTIVE, [adoption.pk, support.pk], 0),
        ("Guided setup", "#d97706", InitiativeStatus.PROPOSED, [support.pk], 1),
        ("Explain the numbers", "#7c3aed", InitiativeStatus.PROPOSED, [adoption.pk], 1),
        ("Retire Legacy Reports", "#dc2626", InitiativeStatus.ON_HOLD, [support.pk], 2),
    )
    for title, colour, status, goal_ids, offset in initiatives:
        initiative_services.initiative_create(
            actor=pm,
            workspace=workspace,
            product_id=product.pk,
            title=title,
            colour=colour,
            status=status,
            quarter=_quarter(today, offset),
            goal_ids=goal_ids,
        )
