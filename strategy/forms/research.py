"""Persona and competitor forms (the services validate again; these give errors beside fields)."""

from __future__ import annotations

from django import forms

from pmtool.pages import VersionField

from ..models import TEXT_MAX, ThreatLevel
from ..services.research import NAME_MAX, QUOTE_MAX, ROLE_MAX, WEBSITE_MAX
from .vision import MARKDOWN_HELP


def _markdown(label: str, help_text: str, rows: int = 4) -> forms.CharField:
    return forms.CharField(
        label=label,
        max_length=TEXT_MAX,
        required=False,
        strip=False,
        help_text=f"{help_text} {MARKDOWN_HELP}",
        widget=forms.Textarea(attrs={"rows": rows}),
    )


class PersonaForm(forms.Form):
    """A new persona (an edit: PersonaEditForm)."""

    name = forms.CharField(
        max_length=NAME_MAX,
        widget=forms.TextInput(attrs={"autofocus": True}),
        help_text="A memorable first name, e.g. “Olivia, the operations lead”.",
    )
    role = forms.CharField(max_length=ROLE_MAX, required=False, help_text="Job title or situation.")
    goals = _markdown("Goals", "What they want to achieve.")
    pains = _markdown("Pains", "What gets in their way today.")
    quote = forms.CharField(
        max_length=QUOTE_MAX,
        required=False,
        help_text="Something they would say, in their words.",
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class PersonaEditForm(PersonaForm):
    """A persona's edit, with the version it was read at (hidden, required)."""

    version = VersionField(min_value=1)


class CompetitorForm(forms.Form):
    """A new competitor (an edit: CompetitorEditForm)."""

    name = forms.CharField(max_length=NAME_MAX, widget=forms.TextInput(attrs={"autofocus": True}))
    website = forms.CharField(
        max_length=WEBSITE_MAX,
        required=False,
        help_text="Their home page, e.g. https://example.com.",
        widget=forms.TextInput(attrs={"inputmode": "url", "autocomplete": "off", "spellcheck": "false"}),
    )
    threat_level = forms.ChoiceField(choices=ThreatLevel.choices, initial=ThreatLevel.MEDIUM, label="Threat level")
    positioning = _markdown("Positioning", "Who they sell to and how they describe themselves.", rows=3)
    strengths = _markdown("Strengths", "Where they beat you.")
    weaknesses = _markdown("Weaknesses", "Where they fall short.")
    pricing_notes = _markdown("Pricing", "Plans, prices, discounts.", rows=3)

    def clean_website(self) -> str:
        """A bare “example.com” gets https:// (the service accepts http and https addresses only)."""
        value = self.cleaned_data["website"].strip()
        if value and "://" not in value and not value.lower().startswith(("javascript:", "mailto:", "data:")):
            value = f"https://{value}"
        return value


class CompetitorEditForm(CompetitorForm):
    """A competitor's edit, with the version it was read at (hidden, required)."""

    version = VersionField(min_value=1)
