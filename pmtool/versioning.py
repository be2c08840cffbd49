"""The protocol for editing a versioned object, in one place.

Owns: the "leave this field alone" marker of partial updates (`UNSET`, `Maybe[T]`, `given`), the
row lock with its optimistic version check (`lock_version`), the one stale-version error
(`StaleVersion`, carrying the current object and both versions), applying a set of changes to a
locked row (`save_changes`: the change list for the activity log, `version = F("version") + 1`,
`updated_at`), and the delete rule (`delete_versioned`: every delete names the version the user
read).

Services never know whether the caller sent a body `version` or an If-Match header: they raise
`StaleVersion` (a 409 Conflict); `pmtool.api.versioned` turns it into 412 for If-Match and pages
show the conflict panel (`pmtool.pages`).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, Final, TypeAlias, TypeGuard, TypeVar

from django.db import models
from django.db.models import F
from django.utils import timezone

from .activity import apply_changes, json_safe
from .errors import Conflict, NotFound, ValidationError

T = TypeVar("T")
M = TypeVar("M", bound=models.Model)

Changes: TypeAlias = dict[str, dict[str, Any]]
"""{field: {"from": old, "to": new}}, as the activity log stores it."""


class Unset:
    """The default of an update argument the caller left out (None may mean "clear it")."""

    _instance: Unset | None = None

    def __new__(cls) -> Unset:
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "UNSET"

    def __bool__(self) -> bool:
        return False

    def __reduce__(self) -> str:
        return "UNSET"  # pickles (and copies) as the same singleton


UNSET: Final = Unset()

Maybe: TypeAlias = T | Unset
"""An update argument: a value, or UNSET for "leave it alone"."""


def given(value: Maybe[T]) -> TypeGuard[T]:
    """True when the caller passed a value (None included) rather than leaving it UNSET."""
    return value is not UNSET


def version_of(obj: models.Model) -> int:
    """The optimistic-lock version of a versioned row."""
    version = obj.__dict__.get("version")
    if not isinstance(version, int):
        raise TypeError(f"{type(obj).__name__} has no integer version field")
    return version


class StaleVersion(Conflict):
    """An edit or delete based on a version that is no longer the current one (409).

    Carries the current object (`current`), the version the user read (`expected`) and the row's
    version now (`current_version`), so the API can answer with the current version and a page can
    show the current values next to the user's input."""

    code = "stale_version"

    def __init__(self, *, what: str, current: models.Model, expected: int) -> None:
        self.what = what
        self.current = current
        self.expected = expected
        self.current_version = version_of(current)
        super().__init__(
            f"This {what} was changed by someone else (you edited version {expected}, it is now at "
            f"version {self.current_version}). Reload it and apply your change again.",
            code="stale_version",
        )


def require_version(version: object) -> int:
    """`version` when it is a version number; a 400 naming `version` otherwise (never a silent default)."""
    if isinstance(version, bool) or not isinstance(version, int) or version < 0:
        raise ValidationError(
            "Send the version you read, so concurrent edits are not lost.",
            fields={"version": ["This field is required."]},
        )
    return version


def _not_found(what: str) -> NotFound:
    return NotFound(f"{what[:1].upper()}{what[1:]} not found.")


def lock_version(queryset: models.QuerySet[M], pk: int, version: int, *, what: str) -> M:
    """The row `pk` of `queryset`, locked (SELECT … FOR UPDATE) for the rest of the transaction.

    NotFound when there is no such row; StaleVersion when `version` (required) is not its current one.
    Call it inside the service's transaction."""
    expected = require_version(version)
    locked = queryset.select_for_update(of=("self",)).filter(pk=pk).first()
    if locked is None:
        raise _not_found(what)
    if version_of(locked) != expected:
        raise StaleVersion(what=what, current=locked, expected=expected)
    return locked


def save_changes(
    locked: models.Model,
    values: Mapping[str, Any],
    *,
    shown: Mapping[str, Callable[[Any], Any]] | None = None,
) -> Changes:
    """Set `values` on the locked row and save what really changed, with `version + 1` (in SQL) and
    `updated_at = now`; the row's new version is read back. Returns the change list for the activity
    log ({} and no write when nothing changed). `shown` maps a field to how its values read in the
    history (e.g. a user as the person's name rather than an id)."""
    old = {field: getattr(locked, field) for field in values}
    changes = apply_changes(locked, dict(values))
    if not changes:
        return {}
    setattr(locked, "version", F("version") + 1)  # noqa: B010 - the model type is not known here
    setattr(locked, "updated_at", timezone.now())  # noqa: B010
    locked.save(update_fields=[*changes, "version", "updated_at"])
    locked.refresh_from_db(fields=["version"])
    for field, label in (shown or {}).items():
        if field in changes:
            changes[field] = {"from": json_safe(label(old[field])), "to": json_safe(label(values[field]))}
    return changes


def delete_versioned(
    queryset: models.QuerySet[M],
    pk: int,
    version: int,
    *,
    what: str,
    before: Callable[[M], object] | None = None,
) -> M:
    """The delete rule: lock the row with the version the user read (required; stale → StaleVersion),
    call `before(row)` while it still exists (the activity event), delete it, return it."""
    locked = lock_version(queryset, pk, version, what=what)
    if before is not None:
        before(locked)
    locked.delete()
    return locked
