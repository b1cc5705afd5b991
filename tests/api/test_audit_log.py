"""The audit log chained with a keyed MAC, on SQLite (tests/integration/
test_audit_log_postgres.py runs the same tests on a real PostgreSQL)."""

from __future__ import annotations

import asyncio
import datetime as dt
import itertools
import os
import stat
import threading
from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path
from typing import Any, TypeVar

import pytest
from sqlalchemy import Engine, insert, select, text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from settings import Settings
from storage import audit_keys, db
from storage.audit_log import (
    EMPTY_HEAD,
    GENESIS_HASH,
    AuditChainBroken,
    AuditEvent,
    ChainHead,
    VerifyResult,
    append,
    append_sync,
    entry_mac,
    head,
    rekey,
    unkeyed_hash,
    verify,
)
from storage.models import AuditLogEntry
from tests.migrated import fresh_sqlite

KEY = b"k" * 32 + b"-the-audit-log-key-of-these-tests"
OTHER_KEY = b"o" * 64

POSTGRES_ADMIN_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"

T = TypeVar("T")


@pytest.fixture
def url(tmp_path: Path) -> str:
    """A migrated, empty SQLite database (a fresh PostgreSQL database in
    tests/integration/test_audit_log_postgres.py)."""
    url = f"sqlite:///{tmp_path / 'audit.db'}"
    _migrate(url)
    return url


@pytest.fixture
def key(url: str) -> Iterator[bytes]:
    """The audit key, installed for the test's database as the app and CLI do."""
    audit_keys.register(url, KEY)
    yield KEY
    audit_keys.forget(url)


@pytest.fixture
def engine(url: str, key: bytes) -> Iterator[Engine]:
    engine = db.make_engine(url)
    yield engine
    engine.dispose()


def _migrate(url: str) -> None:
    fresh_sqlite(url, policies=False)


def run_async(url: str, work: Callable[[async_sessionmaker[AsyncSession]], Awaitable[T]]) -> T:
    """Run `work` with an async session factory; the engine is disposed on the same loop."""

    async def main() -> T:
        engine = db.make_async_engine(url)
        try:
            return await work(db.make_async_session_factory(engine))
        finally:
            await engine.dispose()

    return asyncio.run(main())


def events(n: int, *, tag: str = "e") -> list[AuditEvent]:
    return [
        AuditEvent(
            action="report.read",
            subject_type="audit_report",
            subject_id=f"{tag}-{i}",
            actor_user_id="user-1",
            actor_org_id="org-1",
            detail={"fields": ["commercial_notes"], "i": i, "tag": tag},
        )
        for i in range(n)
    ]


def append_async(url: str, batches: list[list[AuditEvent]]) -> None:
    """Each batch in its own committed transaction, through the async API."""

    async def work(factory: async_sessionmaker[AsyncSession]) -> None:
        for batch in batches:
            async with factory() as session, session.begin():
                await append(session, batch)

    run_async(url, work)


def check(engine: Engine, **options: Any) -> VerifyResult:
    with db.make_session_factory(engine)() as session:
        return verify(session, batch_size=3, **options)


def intact(entries: int) -> tuple[bool, int, int | None, str | None]:
    return (True, entries, None, None)


def outcome(result: VerifyResult) -> tuple[bool, int, int | None, str | None]:
    return (result.ok, result.entries, result.first_bad_seq, result.problem)


def current_head(engine: Engine) -> ChainHead:
    with db.make_session_factory(engine)() as session:
        return head(session)


def fields_of(row: Any, **changes: Any) -> dict[str, Any]:
    fields = {
        "seq": row.seq,
        "at": row.at,
        "actor_user_id": row.actor_user_id,
        "actor_org_id": row.actor_org_id,
        "action": row.action,
        "subject_type": row.subject_type,
        "subject_id": row.subject_id,
        "detail": row.detail,
    }
    return {**fields, **changes}


