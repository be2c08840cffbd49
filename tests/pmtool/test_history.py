"""The activity history as people read it (pmtool.history, partials/history.html): labels instead of
stored values, colours as swatches, internals hidden, bursts merged, long entries folded; the API keeps
the raw values. And the activity page's filters: a bad or unknown parameter is shown, never ignored."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
from django.contrib.contenttypes.models import ContentType
from django.utils import timezone

from pmtool.models import ActivityEvent, Product
from strategy.models import Goal, Initiative
from tests.conftest import api_client
from tests.harness.queries import page

pytestmark = pytest.mark.django_db


def event(team: Any, target: Any, *, minutes_ago: float, changes: dict, who: str = "editor", action: str = "updated"):
    return ActivityEvent.objects.create(
        workspace=team.workspace,
        product=target if isinstance(target, Product) else None,
        actor_user=getattr(team, who),
        actor_label=getattr(team, who).email,
        target_type=ContentType.objects.get_for_model(target),
        target_id=target.pk,
        target_repr=str(target),
        action=action,
        changes=changes,
        created_at=timezone.now() - dt.timedelta(minutes=minutes_ago),
    )


def items(html: str) -> list[str]:
    listing = html.split('<ol class="history">', 1)[1].split("</ol>", 1)[0]
    return re.findall(r'<li class="history-item[^"]*">(.*?)</li>', listing, re.S)


def text_of(fragment: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", fragment)).strip()


def activity(team: Any, query: str = "") -> Any:
    return page(team.viewer).get(f"/w/acme/activity/{query}")


@pytest.fixture
def initiative(team: Any) -> Initiative:
    return Initiative.objects.create(workspace=team.workspace, title="Morning briefing")


def test_choices_read_as_their_labels_and_colours_as_swatches(team: Any, initiative: Initiative) -> None:
    event(team, initiative, minutes_ago=30, changes={"status": {"from": "active", "to": "on_hold"}})
    event(team, initiative, minutes_ago=60, changes={"colour": {"from": "#4f46e5", "to": "#DC2626"}}, who="admin")
    html = activity(team).content.decode()
    status, colour = items(html)
    assert "On hold" in text_of(status) and "Active" in text_of(status)
    assert "on_hold" not in status
    assert 'fill="#dc2626"' in colour and 'fill="#4f46e5"' in colour
    assert 'class="visually-hidden">colour #dc2626<' in colour  # named for screen readers, not shown raw


def test_internal_fields_are_hidden_and_dates_formatted(team: Any) -> None:
    goal = Goal.objects.create(workspace=team.workspace, title="Halve the support load")
    event(
        team,
        goal,
        minutes_ago=30,
        changes={
            "status_source": {"from": "derived", "to": "manual"},
            "progress": {"from": 10.0, "to": 20.0},
            "status": {"from": "on_track", "to": "at_risk"},
            "end_date": {"from": "2026-03-31", "to": "2026-06-30"},
        },
    )
    (entry,) = items(activity(team).content.decode())
    shown = text_of(entry)
    assert "Status source" not in shown and "derived" not in shown and "Progress" not in shown
    assert "On track → At risk" in shown
    assert "Mar 31, 2026 → Jun 30, 2026" in shown


def test_a_burst_of_edits_by_one_person_to_one_object_is_one_entry(team: Any, product: Product) -> None:
    event(team, product, minutes_ago=1, changes={"name": {"from": "Atlas 2", "to": "Atlas 3"}})
    event(team, product, minutes_ago=3, changes={"stage": {"from": "idea", "to": "growth"}})
    event(team, product, minutes_ago=5, changes={"name": {"from": "Atlas", "to": "Atlas 2"}})
    # Not part of it: someone else in between would split it; here an older edit far apart in time,
    event(team, product, minutes_ago=40, changes={"description": {"from": "", "to": "Dashboards."}})
    # and another person's edit.
    event(team, product, minutes_ago=41, changes={"name": {"from": "A", "to": "Atlas"}}, who="admin")
    entries = items(activity(team).content.decode())
    assert len(entries) == 3
    burst = text_of(entries[0])
    assert "edited 3 times" in burst
    assert "Name Atlas → Atlas 3" in burst  # first old value → last new value
    assert "Stage Idea → Growth" in burst
    assert "edited" not in text_of(entries[1]).replace("updated", "")
    assert "updated" in text_of(entries[1]) and "updated" in text_of(entries[2])


def test_someone_elses_edit_in_between_splits_a_burst(team: Any, product: Product) -> None:
    event(team, product, minutes_ago=1, changes={"name": {"from": "B", "to": "C"}})
    event(team, product, minutes_ago=2, changes={"name": {"from": "A", "to": "B"}}, who="admin")
    event(team, product, minutes_ago=3, changes={"name": {"from": "Atlas", "to": "A"}})
    assert len(items(activity(team).content.decode())) == 3


def test_long_entries_fold_all_but_the_first_changes(team: Any, product: Product) -> None:
    changes = {f"field_{i}": {"from": f"old {i}", "to": f"new {i}"} for i in range(7)}
    event(team, product, minutes_ago=1, changes=changes)
    event(team, product, minutes_ago=90, changes={}, action="created")
    edit, _created = items(activity(team).content.decode())
    open_part, folded = edit.split("<details", 1)
    assert open_part.count("<dt>") == 3
    assert "4 more changes" in folded and folded.count("<dt>") == 4


def test_a_creation_folds_its_values_behind_one_line(team: Any, initiative: Initiative) -> None:
    values = {"title": "Morning briefing", "status": "active", "colour": "#2563eb", "end_date": "2026-12-31"}
    event(
        team,
        initiative,
        minutes_ago=1,
        action="created",
        changes={k: {"from": None, "to": v} for k, v in values.items()},
    )
    (entry,) = items(activity(team).content.decode())
    head, folded = entry.split("<details", 1)
    assert "<dt>" not in head
    assert "4 fields set" in folded and "Active" in folded


def test_the_api_keeps_the_raw_values(team: Any, initiative: Initiative) -> None:
    event(team, initiative, minutes_ago=1, changes={"status": {"from": "active", "to": "on_hold"}})
    event(team, initiative, minutes_ago=2, changes={"status": {"from": "proposed", "to": "active"}})
    body = api_client(team.viewer).get(f"/api/v1/workspaces/{team.workspace.pk}/activity/").json()
    assert [e["changes"] for e in body["results"]] == [
        {"status": {"from": "active", "to": "on_hold"}},
        {"status": {"from": "proposed", "to": "active"}},
    ]


# --- filters ---------------------------------------------------------------------------


def error_box(html: str) -> str:
    return text_of(html.split('class="form-errors history-filter-notice"', 1)[1].split("</div>", 1)[0])


@pytest.mark.parametrize(
    ("query", "named"),
    [
        ("?from=notadate", "From"),
        ("?to=2026-02-30", "To"),
        ("?since=notadate", "From"),
        ("?kind=nosuchthing", "Object"),
        ("?actor=abc", "Who"),
        ("?actor=999999", "Who"),
        ("?product=1.5", "Product"),
        ("?action=exploded", "Action"),
        ("?from=2026-03-01&to=2026-01-01", "To"),
        ("?colour=red", "“colour”"),
    ],
)
def test_a_bad_filter_is_shown_naming_the_field(team: Any, product: Product, query: str, named: str) -> None:
    event(team, product, minutes_ago=1, changes={"name": {"from": "A", "to": "Atlas"}})
    response = activity(team, query)
    assert response.status_code == 400
    html = response.content.decode()
    assert "<h1>Activity</h1>" in html  # the page still shows, with its filters
    assert named in error_box(html)
    assert "Correct the filters above to see activity." in html  # and no unfiltered events under them
    assert response.context["page"].paginator.count == 0


def test_from_and_to_filter_as_the_labels_say(team: Any, product: Product) -> None:
    event(team, product, minutes_ago=60 * 24 * 10, changes={"name": {"from": "Old", "to": "Older"}})
    event(team, product, minutes_ago=1, changes={"name": {"from": "A", "to": "Atlas"}})
    since = (timezone.localdate() - dt.timedelta(days=1)).isoformat()
    response = activity(team, f"?from={since}")
    assert response.status_code == 200
    assert response.context["page"].paginator.count == 1
    assert f'value="{since}"' in response.content.decode()


def test_the_object_filter_offers_the_kinds_the_workspace_has(team: Any, initiative: Initiative) -> None:
    event(team, initiative, minutes_ago=1, changes={"status": {"from": "active", "to": "done"}})
    response = activity(team, "?kind=initiative")
    assert response.status_code == 200
    assert response.context["page"].paginator.count == 1
    assert '<option value="initiative" selected>Initiative</option>' in response.content.decode()
