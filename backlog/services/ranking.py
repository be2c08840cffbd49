"""The hand-made order of a product's backlog: moving one feature, and re-keying a product.

The contract of a move (Taiga's): the client names the neighbours the feature is to land between,
as it sees them now.

- `after_id`: the feature it goes after (its upper neighbour, smaller rank).
- `before_id`: the feature it goes before (its lower neighbour, larger rank).
- Both named: they must be adjacent *now* in the product's order, ignoring the moved feature itself
  (nothing between them, the upper one above the lower one).
- One named: the feature lands right next to it, whatever is on the other side now; so at the top
  the client omits `after_id` (nothing is above) and at the bottom `before_id`, and a move past the
  first or last row of a page names the row just outside the page (the list exposes it).
- Neither: refused (400), unless `to` is "top" or "bottom": an end without naming a neighbour (a
  keyboard "to top" on page 7 does not know the first row). Those never conflict.

A named neighbour that is no longer one (moved so that they are not adjacent, archived, deleted,
in another product, or something landed between the two) answers 409 `stale_neighbours`, with the
current neighbours of the target position in the error's `current` object so a client can retry:
anchored on the named side that still stands (both gone: both null).

Archived features keep their rank (a restored feature comes back where it was) but do not count in
the order a person sees: adjacency is checked among active features, and an archived feature is
not a valid neighbour. The new key is computed against the nearest row of any kind, so it never
collides with an archived one in the gap.

Concurrency: every change of a product's order (moves, the re-key) takes one per-product
transaction-level advisory lock first (`lock_product_order`; no lock on SQLite, whose writes are
serialized anyway). Row locks of the moved feature and its two neighbours alone would not do: the
adjacency check is about the *absence* of rows between them (a phantom no row lock covers), and two
moves into the same gap, or a move and a re-key, must not both read the old order. Under the lock a
move reads the order after every earlier move committed (READ COMMITTED, lock released at commit),
so keys stay unique and strictly ordered; the named rows are also row-locked (FOR UPDATE), so an
edit of the moved feature and the move's version bump never interleave. A move holds the lock for
a few milliseconds; moves of different products never wait for each other. Feature creation
(which appends a key at the bottom) should take the same lock; a move that still meets a duplicate
key answers 409 concurrent_write, never a 500.

A move updates exactly one row of backlog_feature (rank, version + 1, updated_at, updated_by): the
move does not need the feature's version (it conflicts on neighbours, not on edits), but it bumps
it, so an edit based on the old version learns that the row changed. It records a ScoreEvent
(cause "moved") with the feature's ScoreHistory row, and an activity event. A key longer than
KEY_LONG asks for a re-key of the product (once, until the re-key ran) after commit.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db import IntegrityError, connection, transaction
from django.db.models import F
from django.utils import timezone

from pmtool.activity import Actor, activity_record
from pmtool.errors import Conflict, NotFound, ValidationError
from pmtool.models import Product
from pmtool.queue import enqueue_on_commit
from pmtool.ranking import KEY_LONG, key_between

from ..models import BacklogSettings, Feature, ScoreCause, ScoreEvent, ScoreHistory
from ..ordering import features_rekey as features_rekey
from ..ordering import lock_product_order as lock_product_order
from ..ordering import order_lock_key
from ..tasks import rekey_product

ENDS = ("top", "bottom")
_BELOW_EVERY_KEY = ""  # "" < every key, byte-wise
_ABOVE_EVERY_KEY = "~"  # "~" (0x7E) > every key: keys are made of 0-9, A-Z, a-z


@dataclass(frozen=True)
class Neighbours:
    """The active features just above (`after_id`) and below (`before_id`) a place; None: an end."""

    after_id: int | None
    before_id: int | None

    def as_dict(self) -> dict[str, int | None]:
        return {"after_id": self.after_id, "before_id": self.before_id}


_NEAREST = {
    # (nearest rank of any row, nearest active row's id) on one side of a rank, the moved feature left out
    "after": (
        "SELECT (SELECT rank FROM backlog_feature WHERE product_id = %(p)s AND id <> %(x)s AND rank > %(r)s"
        " ORDER BY rank LIMIT 1),"
        " (SELECT id FROM backlog_feature WHERE product_id = %(p)s AND id <> %(x)s AND rank > %(r)s"
        " AND archived_at IS NULL ORDER BY rank LIMIT 1)"
    ),
    "before": (
        "SELECT (SELECT rank FROM backlog_feature WHERE product_id = %(p)s AND id <> %(x)s AND rank < %(r)s"
        " ORDER BY rank DESC LIMIT 1),"
        " (SELECT id FROM backlog_feature WHERE product_id = %(p)s AND id <> %(x)s AND rank < %(r)s"
        " AND archived_at IS NULL ORDER BY rank DESC LIMIT 1)"
    ),
}


def _nearest(product_id: int, moved_id: int, rank: str, side: str) -> tuple[str | None, int | None]:
    """Below `rank` (side "after": the rows after it) or above it ("before"): the nearest key of any
    row and the nearest active feature's id, leaving the moved feature out. One query."""
    with connection.cursor() as cursor:
        cursor.execute(_NEAREST[side], {"p": product_id, "x": moved_id, "r": rank})
        any_rank, active_id = cursor.fetchone()
    return any_rank, active_id


