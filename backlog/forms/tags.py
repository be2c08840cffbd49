"""Forms of the tag pages: create / edit (name, colour, description), choosing the tag to merge into,
and the merge confirmation (the versions of both tags, as the user saw them)."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.core.validators import RegexValidator

from pmtool.pages import VersionField
from pmtool.permissions import BIGINT_LIMIT

from ..models import TAG_DESCRIPTION_MAX, TAG_MAX

COLOUR_HELP = "As #rrggbb, e.g. #4f46e5; leave it empty for the default look."


class TagForm(forms.Form):
    name = forms.CharField(max_length=TAG_MAX, widget=forms.TextInput(attrs={"autofocus": True}))
    colour = forms.CharField(
        max_length=7,
        required=False,
        help_text=COLOUR_HELP,
        # Shown with the other fields' errors; the service (pmtool.cleaning.clean_colour) decides.
        validators=[RegexValidator(r"^#[0-9a-fA-F]{6}\Z", "A colour as #rrggbb, e.g. #4f46e5.")],
        widget=forms.TextInput(attrs={"placeholder": "#4f46e5", "pattern": "#[0-9a-fA-F]{6}", "size": 8}),
    )
    description = forms.CharField(
        max_length=TAG_DESCRIPTION_MAX, required=False, help_text="Plain text: what the tag is for."
    )
    version = VersionField()


class TagMergeChoiceForm(forms.Form):
    """Step one of a merge (sent with GET): the tag to merge into."""

    into = forms.TypedChoiceField(coerce=int, label="Merge into", help_text="The tag that stays.")

    def __init__(self, *args: Any, targets: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["into"]).choices = [("", "— choose a tag —"), *targets]


class TagMergeForm(forms.Form):
    """Step two (POST): the confirmation, carrying both versions the user saw."""

    into = forms.IntegerField(min_value=1, max_value=BIGINT_LIMIT - 1, widget=forms.HiddenInput)
    into_version = VersionField()
    version = VersionField()
