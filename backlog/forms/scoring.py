"""Forms of the scorecard and feature-scores pages. The criterion and values forms map themselves to
their services (pmtool.pages.ServiceForm: `initial_for(obj)`, `arguments()`)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.forms.models import model_to_dict
from django.utils import timezone

from pmtool.pages import ServiceForm, VersionField

from ..models import NAME_MAX, TEXT_MAX, CriterionDirection, CriterionValue, Feature, ScorecardCriterion
from ..services.scorecard import SCALE_MAX, SCALE_MIN, WEIGHT_MAX, WEIGHT_MIN


class CriterionForm(ServiceForm):
    name = forms.CharField(max_length=NAME_MAX)
    weight = forms.IntegerField(
        min_value=WEIGHT_MIN, max_value=WEIGHT_MAX, initial=1, help_text="1–100: how much it counts against the others."
    )
    direction = forms.ChoiceField(choices=CriterionDirection.choices, initial=CriterionDirection.BENEFIT)
    scale_min = forms.IntegerField(min_value=SCALE_MIN, max_value=SCALE_MAX, initial=1, label="Scale from")
    scale_max = forms.IntegerField(min_value=SCALE_MIN, max_value=SCALE_MAX, initial=5, label="Scale to")
    description = forms.CharField(max_length=TEXT_MAX, required=False, widget=forms.Textarea(attrs={"rows": 3}))

    FIELDS = ("name", "weight", "direction", "scale_min", "scale_max", "description")

    def arguments(self) -> dict[str, Any]:
        """What criterion_create and criterion_update both take."""
        return {name: self.cleaned_data[name] for name in self.FIELDS}


class CriterionEditForm(CriterionForm):
    version = VersionField()

    @classmethod
    def initial_for(cls, criterion: ScorecardCriterion) -> dict[str, Any]:
        return model_to_dict(criterion, fields=(*cls.FIELDS, "version"))


class CriterionMoveForm(forms.Form):
    criterion = forms.IntegerField(min_value=1, max_value=10**18 - 1)
    direction = forms.ChoiceField(choices=(("up", "Up"), ("down", "Down")))


class FeatureValuesForm(ServiceForm):
    """One optional whole-number field per criterion of the feature's product, on its scale."""

    version = VersionField()

    def __init__(self, *args: Any, criteria: list[ScorecardCriterion], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.criteria = criteria
        for criterion in criteria:
            self.fields[f"c{criterion.pk}"] = forms.IntegerField(
                required=False,
                min_value=criterion.scale_min,
                max_value=criterion.scale_max,
                label=criterion.name,
                help_text=f"{criterion.scale_min}–{criterion.scale_max}"
                + (", lower is better" if criterion.direction == CriterionDirection.COST else ""),
            )

    @classmethod
    def initial_for(cls, feature: Feature) -> dict[str, Any]:
        """The feature's value of each criterion (one query), and its version."""
        current = CriterionValue.objects.filter(feature=feature).values_list("criterion_id", "value")
        return {**{f"c{pk}": value for pk, value in current}, "version": feature.version}

    def values(self) -> dict[int, int | None]:
        return {c.pk: self.cleaned_data.get(f"c{c.pk}") for c in self.criteria}

    def arguments(self) -> dict[str, Any]:
        """What feature_values_set takes."""
        return {"values": self.values()}


class WhyMovedForm(forms.Form):
    start = forms.DateTimeField(
        required=False,
        label="From",
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )
    end = forms.DateTimeField(
        required=False,
        label="To",
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )

    @staticmethod
    def defaults() -> dict[str, dt.datetime]:
        now = timezone.localtime().replace(second=0, microsecond=0)
        return {"start": now - dt.timedelta(days=7), "end": now + dt.timedelta(minutes=1)}

    def window(self) -> tuple[dt.datetime, dt.datetime]:
        defaults = self.defaults()
        return self.cleaned_data.get("start") or defaults["start"], self.cleaned_data.get("end") or defaults["end"]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        for name in ("start", "end"):
            value = cleaned.get(name)
            if value is not None and not 1900 <= value.year <= 2999:
                self.add_error(name, "A time between the years 1900 and 2999.")
        return cleaned
