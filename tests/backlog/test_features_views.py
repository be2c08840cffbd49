"""Feature pages: the backlogs overview, a product's backlog (filters, sort, search, pages, rank
markup, inline RICE edit with its conflict), detail, create, edit (conflict panel), delete,
archive and restore."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.test import Client

from backlog.models import Feature, FeatureStatus
from backlog.services.features import feature_create, feature_update
from pmtool.models import ActivityEvent

pytestmark = pytest.mark.django_db


@pytest.fixture
def client_as(team: Any) -> Any:
    def make(who: str = "editor") -> Client:
        client = Client()
        client.force_login(getattr(team, who))
        return client

    return make


def add(team: Any, product: Any, title: str, **kwargs: Any) -> Feature:
    return feature_create(actor=team.actor("editor"), product=product, title=title, **kwargs)


def backlog_url(product: Any) -> str:
    return f"/w/acme/products/{product.slug}/backlog/"


def row_titles(html: str) -> list[str]:
    return re.findall(r'class="feature-link" href="[^"]+">([^<]+)</a>', html)


def test_home_lists_products_with_counts(team: Any, product: Any, client_as: Any) -> None:
    add(team, product, "One")
    done = FeatureStatus.objects.get(workspace=team.workspace, category="done")
    add(team, product, "Two", status_id=done.pk)
    response = client_as("viewer").get("/w/acme/backlog/")
    assert response.status_code == 200
    html = response.content.decode()
    assert backlog_url(product) in html
    assert re.search(r"Atlas</a></th>\s*<td class=\"num\">1</td>\s*<td class=\"num\">0</td>\s*<td class=\"num\">0</td>"
                     r"\s*<td class=\"num\">1</td>", html)  # fmt: skip


def test_backlog_page_ranked_with_rank_markup(team: Any, product: Any, client_as: Any) -> None:
    first, second = (
        add(team, product, "First", reach=10, impact=1, confidence=100, effort=1),
        add(team, product, "Second"),
    )
    response = client_as("editor").get(backlog_url(product))
    html = response.content.decode()
    assert response.status_code == 200
    assert row_titles(html) == ["First", "Second"]
    assert 'data-rank-list data-move-url-template="/w/acme/features/{id}/move/" data-prev-id="" data-next-id=""' in html
    assert f'data-feature-id="{first.pk}"' in html and f'data-feature-id="{second.pk}"' in html
    assert 'aria-label="Move First"' in html
    assert "Keyboard shortcuts" in html and 'data-shortcut="new"' in html
    # a viewer sees no handles and no edit buttons
    viewer = client_as("viewer").get(backlog_url(product)).content.decode()
    assert "rank-handle" not in viewer and "Edit scores" not in viewer and "New feature</a>" not in viewer
    # sorted by a score: no handles
    sorted_html = client_as("editor").get(backlog_url(product) + "?sort=rice").content.decode()
    assert "data-rank-list" not in sorted_html and "rank-handle" not in sorted_html


def test_backlog_filters_search_and_sort(team: Any, product: Any, client_as: Any) -> None:
    add(
        team,
        product,
        "Dark mode",
        description="Night colours",
        tags=["ui"],
        reach=1,
        impact=1,
        confidence=100,
        effort=1,
    )
    add(team, product, "Export to CSV", moscow="must", reach=100, impact=1, confidence=100, effort=1)
    add(team, product, "Billing bug", type="bug")
    client = client_as("viewer")
    assert row_titles(client.get(backlog_url(product) + "?q=colours").content.decode()) == ["Dark mode"]
    assert row_titles(client.get(backlog_url(product) + "?tag=UI").content.decode()) == ["Dark mode"]
    assert row_titles(client.get(backlog_url(product) + "?type=bug").content.decode()) == ["Billing bug"]
    assert row_titles(client.get(backlog_url(product) + "?moscow=none").content.decode()) == [
        "Dark mode",
        "Billing bug",
    ]
    assert row_titles(client.get(backlog_url(product) + "?sort=rice").content.decode()) == [
        "Export to CSV", "Dark mode", "Billing bug"
    ]  # fmt: skip
    # htmx: the list only
    partial = client.get(
        backlog_url(product) + "?type=bug", headers={"HX-Request": "true", "HX-Target": "backlog-list"}
    )
    assert partial.content.decode().lstrip().startswith('<div id="backlog-list"')


@pytest.mark.parametrize(
    "query", ["?sort=nope", "?status=abc", "?type=story", "?cursor=junk", "?bogus=1", "?q=" + "x" * 201]
)
def test_invalid_filters_are_400_with_no_rows(team: Any, product: Any, client_as: Any, query: str) -> None:
    add(team, product, "Shown only when valid")
    response = client_as("viewer").get(backlog_url(product) + query)
    assert response.status_code == 400
    html = response.content.decode()
    assert row_titles(html) == []
    assert "errorlist" in html or "not valid" in html


def test_backlog_pages_by_cursor_both_ways(team: Any, product: Any, client_as: Any) -> None:
    for i in range(55):
        add(team, product, f"F{i:02d}")
    client = client_as("viewer")
    html = client.get(backlog_url(product)).content.decode()
    assert len(row_titles(html)) == 50
    next_link = re.search(r'href="\?cursor=([^"]+)" rel="next"', html)
    assert next_link is not None and 'rel="prev"' not in html
    page2 = client.get(backlog_url(product) + "?cursor=" + next_link.group(1)).content.decode()
    assert row_titles(page2) == [f"F{i:02d}" for i in range(50, 55)]
    assert 'rel="next"' not in page2
    prev_link = re.search(r'href="\?cursor=([^"]+)" rel="prev"', page2)
    assert prev_link is not None
    back = client.get(backlog_url(product) + "?cursor=" + prev_link.group(1)).content.decode()
    assert row_titles(back) == [f"F{i:02d}" for i in range(50)]
    # the neighbours across the page boundary, for moves
    f49, f50 = Feature.objects.get(title="F49"), Feature.objects.get(title="F50")
    assert f'data-next-id="{f50.pk}"' in html and f'data-prev-id="{f49.pk}"' in page2


def test_inline_rice_edit_and_conflict(team: Any, product: Any, client_as: Any) -> None:
    feature = add(team, product, "Dark mode")
    client = client_as("editor")
    url = f"/w/acme/features/{feature.pk}/rice/"
    form = client.get(url + "?ranked=1", headers={"HX-Request": "true"})
    assert form.status_code == 200 and 'class="rice-form"' in form.content.decode()
    body = {"version": "1", "reach": "1000", "impact": "2", "confidence": "50", "effort": "2", "ranked": "1"}
    saved = client.post(url, body, headers={"HX-Request": "true"})
    html = saved.content.decode()
    assert saved.status_code == 200 and "Saved" in html and ">500</span>" in html.replace("RICE </span>", "")
    assert "rank-handle" in html and 'class="rice-form"' not in html
    feature.refresh_from_db()
    assert feature.rice_score == pytest.approx(500) and feature.version == 2
    # someone else saves: the stale form answers 409 in the row, with the newer values and version
    feature_update(actor=team.actor("admin"), feature_id=feature.pk, version=2, reach=10)
    stale = client.post(url, {**body, "version": "2", "reach": "20"}, headers={"HX-Request": "true"})
    html = stale.content.decode()
    assert stale.status_code == 409
    assert "Someone else changed this feature" in html and "reach 10" in html
    assert 'name="version" value="3"' in html and 'value="20"' in html
    feature.refresh_from_db()
    assert feature.reach == 10
    # effort 0: the field error in the row
    zero = client.post(url, {**body, "version": "3", "effort": "0"}, headers={"HX-Request": "true"})
    assert zero.status_code == 400 and "Effort must be more than 0 person-months" in zero.content.decode()
    cancel = client.get(url + "?cancel=1", headers={"HX-Request": "true"})
    assert 'class="rice-form"' not in cancel.content.decode()


def test_create_page_shows_score(team: Any, product: Any, client_as: Any) -> None:
    client = client_as("editor")
    url = f"/w/acme/products/{product.slug}/backlog/new/"
    assert client.get(url).status_code == 200
    bad = client.post(url, {"title": "X", "type": "feature", "effort": "0"})
    assert bad.status_code == 400 and "Effort must be more than 0 person-months" in bad.content.decode()
    ok = client.post(
        url,
        {"title": "Dark mode", "type": "feature", "reach": "100", "impact": "3", "confidence": "80", "effort": "2",
         "tags": "ui, night", "moscow": "should", "description": "**Bold** <script>x</script>"},
        follow=True,
    )  # fmt: skip
    html = ok.content.decode()
    assert ok.status_code == 200 and "Dark mode" in html and ">120</dd>" in html
    assert "<strong>Bold</strong>" in html and "<script>x" not in html
    assert Feature.objects.get().tags.count() == 2


def test_edit_page_conflict_panel(team: Any, product: Any, client_as: Any) -> None:
    feature = add(team, product, "Dark mode")
    client = client_as("editor")
    url = f"/w/acme/features/{feature.pk}/edit/"
    assert client.get(url).status_code == 200
    feature_update(actor=team.actor("admin"), feature_id=feature.pk, version=1, title="Dark theme")
    response = client.post(url, {"title": "Night mode", "type": "feature", "version": "1"})
    html = response.content.decode()
    assert response.status_code == 409 and "Someone else saved this feature" in html and "Dark theme" in html
    assert 'name="version" value="2"' in html
    again = client.post(url, {"title": "Night mode", "type": "feature", "version": "2"})
    assert again.status_code == 302
    feature.refresh_from_db()
    assert feature.title == "Night mode"


def test_detail_of_an_epic_with_progress(team: Any, product: Any, client_as: Any) -> None:
    epic = add(team, product, "Onboarding", type="epic")
    done = FeatureStatus.objects.get(workspace=team.workspace, category="done")
    wont = FeatureStatus.objects.get(workspace=team.workspace, category="wont_do")
    add(team, product, "Step 1", parent_id=epic.pk, status_id=done.pk)
    add(team, product, "Step 2", parent_id=epic.pk)
    add(team, product, "Step 3", parent_id=epic.pk, status_id=wont.pk)
    html = client_as("viewer").get(f"/w/acme/features/{epic.pk}/").content.decode()
    assert "50% done · 1 of 2 features" in html and "Step 3" in html


def test_archive_restore_delete_pages(team: Any, product: Any, client_as: Any) -> None:
    feature = add(team, product, "Dark mode")
    client = client_as("editor")
    base = f"/w/acme/features/{feature.pk}/"
    assert client.post(base + "archive/", {"version": "1"}).status_code == 302
    feature.refresh_from_db()
    assert feature.archived_at is not None
    assert row_titles(client.get(backlog_url(product)).content.decode()) == []
    assert row_titles(client.get(backlog_url(product) + "?archived=1").content.decode()) == ["Dark mode"]
    client.post(base + "restore/", {"version": "1"})  # stale: nothing happens
    feature.refresh_from_db()
    assert feature.archived_at is not None
    client.post(base + "restore/", {"version": "2"})
    feature.refresh_from_db()
    assert feature.archived_at is None
    assert client.get(base + "delete/").status_code == 200
    assert client.post(base + "delete/", {}).status_code == 400
    assert client.post(base + "delete/", {"version": "1"}).status_code == 409
    assert client.post(base + "delete/", {"version": "3"}).status_code == 302
    assert not Feature.objects.exists()
    assert ActivityEvent.objects.filter(target_id=feature.pk, action="deleted").exists()


def test_home_card_and_product_page_link_the_backlog(team: Any, product: Any, client_as: Any) -> None:
    client = client_as("editor")
    empty = client.get("/w/acme/").content.decode()
    assert "0 features" in empty and "Add a feature" in empty
    progress = FeatureStatus.objects.get(workspace=team.workspace, name="In development")
    add(team, product, "One", status_id=progress.pk)
    add(team, product, "Two")
    html = client.get("/w/acme/").content.decode()
    assert "2 features</a>, 1 in progress" in html and backlog_url(product) in html
    assert backlog_url(product) in client.get(f"/w/acme/products/{product.slug}/").content.decode()


def test_backlog_page_shows_the_frameworks_the_product_chose(team: Any, product: Any, client_as: Any) -> None:
    from backlog.services.settings import backlog_settings_update

    add(team, product, "Scored", reach=10, impact=1, confidence=100, effort=1, moscow="must")
    every = client_as("viewer").get(backlog_url(product)).content.decode()
    assert 'class="card table-card backlog"' in every  # all three by default: nothing folded
    assert ">MoSCoW</a>" in every and ">Scorecard</a>" in every and ">Matrix</a>" in every

    backlog_settings_update(actor=team.actor("editor"), product=product, version=1, frameworks=["rice"])
    html = client_as("viewer").get(backlog_url(product)).content.decode()
    assert 'class="card table-card backlog hide-moscow hide-scorecard"' in html
    assert ">MoSCoW</a>" not in html and ">Scorecard</a>" not in html
    assert ">Matrix</a>" in html  # RICE still places features on the value vs effort matrix


def test_feature_page_links_its_score_explanation(team: Any, product: Any, client_as: Any) -> None:
    feature = add(team, product, "Explained")
    html = client_as("viewer").get(f"/w/acme/features/{feature.pk}/").content.decode()
    assert f'href="/w/acme/features/{feature.pk}/scores/"' in html


def test_backlog_pages_name_their_neighbours_both_ways(team: Any, product: Any, client_as: Any) -> None:
    """data-prev-id / data-next-id: the rows just outside a page, read forward and backward, filtered
    too (page 1 has nothing before it; the row after a page comes with the page's own query)."""
    from pmtool.ranking import even_keys

    status_id = FeatureStatus.objects.filter(workspace=team.workspace).values_list("id", flat=True).first()
    features = Feature.objects.bulk_create(
        Feature(product=product, title=f"F{i:03d}", rank=key, status_id=status_id, type="bug" if i % 2 else "feature")
        for i, key in enumerate(even_keys(120))
    )
    client = client_as("editor")

    def neighbours(html: str) -> tuple[str, str]:
        found = re.search(r'data-prev-id="(\d*)" data-next-id="(\d*)"', html)
        assert found is not None
        return found.group(1), found.group(2)

    def follow(html: str, rel: str) -> str:
        link = re.search(r'href="\?([^"]*cursor=[^"]+)" rel="' + rel + '"', html)
        assert link is not None
        return client.get(backlog_url(product) + "?" + link.group(1).replace("&amp;", "&")).content.decode()

    def pk(i: int) -> str:
        return str(features[i].pk)

    first = client.get(backlog_url(product)).content.decode()
    assert neighbours(first) == ("", pk(50))
    second = follow(first, "next")
    assert neighbours(second) == (pk(49), pk(100))
    third = follow(second, "next")
    assert neighbours(third) == (pk(99), "")
    back = follow(third, "prev")  # read backward from the third page
    assert neighbours(back) == (pk(49), pk(100)) and back.count('class="backlog-row') == 50
    assert neighbours(follow(back, "prev")) == ("", pk(50))
    bugs = [i for i in range(120) if i % 2]  # the filtered order: every other row
    first_bugs = client.get(backlog_url(product) + "?type=bug").content.decode()
    assert neighbours(first_bugs) == ("", pk(bugs[50]))
    second_bugs = follow(first_bugs, "next")
    assert neighbours(second_bugs) == (pk(bugs[49]), "")
    assert neighbours(follow(second_bugs, "prev")) == ("", pk(bugs[50]))


def test_backlog_rows_and_the_feature_page_show_each_tags_colour(team: Any, product: Any, client_as: Any) -> None:
    from backlog.models import Tag

    feature = add(team, product, "Dark mode", tags=["Mobile", "Beta"])
    Tag.objects.filter(workspace=team.workspace, name="Mobile").update(colour="#4f46e5")
    dot = '<svg class="tag-chip" width="8" height="8" viewBox="0 0 8 8" aria-hidden="true" focusable="false"><circle cx="4" cy="4" r="4" fill="#4f46e5"></circle></svg>'  # noqa: E501
    html = client_as("viewer").get(backlog_url(product)).content.decode()
    tags = re.search(r'<span class="col-tags">(<span class="tag">.*?)</span>\n', html).group(1)
    assert tags == f'<span class="tag">Beta</span> <span class="tag">{dot}Mobile</span> '  # by name; Beta has none
    # the row the inline edit answers with prints the same cell
    client = client_as("editor")
    cancel = client.get(f"/w/acme/features/{feature.pk}/rice/?cancel=1&ranked=1", headers={"HX-Request": "true"})
    assert f'<span class="col-tags">{tags}</span>' in cancel.content.decode()
    page = client.get(f"/w/acme/features/{feature.pk}/").content.decode()
    assert re.search(r'<a class="tag" href="[^"]+\?tag=Mobile">' + re.escape(dot) + "Mobile</a>", page)
    assert re.search(r'<a class="tag" href="[^"]+\?tag=Beta">Beta</a>', page)
