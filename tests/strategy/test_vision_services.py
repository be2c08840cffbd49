"""Vision services and selectors: first write, revisions, versions, no-op saves, validation,
activity, concurrent first writes, the revision list's changed fields and the comparison."""

from __future__ import annotations

import re
import threading
import time
from typing import Any

import pytest
from django.db import connection

from pmtool.activity import Actor
from pmtool.errors import Conflict, NotFound, ValidationError
from pmtool.models import ActivityEvent, Product
from pmtool.services import api_token_create
from pmtool.versioning import StaleVersion
from strategy.models import VISION_FIELDS, Vision, VisionRevision
from strategy.selectors.vision import (
    changed_fields,
    diff_html,
    vision_compare,
    vision_is_empty,
    vision_of,
    vision_revision,
    vision_revisions,
)
from strategy.services.vision import vision_update
from tests.factories import ProductFactory

pytestmark = pytest.mark.django_db


def events(vision: Vision) -> list[ActivityEvent]:
    return list(ActivityEvent.objects.filter(target_id=vision.pk, target_type__model="vision").order_by("id"))


def write(team: Any, product: Product, version: int, who: str = "editor", **fields: Any) -> Vision:
    return vision_update(actor=team.actor(who), product=product, version=version, **fields)


# --- the first write -----------------------------------------------------------------


def test_a_product_without_a_vision_reads_as_an_empty_unsaved_one_at_version_0(product):
    vision = vision_of(product)
    assert vision.pk is None
    assert vision.version == 0
    assert vision.product == product
    assert all(getattr(vision, f) == "" for f in VISION_FIELDS)
    assert vision_is_empty(vision) and vision_is_empty(None)
    assert list(vision_revisions(vision)) == []
    assert vision_compare(vision) is None


def test_the_first_write_creates_the_vision_revision_1_and_an_event(team, product):
    vision = write(team, product, 0, statement="Plan with confidence.", problem="Spreadsheets break.")

    assert vision.pk is not None
    assert (vision.version, vision.updated_by) == (1, team.editor)
    stored = Vision.objects.get(product=product)
    assert (stored.statement, stored.problem, stored.target_customers, stored.version) == (
        "Plan with confidence.",
        "Spreadsheets break.",
        "",
        1,
    )
    (revision,) = VisionRevision.objects.filter(vision=stored)
    assert revision.number == 1
    assert (revision.statement, revision.problem, revision.business_model) == (
        "Plan with confidence.",
        "Spreadsheets break.",
        "",
    )
    assert (revision.author, revision.author_label) == (team.editor, team.editor.email)
    (event,) = events(stored)
    assert event.action == "created"
    assert event.product_id == product.pk
    assert event.workspace_id == product.workspace_id
    assert event.changes == {
        "statement": {"from": "", "to": "Plan with confidence."},
        "problem": {"from": "", "to": "Spreadsheets break."},
    }


def test_a_first_write_with_nothing_in_it_saves_nothing(team, product):
    vision = write(team, product, 0, statement="   ", problem="")
    assert vision.pk is None
    assert vision.version == 0
    assert not Vision.objects.exists()
    assert not ActivityEvent.objects.exists()


@pytest.mark.parametrize("version", [1, 3])
def test_a_first_write_must_send_version_0(team, product, version):
    with pytest.raises(Conflict) as caught:
        vision_update(actor=team.actor(), product=product, version=version, statement="X")
    assert caught.value.code == "stale_version"
    assert "version 0" in caught.value.message
    assert not Vision.objects.exists()


# --- later writes ---------------------------------------------------------------------


def test_each_real_change_bumps_the_version_and_stores_a_full_revision(team, product):
    write(team, product, 0, statement="One.", target_customers="Ops teams.")
    vision = write(team, product, 1, who="admin", statement="Two.")

    assert vision.version == 2
    assert (vision.statement, vision.target_customers) == ("Two.", "Ops teams.")
    second = VisionRevision.objects.get(vision=vision, number=2)
    # A full copy: the untouched field is in the revision too.
    assert (second.statement, second.target_customers, second.author) == ("Two.", "Ops teams.", team.admin)
    assert events(vision)[-1].action == "updated"
    assert events(vision)[-1].changes == {"statement": {"from": "One.", "to": "Two."}}


