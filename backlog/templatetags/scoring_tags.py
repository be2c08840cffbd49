"""Template filters of the scorecard pages: scores and shares as a PM reads them."""

from __future__ import annotations

from django import template

from ..explain import number

register = template.Library()


@register.filter
def score(value: float | None) -> str:
    """A score with at most one decimal ("72.5"), "—" when empty."""
    return "—" if value is None else number(value, places=1)


@register.filter
def percent(value: float | None, places: int = 1) -> str:
    """A 0–1 share as a percentage ("37.5%")."""
    return "—" if value is None else f"{number(100 * value, places=int(places))}%"


@register.filter
def hundredths(value: float | None) -> str:
    """A 0–1 share as a plain number of hundredths ("37.5"), for a <progress max="100">."""
    return "0" if value is None else f"{100 * value:.1f}"
