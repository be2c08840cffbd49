"""Forms of the backlog tools: save a view, change a saved view, a bulk change, the CSV upload."""

from __future__ import annotations

from typing import Any, cast

from django import forms

from pmtool.pages import VersionField
from pmtool.widgets import PlainSelect

from ..models import NAME_MAX, MoSCoW
from ..services.bulk import MAX_MATCHING
from ..services.csv_import import MAX_BYTES


class SavedViewForm(forms.Form):
    """ "Save this view": a name, shared or not; the query comes from the page's parameters."""

    name = forms.CharField(max_length=NAME_MAX, label="Name")
    shared = forms.BooleanField(required=False, label="Share with the workspace")
    query = forms.CharField(required=False, widget=forms.HiddenInput, max_length=4000)  # the page's query string


class SavedViewEditForm(forms.Form):
    name = forms.CharField(max_length=NAME_MAX, label="Name")
    shared = forms.BooleanField(required=False, label="Shared with the workspace")
    version = VersionField()


NO_CHANGE = ""
CLEAR = "none"
SELECTED, MATCHING = "selected", "matching"


def _choice(label: str, options: list[tuple[str, str]], *, clearable: bool = True) -> forms.ChoiceField:
    head = [(NO_CHANGE, "— no change —")] + ([(CLEAR, "(clear)")] if clearable else [])
    return forms.ChoiceField(choices=head + options, required=False, label=label, widget=PlainSelect)


class BulkForm(forms.Form):
    """A bulk change of the selected rows (each `item` is "<id>:<version>")."""

    item = forms.Field(required=False, widget=forms.MultipleHiddenInput)  # "<id>:<version>"s, read in clean_item
    status = forms.ChoiceField(required=False)
    moscow = _choice("MoSCoW", list(MoSCoW.choices))
    owner = forms.ChoiceField(required=False)
    initiative = forms.ChoiceField(required=False)
    release = forms.ChoiceField(required=False)
    team = forms.ChoiceField(required=False)
    add_tags = forms.CharField(required=False, max_length=800, label="Add tags")
    remove_tags = forms.CharField(required=False, max_length=800, label="Remove tags")
    archive = forms.ChoiceField(
        choices=[(NO_CHANGE, "— no change —"), ("archive", "Archive"), ("restore", "Restore")],
        required=False,
        label="Archive",
        widget=PlainSelect,
    )
    next = forms.CharField(required=False, max_length=2000, widget=forms.HiddenInput)
    # "Every feature matching this view" (a checkbox in the bar); `expected` is the count the user
    # confirmed on the confirmation page.
    scope = forms.ChoiceField(choices=[(SELECTED, "The selected features"), (MATCHING, "Every matching feature")],
                              required=False, widget=forms.HiddenInput)  # fmt: skip
    expected = forms.IntegerField(required=False, min_value=1, max_value=MAX_MATCHING, widget=forms.HiddenInput)

    CHANGE_FIELDS = ("status", "moscow", "owner", "initiative", "release", "team", "add_tags", "remove_tags", "archive")

    def __init__(self, *args: Any, options: dict[str, list[tuple[str, str]]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["status"] = _choice("Status", options["status"], clearable=False)
        for name in ("owner", "initiative", "release", "team"):
            self.fields[name] = _choice(name.capitalize(), options[name])

    def clean_item(self) -> list[tuple[int, int]]:
        items = []
        for raw in self.data.getlist(self.add_prefix("item")) if hasattr(self.data, "getlist") else []:
            fid, _, version = str(raw).partition(":")
            if not (fid.isdigit() and version.isdigit() and len(fid) <= 18 and len(version) <= 18):
                raise forms.ValidationError("A selected row is not valid: reload the page.")
            items.append((int(fid), int(version)))
        if not items and not self.is_matching:
            raise forms.ValidationError("Select some features first.")
        return items

    @property
    def is_matching(self) -> bool:
        """The change is for every feature matching the view (not only the selected rows)."""
        return self.data.get(self.add_prefix("scope")) == MATCHING if hasattr(self.data, "get") else False

    def described(self) -> list[tuple[str, str]]:
        """The change in words, for the confirmation page: [(field label, what it becomes)]."""
        out: list[tuple[str, str]] = []
        for name in self.CHANGE_FIELDS:
            value = self.cleaned_data.get(name) or NO_CHANGE
            if value == NO_CHANGE:
                continue
            field = self.fields[name]
            if name == "archive":
                out.append(("Archive", "archived" if value == "archive" else "restored"))
            elif isinstance(field, forms.ChoiceField):
                options = cast("list[tuple[Any, Any]]", list(field.choices))  # type: ignore[arg-type]
                shown = {str(k): str(v) for k, v in options}.get(str(value), str(value))
                out.append((str(field.label), "cleared" if value == CLEAR else shown))
            else:
                out.append((str(field.label), str(value)))
        return out

    def change_data(self) -> list[tuple[str, str]]:
        """The submitted change as (name, value) pairs, to post again from the confirmation page."""
        return [(name, str(self.data.get(name))) for name in self.CHANGE_FIELDS if self.data.get(name)]

    def changes(self) -> dict[str, Any]:
        """The service's `changes` from the cleaned form."""
        data = self.cleaned_data
        out: dict[str, Any] = {}
        for name in ("status", "moscow", "owner", "initiative", "release", "team"):
            value = data.get(name) or NO_CHANGE
            if value == NO_CHANGE:
                continue
            if value == CLEAR:
                out[name] = "" if name == "moscow" else None
            else:
                out[name] = value if name == "moscow" else int(value)
        for name in ("add_tags", "remove_tags"):
            names = [t.strip() for t in (data.get(name) or "").split(",") if t.strip()]
            if names:
                out[name] = names
        if data.get("archive") == "archive":
            out["archive"] = True
        elif data.get("archive") == "restore":
            out["restore"] = True
        return out


class UploadForm(forms.Form):
    file = forms.FileField(
        label="CSV file", help_text="At most 5 MB and 10,000 rows; comma, semicolon or tab separated."
    )

    def clean_file(self) -> bytes:
        upload = self.cleaned_data["file"]
        if upload.size > MAX_BYTES:
            raise forms.ValidationError("The file is larger than 5 MB.")
        content: bytes = upload.read(MAX_BYTES + 1)
        return content
