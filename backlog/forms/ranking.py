"""The move form of the page endpoint (form-encoded, as the ranking script posts it)."""

from __future__ import annotations

from django import forms

from pmtool.api.serializers import MAX_ID

from ..services.ranking import ENDS


class MoveForm(forms.Form):
    after_id = forms.IntegerField(required=False, min_value=1, max_value=MAX_ID)
    before_id = forms.IntegerField(required=False, min_value=1, max_value=MAX_ID)
    to = forms.ChoiceField(required=False, choices=[("", "—"), *((end, end) for end in ENDS)])
