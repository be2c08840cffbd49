"""What the goal and initiative services share: the time frame a write asks for (a quarter, or
start and end dates merged over the current ones), a product of the workspace, and how values
read in the history panel (a related object as its name, 100.0 as 100)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from pmtool.activity import json_safe
from pmtool.cleaning import NUMBER_LIMIT
from pmtool.errors import ValidationError
from pmtool.models import Product, User
from pmtool.timeframes import clean_date_range, quarter_dates
from pmtool.versioning import UNSET, Maybe, given

from ..models import Metric

Changes = dict[str, dict[str, Any]]


def label(obj: object) -> object:
    """How a related object reads in the history panel: a name rather than an id."""
    if obj is None:
        return None
    if isinstance(obj, User):
        return obj.display_name
    if isinstance(obj, Product | Metric):
        return obj.name
    return str(obj)


def shown(value: object) -> object:
    """A value as the history shows it: JSON-safe, and 100.0 as 100."""
    if isinstance(value, float) and value.is_integer() and abs(value) < NUMBER_LIMIT:
        return int(value)
    return json_safe(value)


def created_changes(values: dict[str, object]) -> Changes:
    """The change list of a created object: its non-empty values, from nothing."""
    return {k: {"from": None, "to": shown(v)} for k, v in values.items() if v not in (None, "", [])}


def product_in(workspace_id: int, product_id: int | None) -> Product | None:
    """The product `product_id` of the workspace (None for none); a 400 naming `product` otherwise."""
    if product_id is None:
        return None
    product = Product.objects.filter(workspace_id=workspace_id, pk=product_id).first()
    if product is None:
        raise ValidationError("Unknown product.", fields={"product": ["No such product in this workspace."]})
    return product


def time_frame(
    *,
    quarter: Maybe[str | None] = UNSET,
    start_date: Maybe[dt.date | None] = UNSET,
    end_date: Maybe[dt.date | None] = UNSET,
    current: tuple[dt.date | None, dt.date | None] = (None, None),
) -> tuple[dt.date | None, dt.date | None]:
    """The (start, end) a write asks for: a quarter, or dates merged over the `current` ones."""
    if given(quarter) and quarter:
        start, end = quarter_dates(quarter)
        for name, value, derived in (("start_date", start_date, start), ("end_date", end_date, end)):
            if given(value) and value is not None and value != derived:
                raise ValidationError(
                    "Give either a quarter or dates, not both.",
                    fields={name: [f"{quarter.strip().upper()} starts {start} and ends {end}."]},
                )
        return start, end
    return clean_date_range(
        start_date if given(start_date) else current[0],
        end_date if given(end_date) else current[1],
    )