def append_unkeyed(engine: Engine, batch: list[AuditEvent]) -> None:
    """Append as the code before the audit key did: a plain SHA-256 chain."""
    with engine.begin() as connection:
        last = connection.execute(
            select(AuditLogEntry.seq, AuditLogEntry.hash).order_by(AuditLogEntry.seq.desc())
        ).first()
        seq, prev = (last.seq, last.hash) if last is not None else (0, GENESIS_HASH)
        at = dt.datetime.now(dt.UTC)
        for event in batch:
            seq += 1
            fields = {
                "seq": seq,
                "at": at,
                "actor_user_id": event.actor_user_id,
                "actor_org_id": event.actor_org_id,
                "action": event.action,
                "subject_type": event.subject_type,
                "subject_id": event.subject_id,
                "detail": dict(event.detail),
            }
            digest = unkeyed_hash(prev, **fields)
            connection.execute(insert(AuditLogEntry), {**fields, "prev_hash": prev, "hash": digest})
            prev = digest


def recompute_from(engine: Engine, seq: int, mac: Callable[..., str], **changes: Any) -> None:
    """A forger with write access: change entry `seq`, then recompute every hash from
    there on with `mac(prev_hash, **fields)` so that each link holds again."""
    with engine.begin() as connection:
        rows = connection.execute(select(AuditLogEntry).order_by(AuditLogEntry.seq)).all()
        prev = rows[seq - 2].hash if seq > 1 else GENESIS_HASH
        for row in rows[seq - 1 :]:
            fields = fields_of(row, **(changes if row.seq == seq else {}))
            digest = mac(prev, **fields)
            connection.execute(
                text(
                    "UPDATE audit_log SET subject_id = :s, prev_hash = :p, hash = :h "
                    "WHERE seq = :seq"
                ),
                {"s": fields["subject_id"], "p": prev, "h": digest, "seq": row.seq},
            )
            prev = digest


def execute(engine: Engine, *statements: str) -> None:
    with engine.begin() as connection:
        for statement in statements:
            connection.execute(text(statement))


def test_empty_log_verifies(engine: Engine) -> None:
    assert check(engine) == VerifyResult(True, 0, None, None, EMPTY_HEAD)
    assert current_head(engine) == EMPTY_HEAD
    assert check(engine, head=EMPTY_HEAD).ok


def test_async_append_verifies(url: str, engine: Engine) -> None:
    append_async(url, [events(3), [], events(1, tag="f"), events(4, tag="g")])

    with engine.connect() as connection:
        rows = connection.execute(select(AuditLogEntry).order_by(AuditLogEntry.seq)).all()
    assert check(engine) == VerifyResult(True, 8, None, None, ChainHead(8, rows[-1].hash))
    assert [row.seq for row in rows] == list(range(1, 9))
    assert rows[0].prev_hash == GENESIS_HASH
    assert all(row.prev_hash == before.hash for before, row in itertools.pairwise(rows))
    assert [row.subject_id for row in rows[:4]] == ["e-0", "e-1", "e-2", "f-0"]


def test_sync_append_verifies(engine: Engine) -> None:
    factory = db.make_session_factory(engine)
    with db.transaction(factory) as session:
        append_sync(session, events(2))
    with db.transaction(factory) as session:
        append_sync(session, events(2, tag="f"))

    assert outcome(check(engine)) == intact(4)


def test_append_does_not_commit(url: str, engine: Engine) -> None:
    async def work(factory: async_sessionmaker[AsyncSession]) -> None:
        async with factory() as session, session.begin():
            await append(session, events(2))
            await session.rollback()

    run_async(url, work)

    assert check(engine).entries == 0


