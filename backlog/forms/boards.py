"""The MoSCoW board's move form (the no-JS path, and the body the board's JS posts)."""

from __future__ import annotations

from django import forms

from pmtool.pages import VersionField

from ..models import MoSCoW

COLUMN_CHOICES = [
    (MoSCoW.MUST.value, "Must"),
    (MoSCoW.SHOULD.value, "Should"),
    (MoSCoW.COULD.value, "Could"),
    (MoSCoW.WONT.value, "Won't (this time)"),
    ("", "Not yet sorted"),
]


class MoscowMoveForm(forms.Form):
    moscow = forms.ChoiceField(choices=COLUMN_CHOICES, required=False, label="Column")
    version = VersionField()
    next = forms.CharField(required=False, max_length=2000, widget=forms.HiddenInput)