def _clean_request(feature_id: int, after_id: int | None, before_id: int | None, to: str | None) -> None:
    if to is not None:
        if to not in ENDS:
            raise ValidationError("Move to “top” or “bottom”.", fields={"to": ["Choose top or bottom."]})
        if after_id is not None or before_id is not None:
            raise ValidationError(
                "Name neighbours or an end, not both.", fields={"to": ["Leave out after_id and before_id with to."]}
            )
        return
    if after_id is None and before_id is None:
        raise ValidationError(
            "Say where the feature goes: after_id, before_id (or both), or to top/bottom.",
            fields={"after_id": ["Name a neighbour, or send to."], "before_id": ["Name a neighbour, or send to."]},
        )
    for name, value in (("after_id", after_id), ("before_id", before_id)):
        if value == feature_id:
            raise ValidationError("A feature is not its own neighbour.", fields={name: ["Not the moved feature."]})
    if after_id is not None and after_id == before_id:
        raise ValidationError(
            "The neighbours are two different features.", fields={"before_id": ["Not the same as after_id."]}
        )


def _current_neighbours(product_id: int, moved_id: int, after: Feature | None, before: Feature | None) -> Neighbours:
    """The neighbours of the place the client meant, now: anchored on the named side that still stands."""
    if after is not None:
        return Neighbours(after.pk, _nearest(product_id, moved_id, after.rank, "after")[1])
    if before is not None:
        return Neighbours(_nearest(product_id, moved_id, before.rank, "before")[1], before.pk)
    return Neighbours(None, None)


def _stale(current: Neighbours, gone: list[str]) -> Conflict:
    message = "Someone else reordered the list: these are no longer neighbours. Reload, or retry with `current`."
    fields = {name: ["Not a neighbour there any more (moved, archived or deleted)."] for name in gone}
    return Conflict(message, code="stale_neighbours", fields=fields, current_state=current.as_dict())


def _place(
    moved: Feature, rows: dict[int, Feature], after_id: int | None, before_id: int | None, to: str | None
) -> tuple[str, Neighbours]:
    """The new key and the neighbours it lands between; Conflict when the named ones are stale."""
    product_id, x = moved.product_id, moved.pk
    if to == "top":
        any_rank, first_id = _nearest(product_id, x, _BELOW_EVERY_KEY, "after")
        return key_between(None, any_rank), Neighbours(None, first_id)
    if to == "bottom":
        any_rank, last_id = _nearest(product_id, x, _ABOVE_EVERY_KEY, "before")
        return key_between(any_rank, None), Neighbours(last_id, None)
    after = rows.get(after_id) if after_id is not None else None
    before = rows.get(before_id) if before_id is not None else None
    named = (("after_id", after_id, after), ("before_id", before_id, before))
    gone = [name for name, pk, row in named if pk is not None and row is None]
    if gone or (after is not None and before is not None and after.rank > before.rank):
        raise _stale(_current_neighbours(product_id, x, after, before), gone or ["after_id", "before_id"])
    if after is not None:
        any_rank, next_id = _nearest(product_id, x, after.rank, "after")
        if before is not None and next_id != before.pk:
            raise _stale(Neighbours(after.pk, next_id), ["before_id"])
        return key_between(after.rank, any_rank), Neighbours(after.pk, next_id)
    if before is None:  # _clean_request refuses a move that names nothing: not reached
        raise ValidationError("Say where the feature goes.")
    any_rank, prev_id = _nearest(product_id, x, before.rank, "before")
    return key_between(any_rank, before.rank), Neighbours(prev_id, before.pk)


