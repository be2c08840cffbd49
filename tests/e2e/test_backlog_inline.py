"""The inline "Edit scores" of a backlog row in the browser: set a scorecard value with its select
(labelled with the criterion's name and scale) and see the row's scorecard score change without a
page load; a value changed meanwhile by someone else shows the conflict, with the current values,
in the row."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from backlog.models import Feature, ScorecardCriterion
from backlog.services.features import feature_create
from backlog.services.scorecard import criterion_create, feature_values_set
from pmtool.activity import Actor

pytestmark = pytest.mark.browser


def _seed(team, product) -> None:
    admin = Actor(user=team.admin)
    criterion_create(actor=admin, product=product, name="Customer value", weight=3)
    criterion_create(actor=admin, product=product, name="Risk", direction="cost")
    feature_create(
        actor=Actor(user=team.editor), product=product, title="Dark mode",
        reach=100, impact=0.5, confidence=50, effort=1,
    )  # fmt: skip
    feature_create(actor=Actor(user=team.editor), product=product, title="Export to CSV")


def test_edit_scorecard_values_inline(web, signed_in, team, product):
    _seed(team, product)
    page = signed_in(team.editor)
    page.goto("/w/acme/products/atlas/backlog/")
    page.evaluate("window.__noReload = true")
    row = page.locator("li[data-feature-id]", has_text="Dark mode")
    expect(row.locator('[data-score="scorecard"]')).to_contain_text("—")
    row.get_by_role("link", name="Edit scores of Dark mode").click()
    form = row.locator("form.rice-form")
    expect(form.get_by_label("Reach")).to_be_focused()
    form.get_by_label("Customer value (1–5)").select_option("5")
    form.get_by_label("Risk (1–5, lower is better)").select_option("3")
    web.shot(page, "inline-01-edit-scores-form")
    form.get_by_role("button", name="Save").click()
    row = page.locator("li[data-feature-id]", has_text="Dark mode")
    expect(row.get_by_role("status")).to_have_text("Saved")
    expect(row.locator('[data-score="scorecard"]')).to_contain_text("88")  # (3 × 1 + 1 × 0.5) ÷ 4
    expect(row.locator('[data-score="rice"]')).to_contain_text("25")  # unchanged
    web.shot(page, "inline-02-edit-scores-saved")
    # someone else changes a value meanwhile: the stale edit shows the conflict with the current values
    row.get_by_role("link", name="Edit scores of Dark mode").click()
    dark = Feature.objects.get(title="Dark mode")
    value = ScorecardCriterion.objects.get(name="Customer value")
    feature_values_set(actor=Actor(user=team.admin), feature_id=dark.pk, version=dark.version, values={value.pk: 2})
    form = row.locator("form.rice-form")
    expect(form.get_by_label("Customer value (1–5)")).to_have_value("5")
    form.get_by_label("Risk (1–5, lower is better)").select_option("1")
    form.get_by_role("button", name="Save").click()
    conflict = row.locator(".rice-conflict")
    expect(conflict).to_contain_text("Someone else changed this feature")
    expect(conflict).to_contain_text("Customer value 2; Risk 3; scorecard 31")  # (3 × 0.25 + 1 × 0.5) ÷ 4
    web.shot(page, "inline-03-edit-scores-conflict")
    form = row.locator("form.rice-form")
    form.get_by_label("Customer value (1–5)").select_option("2")
    form.get_by_role("button", name="Save").click()
    expect(row.get_by_role("status")).to_have_text("Saved")
    expect(row.locator('[data-score="scorecard"]')).to_contain_text("44")  # (3 × 0.25 + 1 × 1) ÷ 4
    assert page.evaluate("window.__noReload") is True  # never a page load
    # a value out of the scale cannot be chosen; the keyboard path: e opens the form, Escape cancels
    row.get_by_role("link", name="Edit scores of Dark mode").click()
    options = row.locator("form.rice-form").get_by_label("Customer value (1–5)").locator("option")
    expect(options).to_have_text(["—", "1", "2", "3", "4", "5"])
    page.keyboard.press("Escape")
    expect(row.locator("form.rice-form")).to_have_count(0)
