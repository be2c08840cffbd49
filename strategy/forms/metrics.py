"""Forms of the metrics pages. They check shape only; the services own the rules (unique names,
finite values, time zones), and their errors are placed beside these fields (add_service_error)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms

from pmtool.pages import VersionField
from pmtool.timeframes import DATE_MAX, DATE_MIN

from ..models import TEXT_MAX, Aggregation, Direction, Period
from ..services.metrics import DATE_RANGE_ERROR, VALUE_MAX

NOT_A_DATE = "Not a date: use YYYY-MM-DD, e.g. 2025-03-01."


def _bounded(day: dt.date | None) -> None:
    """Dates of a range or a chart stay within DATE_MIN..DATE_MAX (their arithmetic cannot overflow)."""
    if day is not None and not DATE_MIN <= day <= DATE_MAX:
        raise forms.ValidationError(DATE_RANGE_ERROR, code="out_of_range")


def _end_not_before_start(form: forms.Form, data: dict[str, Any] | None) -> dict[str, Any]:
    """A range's `end` may not come before its `start` (the error is placed beside `end`)."""
    data = data or {}
    if data.get("start") and data.get("end") and data["end"] < data["start"]:
        form.add_error("end", "Must not be before “From”.")
    return data


AGGREGATION_HELP = (
    "How the samples of one day, week or month combine: the sum (sign-ups), the average (response time), "
    "the last value (active users, revenue run-rate) or the number of samples."
)


class MetricForm(forms.Form):
    product = forms.ChoiceField(label="Product")
    name = forms.CharField(max_length=120, widget=forms.TextInput(attrs={"autofocus": True}))
    unit = forms.CharField(
        max_length=40, required=False, help_text="Shown after values, e.g. “users”, “ms”, “€” or “%”."
    )
    direction = forms.ChoiceField(
        label="Better when", choices=Direction.choices, initial=Direction.UP, widget=forms.RadioSelect
    )
    aggregation = forms.ChoiceField(choices=Aggregation.choices, initial=Aggregation.SUM, help_text=AGGREGATION_HELP)
    description = forms.CharField(
        max_length=TEXT_MAX,
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="What it measures and where the numbers come from. Markdown.",
    )
    version = VersionField()

    def __init__(self, *args: Any, products: list[tuple[str, str]] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if products is None:  # editing: the product is fixed, the version the user read is required
            del self.fields["product"]
        else:  # creating: there is no version yet
            del self.fields["version"]
            product: forms.ChoiceField = self.fields["product"]  # type: ignore[assignment]
            product.choices = products


class SampleForm(forms.Form):
    date = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}))
    time = forms.TimeField(label="Time (UTC)", required=False, widget=forms.TimeInput(attrs={"type": "time"}))
    value = forms.FloatField(
        min_value=-VALUE_MAX,
        max_value=VALUE_MAX,
        widget=forms.NumberInput(attrs={"step": "any", "inputmode": "decimal"}),
        error_messages={
            "max_value": "Out of range: values go from −10^15 to 10^15.",
            "min_value": "Out of range: values go from −10^15 to 10^15.",
        },
    )

    def timestamp(self) -> dt.datetime:
        """The sample's instant, in UTC."""
        return dt.datetime.combine(self.cleaned_data["date"], self.cleaned_data.get("time") or dt.time(), tzinfo=dt.UTC)


class UploadForm(forms.Form):
    file = forms.FileField(
        label="CSV file",
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,text/csv"}),
        help_text="A header row <code>ts,value</code>, then one sample per row, e.g. "
        "<code>2025-03-01,42</code> or <code>2025-03-01T09:30:00Z,42</code>. "
        "Up to 10,000 rows and 2 MB; comma or semicolon separated.",
    )


class RangeForm(forms.Form):
    start = forms.DateField(label="From", validators=[_bounded], widget=forms.DateInput(attrs={"type": "date"}))
    end = forms.DateField(label="To (inclusive)", validators=[_bounded], widget=forms.DateInput(attrs={"type": "date"}))

    def clean(self) -> dict[str, Any]:
        return _end_not_before_start(self, super().clean())


def _chart_date(label: str) -> forms.DateField:
    """An optional date of the chart's range, within DATE_MIN..DATE_MAX."""
    return forms.DateField(
        label=label,
        required=False,
        validators=[_bounded],
        error_messages={"invalid": NOT_A_DATE},
        widget=forms.DateInput(attrs={"type": "date"}),
    )


class ChartRangeForm(forms.Form):
    """The chart's period and range on the metric page (all optional: defaults per period)."""

    period = forms.ChoiceField(
        choices=Period.choices,
        required=False,
        error_messages={"invalid_choice": f"Not a period: choose {', '.join(Period.values)}."},
    )
    start = _chart_date("From")
    end = _chart_date("To")

    def clean(self) -> dict[str, Any]:
        return _end_not_before_start(self, super().clean())
