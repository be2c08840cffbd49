"""The backlog's part of the demo workspace (pmtool's seed_demo calls `seed`): releases for every
active demo product, three teams, Atlas Analytics' weighted scorecard, and about 120 features of
Atlas Analytics and Beacon Mobile across epics with children, linked to the demo initiatives,
releases, teams, statuses of every category and tags, with RICE inputs on most (a few missing one,
so their score stays empty), MoSCoW on many and scorecard values on most.

Everything is bulk-created (a handful of statements whatever the count); the scores come from
backlog.scoring (the RICE formula per row, the product's set-based scorecard recompute), then the
demo initiatives' progress is recomputed. Idempotent: a workspace whose products have releases
already is left as it is."""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal
from typing import Any

from django.utils import timezone

from pmtool.models import Membership, Product, User, Workspace
from pmtool.ranking import even_keys
from strategy.models import Initiative

from .models import (
    CriterionDirection,
    CriterionValue,
    Feature,
    FeatureStatus,
    FeatureType,
    MoSCoW,
    Release,
    ReleaseStatus,
    ScorecardCriterion,
    ScoreCause,
    StatusCategory,
    Tag,
    Team,
)
from .scoring import product_scores_recompute, rice_score, score_event
from .services.progress import initiatives_progress_refresh

TAGS = ("reporting", "integrations", "mobile", "performance", "security", "onboarding", "enterprise", "ux")
CRITERIA = (
    # name, description, weight, direction, scale
    (
        "Customer value",
        "How much it helps the store teams who use it every day.",
        3,
        CriterionDirection.BENEFIT,
        (1, 5),
    ),
    ("Strategic fit", "How directly it serves this year's goals.", 2, CriterionDirection.BENEFIT, (1, 5)),
    ("Revenue potential", "Expansion and new-logo revenue it can unlock.", 2, CriterionDirection.BENEFIT, (0, 10)),
    ("Risk", "Delivery and operational risk (lower is better).", 1, CriterionDirection.COST, (1, 5)),
)
TEAMS = (
    ("Growth squad", "Activation, onboarding and the first week of a new store.", Decimal("4.50"), ("admin", "editor")),
    ("Platform", "Connectors, data pipeline, performance and security.", Decimal("6.00"), ("admin",)),
    ("Mobile", "Beacon Mobile for store managers on the shop floor.", Decimal("3.00"), ("editor", "viewer")),
)

