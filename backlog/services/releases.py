"""Writes of releases: a product's named ship dates (planned / in progress / released).

Keyword-only arguments, one transaction each, an activity event per change. Dates: either may be
empty (a release often has only its release date), both within pmtool.timeframes' bounds, the
release date on or after the start date. Names are unique per product without regard to case."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.utils import timezone

from pmtool.activity import Actor, record_activity
from pmtool.cleaning import clean_choice, clean_name, clean_text
from pmtool.errors import ValidationError
from pmtool.models import Product
from pmtool.timeframes import clean_date_range
from pmtool.versioning import UNSET, Maybe, delete_versioned, given, lock_version, save_changes
from strategy.services.planning import created_changes

from ..models import NAME_MAX, TEXT_MAX, Release, ReleaseStatus


def _dates(start: dt.date | None, release: dt.date | None) -> tuple[dt.date | None, dt.date | None]:
    return clean_date_range(start, release, start_field="start_date", end_field="release_date", open_ended=True)


def _unique_name(product_id: int, name: str, *, exclude_id: int | None = None) -> str:
    taken = Release.objects.filter(product_id=product_id, name__iexact=name)
    if exclude_id is not None:
        taken = taken.exclude(pk=exclude_id)
    if taken.exists():
        raise ValidationError(
            "A release with this name exists.", fields={"name": [f"This product already has a release “{name}”."]}
        )
    return name


@transaction.atomic
def release_create(
    *,
    actor: Actor,
    product: Product,
    name: str,
    description: str = "",
    status: str = ReleaseStatus.PLANNED,
    start_date: dt.date | None = None,
    release_date: dt.date | None = None,
) -> Release:
    """A new release of `product`."""
    name = _unique_name(product.pk, clean_name(name, max_length=NAME_MAX))
    description = clean_text(description, field="description", max_length=TEXT_MAX)
    status = clean_choice(status, ReleaseStatus, field="status", what="release status")
    start, release = _dates(start_date, release_date)
    now = timezone.now()
    created = Release.objects.create(
        product=product,
        name=name,
        description=description,
        status=status,
        start_date=start,
        release_date=release,
        created_by=actor.user,
        created_at=now,
        updated_at=now,
    )
    values = {"name": name, "description": description, "status": status, "start_date": start, "release_date": release}
    record_activity(actor, "created", created, created_changes(dict(values)))
    return created


@transaction.atomic
def release_update(
    *,
    actor: Actor,
    release_id: int,
    version: int,
    name: Maybe[str] = UNSET,
    description: Maybe[str] = UNSET,
    status: Maybe[str] = UNSET,
    start_date: Maybe[dt.date | None] = UNSET,
    release_date: Maybe[dt.date | None] = UNSET,
) -> Release:
    """Change a release (optimistic lock on `version`); dates left out keep their values."""
    locked = lock_version(Release.objects.select_related("product"), release_id, version, what="release")
    values: dict[str, Any] = {}
    if given(name):
        values["name"] = _unique_name(locked.product_id, clean_name(name, max_length=NAME_MAX), exclude_id=locked.pk)
    if given(description):
        values["description"] = clean_text(description, field="description", max_length=TEXT_MAX)
    if given(status):
        values["status"] = clean_choice(status, ReleaseStatus, field="status", what="release status")
    if given(start_date) or given(release_date):
        values["start_date"], values["release_date"] = _dates(
            start_date if given(start_date) else locked.start_date,
            release_date if given(release_date) else locked.release_date,
        )
    changes = save_changes(locked, values)
    if changes:
        record_activity(actor, "updated", locked, changes)
    return locked


@transaction.atomic
def release_delete(*, actor: Actor, release_id: int, version: int) -> None:
    """Delete a release (the version the user read is required); its features keep existing, with
    no release."""

    def record(locked: Release) -> None:
        record_activity(actor, "deleted", locked, {"name": {"from": locked.name, "to": None}})

    delete_versioned(Release.objects.select_related("product"), release_id, version, what="release", before=record)
