"""The backlog's demo data (backlog/demo.py, through seed_demo): releases for every active demo
product, teams with members, Atlas' four-criterion scorecard, about 120 realistic features across
epics with children, initiatives, releases, teams, tags and every status category, scored by
backlog.scoring (RICE per row, the scorecard set-based), initiative progress computed; seeding
twice changes nothing."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from backlog.models import (
    CriterionValue,
    Feature,
    FeatureType,
    Release,
    ScorecardCriterion,
    StatusCategory,
    Tag,
    Team,
)
from backlog.scoring import rice_score
from pmtool.models import Product
from strategy.models import Initiative

pytestmark = pytest.mark.django_db


def counts() -> dict[str, int]:
    return {
        "features": Feature.objects.count(),
        "releases": Release.objects.count(),
        "teams": Team.objects.count(),
        "tags": Tag.objects.count(),
        "criteria": ScorecardCriterion.objects.count(),
        "values": CriterionValue.objects.count(),
    }


@pytest.fixture
def seeded() -> dict[str, int]:
    call_command("seed_demo", stdout=StringIO())
    return counts()


def test_seeding_twice_changes_nothing(seeded):
    call_command("seed_demo", stdout=StringIO())
    assert counts() == seeded
    assert 110 <= seeded["features"] <= 130


def test_releases_teams_and_scorecard(seeded):
    for product in Product.objects.filter(workspace__slug="acme", archived_at__isnull=True):
        n = Release.objects.filter(product=product).count()
        assert 3 <= n <= 4, product.name
        assert set(Release.objects.filter(product=product).values_list("status", flat=True)) >= {"released", "planned"}
    assert Team.objects.count() == 3 and all(t.members.exists() for t in Team.objects.all())
    atlas = Product.objects.get(slug="atlas-analytics")
    criteria = list(ScorecardCriterion.objects.filter(product=atlas).values_list("name", "weight", "direction"))
    assert criteria == [
        ("Customer value", 3, "benefit"), ("Strategic fit", 2, "benefit"),
        ("Revenue potential", 2, "benefit"), ("Risk", 1, "cost"),
    ]  # fmt: skip


def test_features_cover_the_backlog_shape(seeded):
    features = Feature.objects.select_related("status")
    assert {f.status.category for f in features} == set(StatusCategory.values)
    epics = features.filter(type=FeatureType.EPIC)
    assert 5 <= epics.count() <= 8 and all(e.children.count() >= 5 for e in epics)
    assert features.filter(initiative__isnull=False).count() >= 50
    assert features.filter(release__isnull=False).exists() and features.filter(team__isnull=False).exists()
    assert features.filter(tags__isnull=False).distinct().count() >= 80
    assert features.exclude(moscow="").count() >= 60
    ranks = list(Feature.objects.filter(product__slug="atlas-analytics").values_list("rank", flat=True))
    assert ranks == sorted(ranks) and len(set(ranks)) == len(ranks)
    assert all(f.description.startswith("**Why:**") for f in features)


def test_scores_come_from_the_formulas(seeded):
    features = list(Feature.objects.all())
    empty = [f for f in features if f.rice_score is None]
    assert 3 <= len(empty) <= 30  # a few lack an input: empty, never zero
    for f in features:
        assert f.rice_score == rice_score(f.reach, f.impact, f.confidence, f.effort)
    atlas = [f for f in features if f.product.slug == "atlas-analytics"]
    scored = [f for f in atlas if f.scorecard_score is not None]
    assert len(scored) >= 0.8 * len(atlas) and len(scored) < len(atlas)
    assert all(0 <= f.scorecard_score <= 100 for f in scored)


def test_demo_initiatives_have_progress(seeded):
    initiatives = Initiative.objects.filter(workspace__slug="acme")
    assert initiatives.count() == 5
    assert all(i.progress is not None and i.features_counted > 0 for i in initiatives)


def test_the_backlog_seed_is_a_handful_of_statements(seeded):
    from backlog import demo
    from pmtool.models import Workspace

    workspace = Workspace.objects.get(slug="acme")
    users = {m.role: m.user for m in workspace.memberships.select_related("user")}
    Release.objects.all().delete()
    Feature.objects.all().delete()
    Team.objects.all().delete()
    Tag.objects.all().delete()
    ScorecardCriterion.objects.all().delete()
    with CaptureQueriesContext(connection) as queries:
        demo.seed(workspace, users)
    assert counts() == seeded
    assert len(queries) <= 40  # bulk statements: it does not grow with the number of features
