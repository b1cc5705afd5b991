"""The append-only audit log, chained with a keyed MAC.

DESIGN.md: every read of RESTRICTED or PERSONAL data and every change of sharing
is written here. Each entry's MAC (HMAC-SHA256 under the audit key,
`storage.audit_keys`) covers its own fields, its `seq` and the previous entry's
MAC, so editing, removing or reordering an entry breaks the chain at that point
and `verify` finds it. The key lives outside the database: whoever can only
write the database cannot recompute the chain after an edit.

What a chain cannot show from inside is a cut tail: the last entries removed
leave an intact, shorter chain. `head` gives the last entry's seq and MAC to keep
elsewhere; `verify(head=...)` then checks that this entry is still there, with
the same MAC, and the chain does not end before it.

Entries written before the key existed carry the unkeyed SHA-256 of the same
fields. `verify` reports them (they could as well be a chain recomputed without
the key); `rekey` seals such a log once: it checks the unkeyed chain, then
recomputes every MAC under the key.

Appends are serialised so two transactions never chain onto the same entry:

* PostgreSQL: `pg_advisory_xact_lock(AUDIT_LOG_LOCK)` is taken first and held
  until the caller's transaction ends; the following read (READ COMMITTED: a
  fresh snapshot per statement) then sees the true last entry.
* SQLite: an INSERT that inserts no rows is issued first. Being a write, it makes
  the driver open the transaction and takes SQLite's single write lock (waiting
  up to `busy_timeout`), which is held until commit, so the read that follows
  sees the true last entry.

If a snapshot is stale anyway (PostgreSQL REPEATABLE READ after earlier reads,
SQLite with an explicit deferred BEGIN before earlier reads), the explicit `seq`
collides with the primary key and the append fails: the chain never forks.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Executable, Row, insert, select, text, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session

from storage import audit_keys
from storage.models import AuditLogEntry

GENESIS_HASH = "0" * 64

# One advisory lock key for the whole log (the bytes b"kjede_al").
AUDIT_LOG_LOCK = 0x6B6A_6564_655F_616C

_PG_LOCK = text("SELECT pg_advisory_xact_lock(:key)").bindparams(key=AUDIT_LOG_LOCK)
_SQLITE_LOCK = text("INSERT INTO audit_log SELECT * FROM audit_log WHERE 0")
_LAST = select(AuditLogEntry.seq, AuditLogEntry.hash).order_by(AuditLogEntry.seq.desc()).limit(1)
_INSERT = insert(AuditLogEntry)
_ENTRIES = select(
    AuditLogEntry.seq,
    AuditLogEntry.at,
    AuditLogEntry.actor_user_id,
    AuditLogEntry.actor_org_id,
    AuditLogEntry.action,
    AuditLogEntry.subject_type,
    AuditLogEntry.subject_id,
    AuditLogEntry.detail,
    AuditLogEntry.prev_hash,
    AuditLogEntry.hash,
).order_by(AuditLogEntry.seq)
_HEAD_TEXT = re.compile(r"(\d+):([0-9a-f]{64})")


@dataclass(frozen=True)
class AuditEvent:
    """Something to record; `seq`, `at` and the MACs are assigned on append."""

    action: str
    subject_type: str
    subject_id: str
    actor_user_id: str | None = None
    actor_org_id: str | None = None
    detail: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class ChainHead:
    """The last entry of the log at some moment: keep `str(head)` (`seq:mac`)
    outside the database and pass it to `verify` later. An empty log's head is
    `0:` followed by the genesis hash."""

    seq: int
    mac: str

    def __str__(self) -> str:
        return f"{self.seq}:{self.mac}"

    @classmethod
    def parse(cls, value: str) -> ChainHead:
        match = _HEAD_TEXT.fullmatch(value.strip().lower())
        if match is None:
            raise ValueError(f"a head is SEQ:MAC (64 hex digits), not {value!r}")
        head = cls(int(match[1]), match[2])
        if (head.seq == 0) != (head.mac == GENESIS_HASH):
            raise ValueError("only the empty log's head (seq 0) has the genesis hash")
        return head


EMPTY_HEAD = ChainHead(0, GENESIS_HASH)


@dataclass(frozen=True)
class VerifyResult:
    """`first_bad_seq` is the lowest seq where the chain stops verifying: every
    entry before it is intact. `head` is the last entry when the log verified."""

    ok: bool
    entries: int
    first_bad_seq: int | None
    problem: str | None
    head: ChainHead | None = None


@dataclass(frozen=True)
class RekeyResult:
    """`entries` in the log, of which `rewritten` got a new MAC; the new `head`."""

    entries: int
    rewritten: int
    head: ChainHead


class AuditChainBroken(Exception):
    """The chain does not verify: nothing was sealed (`result` says where)."""

    def __init__(self, result: VerifyResult) -> None:
        super().__init__(result.problem)
        self.result = result


def entry_mac(
    key: bytes,
    prev_hash: str,
    *,
    seq: int,
    at: dt.datetime,
    actor_user_id: str | None,
    actor_org_id: str | None,
    action: str,
    subject_type: str,
    subject_id: str,
    detail: Mapping[str, Any],
) -> str:
    """HMAC-SHA256 under `key` over a canonical JSON of every field, so it is the
    same before and after a round trip through SQLite or PostgreSQL."""
    payload = _payload(
        prev_hash,
        seq=seq,
        at=at,
        actor_user_id=actor_user_id,
        actor_org_id=actor_org_id,
        action=action,
        subject_type=subject_type,
        subject_id=subject_id,
        detail=detail,
    )
    return hmac.new(key, payload, hashlib.sha256).hexdigest()


def unkeyed_hash(
    prev_hash: str,
    *,
    seq: int,
    at: dt.datetime,
    actor_user_id: str | None,
    actor_org_id: str | None,
    action: str,
    subject_type: str,
    subject_id: str,
    detail: Mapping[str, Any],
) -> str:
    """The plain SHA-256 of the same payload: how entries were chained before the
    audit key. Recognised by `verify` (and reported) and sealed by `rekey`."""
    payload = _payload(
        prev_hash,
        seq=seq,
        at=at,
        actor_user_id=actor_user_id,
        actor_org_id=actor_org_id,
        action=action,
        subject_type=subject_type,
        subject_id=subject_id,
        detail=detail,
    )
    return hashlib.sha256(payload).hexdigest()


async def append(
    session: AsyncSession, events: Sequence[AuditEvent], *, key: bytes | None = None
) -> None:
    """Append `events` in order inside the caller's transaction (no commit), under
    the key installed for the session's database unless `key` is given."""
    if not events:
        return
    bind = session.get_bind()
    key = key or audit_keys.key_for(bind)
    await session.execute(_lock_statement(bind.dialect.name))
    last = (await session.execute(_LAST)).one_or_none()
    await session.execute(_INSERT, _rows(key, last, events))


