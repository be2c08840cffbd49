"""Ranking by hand in the browser, on "Order the backlog": drag a row with the mouse, move one with
the keyboard (Alt+arrows, Alt+Home/End), across pages of a long backlog; reload: the order
persisted. A move against a list someone else reordered is refused (409): the list is re-read and
a message says so, and the feature is not lost."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from backlog.models import Feature
from backlog.services.ranking import feature_move
from pmtool.activity import Actor
from tests.factories import FeatureFactory

from .conftest import PHONE, sign_in

pytestmark = pytest.mark.browser

ORDER = "/w/acme/products/atlas/backlog/order/"
TITLES = ["Dark mode", "Single sign-on", "CSV export", "Slack alerts", "Audit log", "Mobile app", "Public API"]


def titles_in_db(product) -> list[str]:
    active = Feature.objects.filter(product=product, archived_at__isnull=True)
    return list(active.order_by("rank").values_list("title", flat=True))


def titles_on(page) -> list[str]:
    return [t.strip() for t in page.locator("[data-rank-list] .rank-title").all_inner_texts()]


def row(page, title: str):
    return page.locator("[data-rank-list] > li", has=page.get_by_text(title, exact=True))


def handle(page, title: str):
    return page.get_by_role("button", name=f"Move {title}", exact=True)


def wait_for_move(page, action) -> dict:
    with page.expect_response(re.compile(r"/features/\d+/move/$")) as info:
        action()
    return {"status": info.value.status, "body": info.value.json()}


def test_drag_and_keyboard_moves_persist(web, signed_in, team, product):
    for title in TITLES:
        FeatureFactory(product=product, title=title)
    page = signed_in(team.editor)
    page.goto(ORDER)
    expect(page.get_by_role("heading", name="Order the backlog", level=1)).to_be_visible()
    assert titles_on(page) == TITLES
    web.shot(page, "ranking-01-order-page")

    # Mouse: drag "Public API" (last) onto the upper half of "Single sign-on" (second).
    target = row(page, "Single sign-on")
    moved = wait_for_move(page, lambda: handle(page, "Public API").drag_to(target, target_position={"x": 40, "y": 3}))
    assert moved["status"] == 200, moved
    expected = ["Dark mode", "Public API", "Single sign-on", "CSV export", "Slack alerts", "Audit log", "Mobile app"]
    assert titles_on(page) == expected
    assert titles_in_db(product) == expected
    expect(page.get_by_role("status")).to_have_text("Moved Public API to position 2 of 7.")
    expect(page.locator("[data-rank-list] .rank-pos")).to_have_text([str(i) for i in range(1, 8)])
    expect(row(page, "Public API").locator(".rank-pos")).to_have_text("2")
    web.shot(page, "ranking-02-after-drag")

    # Keyboard: Alt+ArrowDown twice on "Dark mode", then Alt+End on "Slack alerts", Alt+Home on "Mobile app".
    handle(page, "Dark mode").focus()
    wait_for_move(page, lambda: page.keyboard.press("Alt+ArrowDown"))
    expect(page.get_by_role("status")).to_have_text("Moved Dark mode to position 2 of 7.")
    expect(handle(page, "Dark mode")).to_be_focused()
    wait_for_move(page, lambda: page.keyboard.press("Alt+ArrowDown"))
    expect(page.get_by_role("status")).to_have_text("Moved Dark mode to position 3 of 7.")
    handle(page, "Slack alerts").focus()
    wait_for_move(page, lambda: page.keyboard.press("Alt+End"))
    handle(page, "Mobile app").focus()
    wait_for_move(page, lambda: page.keyboard.press("Alt+Home"))
    expect(handle(page, "Mobile app")).to_be_focused()  # focus follows the moved row
    expected = ["Mobile app", "Public API", "Single sign-on", "Dark mode", "CSV export", "Audit log", "Slack alerts"]
    assert titles_on(page) == expected
    web.shot(page, "ranking-03-after-keyboard")

    page.reload()
    assert titles_on(page) == expected
    assert titles_in_db(product) == expected
    # Already at the top: said, nothing sent.
    handle(page, "Mobile app").focus()
    page.keyboard.press("Alt+ArrowUp")
    expect(page.get_by_role("status")).to_have_text("Mobile app is already at the top.")


def test_a_stale_move_is_refused_and_the_list_reloaded(web, signed_in, team, product):
    for title in TITLES:
        FeatureFactory(product=product, title=title)
    page = signed_in(team.editor)
    page.goto(ORDER)
    # Meanwhile someone else puts "Audit log" between "Dark mode" and "Single sign-on".
    by_title = dict(Feature.objects.filter(product=product).values_list("title", "id"))
    feature_move(
        actor=Actor(user=team.admin), feature_id=by_title["Audit log"],
        after_id=by_title["Dark mode"], before_id=by_title["Single sign-on"],
    )  # fmt: skip
    target = row(page, "Single sign-on")
    answer = wait_for_move(page, lambda: handle(page, "Public API").drag_to(target, target_position={"x": 40, "y": 3}))
    assert answer["status"] == 409 and answer["body"]["error"]["code"] == "stale_neighbours"
    expect(page.get_by_role("alert")).to_contain_text("Someone else reordered the list; reloaded.")
    server = titles_in_db(product)
    assert server == [
        "Dark mode", "Audit log", "Single sign-on", "CSV export", "Slack alerts", "Mobile app", "Public API"
    ]  # fmt: skip
    expect(page.locator("[data-rank-list] .rank-title")).to_have_text(server)
    web.shot(page, "ranking-04-conflict-reloaded")


def test_keyboard_moves_across_pages(web, signed_in, team, product):
    features = [FeatureFactory(product=product, title=f"Item {i:03d}") for i in range(1, 56)]  # pages of 50
    page = signed_in(team.editor)
    page.goto(ORDER + "?page=2")
    assert titles_on(page) == [f"Item {i:03d}" for i in range(51, 56)]

    # The first row of page 2 goes up one place: past the page's edge, above Item 050.
    handle(page, "Item 051").focus()
    moved = wait_for_move(page, lambda: page.keyboard.press("Alt+ArrowUp"))
    assert moved["body"]["before_id"] == features[49].pk
    expect(page.get_by_role("status")).to_contain_text("Moved Item 051 to position 50 of 55.")
    assert titles_in_db(product)[48:51] == ["Item 049", "Item 051", "Item 050"]
    assert titles_on(page)[0] == "Item 050"  # the page was re-read

    # Alt+Home from page 2: to the top of the whole backlog (on page 1).
    handle(page, "Item 054").focus()
    wait_for_move(page, lambda: page.keyboard.press("Alt+Home"))
    assert titles_in_db(product)[0] == "Item 054"
    expect(page.get_by_role("status")).to_contain_text("Moved Item 054 to position 1 of 55.")
    expect(row(page, "Item 051").locator(".rank-pos")).to_have_text("51")
    web.shot(page, "ranking-05-page-two")
    page.goto(ORDER)
    assert titles_on(page)[:2] == ["Item 054", "Item 001"]


def test_viewers_read_the_order(web, signed_in, team, product):
    for title in TITLES[:3]:
        FeatureFactory(product=product, title=title)
    page = signed_in(team.viewer)
    page.goto(ORDER)
    assert titles_on(page) == TITLES[:3]
    expect(page.locator(".rank-handle")).to_have_count(0)
    expect(page.get_by_text("You can read it; editors change it.")).to_be_visible()


TOP_OF_LIST = "window.scrollBy(0, document.querySelector('[data-rank-list]').getBoundingClientRect().top - 80)"


def _touch(cdp, kind: str, x: float, y: float) -> None:
    points = [] if kind == "touchEnd" else [{"x": x, "y": y}]
    cdp.send("Input.dispatchTouchEvent", {"type": kind, "touchPoints": points})


def test_a_finger_drags_a_row_by_its_handle(web, signed_in, team, product):
    """On a phone (touch input through chromium's own touch pipeline, CDP Input.dispatchTouchEvent):
    a finger on a handle drags the row (Pointer Events), the drop saves the move, the page does not
    scroll instead; a tap on a handle sends nothing."""
    for title in TITLES:
        FeatureFactory(product=product, title=title)
    page = web.context(viewport=PHONE, has_touch=True, is_mobile=True).new_page()
    sign_in(page, team.editor.email)
    page.goto(ORDER)
    cdp = page.context.new_cdp_session(page)
    page.evaluate(TOP_OF_LIST)  # the short list in the window: a touch lands where the finger is
    start = handle(page, "Public API").bounding_box()
    target = row(page, "Single sign-on").bounding_box()
    assert start and target
    x, y = start["x"] + start["width"] / 2, start["y"] + start["height"] / 2
    scrolled = page.evaluate("window.scrollY")

    def drag() -> None:
        _touch(cdp, "touchStart", x, y)
        steps = 8
        for i in range(1, steps + 1):  # up to the upper quarter of "Single sign-on", in steps
            _touch(cdp, "touchMove", x, y + (target["y"] + target["height"] / 4 - y) * i / steps)
        _touch(cdp, "touchEnd", x, y)

    moved = wait_for_move(page, drag)
    assert moved["status"] == 200, moved
    expected = ["Dark mode", "Public API", "Single sign-on", "CSV export", "Slack alerts", "Audit log", "Mobile app"]
    assert titles_on(page) == expected
    assert titles_in_db(product) == expected
    expect(page.get_by_role("status")).to_have_text("Moved Public API to position 2 of 7.")
    assert page.evaluate("window.scrollY") == scrolled  # the finger dragged the row, not the page
    web.shot(page, "ranking-05-after-touch-drag")

    # A tap on a handle (no movement) moves nothing and sends nothing.
    page.evaluate(TOP_OF_LIST)
    box = handle(page, "Audit log").bounding_box()
    assert box
    sent: list[str] = []
    page.on("request", lambda r: sent.append(r.url) if "/move/" in r.url else None)
    _touch(cdp, "touchStart", box["x"] + 5, box["y"] + 5)
    _touch(cdp, "touchEnd", box["x"] + 5, box["y"] + 5)
    page.wait_for_timeout(300)
    assert sent == []
    assert titles_on(page) == expected
