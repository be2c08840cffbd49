"""Forms of the feature pages: the full create/edit form, the inline "Edit scores" form of a backlog
row (RICE inputs and one select per scorecard criterion).

Choices are passed in (built once per page by the view from the selectors), so a form costs no
queries of its own. Every value is cleaned again by the service: the form only turns text into
types and keeps the user's input for the page."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django import forms

from pmtool.pages import VersionField

from ..models import (
    EFFORT_MAX,
    REACH_MAX,
    RICE_IMPACTS,
    TEXT_MAX,
    TITLE_MAX,
    CriterionDirection,
    FeatureType,
    MoSCoW,
    ScorecardCriterion,
)  # fmt: skip

Choices = Sequence[tuple[Any, str]]
IMPACT_CHOICES = (
    ("", "—"),
    ("0.25", "0.25 · minimal"),
    ("0.5", "0.5 · low"),
    ("1", "1 · medium"),
    ("2", "2 · high"),
    ("3", "3 · massive"),
)
assert tuple(v for v, _ in IMPACT_CHOICES[1:]) == RICE_IMPACTS  # noqa: S101 - one scale


def _optional_id(choices: Choices, *, label: str, empty: str = "—") -> forms.TypedChoiceField:
    return forms.TypedChoiceField(
        label=label,
        choices=[("", empty), *[(str(k), v) for k, v in choices]],
        coerce=int,
        empty_value=None,
        required=False,
    )


class RiceFields(forms.Form):
    """The four RICE inputs (each may be empty: then the score is empty)."""

    reach = forms.IntegerField(
        label="Reach", required=False, min_value=0, max_value=REACH_MAX, help_text="People per period."
    )
    impact = forms.TypedChoiceField(
        label="Impact", choices=IMPACT_CHOICES, required=False, coerce=str, empty_value=None
    )
    confidence = forms.IntegerField(label="Confidence (%)", required=False, min_value=0, max_value=100)
    effort = forms.DecimalField(
        label="Effort (person-months)",
        required=False,
        max_value=EFFORT_MAX,
        decimal_places=2,
        max_digits=8,
        help_text="More than 0.",
    )


class RiceForm(RiceFields):
    """The inline form of a backlog row: RICE inputs and the version the row showed."""

    version = VersionField()


def criterion_field_name(criterion_id: int) -> str:
    return f"c{criterion_id}"


class ScoresForm(RiceForm):
    """The inline "Edit scores" form: RICE inputs, then one select per criterion of the product,
    labelled with its name and scale ("Customer value (1–5)"); "—" removes the value."""

    def __init__(self, *args: Any, criteria: Sequence[ScorecardCriterion], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.criteria = list(criteria)
        for c in self.criteria:
            scale = f"{c.scale_min}–{c.scale_max}"
            cost = ", lower is better" if c.direction == CriterionDirection.COST else ""
            self.fields[criterion_field_name(c.pk)] = forms.TypedChoiceField(
                label=f"{c.name} ({scale}{cost})",
                choices=[("", "—"), *[(str(v), str(v)) for v in range(c.scale_min, c.scale_max + 1)]],
                coerce=int,
                empty_value=None,
                required=False,
                error_messages={
                    "invalid_choice": f"“{c.name}” takes a whole number from {c.scale_min} to {c.scale_max}."
                },
            )

    @property
    def criterion_fields(self) -> list[forms.BoundField]:
        return [self[criterion_field_name(c.pk)] for c in self.criteria]

    @property
    def rice_fields(self) -> list[forms.BoundField]:
        return [self[name] for name in ("reach", "impact", "confidence", "effort")]

    def values(self) -> dict[int, int | None]:
        """The values of the criteria this submit carried: a criterion added after the form was
        opened (absent from the post) keeps its value."""
        return {
            c.pk: self.cleaned_data.get(criterion_field_name(c.pk))
            for c in self.criteria
            if criterion_field_name(c.pk) in self.data
        }


class FeatureForm(RiceFields):
    """Create (no version) and edit (version) of a feature."""

    title = forms.CharField(label="Title", max_length=TITLE_MAX)
    type = forms.ChoiceField(label="Type", choices=FeatureType.choices, initial=FeatureType.FEATURE)
    moscow = forms.ChoiceField(label="MoSCoW", choices=[("", "—"), *MoSCoW.choices], required=False)
    tags = forms.CharField(
        label="Tags", required=False, max_length=1000, help_text="Separated by commas, e.g. mobile, onboarding."
    )
    start_date = forms.DateField(label="Start date", required=False, widget=forms.DateInput(attrs={"type": "date"}))
    due_date = forms.DateField(label="Due date", required=False, widget=forms.DateInput(attrs={"type": "date"}))
    description = forms.CharField(
        label="Description",
        required=False,
        max_length=TEXT_MAX,
        strip=False,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text="Markdown.",
    )
    version = VersionField()

    field_order = (
        "title", "type", "parent", "status", "owner", "moscow", "initiative", "release", "team", "tags",
        "start_date", "due_date", "reach", "impact", "confidence", "effort", "description",
    )  # fmt: skip

    def __init__(
        self,
        *args: Any,
        statuses: Choices,
        owners: Choices,
        epics: Choices,
        initiatives: Choices,
        releases: Choices,
        teams: Choices,
        with_version: bool = True,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["status"] = _optional_id(statuses, label="Status", empty="Default (first backlog status)")
        self.fields["owner"] = _optional_id(owners, label="Owner")
        self.fields["parent"] = _optional_id(epics, label="Parent epic", empty="None")
        self.fields["initiative"] = _optional_id(initiatives, label="Initiative")
        self.fields["release"] = _optional_id(releases, label="Release")
        self.fields["team"] = _optional_id(teams, label="Team")
        if not with_version:
            del self.fields["version"]
        self.order_fields(self.field_order)

    def service_arguments(self) -> dict[str, Any]:
        """cleaned_data as the service's keyword arguments (without the version)."""
        data = self.cleaned_data
        return {
            "title": data["title"],
            "description": data["description"],
            "type": data["type"],
            "parent_id": data["parent"],
            "status_id": data["status"],
            "owner_id": data["owner"],
            "tags": [t for t in (data["tags"] or "").split(",") if t.strip()],
            "initiative_id": data["initiative"],
            "release_id": data["release"],
            "team_id": data["team"],
            "start_date": data["start_date"],
            "due_date": data["due_date"],
            "reach": data["reach"],
            "impact": data["impact"],
            "confidence": data["confidence"],
            "effort": data["effort"],
            "moscow": data["moscow"],
        }
