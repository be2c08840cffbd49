"""The scorecard pages: add, edit (a stale version shows the conflict panel, 409; a scale that
leaves values outside is refused on the form), delete with its version, reorder; the feature
scores page with its values form and "why did this move?" (an htmx partial, invalid times 400)."""

from __future__ import annotations

from typing import Any

import pytest

from backlog.models import CriterionValue, ScorecardCriterion
from backlog.services.scorecard import criterion_create, criterion_update, feature_values_set
from tests.factories import FeatureFactory
from tests.harness.queries import page

pytestmark = pytest.mark.django_db

FORM = {"name": "Value", "weight": "3", "direction": "benefit", "scale_min": "1", "scale_max": "5", "description": ""}


@pytest.fixture
def card(team: Any, product: Any) -> tuple[Any, Any, Any]:
    value = criterion_create(actor=team.actor(), product=product, name="Value", weight=3)
    risk = criterion_create(actor=team.actor(), product=product, name="Risk", direction="cost")
    feature = FeatureFactory(product=product, title="Dark mode")
    feature_values_set(actor=team.actor(), feature_id=feature.pk, version=1, values={value.pk: 4, risk.pk: 2})
    return value, risk, feature


def test_scorecard_page_lists_criteria_with_shares_and_the_top_features(team, card):
    response = page(team.viewer).get("/w/acme/products/atlas/backlog/scorecard/")
    assert response.status_code == 200
    text = response.content.decode()
    assert "75%" in text and "25%" in text
    assert "Dark mode" in text and "Add a criterion" not in text  # viewers read
    partial = page(team.viewer).get("/w/acme/products/atlas/backlog/scorecard/", HTTP_HX_REQUEST="true")
    assert partial.content.decode().lstrip().startswith('<section class="card table-card" id="top-features"')


def test_add_a_criterion_and_bad_input(team, card):
    client = page(team.editor)
    response = client.post("/w/acme/products/atlas/backlog/scorecard/new/", {**FORM, "name": "Reach"})
    assert response.status_code == 302
    assert ScorecardCriterion.objects.filter(name="Reach").exists()
    response = client.post("/w/acme/products/atlas/backlog/scorecard/new/", {**FORM, "name": "Fit", "scale_max": "1"})
    assert response.status_code == 400
    assert "greater than the scale" in response.content.decode()
    response = client.post("/w/acme/products/atlas/backlog/scorecard/new/", FORM)  # the name is taken
    assert response.status_code == 400


def test_a_stale_edit_shows_the_conflict_panel(team, card):
    value, *_ = card
    criterion_update(actor=team.actor(), criterion_id=value.pk, version=1, weight=7)
    response = page(team.editor).post(f"/w/acme/criteria/{value.pk}/edit/", {**FORM, "weight": "4", "version": "1"})
    assert response.status_code == 409
    assert "Someone else saved this criterion" in response.content.decode()
    value.refresh_from_db()
    assert value.weight == 7


def test_a_scale_leaving_values_outside_is_refused_on_the_form(team, card):
    value, *_ = card
    response = page(team.editor).post(f"/w/acme/criteria/{value.pk}/edit/", {**FORM, "scale_max": "3", "version": "1"})
    assert response.status_code == 400
    assert "1 feature has a value of “Value” outside 1–3" in response.content.decode()


def test_delete_needs_the_version(team, card):
    value, *_ = card
    client = page(team.editor)
    assert client.post(f"/w/acme/criteria/{value.pk}/delete/", {}).status_code == 400
    assert client.post(f"/w/acme/criteria/{value.pk}/delete/", {"version": "9"}).status_code == 409
    assert client.post(f"/w/acme/criteria/{value.pk}/delete/", {"version": "1"}).status_code == 302
    assert not ScorecardCriterion.objects.filter(pk=value.pk).exists()


def test_reorder_moves_a_criterion_up(team, card):
    _value, risk, _ = card
    client = page(team.editor)
    assert (
        client.post(
            "/w/acme/products/atlas/backlog/scorecard/order/", {"criterion": risk.pk, "direction": "up"}
        ).status_code
        == 302
    )
    assert list(ScorecardCriterion.objects.order_by("position").values_list("name", flat=True)) == ["Risk", "Value"]
    assert client.post("/w/acme/products/atlas/backlog/scorecard/order/", {"criterion": "x"}).status_code == 302


def test_values_form_sets_and_removes_values(team, card):
    value, risk, feature = card
    client = page(team.editor)
    response = client.post(
        f"/w/acme/features/{feature.pk}/scores/values/", {"version": "2", f"c{value.pk}": "5", f"c{risk.pk}": ""}
    )
    assert response.status_code == 302
    assert dict(CriterionValue.objects.filter(feature=feature).values_list("criterion_id", "value")) == {value.pk: 5}
    response = client.post(f"/w/acme/features/{feature.pk}/scores/values/", {"version": "3", f"c{value.pk}": "9"})
    assert response.status_code == 400  # outside 1–5
    response = client.post(f"/w/acme/features/{feature.pk}/scores/values/", {"version": "2", f"c{value.pk}": "1"})
    assert response.status_code == 409


def test_scores_page_explains_and_answers_why_moved(team, card):
    *_, feature = card
    client = page(team.viewer)
    response = client.get(f"/w/acme/features/{feature.pk}/scores/")
    text = response.content.decode()
    assert response.status_code == 200
    assert "Risk: 2 on 1–5, lower is better → 0.75, weight 1" in text
    assert "Scorecard: 56.25 + 18.75 = 75 of 100" in text
    assert "Admin changed its" in text  # the default window: a week ago to now
    partial = client.get(
        f"/w/acme/features/{feature.pk}/scores/?start=2020-01-01T00:00&end=2020-01-02T00:00",
        HTTP_HX_REQUEST="true",
        HTTP_HX_TARGET="why-moved",
    )
    assert partial.content.decode().lstrip().startswith('<div id="why-moved"')
    assert "nothing changed its scores or rank" in partial.content.decode()
    bad = client.get(f"/w/acme/features/{feature.pk}/scores/?start=yesterday")
    assert bad.status_code == 400
    assert "Those times are not valid" in bad.content.decode()
    assert client.get(f"/w/acme/features/{feature.pk}/scores/?start=0001-01-01T00:00").status_code == 400
