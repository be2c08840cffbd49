"""Template filters of the metrics pages: values as the charts print them."""

from __future__ import annotations

from django import template

from ..charts import format_bucket, format_exact, format_number, format_value

register = template.Library()


@register.filter
def metric_value(value: float | None, unit: str = "") -> str:
    """{{ value|metric_value:metric.unit }} → "12.5k users", "99.2%"; "—" when there is none."""
    if value is None:
        return "—"
    return format_value(value, unit)


@register.filter
def metric_exact(value: float | None) -> str:
    """{{ sample.value|metric_exact }} → "1,234.5678" (the stored value, up to six decimals)."""
    return "—" if value is None else format_exact(value)


@register.filter
def metric_change(value: float | None) -> str:
    """A signed change: "+1.2k", "−3", "0"."""
    if value is None:
        return "—"
    text = format_number(value)
    return f"+{text}" if value > 0 else text


@register.filter
def metric_percent(value: float | None) -> str:
    """A signed percentage with one decimal: "+4.2%", "−17.0%"."""
    if value is None:
        return ""
    text = f"{abs(value):,.1f}%"
    return f"+{text}" if value > 0 else f"−{text}" if value < 0 else text


@register.filter
def metric_number(value: float | None) -> str:
    """The number alone (the template sets the unit apart): "12.5k"."""
    return "—" if value is None else format_number(value)


@register.filter
def bucket_label(day: object, period: str = "day") -> str:
    """{{ latest.bucket|bucket_label:period }} → "Mar 4, 2025" or "Mar 2025"."""
    return format_bucket(day, period) if day else ""  # type: ignore[arg-type]
