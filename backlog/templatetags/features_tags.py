"""Template filters of the feature pages: scores and RICE inputs as a PM reads them."""

from __future__ import annotations

from decimal import Decimal

from django import template

register = template.Library()


@register.filter
def score(value: float | None, digits: int = 1) -> str:
    """A score with `digits` decimals (trailing zeros dropped: 12.0 → 12); "—" when empty."""
    if value is None:
        return "—"
    text = f"{value:,.{int(digits)}f}".replace(",", " ")
    return text.rstrip("0").rstrip(".") if "." in text else text


@register.filter
def amount(value: Decimal | int | None) -> str:
    """A RICE input as typed: 0.50 → 0.5, 4.00 → 4; "—" when empty."""
    if value is None:
        return "—"
    if isinstance(value, Decimal):
        return format(value.normalize(), "f")
    return str(value)
