"""The vision form: five Markdown texts and the version they were edited from."""

from __future__ import annotations

from typing import Any

from django import forms

from pmtool.pages import VersionField

from ..models import TEXT_MAX
from ..selectors.vision import VISION_LABELS

MARKDOWN_HELP = "Markdown: **bold**, *italic*, lists with “- ”, [links](https://…)."

VISION_HELP = {
    "statement": "Where the product is going, in a sentence or two.",
    "target_customers": "Who it is for: segments, company sizes, roles.",
    "problem": "The problem they have today, and what it costs them.",
    "differentiation": "Why they would choose this over the alternatives.",
    "business_model": "How it makes money: pricing, packaging, channels.",
}


def _markdown(field: str, rows: int) -> forms.CharField:
    return forms.CharField(
        label=VISION_LABELS[field],
        max_length=TEXT_MAX,
        required=False,
        strip=False,
        help_text=VISION_HELP[field],
        widget=forms.Textarea(attrs={"rows": rows}),
    )


class VisionForm(forms.Form):
    statement = _markdown("statement", 3)
    target_customers = _markdown("target_customers", 4)
    problem = _markdown("problem", 4)
    differentiation = _markdown("differentiation", 4)
    business_model = _markdown("business_model", 4)
    version = VersionField()  # 0: the product has no vision yet


class CompareForm(forms.Form):
    """?a=&b= on the history page: two revision numbers (0 = before the first revision)."""

    a = forms.IntegerField(min_value=0, max_value=2**31 - 1, required=False, label="From revision")
    b = forms.IntegerField(min_value=0, max_value=2**31 - 1, required=False, label="To revision")

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not self.errors and (data.get("a") is None) != (data.get("b") is None):
            raise forms.ValidationError("Choose two revisions to compare.")
        return data
