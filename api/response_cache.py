"""Answers to queries, served again while nothing they depend on has changed.

An answer is kept in this process under a key of everything it depends on:

- the request: the canonical JSON of its body (document, operation name,
  variables, extensions);
- the viewer: user, organisation, its kind and the roles it acts with (as
  narrowed by the token), so two viewers never share an answer; anonymous
  callers share theirs;
- the version of the policy snapshot that decided for the request
  (authz/policy_sync.py), so a changed grant is a new key;
- the day, by the request clock (UTC) and by this process's own calendar:
  OVERDUE actions and active contracts are judged by the day;
- whether the gateway asked (`_service`) and the base URL;

and the data version (storage/data_version.py), read in the request's own
transaction before anything it answers from. Every commit that changes data
advances that version, in whichever process, so a request after the commit
reads a newer one and misses; the cache keeps the entries of the newest version
it has seen only, and a request that read an older one neither hits nor stores.

Stored: only the answer to a query that ran without errors (`Context.clean_query`,
status 200) and that nothing marked `Scope.not_reusable` (deadlines to the
second, download links that expire, the in-memory supply graph, the audit log).
Stored with it: the read-log events its sensitive reads appended; a hit appends
them again before the answer leaves, exactly as the first request did. Entries
older than `response_cache_max_age_seconds` are dropped as a backstop. Not
consulted: uploads, requests with an `Idempotency-Key`, anything but a JSON POST.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import time
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from cross_web import HTTPException

from api import limits
from authz.principal import Principal
from settings import Settings
from storage.audit_log import AuditEvent

Key = tuple[object, ...]

ENTRY_OVERHEAD_BYTES = 512
"""What an entry costs beside its body (key, bookkeeping), for the byte limit."""
EVENT_BYTES = 256
"""What one stored read-log event costs, for the byte limit."""


@dataclass(frozen=True)
class Entry:
    body: bytes
    reads: tuple[AuditEvent, ...]
    stored_at: float
    size: int


@dataclass(frozen=True)
class RequestFacts:
    """What a request's answer depends on besides the data: see the module's doc."""

    body: bytes
    principal: Principal | None
    policy_version: int | None
    utc_day: dt.date
    local_day: dt.date
    gateway: bool
    base_url: str


def request_key(facts: RequestFacts) -> Key | None:
    """The key of a GraphQL POST body, or None when it is not one (the view
    answers that with its own error)."""
    try:
        payload = limits.decode_json(facts.body)
    except HTTPException:
        return None
    if not isinstance(payload, dict) or not isinstance(payload.get("query"), str):
        return None
    canonical = json.dumps(payload, sort_keys=True, separators=(",", ":"))
    principal = facts.principal
    viewer: tuple[object, ...] = (
        ("anonymous",)
        if principal is None
        else (
            principal.user_id,
            principal.organization_id,
            principal.organization_kind.value,
            tuple(sorted(role.value for role in principal.roles)),
        )
    )
    return (
        hashlib.sha256(canonical.encode()).digest(),
        viewer,
        facts.policy_version,
        facts.utc_day,
        facts.local_day,
        facts.gateway,
        facts.base_url,
    )


class ResponseCache:
    """A bounded LRU of answers of one data version (entries, bytes, age)."""

    def __init__(
        self,
        max_entries: int,
        max_bytes: int,
        max_age_seconds: float,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.max_entries = max_entries
        self.max_bytes = max_bytes
        self.max_age_seconds = max_age_seconds
        self.clock = clock
        self.version: int | None = None
        self.bytes = 0
        self.hits = 0
        self.misses = 0
        self._entries: OrderedDict[Key, Entry] = OrderedDict()

    @classmethod
    def from_settings(cls, settings: Settings) -> ResponseCache:
        return cls(
            settings.response_cache_entries,
            settings.response_cache_bytes,
            settings.response_cache_max_age_seconds,
        )

    @property
    def enabled(self) -> bool:
        return self.max_entries > 0 and self.max_bytes > 0

    def __len__(self) -> int:
        return len(self._entries)

    def get(self, version: int, key: Key) -> Entry | None:
        """The answer stored under `key` at `version`, if still fresh."""
        self._advance(version)
        entry = self._entries.get(key) if version == self.version else None
        if entry is not None and self.clock() - entry.stored_at > self.max_age_seconds:
            self._drop(key)
            entry = None
        if entry is None:
            self.misses += 1
            return None
        self._entries.move_to_end(key)
        self.hits += 1
        return entry

    def put(self, version: int, key: Key, body: bytes, reads: Sequence[AuditEvent]) -> bool:
        """Keep an answer computed at `version`; False when it is not kept (an older
        version than the newest seen, or larger than the whole cache)."""
        self._advance(version)
        size = len(body) + ENTRY_OVERHEAD_BYTES + EVENT_BYTES * len(reads)
        if version != self.version or size > self.max_bytes or not self.enabled:
            return False
        if key in self._entries:
            self._drop(key)
        self._entries[key] = Entry(body, tuple(reads), self.clock(), size)
        self.bytes += size
        while len(self._entries) > self.max_entries or self.bytes > self.max_bytes:
            self._drop(next(iter(self._entries)))
        return True

    def _advance(self, version: int) -> None:
        """A newer data version voids every entry; an older one changes nothing."""
        if self.version is None or version > self.version:
            self._entries.clear()
            self.bytes = 0
            self.version = version

    def _drop(self, key: Key) -> None:
        self.bytes -= self._entries.pop(key).size