# Atlas Analytics: (epic, initiative title or None, team, tags, [children]); a child is
# (title, type, what it is for). The descriptions are built from these in `_describe`.
ATLAS: tuple[tuple[str, str | None, str, tuple[str, ...], tuple[tuple[str, str, str], ...]], ...] = (
    (
        "Morning briefing dashboard",
        "Morning briefing",
        "Growth squad",
        ("reporting", "ux"),
        (
            ("Yesterday at a glance card", "feature", "the three numbers a manager checks before opening"),
            ("Sales vs. same day last year", "feature", "a like-for-like comparison that respects holidays"),
            ("Stock-out alerts in the briefing", "feature", "the products that ran out yesterday, by department"),
            ("Staffing gaps for today", "feature", "shifts still open against the forecast footfall"),
            ("Briefing e-mail at 7:00 local time", "feature", "the briefing delivered before the store opens"),
            ("Pin a metric to the briefing", "improvement", "letting each manager choose what they see first"),
            ("Weather-adjusted footfall forecast", "feature", "a forecast that knows rain empties high streets"),
            ("Printable briefing for the back office", "improvement", "a one-page print layout for the staff room"),
            ("Briefing loads in under a second", "improvement", "a cached, precomputed briefing per store"),
            ("Missing yesterday's data shows as zero", "bug", "an empty day that must read as 'not in yet'"),
            ("Regional roll-up of briefings", "feature", "area managers seeing their ten stores at once"),
            ("Mark a briefing item as handled", "feature", "closing the loop on an alert"),
            ("Briefing in Spanish and Portuguese", "improvement", "stores in Iberia and Brazil"),
        ),
    ),
    (
        "Point-of-sale connectors",
        "Point-of-sale connectors",
        "Platform",
        ("integrations",),
        (
            ("Square connector", "feature", "syncing sales and refunds from Square every 15 minutes"),
            ("Lightspeed Retail connector", "feature", "importing the product catalogue and daily sales"),
            ("Shopify POS connector", "feature", "stores that sell online and in person"),
            ("Vend connector", "feature", "the long tail of small boutiques on Vend"),
            ("Connector health page", "feature", "showing when each store last synced, and why not"),
            ("Backfill two years of history", "improvement", "year-over-year comparisons from day one"),
            ("Retry failed syncs with backoff", "improvement", "surviving a POS provider's outage"),
            ("Refunds counted twice after resync", "bug", "a resync that must be idempotent"),
            ("Map POS departments to Atlas categories", "feature", "one taxonomy across connectors"),
            ("Webhook intake for near-real-time sales", "feature", "stores that want numbers during the day"),
            ("Connector SDK for partners", "feature", "letting Compass API partners build their own"),
            ("Time zone drift on Lightspeed imports", "bug", "sales after 23:00 landing on the next day"),
            ("Rate-limit aware sync scheduler", "improvement", "staying under each provider's quota"),
        ),
    ),
    (
        "Guided onboarding",
        "Guided setup",
        "Growth squad",
        ("onboarding", "ux"),
        (
            ("Setup checklist on first login", "feature", "the five steps to a useful first dashboard"),
            ("Sample data for a demo store", "feature", "exploring Atlas before the POS is connected"),
            ("Invite your store managers step", "feature", "getting the whole team in during setup"),
            ("Suggested dashboards by store type", "feature", "grocery, fashion and pharmacy templates"),
            ("Progress saved between sessions", "improvement", "setup that can be finished tomorrow"),
            ("In-app tips on the first three dashboards", "improvement", "explaining what each chart is for"),
            ("Setup stalls when POS has no departments", "bug", "a connector that returns an empty taxonomy"),
            ("Onboarding funnel in product analytics", "improvement", "seeing where new stores drop off"),
            ("Book a call from the checklist", "feature", "a human for stores that get stuck"),
            ("Import staff list from CSV", "feature", "stores that keep their rota in a spreadsheet"),
            ("Welcome e-mail sequence", "improvement", "a nudge on day 2 and day 7"),
            ("Skip setup for invited users", "improvement", "a manager joining an existing store"),
        ),
    ),
    (
        "Metric explanations",
        "Explain the numbers",
        "Growth squad",
        ("reporting",),
        (
            ("'Why did this change?' panel", "feature", "the top three drivers of a metric's change"),
            ("Definitions glossary", "feature", "one place that says what each metric counts"),
            ("Hover definitions on every chart", "improvement", "the definition where the number is"),
            ("Anomaly markers on charts", "feature", "flagging days far outside the usual range"),
            ("Annotate a day with a note", "feature", "recording the promotion that explains a spike"),
            ("Compare two stores side by side", "feature", "benchmarking against a similar store"),
            ("Margin shown as percentage and amount", "improvement", "finance and store teams reading the same"),
            ("Glossary links break on renamed metrics", "bug", "stable links to definitions"),
            ("Explain forecasts in plain words", "feature", "why tomorrow's forecast is what it is"),
            ("Export a chart with its explanation", "improvement", "sharing the story, not just the picture"),
            ("Basket size broken down by hour", "feature", "when customers buy more per visit"),
            ("Confidence band on forecasts", "improvement", "showing how sure the forecast is"),
        ),
    ),
    (
        "Legacy report migration",
        "Retire Legacy Reports",
        "Platform",
        ("reporting", "enterprise"),
        (
            ("Inventory of legacy report usage", "feature", "which of the 40 reports anyone still opens"),
            ("Rebuild the weekly sales PDF in Atlas", "feature", "the report finance still prints"),
            ("Scheduled exports to e-mail", "feature", "reports that arrive without logging in"),
            ("Redirect legacy report links", "improvement", "bookmarks that keep working"),
            ("Migration guide for customers", "improvement", "a page per legacy report and its replacement"),
            ("Legacy PDF totals off by rounding", "bug", "a known discrepancy customers ask about"),
            ("Read-only mode for Legacy Reports", "feature", "freezing the old tool before switching it off"),
            ("Usage banner in Legacy Reports", "improvement", "telling users where the report moved"),
            ("Shut down the legacy PDF renderer", "feature", "removing the 2019 rendering servers"),
            ("Archive legacy report history", "feature", "keeping seven years of reports for audits"),
        ),
    ),
    (
        "Enterprise readiness",
        None,
        "Platform",
        ("enterprise", "security"),
        (
            ("SAML single sign-on", "feature", "chains that manage access centrally"),
            ("SCIM user provisioning", "feature", "joiners and leavers synced from the directory"),
            ("Audit log export", "feature", "security reviews that ask who changed what"),
            ("Role per region", "feature", "area managers who see only their stores"),
            ("Data residency in the EU", "feature", "European chains with residency clauses"),
            ("Session timeout policy", "improvement", "shared back-office computers"),
            ("Password reset e-mail sent twice", "bug", "a retried mail job without an idempotency key"),
            ("Uptime status page", "improvement", "the first thing procurement asks for"),
            ("99.9% availability SLA reporting", "feature", "monthly availability per customer"),
            ("Penetration test fixes (Q3 report)", "improvement", "closing the medium findings"),
        ),
    ),
)
ATLAS_LOOSE = (
    ("Dark mode", "improvement", "late shifts and stockrooms with dim light", ("ux",)),
    ("Keyboard shortcuts for dashboards", "improvement", "power users switching stores quickly", ("ux",)),
    ("CSV export of any table", "feature", "the spreadsheet every manager keeps anyway", ("reporting",)),
    ("Chart tooltips cut off on small screens", "bug", "tablets mounted at the till", ("ux", "mobile")),
    ("Dashboard load time over 4 s for large chains", "bug", "chains with more than 500 stores", ("performance",)),
    ("Slow store search with 1,000+ stores", "bug", "the store picker of the largest customers", ("performance",)),
    ("Custom date ranges on every chart", "feature", "comparing a promotion week with the one before", ("reporting",)),
    ("Share a dashboard with a link", "feature", "showing numbers to someone without an account", ()),
    ("Favourite dashboards", "improvement", "the three dashboards a manager opens daily", ("ux",)),
    ("Public API rate limits documented", "improvement", "partners building on Compass", ("integrations",)),
    ("Notifications digest setting", "improvement", "managers who get too many alerts", ()),
    ("Accessibility audit fixes", "improvement", "screen reader users and keyboard navigation", ("ux",)),
    ("Duplicate stores after POS reconnect", "bug", "a reconnect that creates a second store", ("integrations",)),
    ("Weekly goal tracking widget", "feature", "a store's weekly target beside its actuals", ("reporting",)),
    ("Print stylesheet for dashboards", "improvement", "managers who pin numbers on the wall", ()),
    ("Timezone setting per store", "improvement", "chains spanning several time zones", ()),
    ("Two-factor authentication", "feature", "accounts that see a whole chain's revenue", ("security",)),
    ("Saved filters on the store list", "improvement", "area managers filtering the same way daily", ("ux",)),
    ("Yearly summary report", "feature", "the January review every chain does", ("reporting",)),
    ("Wrong week number in ISO weeks view", "bug", "weeks that start on Monday in Europe", ("reporting",)),
    ("Bulk invite from a CSV", "improvement", "chains onboarding 200 managers at once", ("onboarding",)),
    ("Zapier integration", "feature", "small chains that glue tools together", ("integrations",)),
)
BEACON: tuple[tuple[str, str, str], ...] = (
    ("Push alert when a till goes offline", "feature", "a manager on the floor hearing it first"),
    ("Approve refunds from the phone", "feature", "no walk to the back office for a signature"),
    ("Today's numbers widget", "feature", "the home-screen widget with sales so far"),
    ("Offline mode for the morning briefing", "feature", "stockrooms without signal"),
    ("Shift swap requests", "feature", "staff asking to swap, managers approving in one tap"),
    ("Face ID sign-in", "improvement", "a manager signing in with gloves off and hands full"),
    ("Scan a product to see its stock", "feature", "answering 'do you have it in blue?'"),
    ("App crashes on Android 12 when rotating", "bug", "older store phones"),
    ("Tablet layout", "improvement", "the iPad at the customer service desk"),
    ("Alert sounds configurable", "improvement", "quiet stores and noisy ones"),
    ("Badge count wrong after reading alerts", "bug", "a badge that never clears"),
    ("Dark mode on mobile", "improvement", "night shifts"),
    ("Share a chart to WhatsApp", "feature", "how store teams actually talk"),
    ("Battery usage too high with live tiles", "bug", "phones that must last a shift"),
    ("Manager check-in at store opening", "feature", "a quick checklist when opening up"),
    ("Task list from the briefing", "feature", "turning alerts into tasks for the team"),
    ("Multi-store switcher", "improvement", "area managers visiting several stores a day"),
    ("Localised number formats", "improvement", "decimal commas in Europe"),
    ("Onboarding tour for first launch", "improvement", "new managers on their first day"),
)

