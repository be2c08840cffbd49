"""Forms of the plan pages: statuses, releases, teams and a product's backlog settings. Each edit form
maps itself to its services (pmtool.pages.ServiceForm): `initial_for(obj)` is the edit form's values
of an object, `arguments()` what the create and the update service both take."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.forms.models import model_to_dict

from pmtool.pages import ServiceForm, VersionField

from ..models import (
    CAPACITY_MAX,
    NAME_MAX,
    TEXT_MAX,
    BacklogSettings,
    FeatureStatus,
    Framework,
    Release,
    ReleaseStatus,
    StatusCategory,
    Team,
)

MARKDOWN_HELP = "Markdown: **bold**, _italic_, lists, links."


class StatusForm(ServiceForm):
    name = forms.CharField(max_length=NAME_MAX, widget=forms.TextInput(attrs={"autofocus": True}))
    category = forms.ChoiceField(
        choices=StatusCategory.choices,
        help_text="What the status means for progress and roadmaps: they read the category, never the name.",
    )
    colour = forms.CharField(max_length=7, initial="#64748b", widget=forms.TextInput(attrs={"type": "color"}))
    version = VersionField()

    FIELDS = ("name", "category", "colour")

    @classmethod
    def initial_for(cls, status: FeatureStatus) -> dict[str, Any]:
        return model_to_dict(status, fields=(*cls.FIELDS, "version"))

    def arguments(self) -> dict[str, Any]:
        """What status_create and status_update both take."""
        return {name: self.cleaned_data[name] for name in self.FIELDS}


class StatusMoveForm(forms.Form):
    direction = forms.ChoiceField(choices=[("up", "Up"), ("down", "Down")])
    version = VersionField()


class StatusDeleteForm(forms.Form):
    replacement = forms.TypedChoiceField(
        required=False,
        coerce=int,
        empty_value=None,
        label="Move its features to",
        help_text="Features that use this status move to the one you choose, in one step.",
    )
    version = VersionField()

    def __init__(self, *args: Any, replacements: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["replacement"]).choices = [("", "— choose a status —"), *replacements]


class ReleaseForm(ServiceForm):
    name = forms.CharField(max_length=NAME_MAX, widget=forms.TextInput(attrs={"autofocus": True}))
    status = forms.ChoiceField(choices=ReleaseStatus.choices, initial=ReleaseStatus.PLANNED)
    start_date = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}))
    release_date = forms.DateField(
        required=False, widget=forms.DateInput(attrs={"type": "date"}), help_text="On or after the start date."
    )
    description = forms.CharField(
        max_length=TEXT_MAX, required=False, widget=forms.Textarea(attrs={"rows": 4}), help_text=MARKDOWN_HELP
    )
    version = VersionField()

    FIELDS = ("name", "status", "start_date", "release_date", "description")

    @classmethod
    def initial_for(cls, release: Release) -> dict[str, Any]:
        return model_to_dict(release, fields=(*cls.FIELDS, "version"))

    def arguments(self) -> dict[str, Any]:
        """What release_create and release_update both take."""
        return {name: self.cleaned_data[name] for name in self.FIELDS}


class TeamForm(ServiceForm):
    name = forms.CharField(max_length=NAME_MAX, widget=forms.TextInput(attrs={"autofocus": True}))
    capacity = forms.DecimalField(
        required=False,
        min_value=0,
        max_value=CAPACITY_MAX,
        max_digits=7,
        decimal_places=2,
        help_text="Person-months per month (e.g. 4.5 for a team of five with some time elsewhere).",
    )
    members = forms.TypedMultipleChoiceField(
        required=False, coerce=int, widget=forms.CheckboxSelectMultiple, help_text="Members of this workspace."
    )
    description = forms.CharField(
        max_length=TEXT_MAX, required=False, widget=forms.Textarea(attrs={"rows": 4}), help_text=MARKDOWN_HELP
    )
    version = VersionField()

    def __init__(self, *args: Any, members: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["members"]).choices = members

    @classmethod
    def initial_for(cls, team: Team) -> dict[str, Any]:
        """The team's values, its members as ids (one query)."""
        members = list(team.members.values_list("pk", flat=True))
        return {**model_to_dict(team, fields=("name", "capacity", "description", "version")), "members": members}

    def arguments(self) -> dict[str, Any]:
        """What team_create and team_update both take."""
        data = self.cleaned_data
        texts = {"name": data["name"], "description": data["description"]}
        return {**texts, "capacity": data["capacity"], "member_ids": data["members"]}


class BacklogSettingsForm(ServiceForm):
    frameworks = forms.MultipleChoiceField(
        choices=Framework.choices,
        widget=forms.CheckboxSelectMultiple,
        label="Prioritization frameworks",
        help_text="The backlog shows the ones you tick (at least one).",
        error_messages={"required": "Choose at least one framework."},
    )
    version = VersionField()

    @classmethod
    def initial_for(cls, settings: BacklogSettings) -> dict[str, Any]:
        return {"frameworks": settings.frameworks, "version": settings.version}

    def arguments(self) -> dict[str, Any]:
        """What backlog_settings_update takes."""
        return {"frameworks": self.cleaned_data["frameworks"]}
