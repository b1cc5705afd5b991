"""The response cache's bookkeeping (api/response_cache.py): bounded by entries,
bytes and age, least recently used out first; a newer data version voids every
entry, an older one neither hits nor stores; the key holds everything an answer
depends on besides the data."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest

from api.response_cache import (
    ENTRY_OVERHEAD_BYTES,
    EVENT_BYTES,
    RequestFacts,
    ResponseCache,
    request_key,
)
from authz.principal import Principal
from domain.enums import OrganizationKind, Role
from storage.audit_log import AuditEvent


class Ticks:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def a_cache(entries: int = 10, max_bytes: int = 1_000_000, age: float = 60.0) -> ResponseCache:
    return ResponseCache(entries, max_bytes, age, clock=Ticks())


def test_an_answer_is_found_under_its_key_and_version() -> None:
    cache = a_cache()
    assert cache.get(1, ("a",)) is None
    read = AuditEvent("read_personal", "audit_report", "r-1", "u-1", "o-1")
    assert cache.put(1, ("a",), b'{"data":1}', [read])
    entry = cache.get(1, ("a",))
    assert entry is not None and entry.body == b'{"data":1}' and entry.reads == (read,)
    assert cache.get(1, ("b",)) is None
    assert (cache.hits, cache.misses) == (1, 2)


def test_a_newer_version_voids_every_entry_and_an_older_one_changes_nothing() -> None:
    cache = a_cache()
    cache.put(5, ("a",), b"five", [])
    assert not cache.put(4, ("b",), b"four", []), "an answer from an older version"
    assert cache.get(4, ("a",)) is None
    assert cache.get(5, ("a",)) is not None
    assert cache.get(6, ("a",)) is None
    assert len(cache) == 0 and cache.bytes == 0
    assert cache.get(5, ("a",)) is None, "the newest version seen stays"


def test_the_least_recently_used_entry_goes_first() -> None:
    cache = a_cache(entries=2)
    cache.put(1, ("a",), b"a", [])
    cache.put(1, ("b",), b"b", [])
    cache.get(1, ("a",))
    cache.put(1, ("c",), b"c", [])
    assert cache.get(1, ("b",)) is None
    assert cache.get(1, ("a",)) is not None and cache.get(1, ("c",)) is not None


def test_bytes_are_bounded() -> None:
    size = 100 + ENTRY_OVERHEAD_BYTES
    cache = a_cache(max_bytes=2 * size + EVENT_BYTES)
    cache.put(1, ("a",), b"x" * 100, [])
    cache.put(1, ("b",), b"x" * 100, [])
    cache.put(1, ("c",), b"x" * 100, [])
    assert len(cache) == 2 and cache.bytes == 2 * size
    assert not cache.put(1, ("d",), b"x" * (3 * size), []), "larger than the whole cache"
    cache.put(1, ("b",), b"y" * 100, [])  # replaced, not counted twice
    assert cache.bytes == 2 * size


def test_entries_past_the_age_limit_are_dropped() -> None:
    ticks = Ticks()
    cache = ResponseCache(10, 1_000_000, 60.0, clock=ticks)
    cache.put(1, ("a",), b"a", [])
    ticks.now = 60.0
    assert cache.get(1, ("a",)) is not None
    ticks.now = 60.5
    assert cache.get(1, ("a",)) is None and len(cache) == 0


@pytest.mark.parametrize("entries, max_bytes", [(0, 1000), (10, 0)])
def test_zero_turns_it_off(entries: int, max_bytes: int) -> None:
    cache = ResponseCache(entries, max_bytes, 60.0)
    assert not cache.enabled
    assert not cache.put(1, ("a",), b"", [])


PRINCIPAL = Principal(
    "u-1", "a@b.no", "o-1", OrganizationKind.PUBLIC_BODY, frozenset({Role.VIEWER})
)
FACTS = RequestFacts(
    body=b'{"query": "{ me { roles } }", "variables": {"a": 1, "b": 2}}',
    principal=PRINCIPAL,
    policy_version=7,
    utc_day=dt.date(2026, 12, 1),
    local_day=dt.date(2026, 12, 1),
    gateway=False,
    base_url="http://testserver/",
)


def test_the_same_request_in_other_json_spelling_has_the_same_key() -> None:
    spelt = b'{"variables":{"b":2,"a":1},"query":"{ me { roles } }"}'
    assert request_key(FACTS) == request_key(dataclasses.replace(FACTS, body=spelt))


@pytest.mark.parametrize(
    "change",
    [
        {"body": b'{"query": "{ me { roles } }", "variables": {"a": 1, "b": 3}}'},
        {"body": FACTS.body[:-1] + b', "operationName": "X"}'},
        {"principal": None},
        {"principal": dataclasses.replace(PRINCIPAL, user_id="u-2")},
        {"principal": dataclasses.replace(PRINCIPAL, organization_id="o-2")},
        {"principal": dataclasses.replace(PRINCIPAL, organization_kind=OrganizationKind.SUPPLIER)},
        {"principal": dataclasses.replace(PRINCIPAL, roles=frozenset({Role.CONTRACT_MANAGER}))},
        {"policy_version": 8},
        {"utc_day": dt.date(2026, 12, 2)},
        {"local_day": dt.date(2026, 12, 2)},
        {"gateway": True},
        {"base_url": "https://api.example/"},
    ],
)
def test_everything_an_answer_depends_on_is_in_the_key(change: dict[str, object]) -> None:
    assert request_key(dataclasses.replace(FACTS, **change)) != request_key(FACTS)  # type: ignore[arg-type]


@pytest.mark.parametrize("body", [b"not json", b"[1]", b'{"query": 1}', b"\xff"])
def test_a_body_that_is_not_an_operation_has_no_key(body: bytes) -> None:
    assert request_key(dataclasses.replace(FACTS, body=body)) is None
