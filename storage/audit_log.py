"""The append-only, hash-chained audit log.

DESIGN.md: every read of RESTRICTED or PERSONAL data and every change of sharing
is written here. Each entry's hash covers its own fields, its `seq` and the
previous entry's hash, so editing, removing or reordering an entry breaks the
chain at that point and `verify` finds it.

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
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Executable, Row, insert, select, text
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session

from storage.models import AuditLogEntry

GENESIS_HASH = "0" * 64

# One advisory lock key for the whole log (the bytes b"kjede_al").
AUDIT_LOG_LOCK = 0x6B6A_6564_655F_616C

_PG_LOCK = text("SELECT pg_advisory_xact_lock(:key)").bindparams(key=AUDIT_LOG_LOCK)
_SQLITE_LOCK = text("INSERT INTO audit_log SELECT * FROM audit_log WHERE 0")
_LAST = select(AuditLogEntry.seq, AuditLogEntry.hash).order_by(AuditLogEntry.seq.desc()).limit(1)
_INSERT = insert(AuditLogEntry)


@dataclass(frozen=True)
class AuditEvent:
    """Something to record; `seq`, `at` and the hashes are assigned on append."""

    action: str
    subject_type: str
    subject_id: str
    actor_user_id: str | None = None
    actor_org_id: str | None = None
    detail: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class VerifyResult:
    """`first_bad_seq` is the lowest seq where the chain stops verifying: every
    entry before it is intact."""

    ok: bool
    entries: int
    first_bad_seq: int | None
    problem: str | None


def entry_hash(
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
    """sha256 over a canonical JSON of every field, so it is the same before and
    after a round trip through SQLite or PostgreSQL."""
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
    return hashlib.sha256(_canonical_json(payload).encode()).hexdigest()


async def append(session: AsyncSession, events: Sequence[AuditEvent]) -> None:
    """Append `events` in order inside the caller's transaction (no commit)."""
    if not events:
        return
    await session.execute(_lock_statement(session.get_bind().dialect.name))
    last = (await session.execute(_LAST)).one_or_none()
    await session.execute(_INSERT, _rows(last, events))


def append_sync(session: Session, events: Sequence[AuditEvent]) -> None:
    """`append` for synchronous code (CLI, imports, tests)."""
    if not events:
        return
    session.execute(_lock_statement(session.get_bind().dialect.name))
    last = session.execute(_LAST).one_or_none()
    session.execute(_INSERT, _rows(last, events))


def verify(session: Session, *, batch_size: int = 1000) -> VerifyResult:
    """Walk the log in seq order, recomputing every hash and link.

    Detects edited fields or hashes, removed entries (a gap or a broken link) and
    reordered entries. A truncated tail cannot be seen from inside the log; compare
    the last hash with a copy kept elsewhere for that.
    """
    statement = (
        select(
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
        )
        .order_by(AuditLogEntry.seq)
        .execution_options(yield_per=batch_size)
    )
    expected_seq, prev_hash = 1, GENESIS_HASH
    for row in session.execute(statement):
        problem = _check(row, expected_seq, prev_hash)
        if problem is not None:
            return VerifyResult(
                ok=False, entries=expected_seq - 1, first_bad_seq=expected_seq, problem=problem
            )
        expected_seq, prev_hash = expected_seq + 1, row.hash
    return VerifyResult(ok=True, entries=expected_seq - 1, first_bad_seq=None, problem=None)


def _check(row: Row[Any], expected_seq: int, prev_hash: str) -> str | None:
    if row.seq != expected_seq:
        return f"entry {expected_seq} is missing: the next entry has seq {row.seq}"
    if row.prev_hash != prev_hash:
        return f"entry {row.seq} does not link to the hash of entry {row.seq - 1}"
    recomputed = entry_hash(
        row.prev_hash,
        seq=row.seq,
        at=row.at,
        actor_user_id=row.actor_user_id,
        actor_org_id=row.actor_org_id,
        action=row.action,
        subject_type=row.subject_type,
        subject_id=row.subject_id,
        detail=row.detail,
    )
    if row.hash != recomputed:
        return f"entry {row.seq} does not match its hash: a field or the hash was changed"
    return None


def _lock_statement(dialect: str) -> Executable:
    if dialect == "postgresql":
        return _PG_LOCK
    if dialect == "sqlite":
        return _SQLITE_LOCK
    raise NotImplementedError(f"no way to serialise audit log appends on {dialect}")


def _rows(last: Row[int, str] | None, events: Sequence[AuditEvent]) -> list[dict[str, Any]]:
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
            # Hash exactly what the JSON column will give back (tuples become lists...).
            "detail": json.loads(_canonical_json(dict(event.detail))),
        }
        digest = entry_hash(prev_hash, **fields)
        rows.append({**fields, "prev_hash": prev_hash, "hash": digest})
        prev_hash = digest
    return rows


def _canonical_json(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), allow_nan=False)


def _utc_iso(at: dt.datetime) -> str:
    """SQLite hands back naive UTC, PostgreSQL aware datetimes: one form for both."""
    aware = at.replace(tzinfo=dt.UTC) if at.tzinfo is None else at.astimezone(dt.UTC)
    return aware.isoformat(timespec="microseconds")
