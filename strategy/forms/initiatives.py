"""Forms of the initiative pages."""

from __future__ import annotations

from typing import Any, cast

from django import forms

from pmtool.pages import VersionField

from ..models import (
    TEXT_MAX,
    TITLE_MAX,
    InitiativeStatus,
)
from .goals import MARKDOWN_HELP, TimeFrameMixin


class InitiativeForm(TimeFrameMixin):
    title = forms.CharField(max_length=TITLE_MAX, widget=forms.TextInput(attrs={"autofocus": True}))
    product = forms.TypedChoiceField(
        required=False, coerce=int, empty_value=None, help_text="Leave empty for a workspace-wide initiative."
    )
    status = forms.ChoiceField(choices=InitiativeStatus.choices, initial=InitiativeStatus.PROPOSED)
    colour = forms.CharField(
        max_length=7,
        initial="#4f46e5",
        widget=forms.TextInput(attrs={"type": "color"}),
        help_text="Shown as a chip on the strategy page and, later, on roadmaps.",
    )
    goals = forms.TypedMultipleChoiceField(
        required=False,
        coerce=int,
        widget=forms.CheckboxSelectMultiple,
        label="Goals it serves",
        help_text="A product's initiative serves that product's goals or company goals.",
    )
    description = forms.CharField(
        max_length=TEXT_MAX, required=False, widget=forms.Textarea(attrs={"rows": 6}), help_text=MARKDOWN_HELP
    )
    version = VersionField()

    field_order = ("title", "product", "status", "colour", "quarter", "start_date", "end_date", "goals", "description")

    def __init__(
        self,
        *args: Any,
        products: list[tuple[int, str]],
        goals: list[tuple[int, str]],
        quarter: str | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["product"]).choices = [("", "Workspace-wide (no product)"), *products]
        cast(forms.ChoiceField, self.fields["goals"]).choices = goals
        self._set_quarters(quarter)


class InitiativeFilterForm(forms.Form):
    product = forms.ChoiceField(required=False, label="Product")
    status = forms.ChoiceField(required=False, choices=[("", "Any status"), *InitiativeStatus.choices])

    def __init__(self, *args: Any, products: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["product"]).choices = [
            ("", "All products"),
            ("company", "Workspace-wide"),
            *[(str(pk), name) for pk, name in products],
        ]