def test_hash_survives_round_trip(url: str, engine: Engine) -> None:
    detail: dict[str, Any] = {
        "b": [1, 2.5, None, True, "ø"],
        "a": {"nested": ("tuple", "becomes", "list")},
        "big": 2**53 + 1,
        "tiny": 1e-300,
        "unicode": "Kjøpesenter \u2013 北京 😀",
    }
    event = AuditEvent("sharing.changed", "audit_report", "r-1", "u-1", "o-1", detail)
    append_async(url, [[event]])

    with engine.connect() as connection:
        row = connection.execute(select(AuditLogEntry)).one()
    assert row.detail["a"]["nested"] == ["tuple", "becomes", "list"]
    assert row.detail["big"] == 2**53 + 1
    assert entry_mac(KEY, GENESIS_HASH, **fields_of(row)) == row.hash
    # SQLite gives back naive UTC, PostgreSQL an aware datetime: same MAC either way.
    at = row.at if row.at.tzinfo is not None else row.at.replace(tzinfo=dt.UTC)
    fields: dict[str, Any] = {
        "seq": 1,
        "actor_user_id": None,
        "actor_org_id": None,
        "action": "a",
        "subject_type": "t",
        "subject_id": "s",
        "detail": {},
    }
    assert entry_mac(KEY, GENESIS_HASH, at=at, **fields) == entry_mac(
        KEY, GENESIS_HASH, at=at.replace(tzinfo=None), **fields
    )
    assert entry_mac(KEY, GENESIS_HASH, at=at, **fields) == entry_mac(
        KEY, GENESIS_HASH, at=at.astimezone(dt.timezone(dt.timedelta(hours=2))), **fields
    )


def test_mac_covers_every_field_and_the_key() -> None:
    fields: dict[str, Any] = {
        "seq": 1,
        "at": dt.datetime(2024, 5, 1, 12, tzinfo=dt.UTC),
        "actor_user_id": "u",
        "actor_org_id": "o",
        "action": "a",
        "subject_type": "t",
        "subject_id": "s",
        "detail": {"k": 1},
    }
    base = entry_mac(KEY, GENESIS_HASH, **fields)
    changes: dict[str, Any] = {
        "seq": 2,
        "at": fields["at"] + dt.timedelta(microseconds=1),
        "actor_user_id": None,
        "actor_org_id": "p",
        "action": "b",
        "subject_type": "u",
        "subject_id": "x",
        "detail": {"k": 2},
    }
    for name, value in changes.items():
        assert entry_mac(KEY, GENESIS_HASH, **{**fields, name: value}) != base, name
    assert entry_mac(KEY, "1" * 64, **fields) != base
    assert entry_mac(OTHER_KEY, GENESIS_HASH, **fields) != base
    assert unkeyed_hash(GENESIS_HASH, **fields) != base


def test_edited_detail_is_detected(url: str, engine: Engine) -> None:
    append_async(url, [events(5)])
    execute(engine, """UPDATE audit_log SET detail = '{"tampered": true}' WHERE seq = 3""")

    result = check(engine)
    assert (result.ok, result.first_bad_seq, result.entries) == (False, 3, 2)
    assert result.problem is not None and "entry 3" in result.problem


def test_edited_actor_is_detected(url: str, engine: Engine) -> None:
    append_async(url, [events(5)])
    execute(engine, "UPDATE audit_log SET actor_user_id = 'someone-else' WHERE seq = 5")

    assert (check(engine).ok, check(engine).first_bad_seq) == (False, 5)


def test_removed_entry_is_detected(url: str, engine: Engine) -> None:
    append_async(url, [events(5)])
    execute(engine, "DELETE FROM audit_log WHERE seq = 3")

    result = check(engine)
    assert (result.ok, result.first_bad_seq) == (False, 3)
    assert result.problem is not None and "missing" in result.problem


def test_removed_and_renumbered_entry_is_detected(url: str, engine: Engine) -> None:
    append_async(url, [events(5)])
    execute(
        engine,
        "DELETE FROM audit_log WHERE seq = 3",
        "UPDATE audit_log SET seq = 3 WHERE seq = 4",
        "UPDATE audit_log SET seq = 4 WHERE seq = 5",
    )

    assert (check(engine).ok, check(engine).first_bad_seq) == (False, 3)