def _request_rekey(product_id: int) -> None:
    """Mark the product for a re-key and enqueue it after commit, unless one is already pending."""
    now = timezone.now()
    marked = BacklogSettings.objects.filter(product_id=product_id, rekey_requested_at__isnull=True).update(
        rekey_requested_at=now
    )
    if not marked:
        _, created = BacklogSettings.objects.get_or_create(product_id=product_id, defaults={"rekey_requested_at": now})
        if not created:
            return  # a re-key is pending already: it will re-key this key too
    enqueue_on_commit(rekey_product, product_id)


_FEATURE_FIELDS = [f.attname for f in Feature._meta.concrete_fields]
# The named rows of a move, row-locked in id order, with the product's order lock taken in the same
# statement (one round trip less than lock_product_order and then the SELECT): the lock's condition
# is evaluated for each scanned row before LockRows locks it, so the advisory lock always comes
# first, as in lock_product_order; a row changed while this waited is re-read at its newest version
# (the READ COMMITTED re-check of a locked row), and every later statement of the move sees the
# order after every earlier move committed. Hand-written (fixed), as the UPDATE: the ORM spent
# longer building them than PostgreSQL running them.
_FEATURE_COLUMNS = ", ".join(f'"{f.column}"' for f in Feature._meta.concrete_fields)
_LOCK_ROWS_SQL = (
    f'SELECT {_FEATURE_COLUMNS} FROM "{Feature._meta.db_table}" WHERE id = ANY(%s) AND product_id = %s'  # noqa: S608
    " AND pg_advisory_xact_lock(hashtextextended(%s, 0)) IS NOT NULL ORDER BY id FOR UPDATE"
)
_UPDATE_SQL = (
    f'UPDATE "{Feature._meta.db_table}" SET rank = %s, version = version + 1, updated_at = %s,'  # noqa: S608
    " updated_by_id = %s WHERE id = %s"
)


def _lock_rows(product_id: int, ids: list[int]) -> list[Feature]:
    """The features `ids` of the product, row-locked, under the product's order lock."""
    if connection.vendor != "postgresql":
        lock_product_order(product_id)
        return list(Feature.objects.select_for_update().filter(pk__in=ids, product_id=product_id).order_by("pk"))
    with connection.cursor() as cursor:
        cursor.execute(_LOCK_ROWS_SQL, [ids, product_id, order_lock_key(product_id)])
        return [Feature.from_db(connection.alias, _FEATURE_FIELDS, row) for row in cursor.fetchall()]


@transaction.atomic
def _move(
    *, actor: Actor, feature_id: int, product_id: int | None, after_id: int | None, before_id: int | None,
    to: str | None,
) -> tuple[Feature, Neighbours]:  # fmt: skip
    if product_id is None:
        product_id = Feature.objects.filter(pk=feature_id).values_list("product_id", flat=True).order_by().first()
    if product_id is None:
        raise NotFound("Feature not found.")
    named = [i for i in (feature_id, after_id, before_id) if i is not None]
    rows = {row.pk: row for row in _lock_rows(product_id, named)}
    moved = rows.pop(feature_id, None)
    if moved is None:
        raise NotFound("Feature not found.")
    if moved.archived_at is not None:
        raise ValidationError("An archived feature has no place in the order: restore it first.", code="archived")
    rows = {pk: row for pk, row in rows.items() if row.archived_at is None}
    new_rank, neighbours = _place(moved, rows, after_id, before_id, to)
    old_rank, now = moved.rank, timezone.now()
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(_UPDATE_SQL, [new_rank, now, actor.user.pk if actor.user else None, moved.pk])
    else:
        Feature.objects.filter(pk=moved.pk).update(
            rank=new_rank, version=F("version") + 1, updated_at=now, updated_by=actor.user
        )
    moved.rank, moved.version, moved.updated_at, moved.updated_by = new_rank, moved.version + 1, now, actor.user
    _record(actor, moved, old_rank, neighbours, now)
    if len(new_rank) > KEY_LONG:
        _request_rekey(product_id)
    return moved, neighbours


