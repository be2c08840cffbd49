"""Template tags of the vision pages: a short excerpt of a vision section for the strategy page's
card, cut between words (at a sentence end when one is close), never in the middle of a word."""

from __future__ import annotations

import html
from dataclasses import dataclass

from django import template
from django.utils.html import strip_tags
from django.utils.safestring import SafeString, mark_safe
from django.utils.text import Truncator

from pmtool.markdown import render_markdown

register = template.Library()

EXCERPT_WORDS = 24  # about five lines of a card column
SENTENCE_END = (".", "!", "?")


@dataclass(frozen=True)
class Excerpt:
    html: SafeString
    cut: bool  # whether there is more than the excerpt shows


@register.simple_tag
def excerpt(markdown: str | None, words: int = EXCERPT_WORDS) -> Excerpt:
    """The rendered Markdown, shortened to at most `words` words: at the last sentence end within
    them when that keeps at least 60 % of them (no "…" then), else after the last whole word, "…"."""
    rendered = render_markdown(markdown)
    text = html.unescape(strip_tags(rendered)).split()
    if len(text) <= words:
        return Excerpt(rendered, cut=False)
    at_sentence = [n for n in range(int(words * 0.6), words + 1) if text[n - 1].endswith(SENTENCE_END)]
    if at_sentence:
        short = _first_words(rendered, at_sentence[-1], "")
    else:
        short = _first_words(rendered, words, "…")
    return Excerpt(mark_safe(short), cut=True)  # noqa: S308 - Truncator only cuts the sanitised HTML


def _first_words(rendered: str, count: int, suffix: str) -> str:
    """The HTML cut after its `count`-th word of text. Django's Truncator also counts the line
    breaks between block tags as words, so ask it for more until the text has `count` words."""
    for asked in range(count, count + 200):
        short = Truncator(rendered).words(asked, html=True, truncate=suffix)
        if len(strip_tags(short).split()) >= count:
            return short
    return short
