"""The inline "Edit scores" of a backlog row: RICE inputs and one select per scorecard criterion,
saved with the version (htmx: the row again with its new scores; without JS: a page of its own and
a redirect back to the backlog), a value out of the criterion's scale, a stale version, a viewer."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.test import Client

from backlog.models import CriterionValue, Feature
from backlog.services.features import feature_create
from backlog.services.inline import feature_scores_save
from backlog.services.scorecard import criterion_create, feature_values_set
from pmtool.errors import ValidationError
from pmtool.models import ActivityEvent

pytestmark = pytest.mark.django_db
HX = {"HX-Request": "true"}


@pytest.fixture
def client_as(team: Any) -> Any:
    def make(who: str = "editor") -> Client:
        client = Client()
        client.force_login(getattr(team, who))
        return client

    return make


@pytest.fixture
def scored(team: Any, product: Any) -> Any:
    """A feature with RICE inputs (score 25) and two criteria: Customer value (1–5, weight 3), Risk (a cost, 1–5)."""
    actor = team.actor("admin")
    value = criterion_create(actor=actor, product=product, name="Customer value", weight=3)
    risk = criterion_create(actor=actor, product=product, name="Risk", direction="cost")
    feature = feature_create(
        actor=team.actor("editor"), product=product, title="Dark mode", reach=100, impact=0.5, confidence=50, effort=1
    )
    return feature, value, risk


def url(feature: Feature) -> str:
    return f"/w/acme/features/{feature.pk}/rice/"


def body(feature: Feature, value: Any, risk: Any, **changes: str) -> dict[str, str]:
    data = {"version": str(feature.version), "reach": "100", "impact": "0.5", "confidence": "50", "effort": "1"}
    data.update({f"c{value.pk}": "", f"c{risk.pk}": "", "ranked": "1"})
    for name, v in changes.items():
        data[{"cv": f"c{value.pk}", "cr": f"c{risk.pk}"}.get(name, name)] = v
    return data


def scorecard_cell(html: str) -> str:
    match = re.search(r'data-score="scorecard"><span class="col-label">Scorecard </span>([^<]*)</span>', html)
    assert match, html
    return match.group(1).strip()


def test_form_has_one_select_per_criterion_with_its_scale(scored: Any, client_as: Any, team: Any) -> None:
    feature, value, risk = scored
    feature = feature_values_set(
        actor=team.actor(), feature_id=feature.pk, version=feature.version, values={value.pk: 4}
    )
    html = client_as("editor").get(url(feature) + "?ranked=1", headers=HX).content.decode()
    assert 'class="rice-form"' in html and "<legend>Scorecard</legend>" in html
    assert f'<label for="rice-{feature.pk}-c{value.pk}">Customer value (1–5)</label>' in html
    assert f'<label for="rice-{feature.pk}-c{risk.pk}">Risk (1–5, lower is better)</label>' in html
    select = re.search(rf'<select name="c{value.pk}"[^>]*>(.*?)</select>', html, re.S)
    assert select is not None
    assert re.findall(r'<option value="([^"]*)"', select.group(1)) == ["", "1", "2", "3", "4", "5"]
    assert '<option value="4" selected>' in select.group(1)
    assert f'name="version" value="{feature.version}"' in html


def test_save_values_and_rice_in_the_row(scored: Any, client_as: Any) -> None:
    feature, value, risk = scored
    client = client_as("editor")
    assert scorecard_cell(client.get(url(feature) + "?cancel=1", headers=HX).content.decode()) == "—"
    saved = client.post(url(feature), body(feature, value, risk, cv="5", cr="3", reach="400"), headers=HX)
    html = saved.content.decode()
    assert saved.status_code == 200 and "Saved" in html and 'class="rice-form"' not in html
    # (3 × 1 + 1 × 0.5) ÷ 4 = 87.5 → 88; RICE 400 × 0.5 × 0.5 ÷ 1 = 100
    assert scorecard_cell(html) == "88" and "RICE </span>100</span>" in html
    assert "rank-handle" in html
    feature.refresh_from_db()
    assert feature.scorecard_score == pytest.approx(87.5) and feature.rice_score == pytest.approx(100)
    assert feature.version == 3  # RICE by feature_update, then the values with the version it returned
    assert dict(CriterionValue.objects.filter(feature=feature).values_list("criterion_id", "value")) == {
        value.pk: 5, risk.pk: 3,
    }  # fmt: skip
    assert ActivityEvent.objects.filter(target_id=feature.pk, action="updated").count() == 2
    # only a value changes: one bump; "—" removes the value (the score is then empty)
    again = client.post(url(feature), body(feature, value, risk, cv="5", cr="", reach="400"), headers=HX)
    assert again.status_code == 200 and scorecard_cell(again.content.decode()) == "—"
    feature.refresh_from_db()
    assert feature.version == 4 and feature.rice_score == pytest.approx(100)
    # nothing changed: no bump
    client.post(url(feature), body(feature, value, risk, cv="5", reach="400"), headers=HX)
    feature.refresh_from_db()
    assert feature.version == 4


def test_a_criterion_not_in_the_post_keeps_its_value(scored: Any, client_as: Any, team: Any) -> None:
    feature, value, risk = scored
    feature = feature_values_set(
        actor=team.actor(), feature_id=feature.pk, version=feature.version, values={risk.pk: 2}
    )
    data = body(feature, value, risk, cv="3")
    del data[f"c{risk.pk}"]  # e.g. the criterion was added after the form was opened
    assert client_as("editor").post(url(feature), data, headers=HX).status_code == 200
    assert dict(CriterionValue.objects.filter(feature=feature).values_list("criterion_id", "value")) == {
        value.pk: 3, risk.pk: 2,
    }  # fmt: skip


def test_value_out_of_scale_is_a_field_error_in_the_row(scored: Any, client_as: Any) -> None:
    feature, value, risk = scored
    response = client_as("editor").post(url(feature), body(feature, value, risk, cv="9", reach="999"), headers=HX)
    html = response.content.decode()
    assert response.status_code == 400 and 'class="rice-form"' in html
    assert "Please correct the 1 field marked below." in html
    field = re.search(rf'<div class="field rice-field field-invalid">\s*<label for="rice-{feature.pk}-c{value.pk}">'
                      r".*?</div>", html, re.S)  # fmt: skip
    assert field is not None and "“Customer value” takes a whole number from 1 to 5." in field.group(0)
    assert 'value="999"' in html  # the input is kept
    feature.refresh_from_db()
    assert feature.version == 1 and feature.reach == 100 and not CriterionValue.objects.exists()


def test_the_service_is_all_or_nothing(scored: Any, team: Any) -> None:
    feature, value, _ = scored
    with pytest.raises(ValidationError) as caught:
        feature_scores_save(actor=team.actor(), feature_id=feature.pk, version=1, reach=5, values={value.pk: 0})
    assert f"values.{value.pk}" in caught.value.fields
    feature.refresh_from_db()
    assert feature.reach == 100 and feature.version == 1 and feature.rice_score == pytest.approx(25)


def test_stale_version_shows_the_current_values_in_the_row(scored: Any, client_as: Any, team: Any) -> None:
    feature, value, risk = scored
    client = client_as("editor")
    opened = feature.version
    feature_values_set(
        actor=team.actor("admin"), feature_id=feature.pk, version=opened, values={value.pk: 2, risk.pk: 1}
    )
    stale = client.post(url(feature), body(feature, value, risk, cv="4", cr="4"), headers=HX)
    html = stale.content.decode()
    assert stale.status_code == 409 and "Someone else changed this feature" in html
    assert "Customer value 2; Risk 1; scorecard 44" in html  # (3 × 0.25 + 1 × 1) ÷ 4 = 43.75
    assert f'name="version" value="{opened + 1}"' in html
    assert re.search(rf'<select name="c{value.pk}"[^>]*>.*?<option value="4" selected>', html, re.S)  # kept
    assert dict(CriterionValue.objects.filter(feature=feature).values_list("criterion_id", "value")) == {
        value.pk: 2, risk.pk: 1,
    }  # fmt: skip
    # saved again on top: applied
    data = {**body(feature, value, risk, cv="4", cr="4"), "version": str(opened + 1)}
    again = client.post(url(feature), data, headers=HX)
    assert again.status_code == 200 and "Saved" in again.content.decode()


def test_without_js_a_page_then_a_redirect_back(scored: Any, client_as: Any, product: Any) -> None:
    feature, value, risk = scored
    client = client_as("editor")
    page = client.get(url(feature))
    html = page.content.decode()
    assert page.status_code == 200 and "<h1>Scores of “Dark mode”</h1>" in html and 'class="rice-form"' in html
    assert f'action="{url(feature)}"' in html and "rank-handle" not in html
    bad = client.post(url(feature), body(feature, value, risk, cv="6"))
    assert bad.status_code == 400 and "<h1>Scores of" in bad.content.decode()
    saved = client.post(url(feature), body(feature, value, risk, cv="5", cr="1"))
    assert saved.status_code == 302
    assert saved["Location"] == f"/w/acme/products/{product.slug}/backlog/#feature-{feature.pk}"
    html = client.get(saved["Location"]).content.decode()
    assert "Scores of “Dark mode” saved." in html and scorecard_cell(html) == "100"
    assert client.get(url(feature) + "?cancel=1")["Location"] == f"/w/acme/products/{product.slug}/backlog/"


def test_a_viewer_cannot(scored: Any, client_as: Any) -> None:
    feature, value, risk = scored
    viewer = client_as("viewer")
    assert viewer.get(url(feature), headers=HX).status_code == 403
    assert viewer.post(url(feature), body(feature, value, risk, cv="5"), headers=HX).status_code == 403
    assert not CriterionValue.objects.exists()
    html = viewer.get(f"/w/acme/products/{feature.product.slug}/backlog/").content.decode()
    assert "Edit scores" not in html
