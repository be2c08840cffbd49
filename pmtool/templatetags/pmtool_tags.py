import datetime as dt

from django import template
from django.utils import timezone
from django.utils.timesince import timesince

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
