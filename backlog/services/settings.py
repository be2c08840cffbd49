"""A product's backlog settings: which prioritization frameworks its backlog shows.

Several frameworks may be shown, at least one, in the order given (duplicates dropped). The row
is created lazily by the first write; until then `backlog.selectors.plan.backlog_settings_for`
answers an unsaved default (all three frameworks, version 1), so a reader never writes and the
first writer sends version 1 like everyone else."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db import transaction
from django.utils import timezone

from pmtool.activity import Actor, record_activity
from pmtool.errors import ValidationError
from pmtool.models import Product
from pmtool.versioning import UNSET, Maybe, given, lock_version, save_changes

from ..models import BacklogSettings, Framework

DEFAULT_FRAMEWORKS: tuple[str, ...] = tuple(Framework.values)


def clean_frameworks(frameworks: Iterable[object]) -> list[str]:
    """Framework values, in the order given, duplicates dropped; at least one."""
    if isinstance(frameworks, str | bytes):
        frameworks = [frameworks]
    chosen: list[str] = []
    for value in frameworks:
        if not isinstance(value, str) or value not in Framework.values:
            raise ValidationError(
                "Unknown framework.", fields={"frameworks": [f"Choose from: {', '.join(Framework.values)}."]}
            )
        if value not in chosen:
            chosen.append(value)
    if not chosen:
        raise ValidationError(
            "Choose at least one framework.", fields={"frameworks": ["Show at least one prioritization framework."]}
        )
    return chosen


@transaction.atomic
def backlog_settings_update(
    *, actor: Actor, product: Product, version: int, frameworks: Maybe[Iterable[object]] = UNSET
) -> BacklogSettings:
    """Change a product's backlog settings (optimistic lock on `version`; a product without a row
    yet is at version 1 and gets its row here)."""
    values: dict[str, Any] = {}
    if given(frameworks):
        values["frameworks"] = clean_frameworks(frameworks)
    BacklogSettings.objects.get_or_create(
        product=product, defaults={"frameworks": list(DEFAULT_FRAMEWORKS), "updated_at": timezone.now()}
    )
    locked = lock_version(BacklogSettings.objects.all(), _pk_of(product), version, what="backlog settings")
    changes = save_changes(locked, values)
    if changes:
        record_activity(actor, "updated", product, {f"backlog {field}": change for field, change in changes.items()})
    return locked


def _pk_of(product: Product) -> int:
    pk: int = BacklogSettings.objects.filter(product=product).values_list("pk", flat=True).get()
    return pk
