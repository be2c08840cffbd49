from __future__ import annotations

from collections.abc import Sequence
from typing import Any, cast

from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.contrib.auth.password_validation import password_validators_help_text_html
from django.http import QueryDict

from .errors import ApplicationError
from .models import LifecycleStage, Role, TokenScope


def add_service_error(form: forms.Form, exc: ApplicationError) -> None:
    """Show a service's error beside the fields it names, or above the form."""
    placed = False
    for field, messages in exc.fields.items():
        if field in form.fields:
            for message in messages:
                form.add_error(field, message)
            placed = True
    if not placed or not exc.fields:
        form.add_error(None, exc.message)


SLUG_INVALID = "Not a valid address: use only letters, numbers and hyphens, e.g. “mobile-app”."


class EmailAuthenticationForm(AuthenticationForm):
    username = forms.EmailField(
        label="E-mail", max_length=254, widget=forms.EmailInput(attrs={"autofocus": True, "autocomplete": "email"})
    )
    error_messages = {
        **AuthenticationForm.error_messages,
        "invalid_login": "That e-mail and password do not match an account. Passwords are case-sensitive.",
    }

    def clean_username(self) -> str:
        return self.cleaned_data["username"].strip().lower()


class WorkspaceForm(forms.Form):
    name = forms.CharField(max_length=120, widget=forms.TextInput(attrs={"autofocus": True}))
    slug = forms.SlugField(
        max_length=60,
        required=False,
        label="Address",
        help_text="Used in links: lowercase letters, numbers, hyphens. Leave blank to derive it from the name.",
        error_messages={"invalid": SLUG_INVALID},
    )


class WorkspaceRenameForm(forms.Form):
    name = forms.CharField(max_length=120)


class ProductForm(forms.Form):
    name = forms.CharField(max_length=120, widget=forms.TextInput(attrs={"autofocus": True}))
    slug = forms.SlugField(
        max_length=60,
        required=False,
        label="Address",
        help_text="Lowercase letters, numbers, hyphens. Leave blank to derive it from the name.",
        error_messages={"invalid": SLUG_INVALID},
    )
    stage = forms.ChoiceField(label="Lifecycle stage", choices=LifecycleStage.choices, initial=LifecycleStage.IDEA)
    description = forms.CharField(
        max_length=5000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text="What it is and who it is for. At most 5000 characters.",
    )


class InviteForm(forms.Form):
    email = forms.EmailField(max_length=254, label="E-mail", widget=forms.EmailInput(attrs={"autocomplete": "off"}))
    role = forms.ChoiceField(choices=Role.choices, initial=Role.EDITOR)


class RoleForm(forms.Form):
    role = forms.ChoiceField(choices=Role.choices)


class TokenForm(forms.Form):
    EXPIRY_CHOICES = [("", "Never"), ("30", "In 30 days"), ("90", "In 90 days"), ("365", "In a year")]
    name = forms.CharField(max_length=80, help_text="What uses it, e.g. 'Jira sync'.")
    scope = forms.ChoiceField(choices=TokenScope.choices, initial=TokenScope.WRITE)
    expires_in = forms.ChoiceField(choices=EXPIRY_CHOICES, required=False, label="Expires")


class AcceptInvitationForm(forms.Form):
    name = forms.CharField(
        max_length=120, label="Your name", widget=forms.TextInput(attrs={"autocomplete": "name", "autofocus": True})
    )
    password1 = forms.CharField(
        label="Password",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=password_validators_help_text_html(),
    )
    password2 = forms.CharField(
        label="Password again", strip=False, widget=forms.PasswordInput(attrs={"autocomplete": "new-password"})
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("password1") and data.get("password2") and data["password1"] != data["password2"]:
            self.add_error("password2", "The two passwords differ.")
        return data


class ActivityFilterForm(forms.Form):
    """The activity page's filters. `from`/`to` (as the labels read) are accepted for `since`/`until`;
    a parameter the page does not know is an error that names it, never silently dropped."""

    ALIASES = {"from": "since", "to": "until"}
    OTHER_PARAMETERS = {"page"}

    actor = forms.TypedChoiceField(
        required=False,
        coerce=int,
        empty_value=None,
        label="Who",
        error_messages={"invalid_choice": "Choose someone from the list: %(value)s is not a member here."},
    )
    action = forms.ChoiceField(
        required=False,
        label="Action",
        error_messages={"invalid_choice": "“%(value)s” is not an action the log records."},
    )
    kind = forms.ChoiceField(
        required=False,
        label="Object",
        error_messages={"invalid_choice": "No activity on objects of kind “%(value)s” here."},
    )
    product = forms.TypedChoiceField(
        required=False,
        coerce=int,
        empty_value=None,
        label="Product",
        error_messages={"invalid_choice": "Choose a product from the list: %(value)s is not one of this workspace."},
    )
    since = forms.DateField(
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        label="From",
        error_messages={"invalid": "“From” is not a date: use the form 2026-01-31."},
    )
    until = forms.DateField(
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        label="To",
        error_messages={"invalid": "“To” is not a date: use the form 2026-01-31."},
    )

    def __init__(
        self,
        data: QueryDict | None = None,
        *,
        actors: Sequence[tuple[object, str]],
        products: Sequence[tuple[object, str]],
        actions: Sequence[str],
        kinds: Sequence[tuple[str, str]],
        **kwargs: Any,
    ) -> None:
        self.unknown: list[str] = []
        if data is not None:
            data = data.copy()
            for alias, name in self.ALIASES.items():
                if alias in data:
                    values = data.pop(alias)
                    if name not in data:
                        data.setlist(name, values)
        super().__init__(data, **kwargs)
        self._choices("actor", [("", "Anyone"), *actors])
        self._choices("product", [("", "Any"), *products])
        self._choices("action", [("", "Any"), *[(a, a.replace("_", " ")) for a in actions]])
        self._choices("kind", [("", "Any"), *kinds])
        if data is not None:
            self.unknown = sorted(k for k in data if k not in self.fields and k not in self.OTHER_PARAMETERS)

    def _choices(self, name: str, choices: list[tuple[object, str]]) -> None:
        cast(forms.ChoiceField, self.fields[name]).choices = choices  # declared above as choice fields

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if self.unknown:
            names = ", ".join(f"“{name[:40]}”" for name in self.unknown[:5])
            self.add_error(
                None,
                f"Unknown filter {names}: this page filters by who, action, object, product, from and to.",
            )
        since, until = data.get("since"), data.get("until")
        if since and until and since > until:
            self.add_error("until", "“To” is before “From”: nothing can match.")
        return data
