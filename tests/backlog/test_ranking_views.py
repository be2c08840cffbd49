"""The "Order the backlog" page and the page move endpoint: markup the ranking script reads, pages
with the rows just outside them, read-only for viewers, JSON answers (400/409 in the API's error
body), CSRF, and the page's query count (5 rows and 60 cost the same)."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from backlog.models import Feature
from pmtool.ranking import keys_between
from tests.factories import FeatureFactory
from tests.harness.queries import measure, ok, page

pytestmark = pytest.mark.django_db

ORDER = "/w/acme/products/atlas/backlog/order/"


def add(product: Any, n: int, *, archived: int = 0) -> list[Feature]:
    start = Feature.objects.filter(product=product).count()
    status_id = FeatureFactory.build(product=product).status_id
    last = Feature.objects.filter(product=product).order_by("-rank").values_list("rank", flat=True).first()
    keys = keys_between(last, None, n)  # below every existing row
    return Feature.objects.bulk_create(
        Feature(
            product=product, title=f"Feature {start + i:04d}", rank=key, status_id=status_id,
            archived_at=timezone.now() if i < archived else None,
        )
        for i, key in enumerate(keys)
    )  # fmt: skip


def ids_on(html: str) -> list[int]:
    return [int(i) for i in re.findall(r'data-feature-id="(\d+)"', html)]


def test_the_order_page_lists_active_features_in_order_with_handles(team, product):
    features = add(product, 6, archived=1)
    response = ok(page(team.editor).get(ORDER))
    html = response.content.decode()
    assert ids_on(html) == [f.pk for f in features[1:]]
    assert 'data-move-url-template="/w/acme/features/{id}/move/"' in html
    assert html.count('class="rank-handle"') == 5
    assert 'aria-label="Move Feature 0001"' in html
    assert "backlog/rank.js" in html
    assert 'data-total="5"' in html and "data-prev-id" not in html and "data-next-id" not in html
    assert "Alt</kbd> + <kbd>Home" in html


def test_viewers_read_it_without_handles(team, product):
    add(product, 3)
    html = ok(page(team.viewer).get(ORDER)).content.decode()
    assert len(ids_on(html)) == 3
    assert "rank-handle" not in html and "data-move-url-template" not in html and "rank.js" not in html


def test_pages_expose_the_rows_just_outside_them(team, product):
    features = add(product, 120)
    html = ok(page(team.editor).get(ORDER + "?page=2")).content.decode()
    assert ids_on(html) == [f.pk for f in features[50:100]]
    assert f'data-prev-id="{features[49].pk}"' in html and f'data-next-id="{features[100].pk}"' in html
    assert 'start="51"' in html and 'data-start="51"' in html and 'data-total="120"' in html
    last = ok(page(team.editor).get(ORDER + "?page=3")).content.decode()
    assert ids_on(last) == [f.pk for f in features[100:]]
    assert f'data-prev-id="{features[99].pk}"' in last and "data-next-id" not in last
    first = ok(page(team.editor).get(ORDER + "?page=junk")).content.decode()
    assert ids_on(first)[0] == features[0].pk and "data-prev-id" not in first


def test_an_empty_backlog(team, product):
    assert "No features yet" in ok(page(team.editor).get(ORDER)).content.decode()


def move_url(feature: Feature) -> str:
    return f"/w/acme/features/{feature.pk}/move/"


def test_page_move_answers_json(team, product):
    a, b, c = add(product, 3)
    response = page(team.editor).post(move_url(c), {"after_id": a.pk, "before_id": b.pk})
    assert response.status_code == 200 and response["Content-Type"] == "application/json"
    moved = Feature.objects.get(pk=c.pk)
    assert response.json() == {"id": c.pk, "rank": moved.rank, "version": 2, "after_id": a.pk, "before_id": b.pk}
    response = page(team.editor).post(move_url(a), {"to": "bottom", "after_id": "", "before_id": ""})
    assert response.status_code == 200 and response.json()["before_id"] is None


def test_page_move_refusals_are_json_error_bodies(team, product):
    a, b, c, d = add(product, 4)
    client = page(team.editor)
    for body, field in (({}, "after_id"), ({"to": "middle"}, "to"), ({"after_id": "x"}, "after_id")):
        response = client.post(move_url(c), body)
        assert response.status_code == 400
        error = response.json()["error"]
        assert error["code"] == "invalid" and field in error["fields"]
    client.post(move_url(d), {"after_id": a.pk, "before_id": b.pk})
    response = client.post(move_url(c), {"after_id": a.pk, "before_id": b.pk})
    assert response.status_code == 409
    assert response.json()["error"]["current"] == {"after_id": a.pk, "before_id": d.pk}


def test_page_move_needs_the_csrf_token(team, product):
    _, b = add(product, 2)
    client = Client(enforce_csrf_checks=True)
    client.force_login(team.editor)
    response = client.post(move_url(b), {"to": "top"})
    assert response.status_code == 403
    assert Feature.objects.get(pk=b.pk).version == 1
    client.get(ORDER)
    token = client.cookies["csrftoken"].value
    response = client.post(move_url(b), {"to": "top"}, HTTP_X_CSRFTOKEN=token)
    assert response.status_code == 200


def test_page_move_is_get_405(team, product):
    (a,) = add(product, 1)
    assert page(team.editor).get(move_url(a)).status_code == 405


# the shell (session, user, workspace, role, switcher), then the product, the count and one slice
BOUNDS = {"page: order the backlog": 7}


def test_order_page_queries_do_not_grow_with_rows(team, product, django_assert_max_num_queries):
    client = page(team.editor)
    measure(
        BOUNDS,
        django_assert_max_num_queries,
        "page: order the backlog",
        lambda: ok(client.get(ORDER)),
        lambda n: add(product, n),
        lambda response: len(ids_on(response.content.decode())),
    )
