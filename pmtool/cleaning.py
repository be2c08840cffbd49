"""One set of cleaners for what services store, with one set of messages.

Owns: names (required, at most N characters), text PostgreSQL can hold (no NUL, no lone
surrogate), plain text and Markdown, choices of a TextChoices, numbers (finite, named bounds),
colours (#rrggbb), web addresses (http/https only) and slugs. Each cleaner returns the value as
stored or raises pmtool.errors.ValidationError naming the field. The messages are those the core
and strategy services give today, so callers can move here without a test assertion changing.
"""

from __future__ import annotations

import math
import re

from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import URLValidator
from django.db import models
from django.utils.text import slugify

from .errors import ValidationError

NAME_MAX = 120
TEXT_MAX = 10_000  # Markdown fields (strategy.models.TEXT_MAX)
URL_MAX = 300
SLUG_MAX = 60
NUMBER_LIMIT = 1e15  # numbers stay exact in float arithmetic within ±10^15

_COLOUR = re.compile(r"^#[0-9a-fA-F]{6}$")
_URL = URLValidator(schemes=["http", "https"])


def _too_long(field: str, max_length: int) -> ValidationError:
    return ValidationError(
        f"The {field} is too long.",
        fields={field: [f"Ensure this field has no more than {max_length} characters."]},
    )


def no_nul(value: str, field: str) -> str:
    """PostgreSQL text cannot hold NUL: refuse it here, whatever the caller validated."""
    if "\x00" in value:
        raise ValidationError(
            f"The {field} contains a NUL character.", fields={field: ["Null characters are not allowed."]}
        )
    return value


def clean_name(value: str | None, *, field: str = "name", max_length: int = NAME_MAX) -> str:
    """A required one-line name, trimmed."""
    cleaned = no_nul((value or "").strip(), field)
    if not cleaned:
        raise ValidationError(f"The {field} is required.", fields={field: ["This field is required."]})
    if len(cleaned) > max_length:
        raise _too_long(field, max_length)
    return cleaned


def valid_text(value: object, *, field: str) -> str:
    """`value` if it is text PostgreSQL can store (no NUL, no lone surrogate), with Unix line ends."""
    if not isinstance(value, str):
        raise ValidationError(f"The {field} must be text.", fields={field: ["Must be text."]})
    text = no_nul(value.replace("\r\n", "\n").replace("\r", "\n"), field)
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        raise ValidationError(
            f"The {field} is not valid text.", fields={field: ["Contains characters that are not valid Unicode text."]}
        ) from None
    return text


def clean_markdown(value: object, *, field: str, max_length: int = TEXT_MAX) -> str:
    """A Markdown (or plain) text as stored: valid text, no surrounding blank lines or trailing
    spaces, at most `max_length` characters.

    Leading spaces of the first line are kept (they can make a Markdown code block)."""
    text = valid_text(value, field=field).rstrip().lstrip("\n")
    if len(text) > max_length:
        raise _too_long(field, max_length)
    return text


def clean_text(value: object, *, field: str, max_length: int = TEXT_MAX) -> str:
    """A plain text, trimmed on both sides; None is the empty text."""
    return clean_markdown("" if value is None else value, field=field, max_length=max_length).strip()


def clean_choice(value: object, choices: type[models.TextChoices], *, field: str, what: str) -> str:
    """One of `choices`' values, e.g. clean_choice(v, ThreatLevel, field="threat_level", what="threat level")."""
    if not isinstance(value, str) or value not in choices.values:
        raise ValidationError(f"Unknown {what}.", fields={field: [f"Choose one of: {', '.join(choices.values)}."]})
    return value


def _bound_label(bound: float) -> str:
    if abs(bound) == NUMBER_LIMIT:
        return "-10^15" if bound < 0 else "10^15"
    return str(int(bound)) if float(bound).is_integer() else str(bound)


def clean_number(
    value: object, *, field: str, minimum: float = -NUMBER_LIMIT, maximum: float = NUMBER_LIMIT
) -> float | None:
    """A finite JSON number (no strings, no booleans) within [minimum, maximum]; None stays None.
    The message names the bounds, e.g. "A finite number between 0 and 100."."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValidationError("Not a number.", fields={field: ["A number is required."]})
    number = float(value)
    if not math.isfinite(number) or not minimum <= number <= maximum:
        raise ValidationError(
            "A number is out of range.",
            fields={field: [f"A finite number between {_bound_label(minimum)} and {_bound_label(maximum)}."]},
        )
    return number


def clean_colour(value: str | None, *, field: str = "colour", optional: bool = False) -> str:
    """A colour as #rrggbb, stored lower-case; `optional`: empty (or None) is "" (the default look)."""
    cleaned = (value or "").strip()
    if optional and not cleaned:
        return ""
    if not _COLOUR.match(cleaned):
        raise ValidationError("Not a colour.", fields={field: ["A colour as #rrggbb, e.g. #4f46e5."]})
    return cleaned.lower()


def clean_url(value: object, *, field: str = "website", max_length: int = URL_MAX) -> str:
    """An http(s) address, or "" for none. Anything else (javascript:, ftp:, bare words) is refused."""
    cleaned = clean_markdown(value, field=field, max_length=max_length).strip()
    if not cleaned:
        return ""
    try:
        _URL(cleaned)
    except DjangoValidationError:
        raise ValidationError(
            f"The {field} is not a web address.",
            fields={field: ["Enter a web address starting with http:// or https://, e.g. https://example.com."]},
        ) from None
    return cleaned


def clean_slug(slug: str, *, field: str = "slug") -> str:
    """A slug as given (lower-cased): letters, numbers and hyphens, at most 60."""
    cleaned = slugify(slug)[:SLUG_MAX]
    if not cleaned or cleaned != slug.lower():  # "Mobile-App" is taken as "mobile-app"
        raise ValidationError(
            "The slug may only contain lowercase letters, numbers and hyphens.",
            fields={field: ["Use lowercase letters, numbers and hyphens (at most 60)."]},
        )
    return cleaned
