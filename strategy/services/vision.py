"""Writes of a product's vision: one service, `vision_update`, which creates the vision on its
first real change and keeps a full revision of every later one.

Versions: a product without a vision is at version 0 ("send version 0 to create"); the first
save makes version 1 and revision 1, and each later save that changes something bumps both.
A save that changes nothing writes nothing (no version, no revision, no activity event).
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils import timezone

from pmtool.activity import Actor, activity_record, apply_changes
from pmtool.errors import ValidationError
from pmtool.models import Product
from pmtool.services import _no_nul, stale_version

from ..models import TEXT_MAX, VISION_FIELDS, Vision, VisionRevision


def valid_text(value: Any, *, field: str) -> str:
    """`value` if it is text PostgreSQL can store (no NUL, no lone surrogate), with Unix line ends."""
    if not isinstance(value, str):
        raise ValidationError(f"The {field} must be text.", fields={field: ["Must be text."]})
    value = _no_nul(value.replace("\r\n", "\n").replace("\r", "\n"), field)
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise ValidationError(
            f"The {field} is not valid text.", fields={field: ["Contains characters that are not valid Unicode text."]}
        ) from None
    return value


def clean_markdown(value: Any, *, field: str, max_length: int = TEXT_MAX) -> str:
    """A Markdown (or plain) text as stored: valid text, no surrounding blank lines or trailing
    spaces, at most `max_length` characters.

    Leading spaces of the first line are kept (they can make a Markdown code block)."""
    value = valid_text(value, field=field).rstrip().lstrip("\n")
    if len(value) > max_length:
        raise ValidationError(
            f"The {field} is too long.",
            fields={field: [f"Ensure this field has no more than {max_length} characters."]},
        )
    return value


@transaction.atomic
def vision_update(
    *,
    actor: Actor,
    product: Product,
    version: int | None,
    precondition: bool = False,
    **fields: Any,
) -> Vision:
    """Change (or first write) the vision of `product`; `fields` are any of VISION_FIELDS.

    `version` is the version the caller edited: 0 when the product has no vision yet. A stale one
    raises Conflict (409), or PreconditionFailed (412) when it came from an If-Match header
    (`precondition`); None skips the check. Returns the vision: saved, or (nothing to save on a
    product without a vision) unsaved at version 0."""
    unknown = sorted(set(fields) - set(VISION_FIELDS))
    if unknown:
        raise ValidationError(
            f"Unknown vision field: {', '.join(unknown)}.", fields={name: ["Unknown field."] for name in unknown}
        )
    values = {name: clean_markdown(value, field=name) for name, value in fields.items() if value is not None}

    vision = Vision.objects.select_for_update().filter(product_id=product.pk).first()
    if vision is None:
        # The first write: lock the product row so two first writes cannot both create a vision.
        list(Product.objects.select_for_update().filter(pk=product.pk).values_list("pk", flat=True))
        vision = Vision.objects.select_for_update().filter(product_id=product.pk).first()
    current = vision.version if vision is not None else 0
    if version is not None and version != current:
        raise stale_version("vision", version, current, precondition=precondition)

    created = vision is None
    if vision is None:
        vision = Vision(product=product, version=0)
    changes = apply_changes(vision, values)
    if not changes:
        return vision

    vision.version = current + 1
    vision.updated_at = timezone.now()
    vision.updated_by = actor.user
    if created:
        vision.save()
    else:
        vision.save(update_fields=[*changes, "version", "updated_at", "updated_by"])
    VisionRevision.objects.create(
        vision=vision,
        number=vision.version,
        author=actor.user,
        author_label=actor.label[:160],
        created_at=vision.updated_at,
        **{name: getattr(vision, name) for name in VISION_FIELDS},
    )
    activity_record(
        actor=actor,
        workspace=product.workspace_id,
        product=product.pk,
        target=vision,
        action="created" if created else "updated",
        changes=changes,
    )
    return vision
