"""The plan pages: statuses (settings, admin), releases, teams, backlog settings: create, edit
with the conflict panel on a stale version, delete (a used status only with a replacement),
reorder with the ↑ / ↓ buttons, and errors beside their fields."""

from __future__ import annotations

from typing import Any

import pytest

from backlog.models import BacklogSettings, Feature, FeatureStatus, Release, Team
from backlog.services.releases import release_create, release_update
from backlog.services.statuses import status_create, status_update
from backlog.services.teams import team_create, team_update
from tests.factories import FeatureFactory
from tests.harness.queries import page

pytestmark = pytest.mark.django_db


def names(team: Any) -> list[str]:
    return list(FeatureStatus.objects.filter(workspace=team.workspace).values_list("name", flat=True))


def html(response: Any) -> str:
    return response.content.decode()


# --- statuses ------------------------------------------------------------------------------------


def test_statuses_page_lists_them_and_only_admins_get_the_buttons(team, product):
    FeatureFactory.create_batch(2, product=product)
    admin = html(page(team.admin).get("/w/acme/settings/statuses/"))
    assert admin.index("New") < admin.index("Under consideration") < admin.index("Shipped")
    assert 'aria-label="Move Planned up"' in admin and "New status" in admin
    editor = html(page(team.editor).get("/w/acme/settings/statuses/"))
    assert "Move Planned up" not in editor and "Only admins can change" in editor
    assert 'aria-current="page">Statuses' in editor  # the settings tab


def test_status_move_up_and_down(team):
    client = page(team.admin)
    planned = FeatureStatus.objects.get(workspace=team.workspace, name="Planned")
    response = client.post(f"/w/acme/settings/statuses/{planned.pk}/move/", {"direction": "up", "version": 1})
    assert response.status_code == 302 and response["Location"].endswith(f"#status-{planned.pk}")
    assert names(team)[:3] == ["New", "Planned", "Under consideration"]
    planned.refresh_from_db()
    client.post(f"/w/acme/settings/statuses/{planned.pk}/move/", {"direction": "down", "version": planned.version})
    assert names(team)[:3] == ["New", "Under consideration", "Planned"]


def test_a_stale_move_changes_nothing_and_says_why(team):
    client = page(team.admin)
    planned = FeatureStatus.objects.get(workspace=team.workspace, name="Planned")
    status_update(actor=team.actor(), status_id=planned.pk, version=1, colour="#000000")
    before = names(team)
    response = client.post(
        f"/w/acme/settings/statuses/{planned.pk}/move/", {"direction": "up", "version": 1}, follow=True
    )
    assert names(team) == before
    assert "was changed by someone else" in html(response)


def test_status_create_refuses_a_taken_name_beside_the_field(team):
    response = page(team.admin).post(
        "/w/acme/settings/statuses/new/", {"name": "SHIPPED", "category": "done", "colour": "#16a34a"}
    )
    assert response.status_code == 400
    assert "already has a status" in html(response)
    assert FeatureStatus.objects.filter(workspace=team.workspace).count() == 7


def test_status_edit_conflict_shows_the_current_values(team):
    parked = status_create(actor=team.actor(), workspace=team.workspace, name="Parked")
    status_update(actor=team.actor(), status_id=parked.pk, version=1, name="Parked by Ada")
    response = page(team.admin).post(
        f"/w/acme/settings/statuses/{parked.pk}/edit/",
        {"name": "Parked by me", "category": "backlog", "colour": "#64748b", "version": 1},
    )
    assert response.status_code == 409
    body = html(response)
    assert "Someone else saved this status" in body and "Parked by Ada" in body and 'value="Parked by me"' in body
    assert 'name="version" value="2"' in body


def test_status_delete_of_a_used_status_needs_a_replacement(team, product):
    parked = status_create(actor=team.actor(), workspace=team.workspace, name="Parked")
    features = FeatureFactory.create_batch(3, product=product, status=parked)
    client = page(team.admin)
    confirm = html(client.get(f"/w/acme/settings/statuses/{parked.pk}/delete/"))
    assert "3 features" in confirm and "Move its features to" in confirm
    refused = client.post(f"/w/acme/settings/statuses/{parked.pk}/delete/", {"version": 1, "replacement": ""})
    assert refused.status_code == 409 and "choose a status" in html(refused)
    planned = FeatureStatus.objects.get(workspace=team.workspace, name="Planned")
    done = client.post(f"/w/acme/settings/statuses/{parked.pk}/delete/", {"version": 1, "replacement": planned.pk})
    assert done.status_code == 302
    assert set(Feature.objects.filter(pk__in=[f.pk for f in features]).values_list("status_id", flat=True)) == {
        planned.pk
    }