_RECORD_SQL = """
WITH event AS (
    INSERT INTO backlog_scoreevent (product_id, cause, actor_user_id, actor_label, detail, created_at)
    VALUES (%(product)s, %(cause)s, %(user)s, %(label)s, %(detail)s::jsonb, %(now)s)
    RETURNING id
), history AS (
    INSERT INTO backlog_scorehistory (event_id, feature_id, rice_score, scorecard_score, rank, created_at)
    SELECT id, %(feature)s, %(rice)s, %(scorecard)s, %(rank)s, %(now)s FROM event
)
INSERT INTO pmtool_activityevent (workspace_id, product_id, actor_user_id, actor_token_id, actor_label,
    target_type_id, target_id, target_repr, action, changes, created_at)
SELECT workspace_id, id, %(user)s, %(token)s, %(label)s, %(type)s, %(feature)s, %(repr)s, 'moved',
    %(changes)s::jsonb, %(now)s
FROM pmtool_product WHERE id = %(product)s
"""


def _record(actor: Actor, moved: Feature, old_rank: str, neighbours: Neighbours, now: Any) -> None:
    """The move's ScoreEvent (cause "moved"), its ScoreHistory row and the activity event: one
    statement on PostgreSQL (a CTE of three INSERTs), the ORM elsewhere."""
    detail = {"feature": moved.pk, "from": old_rank, "to": moved.rank, **neighbours.as_dict()}
    changes = {
        "rank": {"from": old_rank, "to": moved.rank},
        **{name: {"from": None, "to": pk} for name, pk in neighbours.as_dict().items()},
    }
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(_RECORD_SQL, {
                "product": moved.product_id, "cause": ScoreCause.MOVED.value,
                "user": actor.user.pk if actor.user else None, "token": actor.token.pk if actor.token else None,
                "label": actor.label[:160], "detail": json.dumps(detail), "now": now, "feature": moved.pk,
                "rice": moved.rice_score, "scorecard": moved.scorecard_score, "rank": moved.rank,
                "type": ContentType.objects.get_for_model(Feature).pk, "repr": str(moved)[:200],
                "changes": json.dumps(changes),
            })  # fmt: skip
        return
    event = ScoreEvent.objects.create(
        product_id=moved.product_id, cause=ScoreCause.MOVED, actor_user=actor.user, actor_label=actor.label[:160],
        detail=detail, created_at=now,
    )  # fmt: skip
    ScoreHistory.objects.create(
        event=event, feature=moved, rice_score=moved.rice_score, scorecard_score=moved.scorecard_score,
        rank=moved.rank, created_at=now,
    )  # fmt: skip
    workspace_id = Product.objects.filter(pk=moved.product_id).values_list("workspace_id", flat=True).get()
    activity_record(
        actor=actor, workspace=workspace_id, product=moved.product_id, target=moved, action="moved", changes=changes
    )


def feature_move(
    *,
    actor: Actor,
    feature_id: int,
    before_id: int | None = None,
    after_id: int | None = None,
    to: str | None = None,
    product_id: int | None = None,
) -> Feature:
    """Move a feature between `after_id` (above) and `before_id` (below), or `to` "top"/"bottom"
    (see the module's docstring for the contract). Writes one row of backlog_feature. Returns the
    feature with its new rank and version, and `neighbours` (a Neighbours: where it landed).
    `product_id`: the feature's product when the caller has it at hand (saves a query; a wrong
    one is a 404, as the moved feature is looked up in it).

    ValidationError (400) for a request that names no place or an impossible one; NotFound (404)
    for an unknown feature; Conflict (409, code stale_neighbours, `current` = the neighbours now)
    when the named neighbours are not adjacent any more."""
    _clean_request(feature_id, after_id, before_id, to)
    try:
        moved, neighbours = _move(
            actor=actor, feature_id=feature_id, product_id=product_id, after_id=after_id, before_id=before_id, to=to
        )
    except IntegrityError as exc:  # a key taken by a write that did not take the order lock
        raise Conflict(
            "Someone else changed the order at the same moment. Reload and try again.", code="concurrent_write"
        ) from exc
    moved.neighbours = neighbours  # type: ignore[attr-defined]
    return moved


# --- re-key ------------------------------------------------------------------------------------

# The keys of even_keys(n), computed in SQL from each row's place: width w (smallest with 62^w > n),
# step 62^w // (n + 1), key = chr('a' + w - 1) || the w base-62 digits of step * place.