def test_a_save_that_changes_nothing_writes_nothing(team, product):
    write(team, product, 0, statement="Same.\n\nText.")
    # The same text from a browser (CRLF line ends, a trailing newline) is no change.
    vision = write(team, product, 1, statement="Same.\r\n\r\nText.\r\n", problem="")
    assert vision.version == 1
    assert VisionRevision.objects.count() == 1
    assert len(events(vision)) == 1


def test_fields_left_out_stay_and_none_is_not_text(team, product):
    """ "Leave it alone" is leaving the argument out (UNSET); None is not a text (the API refuses a
    null too), so it is refused rather than quietly taken for "leave it alone"."""
    write(team, product, 0, statement="S.", problem="P.")
    vision = write(team, product, 1, differentiation="D.")
    assert (vision.statement, vision.problem, vision.differentiation) == ("S.", "P.", "D.")
    with pytest.raises(ValidationError) as caught:
        write(team, product, 2, problem=None)
    assert list(caught.value.fields) == ["problem"]
    assert Vision.objects.get().problem == "P."


def test_a_stale_version_is_refused_and_writes_nothing(team, product):
    """One error, StaleVersion (409), with the current vision; 412 for If-Match is the API's business
    (tests/strategy/test_vision_api.py)."""
    write(team, product, 0, statement="One.")
    write(team, product, 1, statement="Two.")
    with pytest.raises(StaleVersion) as caught:
        vision_update(actor=team.actor(), product=product, version=1, statement="Mine.")
    assert (caught.value.current.statement, caught.value.current_version, caught.value.expected) == ("Two.", 2, 1)
    assert Vision.objects.get().statement == "Two."
    assert VisionRevision.objects.count() == 2


@pytest.mark.parametrize("version", [None, "1", -1])
def test_a_version_is_required(team, product, version):
    """No "skip the check": a missing version would be last-write-wins."""
    write(team, product, 0, statement="One.")
    with pytest.raises(ValidationError) as caught:
        vision_update(actor=team.actor(), product=product, version=version, statement="Two.")
    assert list(caught.value.fields) == ["version"]
    assert (Vision.objects.get().statement, VisionRevision.objects.count()) == ("One.", 1)


def test_texts_are_normalised(team, product):
    vision = write(team, product, 0, statement="\n\n    code first\r\nthen text   \n\n", problem="a\rb")
    assert vision.statement == "    code first\nthen text"
    assert vision.problem == "a\nb"


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"statement": "x" * 10_001}, "statement"),
        ({"business_model": "a\x00b"}, "business_model"),
        ({"problem": "a\ud800b"}, "problem"),
        ({"target_customers": 5}, "target_customers"),
        ({"differentiation": ["x"]}, "differentiation"),
    ],
    ids=["too-long", "nul", "surrogate", "number", "list"],
)
def test_bad_text_is_a_validation_error_naming_the_field(team, product, fields, field):
    with pytest.raises(ValidationError) as caught:
        write(team, product, 0, **fields)
    assert field in caught.value.fields
    assert not Vision.objects.exists()


def test_an_unknown_field_is_refused(team, product, api_as):
    """The service takes the five fields by name (an unknown one is a TypeError, a programming
    error); the API refuses an unknown field with a 400 naming it, writing nothing."""
    with pytest.raises(TypeError):
        vision_update(actor=team.actor(), product=product, version=0, mission="x")
    response = api_as(team.editor).put(
        f"/api/v1/products/{product.pk}/vision/", {"version": 0, "mission": "x"}, format="json"
    )
    assert response.status_code == 400 and list(response.json()["error"]["fields"]) == ["mission"]
    assert not Vision.objects.exists()


def test_10000_characters_fit(team, product):
    assert len(write(team, product, 0, statement="x" * 10_000).statement) == 10_000


def test_an_api_token_write_is_labelled_with_the_token(team, product):
    token, _raw = api_token_create(user=team.editor, name="CI")
    vision = vision_update(actor=Actor(user=team.editor, token=token), product=product, version=0, statement="S.")
    revision = VisionRevision.objects.get(vision=vision)
    assert revision.author_label == f"{team.editor.email} (API token CI)"
    assert events(vision)[0].actor_token == token


def test_the_revision_keeps_its_author_label_when_the_author_is_gone(team, product):
    write(team, product, 0, statement="S.")
    email = team.editor.email
    team.editor.delete()
    revision = VisionRevision.objects.get()
    assert (revision.author, revision.author_label) == (None, email)


