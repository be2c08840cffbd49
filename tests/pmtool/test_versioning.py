"""pmtool.versioning: the unset marker, lock_version, StaleVersion, save_changes, delete_versioned
(on a real versioned model, Product, in PostgreSQL)."""

from __future__ import annotations

import copy
import pickle
from typing import Any

import pytest
from django.db import transaction

from pmtool import versioning
from pmtool.errors import Conflict, NotFound, ValidationError
from pmtool.models import Product
from pmtool.versioning import UNSET, StaleVersion, Unset, delete_versioned, given, lock_version, save_changes

pytestmark = [pytest.mark.django_db, pytest.mark.postgres]


def test_unset_is_one_falsy_singleton_that_survives_copy_and_pickle() -> None:
    assert Unset() is UNSET
    assert not UNSET
    assert repr(UNSET) == "UNSET"
    assert copy.deepcopy(UNSET) is UNSET
    assert pickle.loads(pickle.dumps(UNSET)) is UNSET  # noqa: S301 - our own bytes


@pytest.mark.parametrize("value", [None, 0, "", [], False])
def test_given_counts_none_and_falsy_values_as_given(value: Any) -> None:
    assert given(value)


def test_given_is_false_only_for_unset() -> None:
    assert not given(UNSET)


def test_lock_version_returns_the_row_when_the_version_is_current(product: Product) -> None:
    with transaction.atomic():
        locked = lock_version(Product.objects.all(), product.pk, product.version, what="product")
    assert locked.pk == product.pk
    assert locked.version == product.version


def test_lock_version_of_a_missing_row_is_not_found(product: Product) -> None:
    with pytest.raises(NotFound, match=r"^Product not found\.$"):
        lock_version(Product.objects.all(), product.pk + 1000, 1, what="product")


def test_stale_version_carries_the_current_object_and_both_versions(product: Product) -> None:
    Product.objects.filter(pk=product.pk).update(version=4, name="Renamed")
    with pytest.raises(StaleVersion) as caught:
        lock_version(Product.objects.all(), product.pk, 1, what="product")
    error = caught.value
    assert isinstance(error, Conflict) and error.status_code == 409 and error.code == "stale_version"
    assert (error.expected, error.current_version) == (1, 4)
    assert error.current.pk == product.pk and error.current.name == "Renamed"
    assert error.message == (
        "This product was changed by someone else (you edited version 1, it is now at version 4). "
        "Reload it and apply your change again."
    )


@pytest.mark.parametrize("version", [None, True, "1", 1.0, -1])
def test_a_version_is_required_never_defaulted(product: Product, version: Any) -> None:
    with pytest.raises(ValidationError) as caught:
        lock_version(Product.objects.all(), product.pk, version, what="product")
    assert caught.value.fields == {"version": ["This field is required."]}


def test_save_changes_bumps_the_version_in_sql_and_returns_the_change_list(product: Product) -> None:
    before = Product.objects.get(pk=product.pk)
    with transaction.atomic():
        locked = lock_version(Product.objects.all(), product.pk, product.version, what="product")
        changes = save_changes(locked, {"name": "Nova", "description": before.description})
    assert changes == {"name": {"from": "Atlas", "to": "Nova"}}
    assert locked.version == before.version + 1  # read back, not an F() expression
    saved = Product.objects.get(pk=product.pk)
    assert (saved.name, saved.version) == ("Nova", before.version + 1)
    assert saved.updated_at > before.updated_at


def test_save_changes_without_a_real_change_writes_nothing(product: Product) -> None:
    before = Product.objects.get(pk=product.pk)
    with transaction.atomic():
        locked = lock_version(Product.objects.all(), product.pk, product.version, what="product")
        assert save_changes(locked, {"name": "Atlas"}) == {}
    after = Product.objects.get(pk=product.pk)
    assert (after.version, after.updated_at) == (before.version, before.updated_at)


def test_save_changes_shows_labelled_fields_as_the_history_reads_them(product: Product) -> None:
    with transaction.atomic():
        locked = lock_version(Product.objects.all(), product.pk, product.version, what="product")
        changes = save_changes(locked, {"name": "Nova", "stage": "launch"}, shown={"stage": str.upper})
    assert changes["stage"] == {"from": "GROWTH", "to": "LAUNCH"} and changes["name"] == {"from": "Atlas", "to": "Nova"}


def test_delete_versioned_needs_the_current_version_and_calls_before_while_the_row_exists(product: Product) -> None:
    seen: list[int] = []

    def record(row: Product) -> None:
        seen.append(row.pk)
        assert Product.objects.filter(pk=row.pk).exists()

    with pytest.raises(StaleVersion):
        delete_versioned(Product.objects.all(), product.pk, product.version + 1, what="product", before=record)
    assert Product.objects.filter(pk=product.pk).exists() and seen == []
    with pytest.raises(ValidationError):
        delete_versioned(Product.objects.all(), product.pk, None, what="product")  # type: ignore[arg-type]
    with transaction.atomic():
        delete_versioned(Product.objects.all(), product.pk, product.version, what="product", before=record)
    assert not Product.objects.filter(pk=product.pk).exists() and seen == [product.pk]


def test_version_of_refuses_a_model_without_a_version(team: Any) -> None:
    with pytest.raises(TypeError):
        versioning.version_of(team.admin)


def test_lock_version_locks_only_the_row_so_nullable_joins_are_fine(product: Product) -> None:
    # FOR UPDATE on the nullable side of an outer join is an error in PostgreSQL: only the row is locked.
    queryset = Product.objects.select_related("created_by")
    with transaction.atomic():
        assert lock_version(queryset, product.pk, product.version, what="product").pk == product.pk