RELEASES = (
    # name suffix, status, start offset (days from today), length (days)
    ("winter", ReleaseStatus.RELEASED, -150, 60),
    ("spring", ReleaseStatus.IN_PROGRESS, -40, 75),
    ("summer", ReleaseStatus.PLANNED, 45, 75),
    ("autumn", ReleaseStatus.PLANNED, 130, 80),
)


def _describe(title: str, purpose: str, epic: str | None) -> str:
    """A short Markdown description of a feature."""
    lines = [f"**Why:** {purpose[:1].upper()}{purpose[1:]}.", ""]
    if epic:
        lines.append(f"Part of _{epic}_.")
        lines.append("")
    lines += [
        "**Done when:**",
        f"- {title} works for every store in a chain, not only the pilot stores",
        "- the support team has a help-centre article to point to",
    ]
    return "\n".join(lines)


def seed(workspace: Workspace, users: dict[str, User]) -> None:
    """Add the demo backlog, once (see the module docstring). `users`: the demo users by role."""
    products = {p.slug: p for p in Product.objects.filter(workspace=workspace, archived_at__isnull=True)}
    if not products or Release.objects.filter(product__in=products.values()).exists():
        return
    rng = random.Random(909)  # noqa: S311 - demo data, not secrets
    today = timezone.localdate()
    releases = _releases(products.values(), today)
    teams = _teams(workspace, users)
    tags = {t.name: t for t in Tag.objects.bulk_create(Tag(workspace=workspace, name=name) for name in TAGS)}
    statuses = _statuses_by_category(workspace)
    initiatives = {i.title: i for i in Initiative.objects.filter(workspace=workspace)}
    people = list(User.objects.filter(pk__in=Membership.objects.filter(workspace=workspace).values("user_id")))
    atlas = products.get("atlas-analytics")
    beacon = products.get("beacon-mobile")
    seeder = _Seeder(rng, today, statuses, releases, teams, tags, initiatives, people)
    for product, plan in ((atlas, seeder.atlas_plan()), (beacon, seeder.beacon_plan())):
        if product is not None:
            seeder.create(product, plan)
    if initiatives:
        initiatives_progress_refresh([i.pk for i in initiatives.values()])


