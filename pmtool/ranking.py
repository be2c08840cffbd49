"""Ranking keys: the hand-made order of a list, stored as a fractional key per row.

Owns: `RankField` (a string column compared byte-wise: collation "C" on PostgreSQL, SQLite's
default BINARY elsewhere), and the key arithmetic (`key_between`, `keys_between`) used by every
app that lets people order things by hand (backlog features today, roadmap lanes later).

A move computes one key strictly between its two neighbours and writes one row: nothing else is
renumbered. Keys grow a little with each move into the same gap; a background re-key gives a
product evenly spaced short keys again when they have grown long (`KEY_LONG`).
"""

from __future__ import annotations

from typing import Any

from django.db import models
from django.db.backends.base.base import BaseDatabaseWrapper

KEY_MAX = 255
"""The column's length. A key never reaches it: a list is re-keyed once a key passes KEY_LONG."""

KEY_LONG = 48
"""A key longer than this asks for a re-key of its list (after commit, in the background)."""


class RankField(models.CharField):  # type: ignore[type-arg]
    """A ranking key column: byte-wise comparison on every database, so ORDER BY and < agree with Python."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("max_length", KEY_MAX)
        super().__init__(*args, **kwargs)

    def db_parameters(self, connection: BaseDatabaseWrapper) -> dict[str, Any]:
        params = super().db_parameters(connection)
        if connection.vendor == "postgresql":
            params["collation"] = "C"
        return params


# --- key arithmetic ---------------------------------------------------------------------------
#
# A key is an integer part followed by a fraction, over the 62 digits below (ASCII order, so
# byte-wise comparison is numeric comparison). The integer part's first character gives its length:
# "a".."z" are 2..27 characters (non-negative side), "A".."Z" are 27..2 characters (negative side),
# so appending at either end grows keys logarithmically, not linearly. The fraction never ends in
# "0", so there is always room between two keys.

DIGITS = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
BASE = len(DIGITS)
_ZERO = DIGITS[0]
_INDEX = {c: i for i, c in enumerate(DIGITS)}
FIRST_KEY = "a" + _ZERO
_SMALLEST = "A" + _ZERO * 26


class InvalidKey(ValueError):
    """A string that is not a ranking key (or a pair that is not in order)."""


def _integer_length(head: str) -> int:
    if "a" <= head <= "z":
        return ord(head) - ord("a") + 2
    if "A" <= head <= "Z":
        return ord("Z") - ord(head) + 2
    raise InvalidKey(f"invalid key head {head!r}")


def _split(key: str) -> tuple[str, str]:
    if not key:
        raise InvalidKey("empty key")
    n = _integer_length(key[0])
    if len(key) < n or any(c not in _INDEX for c in key):
        raise InvalidKey(f"invalid key {key!r}")
    integer, fraction = key[:n], key[n:]
    if fraction.endswith(_ZERO):
        raise InvalidKey(f"invalid key {key!r} (fraction ends in zero)")
    return integer, fraction


def validate_key(key: str) -> str:
    """`key` when it is a well-formed ranking key; InvalidKey otherwise."""
    _split(key)
    if key == _SMALLEST:
        raise InvalidKey("the smallest integer has no key below it")
    return key


def _midpoint(a: str, b: str | None) -> str:
    """A fraction strictly between fractions `a` and `b` (b None: 1); `a` < `b`, neither ends in zero."""
    if b is not None:
        n = 0
        while n < len(b) and (a[n] if n < len(a) else _ZERO) == b[n]:
            n += 1
        if n > 0:
            return b[:n] + _midpoint(a[n:], b[n:])
    digit_a = _INDEX[a[0]] if a else 0
    digit_b = _INDEX[b[0]] if b is not None else BASE
    if digit_b - digit_a > 1:
        return DIGITS[(digit_a + digit_b) // 2]
    if b is not None and len(b) > 1:
        return b[:1]
    return DIGITS[digit_a] + _midpoint(a[1:], None)


def _increment(integer: str) -> str | None:
    head, digits = integer[0], list(integer[1:])
    for i in range(len(digits) - 1, -1, -1):
        d = _INDEX[digits[i]] + 1
        if d < BASE:
            digits[i] = DIGITS[d]
            return head + "".join(digits)
        digits[i] = _ZERO
    if head == "Z":
        return "a" + _ZERO
    if head == "z":
        return None
    new_head = chr(ord(head) + 1)
    if new_head > "a":
        digits.append(_ZERO)
    else:
        digits.pop()
    return new_head + "".join(digits)


def _decrement(integer: str) -> str | None:
    head, digits = integer[0], list(integer[1:])
    for i in range(len(digits) - 1, -1, -1):
        d = _INDEX[digits[i]] - 1
        if d >= 0:
            digits[i] = DIGITS[d]
            return head + "".join(digits)
        digits[i] = DIGITS[-1]
    if head == "a":
        return "Z" + DIGITS[-1]
    if head == "A":
        return None
    new_head = chr(ord(head) - 1)
    if new_head < "Z":
        digits.append(DIGITS[-1])
    else:
        digits.pop()
    return new_head + "".join(digits)


def key_between(a: str | None, b: str | None) -> str:
    """A key strictly between `a` and `b` (None: the open end). InvalidKey unless a < b."""
    if a is not None:
        validate_key(a)
    if b is not None:
        validate_key(b)
    if a is not None and b is not None and a >= b:
        raise InvalidKey(f"{a!r} is not below {b!r}")
    if a is None:
        if b is None:
            return FIRST_KEY
        int_b, frac_b = _split(b)
        if int_b == _SMALLEST:
            return int_b + _midpoint("", frac_b)
        if frac_b:
            return int_b
        lower = _decrement(int_b)
        if lower is None:
            raise InvalidKey("no key below the smallest integer")
        if lower == _SMALLEST:  # the bare smallest integer is not a key (no room below it): a fraction of it
            return lower + _midpoint("", None)
        return lower
    int_a, frac_a = _split(a)
    if b is None:
        higher = _increment(int_a)
        return int_a + _midpoint(frac_a, None) if higher is None else higher
    int_b, frac_b = _split(b)
    if int_a == int_b:
        return int_a + _midpoint(frac_a, frac_b)
    higher = _increment(int_a)
    if higher is None:
        raise InvalidKey("keys out of range")
    return higher if higher < b else int_a + _midpoint(frac_a, None)


def keys_between(a: str | None, b: str | None, n: int) -> list[str]:
    """`n` keys in increasing order, strictly between `a` and `b`, spread over the gap (a bisection,
    so their length grows with log n, not n)."""
    if n <= 0:
        return []
    if n == 1:
        return [key_between(a, b)]
    if b is None:
        keys, current = [], a
        for _ in range(n):
            current = key_between(current, None)
            keys.append(current)
        return keys
    if a is None:
        keys, current_b = [], b
        for _ in range(n):
            current_b = key_between(None, current_b)
            keys.append(current_b)
        return keys[::-1]
    mid = n // 2
    middle = key_between(a, b)
    return [*keys_between(a, middle, mid), middle, *keys_between(middle, b, n - mid - 1)]


def even_keys(n: int) -> list[str]:
    """`n` short, evenly spaced keys in increasing order, as for a fresh list or a re-key: fixed-width
    integer parts, so every key of the list has the same length ("a" + k digits)."""
    if n <= 0:
        return []
    width = 1
    while BASE**width <= n:  # room for n values 1..n with a step of at least 1
        width += 1
    head = chr(ord("a") + width - 1)
    step = max(1, BASE**width // (n + 1))

    def digits(value: int) -> str:
        out = []
        for _ in range(width):
            value, d = divmod(value, BASE)
            out.append(DIGITS[d])
        return "".join(reversed(out))

    return [head + digits(step * (i + 1)) for i in range(n)]
