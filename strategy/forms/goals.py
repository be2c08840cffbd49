"""Forms of the goal, key result and initiative pages. They check shapes (lengths, choices,
numbers); the domain rules live in strategy.services.goals and come back as field errors."""

from __future__ import annotations

import datetime as dt
from typing import Any, cast

from django import forms
from django.forms.models import model_to_dict
from django.utils import timezone

from pmtool.cleaning import NUMBER_LIMIT
from pmtool.pages import ServiceForm, VersionField
from pmtool.timeframes import quarter_of

from ..models import (
    TEXT_MAX,
    TITLE_MAX,
    Direction,
    Goal,
    GoalStatus,
    KeyResultKind,
    ManualGoalStatus,
    Period,
    StatusSource,
)

DERIVED = "derived"
STATUS_CHOICES = [
    (DERIVED, "Automatic: from progress and time"),
    *[(value, f"{label} (set by hand)") for value, label in ManualGoalStatus.choices],
]
DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
MARKDOWN_HELP = "Markdown: **bold**, _italic_, lists, links. At most 10,000 characters."


PAST_YEARS = 2  # "show past quarters" lists this many years back


def current_quarter(today: dt.date | None = None) -> str:
    """The quarter `today` (default: the local date) falls in, e.g. "2026-Q4"."""
    today = today or timezone.localdate()
    return f"{today.year}-Q{(today.month - 1) // 3 + 1}"