def _releases(products: Any, today: dt.date) -> dict[int, list[Release]]:
    made: list[Release] = []
    for product in products:
        for n, (suffix, status, start, length) in enumerate(RELEASES[: 3 if product.stage == "idea" else 4]):
            begins = today + dt.timedelta(days=start)
            made.append(
                Release(
                    product=product,
                    name=f"{begins.year}.{n + 1} ({suffix})",
                    description=f"The {suffix} release of {product.name}.",
                    status=status,
                    start_date=begins,
                    release_date=begins + dt.timedelta(days=length),
                )
            )
    by_product: dict[int, list[Release]] = {}
    for release in Release.objects.bulk_create(made):
        by_product.setdefault(release.product_id, []).append(release)
    return by_product


def _teams(workspace: Workspace, users: dict[str, User]) -> dict[str, Team]:
    made = Team.objects.bulk_create(
        Team(workspace=workspace, name=name, description=description, capacity=capacity)
        for name, description, capacity, _members in TEAMS
    )
    Team.members.through.objects.bulk_create(
        Team.members.through(team_id=team.pk, user_id=users[role].pk)
        for team, (_n, _d, _c, roles) in zip(made, TEAMS, strict=True)
        for role in roles
        if role in users
    )
    return {team.name: team for team in made}


def _statuses_by_category(workspace: Workspace) -> dict[str, list[FeatureStatus]]:
    found: dict[str, list[FeatureStatus]] = {}
    for status in FeatureStatus.objects.filter(workspace=workspace).order_by("position", "id"):
        found.setdefault(status.category, []).append(status)
    return found


