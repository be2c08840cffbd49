"""pmtool.cleaning: every cleaner, and the same messages as the code it will replace."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from pmtool import cleaning
from pmtool.errors import ValidationError
from pmtool.models import LifecycleStage
from strategy.models import ThreatLevel


def _outcome(clean: Callable[[], Any]) -> tuple[str, Any]:
    try:
        return "ok", clean()
    except ValidationError as exc:
        return exc.message, exc.fields


NAMES = ["Atlas", "  Atlas  ", "", "   ", "a\x00b", "x" * 120, "x" * 121, None]
TEXTS = ["", "  code\nline  \n\n", "\r\nA\r\nB\r", "a\x00b", "\ud800", "x" * 10_001, 42, "\n\n# Title\n"]
URLS = ["", "https://example.com", "http://a.test/x?y=1", "javascript:alert(1)", "ftp://a.test", "example", "x\x00"]
COLOURS = ["#4F46E5", " #4f46e5 ", "4f46e5", "#4f46e", "red", "", None]
NUMBERS = [None, 0, 1.5, -1e15, 1e15, 1e15 + 1e5, float("nan"), float("inf"), True, "3"]
SLUGS = ["mobile-app", "Mobile-App", "mobile app", "", "ä", "x" * 61]

# What strategy's own cleaners (clean_markdown, valid_text, clean_website; now removed, their callers use
# pmtool.cleaning) gave for TEXTS and URLS, recorded before they were removed.
_NOT_A_WEB_ADDRESS = (
    "The website is not a web address.",
    {"website": ["Enter a web address starting with http:// or https://, e.g. https://example.com."]},
)
MARKDOWN_OUTCOMES = [
    ("ok", ""),
    ("ok", "  code\nline"),
    ("ok", "A\nB"),
    ("The problem contains a NUL character.", {"problem": ["Null characters are not allowed."]}),
    ("The problem is not valid text.", {"problem": ["Contains characters that are not valid Unicode text."]}),
    ("The problem is too long.", {"problem": ["Ensure this field has no more than 10000 characters."]}),
    ("The problem must be text.", {"problem": ["Must be text."]}),
    ("ok", "# Title"),
]
VALID_TEXT_OUTCOMES = [
    ("ok", ""),
    ("ok", "  code\nline  \n\n"),
    ("ok", "\nA\nB\n"),
    ("The quote contains a NUL character.", {"quote": ["Null characters are not allowed."]}),
    ("The quote is not valid text.", {"quote": ["Contains characters that are not valid Unicode text."]}),
    ("ok", "x" * 10_001),
    ("The quote must be text.", {"quote": ["Must be text."]}),
    ("ok", "\n\n# Title\n"),
]
URL_OUTCOMES = [
    ("ok", ""),
    ("ok", "https://example.com"),
    ("ok", "http://a.test/x?y=1"),
    _NOT_A_WEB_ADDRESS,
    _NOT_A_WEB_ADDRESS,
    _NOT_A_WEB_ADDRESS,
    ("The website contains a NUL character.", {"website": ["Null characters are not allowed."]}),
]

# What the goal and initiative services' own cleaners (now removed, they call pmtool.cleaning) gave.
_TOO_LONG = ("The description is too long.", {"description": ["Ensure this field has no more than 10000 characters."]})
GOAL_TEXT = [
    ("ok", ""),
    ("ok", "code\nline"),
    ("ok", "A\nB"),
    ("The description contains a NUL character.", {"description": ["Null characters are not allowed."]}),
    ("The description is not valid text.", {"description": ["Contains characters that are not valid Unicode text."]}),
    _TOO_LONG,
    ("The description must be text.", {"description": ["Must be text."]}),
    ("ok", "# Title"),
]
_NOT_A_COLOUR = ("Not a colour.", {"colour": ["A colour as #rrggbb, e.g. #4f46e5."]})
INITIATIVE_COLOUR = [("ok", "#4f46e5"), ("ok", "#4f46e5"), *[_NOT_A_COLOUR] * 5]
_OUT_OF_RANGE = ("A number is out of range.", {"target": ["A finite number between -10^15 and 10^15."]})
_NOT_A_NUMBER = ("Not a number.", {"target": ["A number is required."]})
KEY_RESULT_NUMBER = [
    ("ok", None),
    ("ok", 0.0),
    ("ok", 1.5),
    ("ok", -1e15),
    ("ok", 1e15),
    _OUT_OF_RANGE,
    _OUT_OF_RANGE,
    _OUT_OF_RANGE,
    _NOT_A_NUMBER,
    _NOT_A_NUMBER,
]
UNKNOWN_THREAT_LEVEL = ("Unknown threat level.", {"threat_level": ["Choose one of: low, medium, high."]})


def _index(values: list[Any], value: Any) -> int:
    """The position of `value` by identity (NaN is not equal to itself; True equals 1)."""
    return next(i for i, v in enumerate(values) if v is value)


def _required(field: str) -> tuple[str, Any]:
    return f"The {field} is required.", {field: ["This field is required."]}


def _nul(field: str) -> tuple[str, Any]:
    return f"The {field} contains a NUL character.", {field: ["Null characters are not allowed."]}


def _long(field: str, limit: int) -> tuple[str, Any]:
    return f"The {field} is too long.", {field: [f"Ensure this field has no more than {limit} characters."]}


# The outcomes the core services' own name cleaner gave before it moved here (value, name, title ≤ 5).
NAME_OUTCOMES = [
    ("ok", "Atlas"),
    ("ok", "Atlas"),
    _required("name"),
    _required("name"),
    _nul("name"),
    ("ok", "x" * 120),
    _long("name", 120),
    _required("name"),
]
TITLE_OUTCOMES = [
    ("ok", "Atlas"),
    ("ok", "Atlas"),
    _required("title"),
    _required("title"),
    _nul("title"),
    _long("title", 5),
    _long("title", 5),
    _required("title"),
]


@pytest.mark.parametrize(("value", "name", "title"), zip(NAMES, NAME_OUTCOMES, TITLE_OUTCOMES, strict=True))
def test_clean_name_gives_the_core_services_messages(value: Any, name: Any, title: Any) -> None:
    assert _outcome(lambda: cleaning.clean_name(value)) == name
    assert _outcome(lambda: cleaning.clean_name(value, field="title", max_length=5)) == title


@pytest.mark.parametrize(("value", "markdown", "text"), zip(TEXTS, MARKDOWN_OUTCOMES, VALID_TEXT_OUTCOMES, strict=True))
def test_markdown_and_text_give_the_strategy_messages(value: Any, markdown: Any, text: Any) -> None:
    assert _outcome(lambda: cleaning.clean_markdown(value, field="problem")) == markdown
    assert _outcome(lambda: cleaning.valid_text(value, field="quote")) == text
    assert _outcome(lambda: cleaning.clean_text(value, field="description")) == GOAL_TEXT[TEXTS.index(value)]


def test_markdown_keeps_a_leading_code_indent_and_drops_surrounding_blank_lines() -> None:
    assert cleaning.clean_markdown("\n\n    code\nend  \n\n", field="x") == "    code\nend"
    assert cleaning.clean_text(None, field="x") == ""


def test_nul_is_refused_naming_the_field() -> None:
    with pytest.raises(ValidationError) as caught:
        cleaning.no_nul("a\x00", "goals")
    assert caught.value.fields == {"goals": ["Null characters are not allowed."]}


@pytest.mark.parametrize(("value", "outcome"), zip(URLS, URL_OUTCOMES, strict=True))
def test_clean_url_gives_the_website_messages(value: Any, outcome: Any) -> None:
    assert _outcome(lambda: cleaning.clean_url(value)) == outcome


def test_clean_url_names_another_field() -> None:
    with pytest.raises(ValidationError) as caught:
        cleaning.clean_url("javascript:alert(1)", field="link")
    assert caught.value.message == "The link is not a web address." and list(caught.value.fields) == ["link"]


@pytest.mark.parametrize("value", COLOURS)
def test_clean_colour_gives_the_initiative_messages(value: Any) -> None:
    assert _outcome(lambda: cleaning.clean_colour(value)) == INITIATIVE_COLOUR[COLOURS.index(value)]


def test_clean_colour_optional_takes_empty_as_the_default_look() -> None:
    assert [cleaning.clean_colour(v, optional=True) for v in ("", "  ", None, " #ABCDEF ")] == ["", "", "", "#abcdef"]
    with pytest.raises(ValidationError):
        cleaning.clean_colour("red", optional=True)
    with pytest.raises(ValidationError):
        cleaning.clean_colour("")  # required unless optional


@pytest.mark.parametrize("value", NUMBERS)
def test_clean_number_gives_the_key_result_messages(value: Any) -> None:
    assert _outcome(lambda: cleaning.clean_number(value, field="target")) == KEY_RESULT_NUMBER[_index(NUMBERS, value)]


@pytest.mark.parametrize(
    ("bounds", "message"),
    [
        ({"minimum": 0, "maximum": 100}, "A finite number between 0 and 100."),
        ({"minimum": 0.5, "maximum": 2.5}, "A finite number between 0.5 and 2.5."),
        ({"minimum": 0}, "A finite number between 0 and 10^15."),
    ],
)
def test_clean_number_names_its_bounds(bounds: dict[str, float], message: str) -> None:
    outside = bounds["maximum"] + 1 if "maximum" in bounds else bounds["minimum"] - 1
    with pytest.raises(ValidationError) as caught:
        cleaning.clean_number(outside, field="p", **bounds)
    assert caught.value.fields == {"p": [message]}
    assert cleaning.clean_number(bounds["minimum"], field="p", **bounds) == bounds["minimum"]


@pytest.mark.parametrize("value", ["high", "nope", "", None, 3])
def test_clean_choice_gives_the_choice_messages(value: Any) -> None:
    assert _outcome(lambda: cleaning.clean_choice(value, ThreatLevel, field="threat_level", what="threat level")) == (
        ("ok", "high") if value == "high" else UNKNOWN_THREAT_LEVEL
    )


def test_clean_choice_lists_the_choices() -> None:
    with pytest.raises(ValidationError) as caught:
        cleaning.clean_choice("dead", LifecycleStage, field="stage", what="lifecycle stage")
    assert caught.value.message == "Unknown lifecycle stage."
    assert caught.value.fields == {"stage": [f"Choose one of: {', '.join(LifecycleStage.values)}."]}


_BAD_SLUG = (
    "The slug may only contain lowercase letters, numbers and hyphens.",
    {"slug": ["Use lowercase letters, numbers and hyphens (at most 60)."]},
)
# What the core services' own slug check gave before it moved here.
SLUG_OUTCOMES = [("ok", "mobile-app"), ("ok", "mobile-app"), *([_BAD_SLUG] * 4)]


@pytest.mark.parametrize(("value", "outcome"), zip(SLUGS, SLUG_OUTCOMES, strict=True))
def test_clean_slug_gives_the_core_messages(value: str, outcome: Any) -> None:
    assert _outcome(lambda: cleaning.clean_slug(value)) == outcome
