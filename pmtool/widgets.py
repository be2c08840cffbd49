"""Form widgets that print the same HTML as Django's own, faster.

`PlainSelect` is `forms.Select` printed in Python: Django renders a select through its template
engine, one `{% include %}` per option (select.html, select_option.html, attrs.html), ~0.15 ms an
option; a form of a few selects with the workspace's members, initiatives and releases cost
several milliseconds of a page (the backlog page's bulk bar). Same context (`get_context`: the
choices, the selected values, the attributes), same characters out: tests/pmtool/test_widgets.py
compares the two on every kind of choice list, so a Django upgrade that changes its markup fails
there, not on a page."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django import forms
from django.forms.renderers import BaseRenderer
from django.utils.html import conditional_escape
from django.utils.safestring import SafeData, SafeString, mark_safe


def _text(value: object) -> str:
    """`{{ value|stringformat:'s' }}` under autoescape: a safe value as it is, else str() escaped."""
    return str(value) if isinstance(value, SafeData) else str(conditional_escape(str(value)))


def _attrs(attrs: Mapping[str, Any]) -> str:
    """Django's attrs.html: ` name="value"`, a bare ` name` for True, nothing for False."""
    out = []
    for name, value in attrs.items():
        if value is False:
            continue
        out.append(f" {conditional_escape(name)}" if value is True else f' {conditional_escape(name)}="{_text(value)}"')
    return "".join(out)


class PlainSelect(forms.Select):
    """A `forms.Select` whose HTML is built in Python (see the module's docstring)."""

    def render(
        self, name: str, value: Any, attrs: dict[str, Any] | None = None, renderer: BaseRenderer | None = None
    ) -> SafeString:
        widget = self.get_context(name, value, attrs)["widget"]
        parts = [f'<select name="{conditional_escape(widget["name"])}"{_attrs(widget["attrs"])}>']
        for group_name, options, _index in widget["optgroups"]:
            if group_name:
                parts.append(f'\n  <optgroup label="{conditional_escape(group_name)}">')
            parts.extend(
                f'\n  <option value="{_text(option["value"])}"{_attrs(option["attrs"])}>'
                f"{conditional_escape(option['label'])}</option>\n"
                for option in options
            )
            if group_name:
                parts.append("\n  </optgroup>")
        parts.append("\n</select>")
        return mark_safe("".join(parts))  # noqa: S308 - every value above is escaped
