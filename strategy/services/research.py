"""Writes of a product's market research: personas and competitors.

Each write locks its row (optimistic `version` check: 409, or 412 for If-Match), changes only
what really changed, bumps the version and records an activity event on the product."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import URLValidator
from django.db import transaction
from django.utils import timezone

from pmtool.activity import Actor, activity_record, apply_changes
from pmtool.errors import ValidationError
from pmtool.models import Product
from pmtool.services import _clean_name, lock_version

from ..models import TEXT_MAX, Competitor, Persona, ThreatLevel
from .vision import clean_markdown, valid_text

NAME_MAX = 120
ROLE_MAX = 120
QUOTE_MAX = 1000
WEBSITE_MAX = 300

_WEBSITE = URLValidator(schemes=["http", "https"])


def clean_website(value: Any) -> str:
    """An http(s) address, or "" for none. Anything else (javascript:, ftp:, bare words) is refused."""
    value = clean_markdown(value, field="website", max_length=WEBSITE_MAX).strip()
    if not value:
        return ""
    try:
        _WEBSITE(value)
    except DjangoValidationError:
        raise ValidationError(
            "The website is not a web address.",
            fields={"website": ["Enter a web address starting with http:// or https://, e.g. https://example.com."]},
        ) from None
    return value


def _threat_level(value: Any) -> str:
    if value not in ThreatLevel.values:
        raise ValidationError(
            "Unknown threat level.", fields={"threat_level": [f"Choose one of: {', '.join(ThreatLevel.values)}."]}
        )
    return value


def _text_name(value: Any) -> str:
    return _clean_name(valid_text(value, field="name"), max_length=NAME_MAX)


# --- personas ---------------------------------------------------------------------


def _persona_values(
    *, name: Any = None, role: Any = None, goals: Any = None, pains: Any = None, quote: Any = None
) -> dict[str, Any]:
    values: dict[str, Any] = {}
    if name is not None:
        values["name"] = _text_name(name)
    if role is not None:
        values["role"] = clean_markdown(role, field="role", max_length=ROLE_MAX).strip()
    if goals is not None:
        values["goals"] = clean_markdown(goals, field="goals")
    if pains is not None:
        values["pains"] = clean_markdown(pains, field="pains")
    if quote is not None:
        values["quote"] = clean_markdown(quote, field="quote", max_length=QUOTE_MAX).strip()
    return values


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
    activity_record(
        actor=actor,
        workspace=product.workspace_id,
        product=product.pk,
        target=persona,
        action="created",
        changes={k: {"from": None, "to": v} for k, v in values.items() if v != ""},
    )
    return persona


@transaction.atomic
def persona_update(
    *,
    actor: Actor,
    persona: Persona,
    version: int | None,
    precondition: bool = False,
    name: str | None = None,
    role: str | None = None,
    goals: str | None = None,
    pains: str | None = None,
    quote: str | None = None,
) -> Persona:
    """Change a persona; fields left None stay. A stale `version` raises Conflict (409), or
    PreconditionFailed (412) when it came from an If-Match header (`precondition`)."""
    values = _persona_values(name=name, role=role, goals=goals, pains=pains, quote=quote)
    locked = lock_version(Persona.objects.all(), persona.pk, version, precondition=precondition, what="persona")
    changes = apply_changes(locked, values)
    if changes:
        locked.version += 1
        locked.updated_at = timezone.now()
        locked.save(update_fields=[*changes, "version", "updated_at"])
        activity_record(
            actor=actor,
            workspace=persona.product.workspace_id,
            product=locked.product_id,
            target=locked,
            action="updated",
            changes=changes,
        )
    locked.product = persona.product
    locked.my_role = getattr(persona, "my_role", None)
    return locked


@transaction.atomic
def persona_delete(*, actor: Actor, persona: Persona, version: int | None = None, precondition: bool = False) -> None:
    """Delete a persona (checked against `version` when one is given)."""
    locked = lock_version(Persona.objects.all(), persona.pk, version, precondition=precondition, what="persona")
    activity_record(
        actor=actor,
        workspace=persona.product.workspace_id,
        product=locked.product_id,
        target=locked,
        action="deleted",
        changes={"name": {"from": locked.name, "to": None}},
    )
    locked.delete()


# --- competitors ------------------------------------------------------------------


def _competitor_values(
    *,
    name: Any = None,
    website: Any = None,
    positioning: Any = None,
    strengths: Any = None,
    weaknesses: Any = None,
    pricing_notes: Any = None,
    threat_level: Any = None,
) -> dict[str, Any]:
    values: dict[str, Any] = {}
    if name is not None:
        values["name"] = _text_name(name)
    if website is not None:
        values["website"] = clean_website(website)
    for field, value in (
        ("positioning", positioning),
        ("strengths", strengths),
        ("weaknesses", weaknesses),
        ("pricing_notes", pricing_notes),
    ):
        if value is not None:
            values[field] = clean_markdown(value, field=field, max_length=TEXT_MAX)
    if threat_level is not None:
        values["threat_level"] = _threat_level(threat_level)
    return values


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
    activity_record(
        actor=actor,
        workspace=product.workspace_id,
        product=product.pk,
        target=competitor,
        action="created",
        changes={k: {"from": None, "to": v} for k, v in values.items() if v != ""},
    )
    return competitor


@transaction.atomic
def competitor_update(
    *,
    actor: Actor,
    competitor: Competitor,
    version: int | None,
    precondition: bool = False,
    name: str | None = None,
    website: str | None = None,
    positioning: str | None = None,
    strengths: str | None = None,
    weaknesses: str | None = None,
    pricing_notes: str | None = None,
    threat_level: str | None = None,
) -> Competitor:
    """Change a competitor; fields left None stay. A stale `version` raises Conflict (409), or
    PreconditionFailed (412) when it came from an If-Match header (`precondition`)."""
    values = _competitor_values(
        name=name,
        website=website,
        positioning=positioning,
        strengths=strengths,
        weaknesses=weaknesses,
        pricing_notes=pricing_notes,
        threat_level=threat_level,
    )
    locked = lock_version(
        Competitor.objects.all(), competitor.pk, version, precondition=precondition, what="competitor"
    )
    changes = apply_changes(locked, values)
    if changes:
        locked.version += 1
        locked.updated_at = timezone.now()
        locked.save(update_fields=[*changes, "version", "updated_at"])
        activity_record(
            actor=actor,
            workspace=competitor.product.workspace_id,
            product=locked.product_id,
            target=locked,
            action="updated",
            changes=changes,
        )
    locked.product = competitor.product
    locked.my_role = getattr(competitor, "my_role", None)
    return locked


@transaction.atomic
def competitor_delete(
    *, actor: Actor, competitor: Competitor, version: int | None = None, precondition: bool = False
) -> None:
    """Delete a competitor (checked against `version` when one is given)."""
    locked = lock_version(
        Competitor.objects.all(), competitor.pk, version, precondition=precondition, what="competitor"
    )
    activity_record(
        actor=actor,
        workspace=competitor.product.workspace_id,
        product=locked.product_id,
        target=locked,
        action="deleted",
        changes={"name": {"from": locked.name, "to": None}},
    )
    locked.delete()
