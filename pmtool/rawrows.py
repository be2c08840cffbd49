"""Model instances read by one hand-written statement, for the few hot paths where building the
ORM query costs more than running it (the API token lookup, product access by id: both run on
every API request).

`select_list(model, alias)` gives a model's concrete fields and the matching SELECT list;
`split_row(row, *models)` turns one result row into those models' instances, in order, and
returns the values left over (e.g. a role selected after them)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.db import connection, models


def _fields(model: type[models.Model]) -> list[Any]:
    return list(model._meta.concrete_fields)


def select_list(model: type[models.Model], alias: str) -> str:
    """`alias."column", …` for every concrete field of `model`, in field order."""
    return ", ".join(f'{alias}."{f.column}"' for f in _fields(model))


def split_row(row: Sequence[Any], *parts: type[models.Model]) -> tuple[list[models.Model], list[Any]]:
    """The instances of `parts` read from consecutive slices of `row` (as Model.from_db would load
    them), and the values after them."""
    found: list[models.Model] = []
    start = 0
    for model in parts:
        names = [f.attname for f in _fields(model)]
        found.append(model.from_db(connection.alias, names, row[start : start + len(names)]))
        start += len(names)
    return found, list(row[start:])