def append_sync(
    session: Session, events: Sequence[AuditEvent], *, key: bytes | None = None
) -> None:
    """`append` for synchronous code (CLI, imports, tests)."""
    if not events:
        return
    bind = session.get_bind()
    key = key or audit_keys.key_for(bind)
    session.execute(_lock_statement(bind.dialect.name))
    last = session.execute(_LAST).one_or_none()
    session.execute(_INSERT, _rows(key, last, events))


def head(session: Session, *, key: bytes | None = None) -> ChainHead:
    """The last entry's seq and MAC, to keep outside the database.

    Raises AuditChainBroken when the last entry does not carry a MAC under the
    key: such a head would vouch for a chain nobody holding the key wrote. (The
    rest of the chain is `verify`'s job; this stays cheap enough to run often.)"""
    key = key or audit_keys.key_for(session.get_bind())
    row = session.execute(_ENTRIES.order_by(None).order_by(AuditLogEntry.seq.desc())).first()
    if row is None:
        return EMPTY_HEAD
    if row.hash != entry_mac(key, row.prev_hash, **_fields(row)):
        problem = f"the last entry ({row.seq}) does not carry a MAC under the audit key"
        raise AuditChainBroken(VerifyResult(False, row.seq - 1, row.seq, problem))
    return ChainHead(row.seq, row.hash)


