"""The weighted scorecard in the browser, with a real Celery worker on Redis: an editor raises a
criterion's weight on the scorecard page, the "Top features by scorecard score" list polls while the
worker recomputes and then shows the new order; the feature that moved up explains its score and
answers "why did this move?" (the default window and a chosen one, through htmx)."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
from django.db.models import F
from playwright.sync_api import expect

from backlog.models import BacklogSettings, CriterionValue, Feature, ScoreEvent, ScoreHistory
from backlog.services.scorecard import criterion_create, scores_request
from tests.conftest import wait_for
from tests.factories import FeatureFactory

pytestmark = [pytest.mark.browser, pytest.mark.worker]

# title: (value 1–5, benefit; effort 1–5, cost)
FEATURES = {
    "Bulk edit": (2, 1),
    "SSO with Okta": (5, 5),
    "Dark mode": (3, 3),
    "CSV export": (2, 2),
    "Audit log": (4, 4),
    "Slack alerts": (1, 1),
}


def shot(web: Any, page: Any, name: str) -> None:
    """web.shot, then drop the empty style="" attributes Playwright's screenshot leaves on inputs (htmx
    would copy them onto swapped-in elements, which the strict CSP reports as inline styles)."""
    web.shot(page, name)
    page.evaluate("document.querySelectorAll('[style=\"\"]').forEach((e) => e.removeAttribute('style'))")


def _computed(product: Any) -> bool:
    s = BacklogSettings.objects.get(product=product)
    return s.scores_computed_at is not None and s.scores_computed_at >= s.scores_requested_at


def _scorecard(team: Any, product: Any) -> dict[str, Feature]:
    actor = team.actor()
    value = criterion_create(actor=actor, product=product, name="Customer value", weight=1)
    effort = criterion_create(actor=actor, product=product, name="Effort", weight=1, direction="cost")
    features = {title: FeatureFactory(product=product, title=title) for title in FEATURES}
    CriterionValue.objects.bulk_create(
        [CriterionValue(feature=features[t], criterion=value, value=v) for t, (v, _e) in FEATURES.items()]
        + [CriterionValue(feature=features[t], criterion=effort, value=e) for t, (_v, e) in FEATURES.items()]
    )
    scores_request(product_id=product.pk)  # the values were loaded directly: ask for their recompute
    return features


def test_a_weight_change_reorders_the_top_features_after_the_worker_runs(web, signed_in, team, product, celery_worker):
    _scorecard(team, product)
    wait_for(lambda: _computed(product), timeout=30)  # the worker's first recompute
    # ...as if it had been scored ten days ago.
    ago = dt.timedelta(days=10)
    ScoreEvent.objects.filter(product=product).update(created_at=F("created_at") - ago)
    ScoreHistory.objects.filter(feature__product=product).update(created_at=F("created_at") - ago)

    page = signed_in(team.editor)
    page.goto("/w/acme/products/atlas/backlog/scorecard/")
    top = page.get_by_role("list", name="Top features by scorecard score").locator("li")
    expect(top.first).to_contain_text("Bulk edit")  # (0.25 + 1) ÷ 2 = 62.5
    expect(top.first).to_contain_text("62.5")
    expect(page.locator(".scorecard-criteria")).to_contain_text("50%")
    shot(web, page, "scoring-01-scorecard")

    page.get_by_role("link", name="Edit Customer value").click()
    page.get_by_label("Weight").fill("5")
    page.get_by_role("button", name="Save changes").click()
    expect(page).to_have_url(re.compile(r"/backlog/scorecard/$"))
    expect(page.locator(".scorecard-criteria")).to_contain_text("83.3%")
    # The page polls while the worker recomputes; then the order is the new one.
    expect(page.locator(".recompute-pending")).to_have_count(0, timeout=20_000)
    expect(top.first).to_contain_text("SSO with Okta", timeout=5_000)  # 5 × 1 ÷ 6 = 83.3
    expect(top.first).to_contain_text("83.3")
    assert _computed(product)
    shot(web, page, "scoring-02-reordered")

    top.first.get_by_role("link").click()
    expect(page.get_by_role("heading", name="How “SSO with Okta” is scored")).to_be_visible()
    card = page.locator(".explanation").nth(1)
    expect(card).to_contain_text("Customer value: 5 on 1–5 → 1, weight 5 → 83.33 points")
    expect(card).to_contain_text("Effort: 5 on 1–5, lower is better → 0, weight 1 → 0 points")
    expect(card).to_contain_text("= 83.3 of 100")
    expect(page.locator(".explanation").first).to_contain_text("RICE: no score yet")
    why = page.locator("#why-moved")
    expect(why).to_contain_text("its scorecard score went from 50 to 83.3")
    expect(why).to_contain_text("raised the weight of Customer value from 1 to 5 (recomputed at")
    shot(web, page, "scoring-03-explanation")

    # A chosen window without the change: nothing moved it (answered in place by htmx).
    page.get_by_label("From", exact=True).fill("2020-01-01T00:00")
    page.get_by_label("To", exact=True).fill("2020-01-02T00:00")
    page.get_by_role("button", name="Explain").click()
    expect(why).to_contain_text("Between 1 Jan and 2 Jan nothing changed its scores or rank.")
    expect(page.get_by_role("heading", name="How “SSO with Okta” is scored")).to_be_visible()
    shot(web, page, "scoring-04-why-nothing")