def quarter_choices(
    today: dt.date | None = None, *, keep: str | None = None, past: bool = False
) -> list[tuple[str, str]]:
    """Custom dates, then the quarters from this one to the end of next year; with `past`, from
    PAST_YEARS years back. `keep` (the quarter a goal has now) is always listed, however old."""
    today = today or timezone.localdate()
    first = (today.year - PAST_YEARS, 1) if past else (today.year, (today.month - 1) // 3 + 1)
    quarters = [f"{year}-Q{q}" for year in range(first[0], today.year + 2) for q in range(1, 5) if (year, q) >= first]
    if keep and keep not in quarters:
        quarters = sorted([*quarters, keep])
    return [("", "Custom dates"), *[(q, q.replace("-", " ")) for q in quarters]]


class TimeFrameMixin(ServiceForm):
    """A quarter, or custom start and end dates (both or neither; the service checks the order).

    The quarter list starts at the current quarter; `past_quarters` (a hidden field, set by the
    "Show past quarters" button, see `quarter_list_switch`) lists older ones too."""

    quarter = forms.ChoiceField(required=False, label="Quarter", help_text="A quarter, or custom dates below.")
    start_date = forms.DateField(required=False, widget=DATE, label="Start")
    end_date = forms.DateField(required=False, widget=DATE, label="End")
    past_quarters = forms.BooleanField(required=False, widget=forms.HiddenInput)

    def _set_quarters(self, keep: str | None) -> None:
        past = self["past_quarters"].value() in (True, "True", "true", "1", "on")
        self.show_past_quarters = past
        cast(forms.ChoiceField, self.fields["quarter"]).choices = quarter_choices(keep=keep, past=past)

    def focus_quarter(self) -> None:
        """After switching the list, the cursor goes back to the quarter, not the title."""
        self.fields["title"].widget.attrs.pop("autofocus", None)
        self.fields["quarter"].widget.attrs["autofocus"] = True

    @staticmethod
    def time_frame_initial(start: dt.date | None, end: dt.date | None) -> dict[str, Any]:
        """The form's time-frame fields for an object's dates (the quarter when they span one)."""
        return {"quarter": quarter_of(start, end) or "", "start_date": start, "end_date": end}

    def time_frame(self) -> dict[str, Any]:
        """Service arguments: the quarter when one is chosen, else the two dates."""
        data = self.cleaned_data
        if data.get("quarter"):
            return {"quarter": data["quarter"]}
        return {"start_date": data.get("start_date"), "end_date": data.get("end_date")}


def quarter_list_switch(data: Any) -> bool | None:
    """Which quarter list a "Show/Hide past quarters" button asked for (None: not that button).
    The button submits the form without saving it, so it works without JavaScript too."""
    asked = data.get("quarters") if data is not None else None
    return {"past": True, "upcoming": False}.get(str(asked))


class GoalForm(TimeFrameMixin):
    title = forms.CharField(max_length=TITLE_MAX, widget=forms.TextInput(attrs={"autofocus": True}))
    product = forms.TypedChoiceField(
        required=False, coerce=int, empty_value=None, label="Level", help_text="A company goal, or a product's goal."
    )
    parent = forms.TypedChoiceField(
        required=False,
        coerce=int,
        empty_value=None,
        label="Contributes to",
        help_text="A company goal this one rolls up to (optional).",
    )
    owner = forms.TypedChoiceField(required=False, coerce=int, empty_value=None)
    status = forms.ChoiceField(
        choices=STATUS_CHOICES,
        initial=DERIVED,
        help_text="Automatic: progress against the time elapsed.",
    )
    description = forms.CharField(
        max_length=TEXT_MAX, required=False, widget=forms.Textarea(attrs={"rows": 6}), help_text=MARKDOWN_HELP
    )
    version = VersionField()

    field_order = ("title", "product", "parent", "owner", "quarter", "start_date", "end_date", "status", "description")

    def __init__(
        self,
        *args: Any,
        products: list[tuple[int, str]],
        parents: list[tuple[int, str]],
        owners: list[tuple[int, str]],
        quarter: str | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["product"]).choices = [("", "Company goal (no product)"), *products]
        cast(forms.ChoiceField, self.fields["parent"]).choices = [("", "— none —"), *parents]
        cast(forms.ChoiceField, self.fields["owner"]).choices = [("", "— nobody yet —"), *owners]
        self._set_quarters(quarter)

    @classmethod
    def initial_for(cls, goal: Goal) -> dict[str, Any]:
        """The edit form's values for `goal` (its status as "automatic" unless it was set by hand)."""
        manual = goal.status_source == StatusSource.MANUAL
        return {
            **model_to_dict(goal, fields=("title", "description", "owner", "product", "parent", "version")),
            **cls.time_frame_initial(goal.start_date, goal.end_date),
            "status": goal.status if manual else DERIVED,
        }

    def arguments(self) -> dict[str, Any]:
        """What goal_create and goal_update both take from the form (beside the time frame)."""
        data = self.cleaned_data
        links = {"owner_id": data["owner"], "product_id": data["product"], "parent_id": data["parent"]}
        return {"title": data["title"], "description": data["description"], **links, **self.status_arguments()}

    def status_arguments(self) -> dict[str, Any]:
        status = self.cleaned_data["status"]
        if status == DERIVED:
            return {"status_source": "derived"}
        return {"status": status, "status_source": "manual"}


class KeyResultForm(forms.Form):
    title = forms.CharField(max_length=TITLE_MAX, label="Key result")
    kind = forms.ChoiceField(
        choices=[(KeyResultKind.METRIC, "Measured"), (KeyResultKind.MANUAL, "Manual percent")],
        initial=KeyResultKind.METRIC,
        widget=forms.RadioSelect,
        label="Kind",
    )
    direction = forms.ChoiceField(choices=Direction.choices, initial=Direction.UP, required=False)
    baseline = forms.FloatField(required=False, min_value=-NUMBER_LIMIT, max_value=NUMBER_LIMIT)
    target = forms.FloatField(required=False, min_value=-NUMBER_LIMIT, max_value=NUMBER_LIMIT)
    current = forms.FloatField(
        required=False,
        min_value=-NUMBER_LIMIT,
        max_value=NUMBER_LIMIT,
    )
    unit = forms.CharField(
        max_length=40, required=False, widget=forms.TextInput(attrs={"placeholder": "e.g. %, users, €"})
    )
    metric = forms.TypedChoiceField(required=False, coerce=int, empty_value=None, label="Bound metric")
    metric_period = forms.ChoiceField(choices=Period.choices, initial=Period.MONTH, required=False, label="Period")
    percent = forms.FloatField(required=False, min_value=0, max_value=100, label="Percent done")
    weight = forms.IntegerField(min_value=1, max_value=100, initial=1, label="Weight (1–100)")
    version = VersionField()

    MEASURED = ("direction", "baseline", "target", "current", "unit", "metric", "metric_period")

    def __init__(self, *args: Any, metrics: list[tuple[int, str]], prefix: str | None = None, **kwargs: Any) -> None:
        kwargs["prefix"] = prefix
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["metric"]).choices = [("", "— none: type the current value —"), *metrics]
        for name in ("baseline", "target", "current", "percent"):
            self.fields[name].widget.attrs.update({"step": "any", "inputmode": "decimal"})

    def arguments(self) -> dict[str, Any]:
        """Service arguments for the chosen kind (the other kind's inputs are ignored)."""
        data = self.cleaned_data
        values: dict[str, Any] = {"title": data["title"], "kind": data["kind"], "weight": data["weight"]}
        if data["kind"] == KeyResultKind.MANUAL:
            values["percent"] = data.get("percent")
            return values
        values.update(
            direction=data.get("direction") or Direction.UP,
            baseline=data.get("baseline"),
            target=data.get("target"),
            unit=data.get("unit") or "",
            metric_id=data.get("metric"),
            metric_period=data.get("metric_period") or Period.MONTH,
        )
        if data.get("metric") is None:
            values["current"] = data.get("current")
        return values


class GoalFilterForm(forms.Form):
    product = forms.ChoiceField(required=False, label="Level")
    status = forms.ChoiceField(required=False, choices=[("", "Any status"), *GoalStatus.choices])

    def __init__(self, *args: Any, products: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["product"]).choices = [
            ("", "All goals"),
            ("company", "Company goals"),
            *[(str(pk), name) for pk, name in products],
        ]
