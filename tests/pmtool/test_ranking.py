"""pmtool.ranking: the key arithmetic, by property (hypothesis), and the database's order of keys.

For any sequence of inserts and moves (at the top, at the bottom, between any two neighbours) every
new key is a valid key strictly between its neighbours, the list stays unique and sorted byte-wise,
`keys_between` / `even_keys` give n increasing keys in the gap, malformed keys are refused, and
keys stay short for the common patterns (appending, prepending)."""

from __future__ import annotations

import pytest
from django.db import connection
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pmtool.ranking import (
    BASE,
    DIGITS,
    FIRST_KEY,
    KEY_LONG,
    KEY_MAX,
    InvalidKey,
    even_keys,
    key_between,
    keys_between,
    validate_key,
)

SMALLEST_INTEGER = "A" + "0" * 26
digit = st.sampled_from(DIGITS)
nonzero = st.sampled_from(DIGITS[1:])


@st.composite
def keys(draw: st.DrawFn) -> str:
    """Any well-formed key: a head, its integer digits, a fraction not ending in zero."""
    head = draw(st.sampled_from("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"))
    length = ord(head) - ord("a") + 2 if head >= "a" else ord("Z") - ord(head) + 2
    integer = head + "".join(draw(st.lists(digit, min_size=length - 1, max_size=length - 1)))
    fraction = "".join(draw(st.lists(digit, max_size=6)))
    if fraction:
        fraction += draw(nonzero)
    key = integer + fraction
    if key == SMALLEST_INTEGER:
        return FIRST_KEY
    return key


def _check_between(a: str | None, b: str | None, k: str) -> None:
    assert validate_key(k) == k
    assert a is None or a < k, (a, k)
    assert b is None or k < b, (k, b)


@settings(deadline=None)  # a loaded CI machine is not a slow key
@given(keys(), keys())
def test_key_between_any_two_keys_is_strictly_between(x: str, y: str) -> None:
    if x == y:
        with pytest.raises(InvalidKey):
            key_between(x, y)
        return
    a, b = sorted((x, y))
    _check_between(a, b, key_between(a, b))
    with pytest.raises(InvalidKey):
        key_between(b, a)


@settings(deadline=None)  # a loaded CI machine is not a slow key
@given(keys())
def test_key_between_an_open_end(k: str) -> None:
    _check_between(k, None, key_between(k, None))
    if k.startswith("A" + "0" * 25) and len(k) == 27:
        return  # nothing but fractions of the smallest integer below it: checked below
    _check_between(None, k, key_between(None, k))


def test_keys_just_above_the_smallest_integer() -> None:
    for k in ("A" + "0" * 25 + "1", SMALLEST_INTEGER + "1", SMALLEST_INTEGER + "01"):
        _check_between(None, k, key_between(None, k))


