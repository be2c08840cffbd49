"""Writes of a product's vision: one service, `vision_update`, which creates the vision on its
first real change and keeps a full revision of every later one.

Versions: a product without a vision is at version 0 ("send version 0 to create"); the first
save makes version 1 and revision 1, and each later save that changes something bumps both
(through `pmtool.versioning.save_changes`). A save that changes nothing writes nothing (no
version, no revision, no activity event). A stale version raises StaleVersion.
"""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from pmtool import cleaning
from pmtool.activity import Actor, record_activity
from pmtool.models import Product
from pmtool.versioning import UNSET, Changes, Maybe, StaleVersion, given, require_version, save_changes

from ..models import TEXT_MAX, VISION_FIELDS, Vision, VisionRevision


def _lock_vision(product: Product, version: int) -> Vision:
    """The product's vision locked for this transaction (an unsaved one at version 0 when it has
    none yet, with the product row locked so two first writes cannot both create one); StaleVersion
    when `version` is not its current one."""
    expected = require_version(version)
    vision = Vision.objects.select_for_update().filter(product_id=product.pk).first()
    if vision is None:
        list(Product.objects.select_for_update().filter(pk=product.pk).values_list("pk", flat=True))
        vision = Vision.objects.select_for_update().filter(product_id=product.pk).first()
    if vision is None:
        vision = Vision(product=product, version=0)
    else:
        vision.product = product
    if vision.version != expected:
        raise StaleVersion(what="vision", current=vision, expected=expected)
    return vision


def _first_write(vision: Vision, values: dict[str, str], actor: Actor) -> Changes:
    changes: Changes = {}
    for field, value in values.items():
        if value != "":
            changes[field] = {"from": "", "to": value}
            setattr(vision, field, value)
    if changes:
        vision.version = 1
        vision.updated_at = timezone.now()
        vision.updated_by = actor.user
        vision.save()
    return changes


def _later_write(vision: Vision, values: dict[str, str], actor: Actor) -> Changes:
    if all(getattr(vision, field) == value for field, value in values.items()):
        return {}
    # The author is saved with the change but is not one itself (the revision names it).
    changes = save_changes(vision, {**values, "updated_by_id": actor.user.pk if actor.user else None})
    changes.pop("updated_by_id", None)
    return changes


@transaction.atomic
def vision_update(
    *,
    actor: Actor,
    product: Product,
    version: int,
    statement: Maybe[str] = UNSET,
    target_customers: Maybe[str] = UNSET,
    problem: Maybe[str] = UNSET,
    differentiation: Maybe[str] = UNSET,
    business_model: Maybe[str] = UNSET,
) -> Vision:
    """Change (or first write) the vision of `product`; arguments left UNSET stay.

    `version` is the version the caller edited: 0 when the product has no vision yet; a stale one
    raises StaleVersion. Returns the vision: saved, or (nothing to save on a product without a
    vision) unsaved at version 0."""
    given_texts = {
        "statement": statement,
        "target_customers": target_customers,
        "problem": problem,
        "differentiation": differentiation,
        "business_model": business_model,
    }
    values = {
        field: cleaning.clean_markdown(value, field=field, max_length=TEXT_MAX)
        for field, value in given_texts.items()
        if given(value)
    }
    vision = _lock_vision(product, version)
    created = vision.pk is None
    changes = _first_write(vision, values, actor) if created else _later_write(vision, values, actor)
    if not changes:
        return vision
    VisionRevision.objects.create(
        vision=vision,
        number=vision.version,
        author=actor.user,
        author_label=actor.label[:160],
        created_at=vision.updated_at,
        **{name: getattr(vision, name) for name in VISION_FIELDS},
    )
    record_activity(actor, "created" if created else "updated", vision, changes, within=product)
    return vision