def verify(
    session: Session,
    *,
    key: bytes | None = None,
    head: ChainHead | None = None,
    batch_size: int = 1000,
) -> VerifyResult:
    """Walk the log in seq order, recomputing every MAC and link under the key.

    Detects edited fields or MACs, removed entries (a gap or a broken link),
    reordered entries and a chain recomputed without the key. With `head` (kept
    from `head()` earlier) it also detects a cut tail: the chain ends before the
    head's seq, or the entry there no longer carries the head's MAC.
    """
    key = key or audit_keys.key_for(session.get_bind())
    walk = _Walk(key)
    for row in session.execute(_ENTRIES.execution_options(yield_per=batch_size)):
        problem = walk.step(row)
        if problem is not None:
            return VerifyResult(False, walk.entries, walk.entries + 1, problem)
        if head is not None and row.seq == head.seq and row.hash != head.mac:
            problem = (
                f"entry {row.seq} no longer carries the MAC of the head you kept ({head}): "
                "the log was rewritten up to there, or the head is from another log"
            )
            return VerifyResult(False, row.seq - 1, row.seq, problem)
    if head is not None and walk.entries < head.seq:
        problem = (
            f"the log ends at entry {walk.entries}, but the head you kept is entry "
            f"{head.seq}: entries {walk.entries + 1} to {head.seq} were cut off"
        )
        return VerifyResult(False, walk.entries, walk.entries + 1, problem)
    return VerifyResult(True, walk.entries, None, None, walk.head)


def rekey(session: Session, *, key: bytes | None = None, batch_size: int = 1000) -> RekeyResult:
    """Seal a log written (partly) before the audit key, inside the caller's
    transaction: check the chain (an unkeyed prefix, then entries under the key),
    then recompute every MAC and link under the key.

    Raises AuditChainBroken, writing nothing, when the chain does not verify or an
    unkeyed entry follows a keyed one. Appends wait for it (the append lock)."""
    bind = session.get_bind()
    key = key or audit_keys.key_for(bind)
    session.execute(_lock_statement(bind.dialect.name))
    walk = _Walk(key, allow_unkeyed=True)
    sealed, rewritten = GENESIS_HASH, 0
    while True:
        statement = _ENTRIES.where(AuditLogEntry.seq >= walk.entries + 1).limit(batch_size)
        rows = session.execute(statement).all()
        if not rows:
            break
        changes: list[dict[str, Any]] = []
        for row in rows:
            problem = walk.step(row)
            if problem is not None:
                raise AuditChainBroken(VerifyResult(False, walk.entries, walk.entries + 1, problem))
            mac = entry_mac(key, sealed, **_fields(row))
            if (sealed, mac) != (row.prev_hash, row.hash):
                changes.append({"seq": row.seq, "prev_hash": sealed, "hash": mac})
            sealed = mac
        if changes:
            session.execute(update(AuditLogEntry), changes)
            rewritten += len(changes)
    return RekeyResult(walk.entries, rewritten, ChainHead(walk.entries, sealed))