def test_swapped_entries_are_detected(url: str, engine: Engine) -> None:
    append_async(url, [events(5)])
    execute(
        engine,
        "UPDATE audit_log SET seq = -1 WHERE seq = 2",
        "UPDATE audit_log SET seq = 2 WHERE seq = 4",
        "UPDATE audit_log SET seq = 4 WHERE seq = -1",
    )

    assert (check(engine).ok, check(engine).first_bad_seq) == (False, 2)


def test_edited_hash_is_detected(url: str, engine: Engine) -> None:
    append_async(url, [events(5)])
    execute(engine, f"UPDATE audit_log SET hash = '{'f' * 64}' WHERE seq = 4")

    result = check(engine)
    assert (result.ok, result.first_bad_seq) == (False, 4)


def test_an_edit_re_maced_with_the_key_still_breaks_the_next_link(url: str, engine: Engine) -> None:
    """Even someone holding the key who re-MACs only the edited entry breaks the next link."""
    append_async(url, [events(5)])
    with engine.begin() as connection:
        row = connection.execute(select(AuditLogEntry).where(AuditLogEntry.seq == 2)).one()
        forged = entry_mac(KEY, row.prev_hash, **fields_of(row, subject_id="someone-else"))
        connection.execute(
            text("UPDATE audit_log SET subject_id = 'someone-else', hash = :h WHERE seq = 2"),
            {"h": forged},
        )

    result = check(engine)
    assert (result.ok, result.first_bad_seq) == (False, 3)
    assert result.problem is not None and "link" in result.problem


def test_a_chain_recomputed_without_the_key_is_detected(url: str, engine: Engine) -> None:
    """The forger of the issue: edit an entry, then recompute every hash after it so
    each link holds. Without the key, the recomputed entries carry no valid MAC."""
    append_async(url, [events(5)])
    recompute_from(engine, 3, unkeyed_hash, subject_id="someone-else")

    result = check(engine)
    assert (result.ok, result.first_bad_seq, result.entries) == (False, 3, 2)
    assert result.problem is not None and "unkeyed" in result.problem

    guessed = b"g" * 64  # or with any key but the right one
    recompute_from(
        engine, 1, lambda prev, **fields: entry_mac(guessed, prev, **fields), subject_id="x"
    )
    result = check(engine)
    assert (result.ok, result.first_bad_seq) == (False, 1)
    assert result.problem is not None and "does not match its MAC" in result.problem


def test_a_cut_tail_is_detected_with_the_kept_head(url: str, engine: Engine) -> None:
    append_async(url, [events(5)])
    kept = current_head(engine)
    assert kept.seq == 5
    assert outcome(check(engine, head=kept)) == intact(5)
    execute(engine, "DELETE FROM audit_log WHERE seq >= 4")

    assert check(engine).ok, "a cut tail leaves an intact, shorter chain"
    result = check(engine, head=kept)
    assert (result.ok, result.entries, result.first_bad_seq) == (False, 3, 4)
    assert result.problem is not None and "cut off" in result.problem

    # New entries over the cut reach the head's seq again, but not its MAC.
    append_async(url, [events(3, tag="after")])
    assert check(engine).ok
    result = check(engine, head=kept)
    assert (result.ok, result.entries, result.first_bad_seq) == (False, 4, 5)
    assert result.problem is not None and str(kept) in result.problem


def test_an_older_head_still_verifies_as_the_log_grows(url: str, engine: Engine) -> None:
    append_async(url, [events(3)])
    kept = current_head(engine)
    append_async(url, [events(4, tag="f")])
    assert outcome(check(engine, head=kept)) == intact(7)
    assert check(engine).head == current_head(engine) != kept


