"""Writes of saved views: a named filter and sort of a product's backlog, personal or shared with
the workspace. Keyword-only arguments, one transaction each, an activity event per change.

The stored `query` is always `BacklogQuery.as_params()` of a query that `backlog.filters.parse_query`
accepted, so applying a saved view is the same as following a link with its parameters. Only the
owner changes or deletes a view (`backlog.permissions.access_saved_view(..., write=True)` finds no
other person's view); names are unique per owner and product, ignoring case."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from django.db import IntegrityError, transaction

from pmtool.activity import Actor, record_activity
from pmtool.cleaning import clean_name
from pmtool.errors import Conflict, ValidationError
from pmtool.models import Product, User
from pmtool.versioning import UNSET, Maybe, delete_versioned, given, lock_version, save_changes

from ..filters import parse_query
from ..models import NAME_MAX, SavedView

MAX_VIEWS_PER_OWNER = 100
_NAME_TAKEN = "You already have a saved view with this name in this product."
_IGNORED = ("page", "cursor", "page_size")  # positions, not part of the view


def clean_query(query: Mapping[str, Any]) -> dict[str, list[str]]:
    """A backlog query as stored: parsed with parse_query (a 400 naming `query.<param>` when a
    filter is bad) and written back as its parameters. Accepts {name: value} or {name: [values]}."""
    if not isinstance(query, Mapping):
        raise ValidationError("The query must be an object of filters.", fields={"query": ["Expected an object."]})
    params: dict[str, list[str]] = {}
    for name, value in query.items():
        values: Sequence[Any] = value if isinstance(value, list | tuple) else [value]
        if not all(isinstance(v, str | int) and not isinstance(v, bool) for v in values):
            raise ValidationError(
                "Filter values are text or numbers.", fields={f"query.{name}"[:80]: ["Expected text or a number."]}
            )
        params[str(name)] = [str(v) for v in values]
    try:
        parsed = parse_query(params, ignore=_IGNORED)
    except ValidationError as exc:
        raise ValidationError(
            "Some filters of the view are not valid.",
            fields={f"query.{name}"[:80]: messages for name, messages in exc.fields.items()},
        ) from None
    return parsed.as_params()


def _name_taken() -> Conflict:
    return Conflict(_NAME_TAKEN, fields={"name": [_NAME_TAKEN]}, code="name_taken")


def _check_name_free(product_id: int, owner_id: int, name: str, *, exclude: int | None = None) -> None:
    taken = SavedView.objects.filter(product_id=product_id, owner_id=owner_id, name__iexact=name)
    if exclude is not None:
        taken = taken.exclude(pk=exclude)
    if taken.exists():
        raise _name_taken()


def _owner(actor: Actor) -> User:
    if actor.user is None:
        raise ValidationError("A saved view belongs to a person.", fields={"owner": ["Sign in to save views."]})
    return actor.user


@transaction.atomic
def saved_view_create(
    *, actor: Actor, product: Product, name: str, query: Mapping[str, Any], shared: bool = False
) -> SavedView:
    """Save a filter and sort of `product`'s backlog under a name (personal unless `shared`)."""
    owner = _owner(actor)
    name = clean_name(name, max_length=NAME_MAX)
    params = clean_query(query)
    if SavedView.objects.filter(product=product, owner=owner).count() >= MAX_VIEWS_PER_OWNER:
        raise ValidationError(
            "Too many saved views.", fields={"name": [f"At most {MAX_VIEWS_PER_OWNER} saved views per product."]}
        )
    _check_name_free(product.pk, owner.pk, name)
    try:
        with transaction.atomic():
            view = SavedView.objects.create(product=product, owner=owner, name=name, shared=bool(shared), query=params)
    except IntegrityError:  # a concurrent create took the name between the check and the insert
        raise _name_taken() from None
    view.product = product
    created = {"name": {"from": None, "to": name}, "shared": {"from": None, "to": shared}}
    record_activity(actor, "created", view, created)
    return view


@transaction.atomic
def saved_view_update(
    *,
    actor: Actor,
    view_id: int,
    version: int,
    name: Maybe[str] = UNSET,
    shared: Maybe[bool] = UNSET,
    query: Maybe[Mapping[str, Any]] = UNSET,
) -> SavedView:
    """Rename, share or unshare a view, or replace its query (the owner only; stale → StaleVersion)."""
    owner = _owner(actor)
    locked = lock_version(
        SavedView.objects.select_related("product").filter(owner=owner), view_id, version, what="saved view"
    )
    values: dict[str, Any] = {}
    if given(name):
        values["name"] = clean_name(name, max_length=NAME_MAX)
        _check_name_free(locked.product_id, owner.pk, values["name"], exclude=locked.pk)
    if given(shared):
        values["shared"] = bool(shared)
    if given(query):
        values["query"] = clean_query(query)
    try:
        with transaction.atomic():
            changes = save_changes(locked, values)
    except IntegrityError:
        raise _name_taken() from None
    if changes:
        record_activity(actor, "updated", locked, changes)
    return locked


@transaction.atomic
def saved_view_delete(*, actor: Actor, view_id: int, version: int) -> None:
    """Delete a view (the owner only; the version you read is required)."""
    owner = _owner(actor)
    delete_versioned(
        SavedView.objects.select_related("product").filter(owner=owner),
        view_id,
        version,
        what="saved view",
        before=lambda view: record_activity(actor, "deleted", view, {"name": {"from": view.name, "to": None}}),
    )