@dataclass
class _Walk:
    """Checks entries one by one in seq order."""

    key: bytes
    allow_unkeyed: bool = False  # rekey: an unkeyed prefix is accepted
    entries: int = 0
    prev_hash: str = GENESIS_HASH
    keyed_seen: bool = False

    @property
    def head(self) -> ChainHead:
        return ChainHead(self.entries, self.prev_hash)

    def step(self, row: Row[Any]) -> str | None:
        """None and advance when `row` is the next intact entry, else the problem."""
        expected = self.entries + 1
        if row.seq != expected:
            return f"entry {expected} is missing: the next entry has seq {row.seq}"
        if row.prev_hash != self.prev_hash:
            return f"entry {row.seq} does not link to the MAC of entry {row.seq - 1}"
        fields = _fields(row)
        if row.hash == entry_mac(self.key, row.prev_hash, **fields):
            self.keyed_seen = True
        elif row.hash == unkeyed_hash(row.prev_hash, **fields):
            if not self.allow_unkeyed:
                return (
                    f"entry {row.seq} carries an unkeyed hash, not a MAC under the audit key: "
                    "a log written before the key (seal it once with `kjede audit rekey`) "
                    "or a chain recomputed without the key"
                )
            if self.keyed_seen:
                return (
                    f"entry {row.seq} carries an unkeyed hash after entries sealed with the "
                    "audit key: the log was rewritten"
                )
        else:
            return (
                f"entry {row.seq} does not match its MAC: a field or the MAC was changed, "
                "or it was written under another key"
            )
        self.entries, self.prev_hash = row.seq, row.hash
        return None


def _fields(row: Row[Any]) -> dict[str, Any]:
    return {
        "seq": row.seq,
        "at": row.at,
        "actor_user_id": row.actor_user_id,
        "actor_org_id": row.actor_org_id,
        "action": row.action,
        "subject_type": row.subject_type,
        "subject_id": row.subject_id,
        "detail": row.detail,
    }


def _lock_statement(dialect: str) -> Executable:
    if dialect == "postgresql":
        return _PG_LOCK
    if dialect == "sqlite":
        return _SQLITE_LOCK
    raise NotImplementedError(f"no way to serialise audit log appends on {dialect}")


def _rows(
    key: bytes, last: Row[int, str] | None, events: Sequence[AuditEvent]
) -> list[dict[str, Any]]:
    """Number and chain `events` after `last`; one timestamp for the transaction."""
    seq, prev_hash = (last.seq, last.hash) if last is not None else (0, GENESIS_HASH)
    at = dt.datetime.now(dt.UTC)
    rows = []
    for event in events:
        seq += 1
        fields: dict[str, Any] = {
            "seq": seq,
            "at": at,
            "actor_user_id": event.actor_user_id,
            "actor_org_id": event.actor_org_id,
            "action": event.action,
            "subject_type": event.subject_type,
            "subject_id": event.subject_id,
            # MAC exactly what the JSON column will give back (tuples become lists...).
            "detail": json.loads(_canonical_json(dict(event.detail))),
        }
        mac = entry_mac(key, prev_hash, **fields)
        rows.append({**fields, "prev_hash": prev_hash, "hash": mac})
        prev_hash = mac
    return rows


def _payload(
    prev_hash: str,
    *,
    seq: int,
    at: dt.datetime,
    actor_user_id: str | None,
    actor_org_id: str | None,
    action: str,
    subject_type: str,
    subject_id: str,
    detail: Mapping[str, Any],
) -> bytes:
    payload = {
        "prev_hash": prev_hash,
        "seq": seq,
        "at": _utc_iso(at),
        "actor_user_id": actor_user_id,
        "actor_org_id": actor_org_id,
        "action": action,
        "subject_type": subject_type,
        "subject_id": subject_id,
        "detail": detail,
    }
    return _canonical_json(payload).encode()


def _canonical_json(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), allow_nan=False)


def _utc_iso(at: dt.datetime) -> str:
    """SQLite hands back naive UTC, PostgreSQL aware datetimes: one form for both."""
    aware = at.replace(tzinfo=dt.UTC) if at.tzinfo is None else at.astimezone(dt.UTC)
    return aware.isoformat(timespec="microseconds")
