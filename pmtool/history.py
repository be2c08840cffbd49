"""How the activity log reads to people: labels instead of stored values, bursts grouped, long entries short.

The log itself (`pmtool.activity`, the `ActivityEvent` rows, the API) keeps the raw values: they are
right for integrations. This module only shapes a list of events for a page, in Python, on rows already
fetched (no query: content types are cached, actors come with `select_related`):

- a value is shown through the target model's field: a choice by its label, a date or time formatted,
  a colour as a swatch, a number without a trailing ".0";
- fields that are internal (not editable, or declared with `hide_in_history`, e.g. a goal's
  `status_source` or its computed progress) are not shown;
- a creation shows its values folded (the head names the object), an edit its first few changes;
- consecutive events by one actor on one object within a few minutes become one entry
  ("edited 3 times") with the changes merged (first old value → last new value).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.formats import date_format

from .models import ActivityEvent

BURST_GAP = dt.timedelta(minutes=5)  # at most this long between two events of one burst
BURST_SPAN = dt.timedelta(minutes=15)  # and the whole burst within this
VISIBLE_CHANGES = 3  # an entry with more changes than VISIBLE_CHANGES + 1 folds the rest away
TEXT_LIMIT = 120

_COLOUR = re.compile(r"#[0-9a-fA-F]{6}")
_hidden: dict[type[models.Model], set[str]] = {}


def hide_in_history(model: type[models.Model], *fields: str) -> None:
    """Declare fields of `model` that are internal (derived, computed): their changes are not shown.
    Apps call it from their AppConfig.ready()."""
    _hidden.setdefault(model, set()).update(fields)


@dataclass(frozen=True)
class ShownValue:
    text: str
    colour: str | None = None  # "#rrggbb": drawn as a swatch beside (or instead of) the text


@dataclass(frozen=True)
class ShownChange:
    field: str
    label: str
    old: ShownValue | None
    new: ShownValue | None


@dataclass
class Entry:
    """One line of history: an event, or a burst of events merged (`event` is the newest of them)."""

    event: ActivityEvent
    events: list[ActivityEvent]
    changes: list[ShownChange] = field(default_factory=list)

    @property
    def count(self) -> int:
        return len(self.events)

    @property
    def started_at(self) -> dt.datetime:
        return self.events[-1].created_at

    @property
    def action_text(self) -> str:
        if self.count == 1:
            return self.event.action.replace("_", " ")
        edits = sum(1 for e in self.events if e.action == "updated")
        if self.events[-1].action == "created":
            return "created, then edited" + (" once" if edits == 1 else f" {edits} times")
        return f"edited {edits} times"

    @property
    def is_creation(self) -> bool:
        return self.events[-1].action == "created"

    @property
    def visible_changes(self) -> list[ShownChange]:
        """What the entry shows open: nothing for a creation (its head names the object; the values it
        was created with are one click away), else the first few changes (all of them when few)."""
        if self.is_creation:
            return []
        return self.changes if len(self.changes) <= VISIBLE_CHANGES + 1 else self.changes[:VISIBLE_CHANGES]

    @property
    def folded_changes(self) -> list[ShownChange]:
        return self.changes[len(self.visible_changes) :]

    @property
    def folded_label(self) -> str:
        n = len(self.folded_changes)
        if self.is_creation:
            return f"{n} field{'' if n == 1 else 's'} set"
        return f"{n} more change{'' if n == 1 else 's'}"


# --- values --------------------------------------------------------------------------


def _model_field(model: type[models.Model] | None, name: str) -> models.Field | None:
    if model is None:
        return None
    try:
        found = model._meta.get_field(name)
    except FieldDoesNotExist:  # changes may name things that are not fields ("count", "source")
        return None
    return found if isinstance(found, models.Field) else None


def is_hidden(model: type[models.Model] | None, name: str) -> bool:
    if model is None:
        return False
    if name in _hidden.get(model, ()):
        return True
    model_field = _model_field(model, name)
    return model_field is not None and not model_field.editable


def _number(value: float | int) -> str:
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        return f"{int(value):,}"
    return f"{value:,}" if isinstance(value, int) else f"{value:,.6g}"


def _datetime_text(value: str) -> str | None:
    parsed = parse_datetime(value) if len(value) >= 19 and value[10:11] == "T" else None
    if parsed is None:
        return None
    if timezone.is_aware(parsed):
        parsed = timezone.localtime(parsed)
    return date_format(parsed, "M j, Y H:i")


def shown_value(model_field: models.Field | None, value: Any) -> ShownValue | None:
    """A stored change value as people read it; None when there is nothing (None, "" or [])."""
    if value is None or value == "" or value == []:
        return None
    if isinstance(value, list):
        parts = [shown_value(model_field, v) for v in value]
        return ShownValue(", ".join(p.text for p in parts if p is not None))
    if model_field is not None and model_field.choices:
        labels = {str(k): str(v) for k, v in model_field.flatchoices}
        if str(value) in labels:
            return ShownValue(labels[str(value)])
    if isinstance(value, bool):
        return ShownValue("yes" if value else "no")
    if isinstance(value, int | float):
        return ShownValue(_number(value))
    text = str(value)
    if _COLOUR.fullmatch(text):
        return ShownValue(text.lower(), colour=text.lower())
    if isinstance(model_field, models.DateField) and not isinstance(model_field, models.DateTimeField):
        day = parse_date(text) if len(text) == 10 else None
        if day is not None:
            return ShownValue(date_format(day, "M j, Y"))
    moment = _datetime_text(text)
    if moment is not None:
        return ShownValue(moment)
    return ShownValue(text if len(text) <= TEXT_LIMIT else text[: TEXT_LIMIT - 1].rstrip() + "…")


def _label(model_field: models.Field | None, name: str) -> str:
    if model_field is not None and model_field.verbose_name:
        label = str(model_field.verbose_name)
    else:
        label = name.replace("_", " ")
    return label[:1].upper() + label[1:]


def shown_changes(model: type[models.Model] | None, changes: dict[str, Any]) -> list[ShownChange]:
    shown = []
    for name, change in changes.items():
        if is_hidden(model, name) or not isinstance(change, dict):
            continue
        model_field = _model_field(model, name)
        old = shown_value(model_field, change.get("from"))
        new = shown_value(model_field, change.get("to"))
        if old is None and new is None:
            continue
        shown.append(ShownChange(field=name, label=_label(model_field, name), old=old, new=new))
    return shown


# --- bursts --------------------------------------------------------------------------


def _actor_key(event: ActivityEvent) -> tuple[Any, ...]:
    return (event.actor_user_id, event.actor_token_id, event.actor_label)


def _joins(burst: list[ActivityEvent], older: ActivityEvent) -> bool:
    """Whether `older` (the next event down a newest-first list) belongs to `burst`."""
    newest, oldest = burst[0], burst[-1]
    if oldest.action != "updated" or older.action not in ("updated", "created"):
        return False
    return (
        _actor_key(older) == _actor_key(newest)
        and (older.target_type_id, older.target_id) == (newest.target_type_id, newest.target_id)
        and oldest.created_at - older.created_at <= BURST_GAP
        and newest.created_at - older.created_at <= BURST_SPAN
    )


def _merged(events: list[ActivityEvent]) -> dict[str, dict[str, Any]]:
    """The changes of a burst (newest first) as one: each field's first old value and last new value."""
    merged: dict[str, dict[str, Any]] = {}
    for event in reversed(events):
        for name, change in (event.changes or {}).items():
            if not isinstance(change, dict):
                continue
            if name in merged:
                merged[name]["to"] = change.get("to")
            else:
                merged[name] = {"from": change.get("from"), "to": change.get("to")}
    return {k: v for k, v in merged.items() if v["from"] != v["to"]}


def entries(events: Iterable[ActivityEvent]) -> list[Entry]:
    """Events (newest first) as entries, bursts merged."""
    bursts: list[list[ActivityEvent]] = []
    for event in events:
        if bursts and _joins(bursts[-1], event):
            bursts[-1].append(event)
        else:
            bursts.append([event])
    shown = []
    for burst in bursts:
        model = burst[0].target_type.model_class()
        changes = (burst[0].changes or {}) if len(burst) == 1 else _merged(burst)
        shown.append(Entry(event=burst[0], events=burst, changes=shown_changes(model, changes)))
    return shown