def test_visions_of_two_products_are_separate(team, product):
    other = ProductFactory(workspace=team.workspace, name="Beacon", slug="beacon")
    write(team, product, 0, statement="Atlas.")
    write(team, other, 0, statement="Beacon.")
    write(team, other, 1, statement="Beacon 2.")
    assert vision_of(product).version == 1
    assert vision_of(other).version == 2
    assert [r.number for r in vision_revisions(vision_of(product))] == [1]


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_first_writes_create_exactly_one_vision(team):
    """Two threads, two connections, both send version 0: one creates, the other is told it is stale."""
    product = ProductFactory(workspace=team.workspace, name="Race", slug="race")
    barrier = threading.Barrier(2)
    results: dict[str, Any] = {}

    def first_write(who: str) -> None:
        try:
            barrier.wait()
            vision = vision_update(actor=team.actor(who), product=product, version=0, statement=who)
            results[who] = vision.version
        except Conflict as exc:
            results[who] = exc.code
        finally:
            connection.close()

    threads = [threading.Thread(target=first_write, args=(who,)) for who in ("editor", "admin")]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert sorted(map(str, results.values())) == ["1", "stale_version"], results
    winner = next(who for who, value in results.items() if value == 1)
    assert Vision.objects.get(product=product).statement == winner
    assert VisionRevision.objects.filter(vision__product=product).count() == 1


# --- the revision list -------------------------------------------------------------------


def test_revisions_are_newest_first_and_name_the_fields_they_changed(team, product, django_assert_num_queries):
    write(team, product, 0, statement="S1.", problem="P1.")
    write(team, product, 1, statement="S2.")
    write(team, product, 2, problem="P2.", business_model="B.")
    write(team, product, 3, business_model="")
    vision = vision_of(product)

    with django_assert_num_queries(1):
        revisions = list(vision_revisions(vision))
        found = [(r.number, changed_fields(r), r.author.email) for r in revisions]
    assert found == [
        (4, ["business_model"], team.editor.email),
        (3, ["problem", "business_model"], team.editor.email),
        (2, ["statement"], team.editor.email),
        (1, ["statement", "problem"], team.editor.email),
    ]


def test_vision_revision_reads_one_with_its_text(team, product):
    write(team, product, 0, statement="S1.")
    write(team, product, 1, statement="S2.")
    vision = vision_of(product)
    revision = vision_revision(vision, 1)
    assert (revision.number, revision.statement, changed_fields(revision)) == (1, "S1.", ["statement"])
    with pytest.raises(NotFound):
        vision_revision(vision, 3)
    with pytest.raises(NotFound):
        vision_revision(vision_of(ProductFactory(workspace=team.workspace)), 1)


# --- comparing --------------------------------------------------------------------------


def rows(html: Any) -> list[tuple[str, str]]:
    """(kind, body) of each row of a diff, without the words spoken to screen readers."""
    found = re.findall(r'<div class="diff-block diff-(\w+)">.*?<div class="diff-body">(.*?)</div></div>', str(html))
    return [(kind, re.sub(r'<span class="visually-hidden">[^<]*</span>', "", body)) for kind, body in found]


def test_compare_defaults_to_the_latest_against_the_one_before(team, product):
    write(team, product, 0, statement="We help teams plan.", problem="Chaos.")
    write(team, product, 1, statement="We help small teams plan weekly.")
    comparison = vision_compare(vision_of(product))
    assert (comparison.older.number, comparison.newer.number) == (1, 2)
    by_field = {f.field: f for f in comparison.fields}
    assert [f.field for f in comparison.changed] == ["statement"]
    # The edited sentence before and after, each readable on its own (not interleaved).
    assert rows(by_field["statement"].html) == [
        ("removed", "We help teams <del>plan.</del>"),
        ("added", "We help <ins>small </ins>teams <ins>plan weekly.</ins>"),
    ]
    assert by_field["problem"].changed is False
    assert rows(by_field["problem"].html) == [("same", "Chaos.")]
    assert by_field["business_model"].empty is True
    assert [f.label for f in comparison.unchanged][:1] == ["Target customers"]