# --- releases --------------------------------------------------------------------------------------------


def test_release_create_list_and_date_errors(team, product):
    client = page(team.editor)
    bad = client.post(
        "/w/acme/products/atlas/releases/new/",
        {"name": "2026.2", "status": "planned", "start_date": "2026-06-01", "release_date": "2026-05-01"},
    )
    assert bad.status_code == 400 and "on or after the start date" in html(bad)
    made = client.post(
        "/w/acme/products/atlas/releases/new/",
        {"name": "2026.2", "status": "planned", "start_date": "", "release_date": "2026-06-30"},
    )
    assert made.status_code == 302 and made["Location"] == "/w/acme/products/atlas/releases/"
    release = Release.objects.get(name="2026.2")
    FeatureFactory.create_batch(2, product=product, release=release)
    listing = html(client.get("/w/acme/products/atlas/releases/"))
    assert "2026.2" in listing and "Jun 30, 2026" in listing and "2 backlog" in listing
    assert client.get("/w/acme/products/atlas/releases/?status=nope").status_code == 400


def test_release_edit_conflict(team, product):
    release = release_create(actor=team.actor(), product=product, name="2026.1")
    release_update(actor=team.actor(), release_id=release.pk, version=1, name="2026.1 (spring)")
    response = page(team.editor).post(
        f"/w/acme/releases/{release.pk}/edit/", {"name": "2026.1a", "status": "planned", "version": 1}
    )
    assert response.status_code == 409 and "2026.1 (spring)" in html(response)


def test_release_delete(team, product):
    release = release_create(actor=team.actor(), product=product, name="2026.1")
    feature = FeatureFactory(product=product, release=release)
    client = page(team.editor)
    assert "its features stay" in html(client.get(f"/w/acme/releases/{release.pk}/delete/"))
    assert client.post(f"/w/acme/releases/{release.pk}/delete/", {"version": 1}).status_code == 302
    feature.refresh_from_db()
    assert feature.release_id is None and not Release.objects.exists()


# --- teams --------------------------------------------------------------------------------------------------


def test_team_create_with_members_and_capacity(team):
    client = page(team.editor)
    response = client.post(
        "/w/acme/teams/new/",
        {"name": "Growth", "capacity": "4.5", "members": [team.editor.pk, team.viewer.pk], "description": ""},
    )
    assert response.status_code == 302
    made = Team.objects.get(name="Growth")
    assert str(made.capacity) == "4.50"
    assert set(made.members.values_list("pk", flat=True)) == {team.editor.pk, team.viewer.pk}
    listing = html(client.get("/w/acme/teams/"))
    assert "Growth" in listing and "4.50 pm/month" in listing and team.viewer.name in listing


def test_team_form_refuses_an_outsider_and_a_bad_capacity(team):
    client = page(team.editor)
    response = client.post("/w/acme/teams/new/", {"name": "G", "capacity": "-1", "members": [team.outsider.pk]})
    assert response.status_code == 400 and not Team.objects.exists()


def test_team_edit_conflict(team):
    made = team_create(actor=team.actor(), workspace=team.workspace, name="Platform")
    team_update(actor=team.actor(), team_id=made.pk, version=1, capacity=3)
    response = page(team.editor).post(
        f"/w/acme/teams/{made.pk}/edit/", {"name": "Platform", "capacity": "5", "description": "", "version": 1}
    )
    assert response.status_code == 409 and "Someone else saved this team" in html(response)


# --- backlog settings -----------------------------------------------------------------------------------------


def test_backlog_settings_page(team, product):
    viewer = html(page(team.viewer).get("/w/acme/products/atlas/backlog/settings/"))
    assert "Shown: RICE, MoSCoW, Weighted scorecard." in viewer
    client = page(team.editor)
    none = client.post("/w/acme/products/atlas/backlog/settings/", {"version": 1})
    assert none.status_code == 400 and "Choose at least one framework." in html(none)
    assert not BacklogSettings.objects.exists()
    saved = client.post("/w/acme/products/atlas/backlog/settings/", {"version": 1, "frameworks": ["scorecard"]})
    assert saved.status_code == 302
    assert BacklogSettings.objects.get(product=product).frameworks == ["scorecard"]
    stale = client.post("/w/acme/products/atlas/backlog/settings/", {"version": 1, "frameworks": ["rice"]})
    assert stale.status_code == 409 and "Someone else saved" in html(stale)


def test_product_page_links_releases_and_backlog_settings(team, product):
    body = html(page(team.viewer).get("/w/acme/products/atlas/"))
    assert "/w/acme/products/atlas/releases/" in body and "/w/acme/products/atlas/backlog/settings/" in body
