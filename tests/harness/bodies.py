"""Bad input for the API, generated once: the endpoint table entry, every way to send a bad body
(broken JSON, a body that is not an object, unknown and read-only fields, missing fields, text
that is too long, NUL and lone surrogates, wrong types per field), the checker that sends one
case and asserts the 400 with the one error body, and the bad ids and If-Match headers.

Every 4xx carries {"error": {"code", "message", "fields"}}; no bad input is a 500."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import pytest
from rest_framework.test import APIClient


class FillIds:
    """A test's ids (a dataclass deriving from this): `ids.fill("/api/v1/goals/{goal}/")` puts them
    into a URL template; keyword arguments override one (e.g. an outsider's id)."""

    def fill(self, template: str, **override: Any) -> str:
        return template.format(**{**self.__dict__, **override})


HUGE = "x" * 10_000
TOO_BIG_ID = "99999999999999999999"  # 20 digits: more than a bigint holds
BAD_IDS = ("999999", "999999999999999999", TOO_BIG_ID, "0", "-1", "abc", "1.5", "%00", "1e3")
BAD_IF_MATCH = ("abc", '"1", "2"', '"99999999999999999999999"', "1\x00")

# Bodies that are not JSON at all (parse_error), then JSON that is not an object (invalid).
NOT_JSON = (
    ("malformed-json", '{"name":'),
    ("trailing-comma", '{"name": "x",}'),
    ("binary", "\x00\xff"),
    ("nan", '{"version": 1, "baseline": NaN}'),
)
NOT_AN_OBJECT = (("array", ["x"]), ("empty-array", []), ("string", "name"), ("number", 42), ("null", None))


@dataclass(frozen=True)
class Endpoint:
    """One write endpoint and what its bad-input cases vary.

    strings: the text fields; a mapping gives each one's maximum length (None: some limit below
    10,000, or a choice), a plain sequence means every one refuses 10,000 characters.
    wrong_types: one-field overrides of `valid`, each refused with an error naming that field.
    unknown: fields the endpoint does not accept (read-only ones included)."""

    name: str
    method: str
    url: str
    valid: dict[str, Any] = field(default_factory=dict)
    strings: Mapping[str, int | None] | Sequence[str] = ()
    required: tuple[str, ...] = ()
    wrong_types: tuple[dict[str, Any], ...] = ()
    unknown: tuple[str, ...] = ("bogus",)
    ok: int = 200

    def __str__(self) -> str:
        return self.name

    def limits(self) -> dict[str, int | None]:
        return dict(self.strings) if isinstance(self.strings, Mapping) else dict.fromkeys(self.strings)


def _case(ep: Endpoint, kind: str, payload: Any, code: str | None, fields: tuple[str, ...], label: str) -> Any:
    return pytest.param(ep, kind, payload, code, fields, id=f"{ep}-{label}")


def _text_cases(ep: Endpoint, name: str, limit: int | None) -> list[Any]:
    values = []
    if limit is not None:
        values.append(("too-long", "x" * (limit + 1)))
    if limit is None or limit < len(HUGE):
        values.append(("huge", HUGE))
    values.append(("nul", "a\x00b"))
    found = [
        _case(ep, "json", {**ep.valid, name: value}, "invalid", (name,), f"{label}-{name}") for label, value in values
    ]
    # A lone surrogate is valid JSON ("\\ud800") but not UTF-8: the database cannot store it.
    raw = json.dumps({**ep.valid, name: "a\ud800b"})
    found.append(_case(ep, "raw", raw, "invalid", (name,), f"surrogate-{name}"))
    return found


def body_cases(endpoints: Sequence[Endpoint]) -> list[Any]:
    """(endpoint, kind, payload, code, fields) for every way to send a bad body to every endpoint:
    kind "raw" sends the payload string as the JSON body, "json" sends the payload encoded; code
    None accepts any error code; fields are the names the error must carry."""
    found = []
    for ep in endpoints:
        for label, raw in (*NOT_JSON, ("truncated", json.dumps(ep.valid)[:-1])):
            found.append(_case(ep, "raw", raw, "parse_error", (), label))
        for label, value in NOT_AN_OBJECT:
            found.append(_case(ep, "raw", json.dumps(value), "invalid", (), f"{label}-body"))
        for name in ep.unknown:
            label = "unknown" if name == "bogus" else f"unknown-{name}"
            found.append(_case(ep, "json", {**ep.valid, name: 5 if name != "bogus" else 1}, "invalid", (name,), label))
        found.append(_case(ep, "raw", '{"\\ud800": 1}', "invalid", (), "surrogate-key"))
        for name in ep.required:
            body = {k: v for k, v in ep.valid.items() if k != name}
            found.append(_case(ep, "json", body, "invalid", (name,), f"missing-{name}"))
        for name, limit in ep.limits().items():
            found.extend(_text_cases(ep, name, limit))
        for i, wrong in enumerate(ep.wrong_types):
            (name,) = wrong
            found.append(_case(ep, "json", {**ep.valid, **wrong}, None, (name,), f"wrong-{name}-{i}"))
    return found


# --- sending and checking ---------------------------------------------------------------


def send(client: APIClient, method: str, url: str, body: Any = None, *, raw: str | None = None, **extra: Any) -> Any:
    """Send `body` as JSON (or `raw` bytes labelled as JSON)."""
    if raw is None and body is None:
        return getattr(client, method)(url, **extra)
    data = raw if raw is not None else json.dumps(body)
    return client.generic(method.upper(), url, data=data, content_type="application/json", **extra)


def assert_error(response: Any, status: int, code: str | None = None, fields: tuple[str, ...] = ()) -> dict:
    """`response` is a JSON error with the one body shape; returns the "error" object."""
    assert response.status_code == status, (response.status_code, response.content[:500])
    assert response["Content-Type"].startswith("application/json"), response["Content-Type"]
    body = response.json()
    assert set(body) == {"error"}, body
    error = body["error"]
    assert set(error) == {"code", "message", "fields"}, error
    assert isinstance(error["code"], str) and error["code"], error
    assert isinstance(error["message"], str) and error["message"].strip(), error
    assert isinstance(error["fields"], dict), error
    if code is not None:
        assert error["code"] == code, error
    for name in fields:
        assert name in error["fields"], (name, error)
        assert error["fields"][name], error
    return error


def check_bad_body(
    client: APIClient, url: str, endpoint: Endpoint, kind: str, payload: Any, code: str | None, fields: tuple
) -> dict:
    """Send one case of body_cases() and assert the 400; returns the "error" object."""
    if kind == "raw":
        response = send(client, endpoint.method, url, raw=payload)
    else:
        response = send(client, endpoint.method, url, payload)
    return assert_error(response, 400, code, fields)
