"""Markdown for every long text field (vision, goals, later features and feedback).

markdown-it-py with raw HTML off renders CommonMark plus tables and strikethrough; nh3 (the
Ammonia sanitizer) then keeps only an allow-list of tags and attributes, so nothing a user
typed can run script or load a resource: links get rel="noopener noreferrer nofollow", and
only http(s)/mailto links survive.
"""

from __future__ import annotations

import functools

import nh3
from django.utils.safestring import SafeString, mark_safe
from markdown_it import MarkdownIt

ALLOWED_TAGS = {
    "p", "br", "hr", "strong", "em", "del", "s", "code", "pre", "blockquote",
    "ul", "ol", "li", "h1", "h2", "h3", "h4", "h5", "h6", "a",
    "table", "thead", "tbody", "tr", "th", "td",
}  # fmt: skip
# No style attributes: the CSP forbids inline styles (table alignment is dropped).
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "ol": {"start"}}


@functools.cache
def _parser() -> MarkdownIt:
    # "js-default": CommonMark with raw HTML disabled, plus tables and strikethrough.
    return MarkdownIt("js-default", {"linkify": False, "typographer": False})


def render_markdown(text: str | None) -> SafeString:
    """Sanitised HTML for `text` (empty string for nothing)."""
    if not text:
        return mark_safe("")
    html = _parser().render(text)
    clean = nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes={"http", "https", "mailto"},
        link_rel="noopener noreferrer nofollow",
    )
    return mark_safe(clean)  # noqa: S308 - sanitised by nh3 just above