# one operation of a list's life: (kind, where); `where` picks a neighbour pair
operations = st.lists(
    st.tuples(st.sampled_from(["top", "bottom", "between", "move"]), st.integers(0, 10_000), st.integers(0, 10_000)),
    min_size=1,
    max_size=120,
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(operations)
def test_any_sequence_of_inserts_and_moves_keeps_a_strict_order(ops: list[tuple[str, int, int]]) -> None:
    order: list[str] = []  # the list's keys, in its order
    for kind, where, which in ops:
        if kind == "move" and len(order) >= 2:
            order.pop(which % len(order))  # the moved row leaves its place, then lands like an insert
            kind = "between" if len(order) >= 2 else "bottom"
        if kind == "top" or not order:
            below = order[0] if order else None
            new = key_between(None, below)
            _check_between(None, below, new)
            order.insert(0, new)
        elif kind == "bottom" or len(order) < 2:
            new = key_between(order[-1], None)
            _check_between(order[-1], None, new)
            order.append(new)
        else:
            i = where % (len(order) - 1)
            new = key_between(order[i], order[i + 1])
            _check_between(order[i], order[i + 1], new)
            order.insert(i + 1, new)
        assert len(new) < KEY_MAX
    assert order == sorted(order)
    assert len(set(order)) == len(order)


@settings(deadline=None)  # a loaded CI machine is not a slow key
@given(st.one_of(st.none(), keys()), st.one_of(st.none(), keys()), st.integers(0, 300))
def test_keys_between_gives_n_increasing_keys_in_the_gap(x: str | None, y: str | None, n: int) -> None:
    if x is not None and y is not None:
        if x == y:
            return
        x, y = sorted((x, y))
    if y is not None and y.startswith("A" + "0" * 25) and len(y) <= 28:
        return  # no room below it for n integers (only fractions): not a gap a list reaches
    got = keys_between(x, y, n)
    assert len(got) == n
    assert got == sorted(got) and len(set(got)) == n
    for k in got:
        _check_between(x, y, k)


@given(st.integers(0, 5_000))
@settings(max_examples=60, deadline=None)
def test_even_keys_are_n_increasing_keys_of_one_short_length(n: int) -> None:
    got = even_keys(n)
    assert len(got) == n
    assert got == sorted(got) and len(set(got)) == n
    assert len({len(k) for k in got}) <= 1
    for k in got:
        assert validate_key(k) == k and len(k) <= 5
    if got:  # room on both sides and between neighbours
        _check_between(None, got[0], key_between(None, got[0]))
        _check_between(got[-1], None, key_between(got[-1], None))


@pytest.mark.parametrize("n", [1, 2, BASE - 1, BASE, BASE + 1, BASE**2 - 1, BASE**2, BASE**2 + 1, 100_000])
def test_even_keys_at_the_width_boundaries(n: int) -> None:
    got = even_keys(n)
    assert len(got) == n and got == sorted(got) and len(set(got)) == n
    for k in got:
        validate_key(k)


@settings(deadline=None)  # a loaded CI machine is not a slow key
@given(st.text(max_size=40))
def test_malformed_keys_are_refused(text: str) -> None:
    try:
        validate_key(text)
    except InvalidKey:
        return
    # accepted: then it is a key by the rules (known digits, integer part of its head's length, no trailing zero)
    assert text and all(c in DIGITS for c in text)
    assert text[0].isalpha()
    _check_between(text, None, key_between(text, None))


@pytest.mark.parametrize(
    "bad", ["", "a", "a00", "b0", "a0-", "a0 ", "é0", "a" + "\x00", SMALLEST_INTEGER, "Z", "a10", "!"]
)
def test_known_malformed_keys(bad: str) -> None:
    with pytest.raises(InvalidKey):
        validate_key(bad)
    with pytest.raises(InvalidKey):
        key_between(bad, None)
    with pytest.raises(InvalidKey):
        key_between(None, bad)


def test_growth_is_bounded() -> None:
    """1000 appends (and 1000 prepends) stay a few characters long; 1000 inserts at random places
    stay under the re-key threshold; the worst case (always into the same shrinking gap) grows by
    about one character per 6 halvings, so KEY_LONG is reached only after ~250 such moves."""
    last: str | None = None
    first: str | None = None
    for _ in range(1000):
        last = key_between(last, None)
        first = key_between(None, first)
    assert last is not None and first is not None
    assert len(last) <= 4 and len(first) <= 4

    import random

    rng = random.Random(9)
    order = even_keys(50)
    for _ in range(1000):
        i = rng.randrange(len(order) - 1)
        order.insert(i + 1, key_between(order[i], order[i + 1]))
    assert order == sorted(order)
    assert max(map(len, order)) < KEY_LONG

    lo, hi = "a0", "a1"
    for _ in range(200):
        hi = key_between(lo, hi)
    assert len(hi) < KEY_LONG


# --- the database agrees ------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_database_orders_keys_as_python_does() -> None:
    """ORDER BY rank (collation "C" on PostgreSQL) is Python's byte-wise sorted(), for keys mixing
    digits, upper and lower case, where a linguistic collation would sort "a1" beside "A1"."""
    from backlog.models import Feature
    from tests.factories import FeatureFactory, ProductFactory

    product = ProductFactory()
    mixed = ["a0", "a1", "aA", "aa", "Zz", "Z0", "b00", "b0A", "b0a", "a0V", "a0v", "A" + "0" * 25 + "1"]
    mixed = [k for k in mixed if _valid(k)]
    for i, key in enumerate(reversed(mixed)):
        FeatureFactory(product=product, rank=key, title=f"F{i}")
    in_db = list(Feature.objects.filter(product=product).order_by("rank").values_list("rank", flat=True))
    assert in_db == sorted(mixed)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT rank FROM backlog_feature WHERE product_id = %s AND rank > %s ORDER BY rank", [product.pk, "Z0"]
        )
        assert [r for (r,) in cursor.fetchall()] == [k for k in sorted(mixed) if k > "Z0"]
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT collation_name FROM information_schema.columns "
                "WHERE table_name = 'backlog_feature' AND column_name = 'rank'"
            )
            assert cursor.fetchone() == ("C",)


def _valid(key: str) -> bool:
    try:
        validate_key(key)
    except InvalidKey:
        return False
    return True
