import datetime as dt
from collections.abc import Iterable
from typing import Any

from django import template
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.formats import date_format
from django.utils.timesince import timesince

from pmtool.markdown import render_markdown
from pmtool.models import ActivityEvent

register = template.Library()


@register.filter
def words(value: str) -> str:
    """'member_added' → 'member added'."""
    return str(value).replace("_", " ")


@register.filter
def ago(value: dt.datetime | None) -> str:
    """'just now', '5 minutes ago', '3 days ago' (one unit: a list reads faster)."""
    if not value:
        return ""
    if timezone.now() - value < dt.timedelta(minutes=1):
        return "just now"
    return f"{timesince(value, depth=1)} ago"


@register.filter
def change_value(value: object) -> object:
    """A value from an activity event's changes, readable: ISO timestamps become dates."""
    if isinstance(value, str) and len(value) >= 19 and value[4:5] == "-" and value[10:11] == "T":
        parsed = parse_datetime(value)
        if parsed is not None:
            if timezone.is_aware(parsed):
                parsed = timezone.localtime(parsed)
            return date_format(parsed, "M j, Y H:i")
    return value


@register.filter(name="markdown")
def markdown_filter(value: str | None) -> str:
    """{{ text|markdown }}: Markdown rendered and sanitised (pmtool.markdown)."""
    return render_markdown(value)


@register.simple_tag
def history_entries(events: Iterable[ActivityEvent] | None, limit: int | None = None) -> list[Any]:
    """{% history_entries events [limit] as entries %}: a newest-first list of events as readable
    entries (labels, bursts by one person on one object merged; see pmtool.history), the first `limit`."""
    from pmtool.history import entries

    shown = entries(events or [])
    return shown[:limit] if limit else shown
