"""Forms of the initiative pages."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.forms.models import model_to_dict

from pmtool.pages import VersionField

from ..models import (
    TEXT_MAX,
    TITLE_MAX,
    Initiative,
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

    @classmethod
    def initial_for(cls, initiative: Initiative, goal_ids: list[int]) -> dict[str, Any]:
        """The edit form's values for `initiative`, serving the goals `goal_ids`."""
        fields = ("title", "description", "colour", "status", "product", "version")
        dates = cls.time_frame_initial(initiative.start_date, initiative.end_date)
        return {**model_to_dict(initiative, fields=fields), **dates, "goals": goal_ids}

    def arguments(self) -> dict[str, Any]:
        """What initiative_create and initiative_update both take from the form (not the time frame)."""
        data = self.cleaned_data
        texts = {"title": data["title"], "description": data["description"], "colour": data["colour"]}
        return {**texts, "status": data["status"], "product_id": data["product"], "goal_ids": data["goals"]}


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
