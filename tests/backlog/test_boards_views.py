"""The MoSCoW board and the value vs effort matrix pages, and the board's move endpoint: columns
in order with counts and cards in rank order, the filters (and a 400 for bad ones, with no cards),
done and won't-do hidden unless asked for, "N more" past the column limit; moving a card without
JS (form post, redirect back with a message) and with it (JSON: 200, 409 with the current column,
400); the matrix's value source, its unplaced features and its quadrant table."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from backlog.models import CriterionValue, Feature, FeatureStatus, StatusCategory
from backlog.scoring import feature_rescore
from backlog.selectors import boards as selectors
from backlog.services.moscow import feature_moscow_set
from tests.factories import CriterionFactory, FeatureFactory, ReleaseFactory

pytestmark = pytest.mark.django_db

BOARD = "/w/acme/products/atlas/backlog/moscow/"
MATRIX = "/w/acme/products/atlas/backlog/matrix/"


def client_of(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def status(product: Any, category: str) -> FeatureStatus:
    return FeatureStatus.objects.filter(workspace_id=product.workspace_id, category=category).first()


def columns(response: Any) -> dict[str, list[str]]:
    return {c.key: [f.title for f in c.cards] for c in response.context["columns"]}


# --- the board -------------------------------------------------------------------------------


def test_five_columns_in_order_cards_in_rank_order_with_counts(team: Any, product: Any) -> None:
    for title, moscow in (("A", "must"), ("B", ""), ("C", "must"), ("D", "wont"), ("E", "should")):
        FeatureFactory(product=product, title=title, moscow=moscow)

    response = client_of(team.viewer).get(BOARD)

    assert response.status_code == 200
    assert [c.label for c in response.context["columns"]] == [
        "Must", "Should", "Could", "Won't (this time)", "Not yet sorted",
    ]  # fmt: skip
    assert columns(response) == {"must": ["A", "C"], "should": ["E"], "could": [], "wont": ["D"], "": ["B"]}
    assert [c.count for c in response.context["columns"]] == [2, 1, 0, 1, 1]
    html = response.content.decode()
    assert 'data-count="2"' in html
    assert "/w/acme/features/" in html


def test_a_viewer_sees_no_move_controls(team: Any, product: Any) -> None:
    FeatureFactory(product=product, title="Offline maps")
    html = client_of(team.viewer).get(BOARD).content.decode()
    assert "Move Offline maps" not in html
    assert "moscow.js" not in html
    assert 'draggable="true"' not in html

    html = client_of(team.editor).get(BOARD).content.decode()
    assert 'aria-label="Move Offline maps"' in html
    assert "moscow.js" in html
    assert 'name="moscow"' in html  # the no-JS form


def test_done_and_wont_do_are_hidden_unless_asked_for(team: Any, product: Any) -> None:
    FeatureFactory(product=product, title="Open", moscow="must")
    FeatureFactory(product=product, title="Shipped", moscow="must", status=status(product, StatusCategory.DONE))
    FeatureFactory(product=product, title="Dropped", status=status(product, StatusCategory.WONT_DO))
    client = client_of(team.viewer)

    assert columns(client.get(BOARD))["must"] == ["Open"]
    shown = columns(client.get(BOARD + "?closed=1"))
    assert (shown["must"], shown[""]) == (["Open", "Shipped"], ["Dropped"])
    assert columns(client.get(BOARD + "?category=done"))["must"] == ["Shipped"]


def test_filters_by_release_initiative_category_and_text(team: Any, product: Any) -> None:
    release = ReleaseFactory(product=product, name="2027.1")
    FeatureFactory(product=product, title="Offline maps", release=release)
    FeatureFactory(product=product, title="Dark mode", status=status(product, StatusCategory.PLANNED))
    client = client_of(team.viewer)

    assert columns(client.get(f"{BOARD}?release={release.pk}"))[""] == ["Offline maps"]
    assert columns(client.get(f"{BOARD}?release=none"))[""] == ["Dark mode"]
    assert columns(client.get(f"{BOARD}?initiative=none"))[""] == ["Offline maps", "Dark mode"]
    assert columns(client.get(f"{BOARD}?category=planned"))[""] == ["Dark mode"]
    assert columns(client.get(f"{BOARD}?q=offline"))[""] == ["Offline maps"]
    html = client.get(f"{BOARD}?release={release.pk}").content.decode()
    assert f'<option value="{release.pk}" selected>2027.1</option>' in html


@pytest.mark.parametrize("query", ["?category=later", "?release=abc", "?closed=maybe", "?bogus=1", "?sort=nope"])
def test_invalid_filters_are_400_with_no_cards(team: Any, product: Any, query: str) -> None:
    FeatureFactory(product=product, title="Offline maps")
    response = client_of(team.viewer).get(BOARD + query)
    assert response.status_code == 400
    assert all(not c.cards for c in response.context["columns"])
    assert "Some filters are not valid" in response.content.decode()


def test_a_full_column_shows_its_first_cards_and_links_the_rest(
    team: Any, product: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(selectors, "COLUMN_LIMIT", 3)
    for i in range(5):
        FeatureFactory(product=product, title=f"Must {i}", moscow="must")
    FeatureFactory(product=product, title="Unsorted")

    response = client_of(team.viewer).get(BOARD + "?q=must")

    must = response.context["columns"][0]
    assert ([f.title for f in must.cards], must.count, must.more) == (["Must 0", "Must 1", "Must 2"], 5, 2)
    html = response.content.decode()
    assert "2 more in the backlog list" in html
    assert 'href="/w/acme/products/atlas/backlog/?q=must&amp;moscow=must"' in html


def test_the_unsorted_column_links_the_backlog_filtered_to_none(team: Any, product: Any) -> None:
    response = client_of(team.viewer).get(BOARD)
    assert response.context["columns"][4].more_url == "/w/acme/products/atlas/backlog/?moscow=none"


# --- moving a card ---------------------------------------------------------------------------------


def move_url(feature: Feature) -> str:
    return f"/w/acme/features/{feature.pk}/moscow/"


def test_a_form_post_moves_and_redirects_back_with_a_message(team: Any, product: Any) -> None:
    feature = FeatureFactory(product=product, title="Offline maps")
    client = client_of(team.editor)

    response = client.post(move_url(feature), {"moscow": "must", "version": "1", "next": BOARD + "?q=maps"})

    assert response.status_code == 302
    assert response["Location"] == BOARD + "?q=maps"
    assert Feature.objects.get(pk=feature.pk).moscow == "must"
    page = client.get(response["Location"]).content.decode()
    assert "Moved “Offline maps” to Must." in page


@pytest.mark.parametrize("bad_next", ["https://evil.example/", "//evil.example/w/acme/", "/w/other/x/", "/w/acme\\x"])
def test_a_form_post_never_redirects_off_the_workspace(team: Any, product: Any, bad_next: str) -> None:
    feature = FeatureFactory(product=product)
    response = client_of(team.editor).post(move_url(feature), {"moscow": "could", "version": "1", "next": bad_next})
    assert response["Location"] == BOARD


def test_a_stale_form_post_says_where_the_card_is_now(team: Any, product: Any) -> None:
    feature = FeatureFactory(product=product, title="Offline maps")
    feature_moscow_set(actor=team.actor(), feature_id=feature.pk, version=1, moscow="should")
    client = client_of(team.editor)

    response = client.post(move_url(feature), {"moscow": "must", "version": "1"}, follow=True)

    assert "“Offline maps” was moved by someone else to Should." in response.content.decode()
    assert Feature.objects.get(pk=feature.pk).moscow == "should"


def test_a_form_post_without_version_changes_nothing(team: Any, product: Any) -> None:
    feature = FeatureFactory(product=product)
    response = client_of(team.editor).post(move_url(feature), {"moscow": "must"}, follow=True)
    assert "Choose a column, and send the version you saw." in response.content.decode()
    assert Feature.objects.get(pk=feature.pk).moscow == ""


def test_json_move(team: Any, product: Any) -> None:
    feature = FeatureFactory(product=product, title="Offline maps")
    response = client_of(team.editor).post(
        move_url(feature), {"moscow": "wont", "version": "1"}, HTTP_ACCEPT="application/json"
    )
    assert response.status_code == 200
    assert response.json() == {
        "id": feature.pk, "title": "Offline maps", "moscow": "wont", "column": "Won't (this time)", "version": 2,
    }  # fmt: skip


def test_json_stale_move_is_409_with_the_current_card(team: Any, product: Any) -> None:
    feature = FeatureFactory(product=product, title="Offline maps")
    feature_moscow_set(actor=team.actor(), feature_id=feature.pk, version=1, moscow="should")

    response = client_of(team.editor).post(
        move_url(feature), {"moscow": "must", "version": "1"}, HTTP_ACCEPT="application/json"
    )

    assert response.status_code == 409
    body = response.json()
    assert body["error"]["code"] == "stale_version"
    assert body["error"]["message"] == "“Offline maps” was moved by someone else to Should."
    assert body["current"] == {
        "id": feature.pk,
        "title": "Offline maps",
        "moscow": "should",
        "column": "Should",
        "version": 2,
    }


def test_json_bad_column_is_400(team: Any, product: Any) -> None:
    feature = FeatureFactory(product=product)
    response = client_of(team.editor).post(
        move_url(feature), {"moscow": "later", "version": "1"}, HTTP_ACCEPT="application/json"
    )
    assert response.status_code == 400
    assert set(response.json()["error"]) == {"code", "message", "fields"}
    assert "moscow" in response.json()["error"]["fields"]


# --- the matrix -----------------------------------------------------------------------------------


def scored(product: Any, title: str, *, effort: Any, values: tuple[int, ...], criteria: list[Any], **kw: Any) -> Any:
    feature = FeatureFactory(product=product, title=title, effort=effort, **kw)
    for criterion, value in zip(criteria, values, strict=True):
        CriterionValue.objects.create(feature=feature, criterion=criterion, value=value)
    feature.refresh_from_db()
    feature_rescore(feature, actor=None)
    return feature


def test_the_matrix_reads_the_scorecard_when_the_product_has_one(team: Any, product: Any) -> None:
    criteria = [CriterionFactory(product=product, name="Value", scale_min=1, scale_max=5)]
    scored(product, "Quick", effort=1, values=(5,), criteria=criteria)
    scored(product, "Bet", effort=10, values=(5,), criteria=criteria)
    scored(product, "Filler", effort=1, values=(1,), criteria=criteria)
    scored(product, "Pit", effort=10, values=(1,), criteria=criteria)
    scored(product, "No estimate", effort=None, values=(3,), criteria=criteria)
    FeatureFactory(product=product, title="Unscored", effort=2)

    response = client_of(team.viewer).get(MATRIX)

    assert response.status_code == 200
    assert response.context["source"] == "scorecard"
    quadrants = {p.point.title: p.quadrant.name for p in response.context["placed"]}
    assert quadrants == {"Quick": "Quick wins", "Bet": "Big bets", "Filler": "Fill-ins", "Pit": "Money pits"}
    html = response.content.decode()
    assert "1 feature is not on the chart: no effort estimate." in html
    assert "1 feature is not on the chart: no scorecard score" in html
    assert html.count('class="matrix-dot"') == 4
    assert "Features by quadrant" in html


def test_the_matrix_falls_back_to_rice_and_can_be_switched(team: Any, product: Any) -> None:
    FeatureFactory(product=product, title="Scored", reach=100, impact=1, confidence=100, effort=2, rice_score=50)
    client = client_of(team.viewer)
    assert client.get(MATRIX).context["source"] == "rice"
    response = client.get(MATRIX + "?value=scorecard")
    assert response.context["source"] == "scorecard"
    assert "no scorecard criteria yet" in response.content.decode()


@pytest.mark.parametrize("query", ["?value=moscow", "?category=x", "?closed=2"])
def test_the_matrix_refuses_bad_parameters(team: Any, product: Any, query: str) -> None:
    FeatureFactory(product=product, effort=1, rice_score=5)
    response = client_of(team.viewer).get(MATRIX + query)
    assert response.status_code == 400
    assert response.context["placed"] == []


def test_a_sort_orders_each_column(team: Any, product: Any) -> None:
    for title, rice in (("Low", 1.0), ("High", 90.0), ("None", None), ("Mid", 20.0)):
        FeatureFactory(product=product, title=title, moscow="should", rice_score=rice)
    response = client_of(team.viewer).get(BOARD + "?sort=rice")
    assert columns(response)["should"] == ["High", "Mid", "Low", "None"]
