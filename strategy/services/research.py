"""Writes of a product's market research: personas and competitors.

Each update locks its row with the version the caller read (`pmtool.versioning.lock_version`:
a stale one raises StaleVersion), saves only what really changed (`save_changes`: the version is
bumped in SQL) and records an activity event on the product; each delete names the version too
(`delete_versioned`). Arguments left UNSET stay as they are."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Final

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from pmtool.activity import Actor, record_activity
from pmtool.cleaning import TEXT_MAX, URL_MAX, clean_choice, clean_markdown, clean_name, clean_url, valid_text
from pmtool.models import Product
from pmtool.versioning import UNSET, Maybe, delete_versioned, given, lock_version, save_changes

from ..models import Competitor, Persona, ThreatLevel

NAME_MAX: Final = 120
ROLE_MAX: Final = 120
QUOTE_MAX: Final = 1000
WEBSITE_MAX: Final = URL_MAX


def _text_name(value: object) -> str:
    return clean_name(valid_text(value, field="name"), max_length=NAME_MAX)


def _created(actor: Actor, product: Product, target: Persona | Competitor, values: dict[str, Any]) -> None:
    created = {k: {"from": None, "to": v} for k, v in values.items() if v != ""}
    record_activity(actor, "created", target, created, within=product)


def _updated(actor: Actor, locked: Persona | Competitor, changes: dict[str, Any]) -> None:
    if changes:
        record_activity(actor, "updated", locked, changes)


def _deleted(actor: Actor) -> Callable[[Persona | Competitor], None]:
    def record(locked: Persona | Competitor) -> None:
        record_activity(actor, "deleted", locked, {"name": {"from": locked.name, "to": None}})

    return record


# --- personas ---------------------------------------------------------------------


def _persona_values(
    *,
    name: Maybe[object] = UNSET,
    role: Maybe[object] = UNSET,
    goals: Maybe[object] = UNSET,
    pains: Maybe[object] = UNSET,
    quote: Maybe[object] = UNSET,
) -> dict[str, str]:
    values: dict[str, str] = {}
    if given(name):
        values["name"] = _text_name(name)
    if given(role):
        values["role"] = clean_markdown(role, field="role", max_length=ROLE_MAX).strip()
    if given(goals):
        values["goals"] = clean_markdown(goals, field="goals")
    if given(pains):
        values["pains"] = clean_markdown(pains, field="pains")
    if given(quote):
        values["quote"] = clean_markdown(quote, field="quote", max_length=QUOTE_MAX).strip()
    return values


def _personas() -> QuerySet[Persona]:
    return Persona.objects.select_related("product")


@transaction.atomic
def persona_create(
    *,
    actor: Actor,
    product: Product,
    name: str,
    role: str = "",
    goals: str = "",
    pains: str = "",
    quote: str = "",
) -> Persona:
    values = _persona_values(name=name, role=role, goals=goals, pains=pains, quote=quote)
    now = timezone.now()
    persona = Persona.objects.create(product=product, created_at=now, updated_at=now, **values)
    _created(actor, product, persona, values)
    return persona


@transaction.atomic
def persona_update(
    *,
    actor: Actor,
    persona_id: int,
    version: int,
    name: Maybe[str] = UNSET,
    role: Maybe[str] = UNSET,
    goals: Maybe[str] = UNSET,
    pains: Maybe[str] = UNSET,
    quote: Maybe[str] = UNSET,
) -> Persona:
    """Change a persona edited at `version` (stale: StaleVersion); arguments left UNSET stay."""
    values = _persona_values(name=name, role=role, goals=goals, pains=pains, quote=quote)
    locked = lock_version(_personas(), persona_id, version, what="persona")
    _updated(actor, locked, save_changes(locked, values))
    return locked


@transaction.atomic
def persona_delete(*, actor: Actor, persona_id: int, version: int) -> Persona:
    """Delete a persona the caller read at `version` (required; stale: StaleVersion)."""
    return delete_versioned(_personas(), persona_id, version, what="persona", before=_deleted(actor))


# --- competitors ------------------------------------------------------------------


def _competitor_values(
    *,
    name: Maybe[object] = UNSET,
    website: Maybe[object] = UNSET,
    positioning: Maybe[object] = UNSET,
    strengths: Maybe[object] = UNSET,
    weaknesses: Maybe[object] = UNSET,
    pricing_notes: Maybe[object] = UNSET,
    threat_level: Maybe[object] = UNSET,
) -> dict[str, str]:
    values: dict[str, str] = {}
    if given(name):
        values["name"] = _text_name(name)
    if given(website):
        values["website"] = clean_url(website, field="website", max_length=WEBSITE_MAX)
    texts = {"positioning": positioning, "strengths": strengths, "weaknesses": weaknesses}
    for field, value in {**texts, "pricing_notes": pricing_notes}.items():
        if given(value):
            values[field] = clean_markdown(value, field=field, max_length=TEXT_MAX)
    if given(threat_level):
        values["threat_level"] = clean_choice(threat_level, ThreatLevel, field="threat_level", what="threat level")
    return values


def _competitors() -> QuerySet[Competitor]:
    return Competitor.objects.select_related("product")


@transaction.atomic
def competitor_create(
    *,
    actor: Actor,
    product: Product,
    name: str,
    website: str = "",
    positioning: str = "",
    strengths: str = "",
    weaknesses: str = "",
    pricing_notes: str = "",
    threat_level: str = ThreatLevel.MEDIUM,
) -> Competitor:
    values = _competitor_values(
        name=name,
        website=website,
        positioning=positioning,
        strengths=strengths,
        weaknesses=weaknesses,
        pricing_notes=pricing_notes,
        threat_level=threat_level,
    )
    now = timezone.now()
    competitor = Competitor.objects.create(product=product, created_at=now, updated_at=now, **values)
    _created(actor, product, competitor, values)
    return competitor


@transaction.atomic
def competitor_update(
    *,
    actor: Actor,
    competitor_id: int,
    version: int,
    name: Maybe[str] = UNSET,
    website: Maybe[str] = UNSET,
    positioning: Maybe[str] = UNSET,
    strengths: Maybe[str] = UNSET,
    weaknesses: Maybe[str] = UNSET,
    pricing_notes: Maybe[str] = UNSET,
    threat_level: Maybe[str] = UNSET,
) -> Competitor:
    """Change a competitor edited at `version` (stale: StaleVersion); arguments left UNSET stay."""
    values = _competitor_values(
        name=name,
        website=website,
        positioning=positioning,
        strengths=strengths,
        weaknesses=weaknesses,
        pricing_notes=pricing_notes,
        threat_level=threat_level,
    )
    locked = lock_version(_competitors(), competitor_id, version, what="competitor")
    _updated(actor, locked, save_changes(locked, values))
    return locked


@transaction.atomic
def competitor_delete(*, actor: Actor, competitor_id: int, version: int) -> Competitor:
    """Delete a competitor the caller read at `version` (required; stale: StaleVersion)."""
    return delete_versioned(_competitors(), competitor_id, version, what="competitor", before=_deleted(actor))
