"""pmtool.widgets.PlainSelect prints what Django's forms.Select prints, character for character."""

from __future__ import annotations

from typing import Any

import pytest
from django import forms
from django.utils.safestring import mark_safe

from pmtool.widgets import PlainSelect

CHOICES: dict[str, Any] = {
    "flat": [("", "— no change —"), ("1", "New"), ("2", "Won't do"), ("3", '<b>&"x"</b>')],
    "ints": [(1, "One"), (2, "Two"), (None, "None")],
    "groups": [("Open", [("a", "A"), ("b", "B & C")]), ("Closed", [("c", "C")]), ("z", "Z")],
    "safe label": [("x", mark_safe("<em>kept</em>")), (mark_safe("y&amp;"), "Y")],
    "empty": [],
}
VALUES: list[Any] = [None, "", "1", 2, "b", "c", ["a", "c"], "missing", "y&amp;"]
ATTRS: list[dict[str, Any] | None] = [
    None,
    {"id": "id_status"},
    {"id": 'a"b', "required": True, "disabled": False, "data-x": "<1>", "aria-label": "Pick & go"},
]


@pytest.mark.parametrize("choices", CHOICES.values(), ids=CHOICES.keys())
@pytest.mark.parametrize("value", VALUES)
@pytest.mark.parametrize("attrs", ATTRS)
@pytest.mark.parametrize("multiple", [False, True])
def test_same_html_as_django(choices: Any, value: Any, attrs: Any, multiple: bool) -> None:
    django_widget: forms.Select = forms.SelectMultiple(choices=choices) if multiple else forms.Select(choices=choices)
    plain = PlainSelect(choices=choices)
    plain.allow_multiple_selected = multiple
    assert plain.render("st<atus", value, attrs=attrs) == django_widget.render("st<atus", value, attrs=attrs)


def test_in_a_form_field() -> None:
    class Form(forms.Form):
        plain = forms.ChoiceField(choices=CHOICES["flat"], widget=PlainSelect, required=False)
        stock = forms.ChoiceField(choices=CHOICES["flat"], required=False)

    form = Form(initial={"plain": "2", "stock": "2"})
    assert str(form["plain"]).replace("plain", "X") == str(form["stock"]).replace("stock", "X")
    bound = Form({"plain": "3", "stock": "3"})
    assert str(bound["plain"]).replace("plain", "X") == str(bound["stock"]).replace("stock", "X")