def test_compare_any_two_in_either_order_and_against_nothing(team, product):
    write(team, product, 0, statement="A.")
    write(team, product, 1, statement="B.")
    write(team, product, 2, statement="C.")
    vision = vision_of(product)
    forwards, backwards = vision_compare(vision, 1, 3), vision_compare(vision, 3, 1)
    for comparison in (forwards, backwards):
        assert (comparison.older.number, comparison.newer.number) == (1, 3)
        assert rows(comparison.fields[0].html) == [("removed", "<del>A.</del>"), ("added", "<ins>C.</ins>")]
    first = vision_compare(vision, 0, 1)
    assert first.older is None
    assert rows(first.fields[0].html) == [("added", "<ins>A.</ins>")]
    same = vision_compare(vision, 2, 2)
    assert same.changed == []


def test_compare_with_only_one_revision_shows_it_as_new(team, product):
    write(team, product, 0, statement="A.")
    comparison = vision_compare(vision_of(product))
    assert comparison.older is None
    assert comparison.newer.number == 1


@pytest.mark.parametrize(("a", "b"), [(1, 9), (9, 1), (0, 0), (5, 6)])
def test_compare_with_a_revision_that_does_not_exist_is_not_found(team, product, a, b):
    write(team, product, 0, statement="A.")
    with pytest.raises(NotFound):
        vision_compare(vision_of(product), a, b)


def test_diff_is_escaped():
    html = str(
        diff_html("Keep <b>this</b>.\n\nOld line.", 'Keep <b>this</b>.\n\nNew line & "more".\n\n<script>x</script>')
    )
    assert "<b>" not in html and "<script>" not in html
    assert rows(html) == [
        ("same", "Keep &lt;b&gt;this&lt;/b&gt;."),
        ("removed", "<del>Old line.</del>"),
        ("added", "<ins>New line &amp; &quot;more&quot;.</ins>"),
        ("added", "<ins>&lt;script&gt;x&lt;/script&gt;</ins>"),
    ]


def test_diff_compares_the_text_as_it_reads_not_the_markdown():
    """No `**` or `- ` in the diff: a word made bold is no change of text, list items are blocks."""
    old = "We plan **weekly**.\n\n- Store managers\n- Regional leads"
    new = "We plan weekly.\n\n- Store managers\n- Regional operations leads\n- Finance"
    html = str(diff_html(old, new))
    assert "**" not in html and "- " not in html
    assert rows(html) == [
        ("same", "We plan weekly."),
        ("same", "• Store managers"),
        ("removed", "• Regional leads"),
        ("added", "• Regional <ins>operations </ins>leads"),
        ("added", "<ins>• Finance</ins>"),
    ]


def test_diff_of_unrelated_paragraphs_marks_whole_blocks():
    html = str(diff_html("First.\n\nSecond.\n\nThird.", "First.\n\nThird."))
    assert rows(html) == [("same", "First."), ("removed", "<del>Second.</del>"), ("same", "Third.")]
    rewritten = str(diff_html("Plan rotas in spreadsheets.", "Forecasts from point-of-sale data, set up in a day."))
    assert rows(rewritten) == [
        ("removed", "<del>Plan rotas in spreadsheets.</del>"),
        ("added", "<ins>Forecasts from point-of-sale data, set up in a day.</ins>"),
    ]


def test_a_long_unchanged_run_is_shortened():
    same = "\n\n".join(f"Paragraph {i}." for i in range(1, 8))
    html = str(diff_html(same + "\n\nOld end.", same + "\n\nNew end."))
    assert [kind for kind, _body in rows(html)] == ["same", "same", "removed", "added"]
    assert "⋯ 5 unchanged paragraphs" in html


@pytest.mark.parametrize(
    ("old", "new"),
    [
        ("x " * 5_000, "y " * 5_000),
        ("x " * 5_000, "x " * 4_999 + "z "),
        ("\n" * 10_000, "\n" * 9_999 + "a"),
        ("a b " * 1_250, "b a " * 1_250),
        ("w " * 499, "w " * 250 + "q " + "w " * 248),
    ],
    ids=["all-different", "one-word", "blank-lines", "swapped", "just-under-the-word-limit"],
)
def test_diff_of_10000_character_texts_is_fast(old, new):
    """difflib is quadratic in the worst case: the diff bounds its work per field."""
    started = time.monotonic()
    html = str(diff_html(old, new))
    assert time.monotonic() - started < 1.0
    assert "<ins>" in html or "<del>" in html
