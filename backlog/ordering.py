"""A product's order, below the services: the order lock every change of it takes, and the re-key.

Owns `lock_product_order` (one per-product transaction-level advisory lock: moves, appends, imports
and the re-key take it first) and `features_rekey` (evenly spaced short keys in one statement). A
low module on purpose: the move service (backlog.services.ranking) and the re-key task
(backlog.tasks) both import it, and it imports neither, so services and tasks import no cycle.
"""

from __future__ import annotations

from django.db import connection, transaction
from django.db.models import F

from pmtool.errors import ValidationError
from pmtool.ranking import DIGITS, even_keys

from .models import BacklogSettings, Feature


def order_lock_key(product_id: int) -> str:
    """The name of a product's order lock (hashed into the advisory lock's key by PostgreSQL)."""
    return f"backlog.rank:{product_id}"


def lock_product_order(product_id: int) -> None:
    """Serialize changes of this product's order until the transaction ends (PostgreSQL)."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(hashtextextended(%s, 0))", [order_lock_key(product_id)])


_WIDTHS = ((62, 1), (62**2, 2), (62**3, 3), (62**4, 4), (62**5, 5))
_WIDTH = "CASE " + " ".join(f"WHEN total < {limit} THEN {w}" for limit, w in _WIDTHS) + " END"
_SPAN = "CASE " + " ".join(f"WHEN total < {limit} THEN {limit}::bigint" for limit, _ in _WIDTHS) + " END"
_DIGIT = "substr('" + DIGITS + "', ((value / {power}) %% 62)::int + 1, 1)"  # %% : psycopg's literal %
_DIGITS_SQL = " || ".join(_DIGIT.format(power=f"{62**k}::bigint") for k in range(4, -1, -1))
# built from constants only; the product id is a parameter
REKEY_SQL = f"""
UPDATE backlog_feature AS f SET rank = keyed.rank
FROM (
    SELECT id, chr(ascii('a') + width - 1) || right({_DIGITS_SQL}, width) AS rank
    FROM (
        SELECT id, width, place * greatest(1, span / (total + 1)) AS value
        FROM (
            SELECT id, place, total, {_WIDTH} AS width, {_SPAN} AS span
            FROM (
                SELECT id, row_number() OVER (ORDER BY rank) AS place, count(*) OVER () AS total
                FROM backlog_feature WHERE product_id = %s
            ) AS ordered
        ) AS sized
    ) AS valued
) AS keyed
WHERE f.id = keyed.id AND f.rank IS DISTINCT FROM keyed.rank
"""  # noqa: S608
MAX_REKEY = 62**5 - 1


@transaction.atomic
def features_rekey(*, product_id: int) -> int:
    """Give a product's features evenly spaced short keys (even_keys), in the same order; returns
    the number of rows rewritten. One UPDATE … FROM (row_number() OVER (ORDER BY rank)) with the
    keys computed in SQL, under the product's order lock. The statement passes through transient
    duplicates (a row takes the key another row still holds): the unique (product, rank)
    constraint is DEFERRABLE INITIALLY IMMEDIATE (migration 0003), so PostgreSQL checks it at the
    end of the statement rather than row by row; no SET CONSTRAINTS is needed. Versions and
    updated_at stay: the order a person sees does not change. Clears rekey_requested_at.
    On SQLite: the same keys from Python, in two passes (no deferrable constraints there)."""
    lock_product_order(product_id)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(REKEY_SQL, [product_id])
            changed = int(cursor.rowcount)
    else:
        changed = _rekey_in_python(product_id)
    BacklogSettings.objects.filter(product_id=product_id).update(rekey_requested_at=None)
    return changed


def _rekey_in_python(product_id: int) -> int:
    ids = list(Feature.objects.filter(product_id=product_id).order_by("rank").values_list("id", flat=True))
    if len(ids) > MAX_REKEY:
        raise ValidationError("Too many features to re-key.")
    Feature.objects.filter(product_id=product_id).update(rank=F("id"))  # disjoint: digits-only, unique
    rows = [Feature(pk=pk, rank=key) for pk, key in zip(ids, even_keys(len(ids)), strict=True)]
    Feature.objects.bulk_update(rows, ["rank"], batch_size=500)
    return len(ids)