def test_head_text_round_trips_and_bad_heads_are_refused() -> None:
    kept = ChainHead(42, "ab" * 32)
    assert ChainHead.parse(str(kept)) == kept
    assert ChainHead.parse(f" {str(kept).upper()}\n") == kept
    assert ChainHead.parse(str(EMPTY_HEAD)) == EMPTY_HEAD
    for bad in ("42", "x:" + "ab" * 32, "42:" + "ab" * 31, "0:" + "ab" * 32, "3:" + "0" * 64):
        with pytest.raises(ValueError):
            ChainHead.parse(bad)


def test_head_refuses_a_last_entry_not_under_the_key(url: str, engine: Engine) -> None:
    append_async(url, [events(2)])
    append_unkeyed(engine, events(1, tag="forged"))
    with pytest.raises(AuditChainBroken) as raised, db.make_session_factory(engine)() as session:
        head(session)
    assert raised.value.result.first_bad_seq == 3


def test_another_key_does_not_verify(url: str, engine: Engine) -> None:
    append_async(url, [events(2)])
    result = check(engine, key=OTHER_KEY)
    assert (result.ok, result.first_bad_seq) == (False, 1)


def test_an_unkeyed_log_from_before_the_key_is_reported_then_sealed(
    url: str, engine: Engine
) -> None:
    """A log written before the key: `verify` says so; entries appended since chain on
    under the key; `rekey` checks the unkeyed prefix and seals the whole log once."""
    append_unkeyed(engine, events(4, tag="old"))
    result = check(engine)
    assert (result.ok, result.first_bad_seq) == (False, 1)
    assert result.problem is not None and "kjede audit rekey" in result.problem
    append_async(url, [events(2, tag="new")])
    with engine.connect() as connection:
        before = connection.execute(select(AuditLogEntry).order_by(AuditLogEntry.seq)).all()

    with db.transaction(db.make_session_factory(engine)) as session:
        sealed = rekey(session, batch_size=4)
    assert (sealed.entries, sealed.rewritten) == (6, 6)
    assert outcome(check(engine, head=sealed.head)) == intact(6)
    with engine.connect() as connection:
        after = connection.execute(select(AuditLogEntry).order_by(AuditLogEntry.seq)).all()
    assert [fields_of(row) for row in after] == [fields_of(row) for row in before]
    assert sealed.head == ChainHead(6, after[-1].hash) == current_head(engine)

    with db.transaction(db.make_session_factory(engine)) as session:
        again = rekey(session)
    assert (again.entries, again.rewritten, again.head) == (6, 0, sealed.head)


def test_rekey_seals_nothing_when_the_unkeyed_chain_is_broken(url: str, engine: Engine) -> None:
    append_unkeyed(engine, events(4, tag="old"))
    execute(engine, "UPDATE audit_log SET actor_user_id = 'someone-else' WHERE seq = 3")
    with engine.connect() as connection:
        before = connection.execute(select(AuditLogEntry.hash).order_by(AuditLogEntry.seq)).all()

    factory = db.make_session_factory(engine)
    with pytest.raises(AuditChainBroken) as raised, db.transaction(factory) as session:
        rekey(session, batch_size=2)
    assert raised.value.result.first_bad_seq == 3
    with engine.connect() as connection:
        after = connection.execute(select(AuditLogEntry.hash).order_by(AuditLogEntry.seq)).all()
    assert after == before


def test_rekey_refuses_an_unkeyed_entry_after_keyed_ones(url: str, engine: Engine) -> None:
    """Once entries are under the key, an unkeyed one can only be a forgery."""
    append_async(url, [events(3)])
    append_unkeyed(engine, events(1, tag="forged"))
    factory = db.make_session_factory(engine)
    with pytest.raises(AuditChainBroken) as raised, db.transaction(factory) as session:
        rekey(session)
    assert raised.value.result.first_bad_seq == 4
    assert "rewritten" in (raised.value.result.problem or "")