class _Seeder:
    """Builds the demo features of a product from a plan: [(epic or None, fields)], then saves them
    with a few bulk statements and scores them."""

    # The share of features per category, for children (epics lean to planned / in progress).
    CATEGORY_WEIGHTS = (
        (StatusCategory.BACKLOG, 30),
        (StatusCategory.PLANNED, 22),
        (StatusCategory.IN_PROGRESS, 18),
        (StatusCategory.DONE, 22),
        (StatusCategory.WONT_DO, 8),
    )

    def __init__(
        self,
        rng: random.Random,
        today: dt.date,
        statuses: dict[str, list[FeatureStatus]],
        releases: dict[int, list[Release]],
        teams: dict[str, Team],
        tags: dict[str, Tag],
        initiatives: dict[str, Initiative],
        people: list[User],
    ) -> None:
        self.rng, self.today, self.statuses = rng, today, statuses
        self.releases, self.teams, self.tags, self.initiatives, self.people = releases, teams, tags, initiatives, people

    def atlas_plan(self) -> list[dict[str, Any]]:
        plan: list[dict[str, Any]] = []
        for epic, initiative, team, tags, children in ATLAS:
            plan.append(
                {
                    "title": epic, "type": FeatureType.EPIC, "purpose": children[0][2], "initiative": initiative,
                    "team": team, "tags": tags, "epic": None,
                }
            )  # fmt: skip
            for title, kind, purpose in children:
                plan.append(
                    {
                        "title": title, "type": kind, "purpose": purpose, "initiative": initiative,
                        "team": team, "tags": tags, "epic": epic,
                    }
                )  # fmt: skip
        for title, kind, purpose, tags in ATLAS_LOOSE:
            plan.append(
                {
                    "title": title,
                    "type": kind,
                    "purpose": purpose,
                    "initiative": None,
                    "team": None,
                    "tags": tags,
                    "epic": None,
                }
            )
        return plan

    def beacon_plan(self) -> list[dict[str, Any]]:
        epic = "Store manager app, version 2"
        plan: list[dict[str, Any]] = [
            {"title": epic, "type": FeatureType.EPIC, "purpose": "managers who run the floor from their phone",
             "initiative": None, "team": "Mobile", "tags": ("mobile",), "epic": None}
        ]  # fmt: skip
        for title, kind, purpose in BEACON:
            plan.append(
                {"title": title, "type": kind, "purpose": purpose, "initiative": None, "team": "Mobile",
                 "tags": ("mobile",), "epic": epic}
            )  # fmt: skip
        return plan

    def _category(self, kind: str) -> str:
        if kind == FeatureType.EPIC:
            return self.rng.choice((StatusCategory.PLANNED, StatusCategory.IN_PROGRESS, StatusCategory.IN_PROGRESS))
        categories = [c for c, _w in self.CATEGORY_WEIGHTS]
        return self.rng.choices(categories, weights=[w for _c, w in self.CATEGORY_WEIGHTS])[0]

    def _release(self, product: Product, category: str) -> Release | None:
        releases = self.releases.get(product.pk, [])
        if not releases or category in (StatusCategory.BACKLOG, StatusCategory.WONT_DO):
            return None
        wanted = {
            StatusCategory.DONE: ReleaseStatus.RELEASED,
            StatusCategory.IN_PROGRESS: ReleaseStatus.IN_PROGRESS,
            StatusCategory.PLANNED: ReleaseStatus.PLANNED,
        }[StatusCategory(category)]
        fitting = [r for r in releases if r.status == wanted] or releases
        return self.rng.choice(fitting)

    def _rice(self, n: int) -> dict[str, Any]:
        rng = self.rng
        values: dict[str, Any] = {
            "reach": rng.choice((150, 400, 800, 1200, 2500, 5000, 9000, 15000)),
            "impact": Decimal(rng.choice(("0.25", "0.5", "1", "1", "2", "2", "3"))),
            "confidence": rng.choice((50, 80, 80, 100)),
            "effort": Decimal(rng.choice(("0.5", "1", "1.5", "2", "3", "4", "6", "8"))),
        }
        if n % 11 == 5:  # a few lack one input: their RICE score stays empty
            values[rng.choice(("reach", "confidence", "effort"))] = None
        elif n % 17 == 3:  # and a few have no RICE inputs at all
            values = dict.fromkeys(values)
        return values

    def create(self, product: Product, plan: list[dict[str, Any]]) -> None:
        rng, today = self.rng, self.today
        keys = even_keys(len(plan))
        features: list[Feature] = []
        for n, (item, rank) in enumerate(zip(plan, keys, strict=True)):
            category = self._category(item["type"])
            status = rng.choice(self.statuses.get(category) or self.statuses[StatusCategory.BACKLOG])
            rice = self._rice(n)
            started = category in (StatusCategory.IN_PROGRESS, StatusCategory.DONE)
            start = today - dt.timedelta(days=rng.randint(5, 90)) if started else None
            initiative = self.initiatives.get(item["initiative"]) if item["initiative"] else None
            features.append(
                Feature(
                    product=product,
                    title=item["title"],
                    description=_describe(item["title"], item["purpose"], item["epic"]),
                    type=item["type"],
                    status=status,
                    owner=rng.choice(self.people) if self.people and n % 4 else None,
                    initiative=initiative,
                    release=self._release(product, category),
                    team=self.teams.get(item["team"]) if item["team"] else None,
                    start_date=start,
                    due_date=start + dt.timedelta(days=rng.randint(14, 60)) if start else None,
                    moscow=rng.choice((MoSCoW.MUST, MoSCoW.SHOULD, MoSCoW.SHOULD, MoSCoW.COULD, MoSCoW.WONT))
                    if n % 5
                    else "",
                    rice_score=rice_score(rice["reach"], rice["impact"], rice["confidence"], rice["effort"]),
                    rank=rank,
                    archived_at=timezone.now() if n % 37 == 36 else None,
                    **rice,
                )
            )
        saved = Feature.objects.bulk_create(features)
        by_title = {f.title: f for f in saved}
        children = [(f, plan[i]["epic"]) for i, f in enumerate(saved) if plan[i]["epic"]]
        for feature, epic in children:
            feature.parent = by_title[epic]
        Feature.objects.bulk_update([f for f, _e in children], ["parent"])
        Feature.tags.through.objects.bulk_create(
            Feature.tags.through(feature_id=f.pk, tag_id=self.tags[name].pk)
            for i, f in enumerate(saved)
            for name in plan[i]["tags"]
            if name in self.tags
        )
        if product.slug == "atlas-analytics":
            self._scorecard(product, saved)

    def _scorecard(self, product: Product, features: list[Feature]) -> None:
        criteria = ScorecardCriterion.objects.bulk_create(
            ScorecardCriterion(
                product=product, name=name, description=description, weight=weight, direction=direction,
                scale_min=low, scale_max=high, position=i,
            )
            for i, (name, description, weight, direction, (low, high)) in enumerate(CRITERIA)
        )  # fmt: skip
        values = [
            CriterionValue(feature_id=f.pk, criterion_id=c.pk, value=self.rng.randint(c.scale_min, c.scale_max))
            for n, f in enumerate(features)
            for c in criteria
            if n % 9 != 4 or c.name != "Risk"  # most have every value; a few lack one: their score stays empty
        ]
        CriterionValue.objects.bulk_create(values)
        event = score_event(
            product_id=product.pk, actor=None, cause=ScoreCause.RECOMPUTE, detail={"reason": "demo data seeded"}
        )
        product_scores_recompute(product_id=product.pk, event=event)