def test_append_without_an_installed_key_fails_closed(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'keyless.db'}"
    _migrate(url)
    engine = db.make_engine(url)
    try:
        factory = db.make_session_factory(engine)
        with pytest.raises(audit_keys.AuditKeyMissing), db.transaction(factory) as session:
            append_sync(session, events(1))
        with pytest.raises(audit_keys.AuditKeyMissing), db.make_session_factory(engine)() as s:
            verify(s)
    finally:
        engine.dispose()


def test_the_key_is_found_by_the_database_whatever_the_driver(tmp_path: Path) -> None:
    path = tmp_path / "x.db"
    assert audit_keys.database_identity(f"sqlite:///{path}") == (
        audit_keys.database_identity(f"sqlite+aiosqlite:///{path}")
    )
    assert audit_keys.database_identity("postgresql+psycopg://u:secret@h:5432/d") == (
        audit_keys.database_identity("postgresql://u@h:5432/d")
    )
    assert "secret" not in audit_keys.database_identity("postgresql://u:secret@h/d")
    audit_keys.register(f"sqlite:///{path}", KEY)
    try:
        audit_keys.register(f"sqlite+aiosqlite:///{path}", KEY)  # the same key again: fine
        with pytest.raises(audit_keys.AuditKeyConflict):
            audit_keys.register(f"sqlite:///{path}", OTHER_KEY)
    finally:
        audit_keys.forget(f"sqlite:///{path}")


def test_the_key_file_is_created_private_once_and_reused(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path / "data")
    key = audit_keys.install(settings)
    try:
        path = settings.resolved_audit_key_path
        assert path == tmp_path / "data" / "audit-key"
        assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
        assert len(key) >= audit_keys.MIN_KEY_LENGTH
        assert audit_keys.load_or_create_key("", path) == key
        assert [p.name for p in path.parent.iterdir()] == ["audit-key"], "no temporary left"
    finally:
        audit_keys.forget(settings.resolved_database_url)
    configured = "c" * 40
    assert audit_keys.load_or_create_key(configured, tmp_path / "unused") == configured.encode()
    assert not (tmp_path / "unused").exists()
    with pytest.raises(ValueError, match="at least"):
        audit_keys.load_or_create_key("too-short", tmp_path / "unused")


def test_concurrent_key_creation_agrees_on_one_key(tmp_path: Path) -> None:
    path = tmp_path / "race" / "audit-key"
    start = threading.Barrier(8)
    keys: list[bytes] = []

    def create() -> None:
        start.wait()
        keys.append(audit_keys.load_or_create_key("", path))

    threads = [threading.Thread(target=create) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(keys) == 8 and len(set(keys)) == 1
    assert path.read_bytes() == keys[0]


def test_concurrent_async_appends_keep_one_chain(url: str, engine: Engine) -> None:
    rounds, per_batch = 15, 3

    async def writer(factory: async_sessionmaker[AsyncSession], tag: str) -> None:
        for i in range(rounds):
            async with factory() as session, session.begin():
                await append(session, events(per_batch, tag=f"{tag}{i}"))
                await asyncio.sleep(0)  # let the other writer try while we hold the lock

    async def work(factory: async_sessionmaker[AsyncSession]) -> None:
        await asyncio.gather(writer(factory, "a"), writer(factory, "b"))

    run_async(url, work)

    assert outcome(check(engine)) == intact(2 * rounds * per_batch)


def test_concurrent_sync_appends_keep_one_chain(engine: Engine) -> None:
    factory = db.make_session_factory(engine)
    rounds, per_batch = 15, 2
    errors: list[BaseException] = []
    start = threading.Barrier(2)

    def writer(tag: str) -> None:
        try:
            start.wait()
            for i in range(rounds):
                with db.transaction(factory) as session:
                    append_sync(session, events(per_batch, tag=f"{tag}{i}"))
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=writer, args=(tag,)) for tag in "ab"]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    assert outcome(check(engine)) == intact(2 * rounds * per_batch)
