"""The hash-chained audit log, on SQLite (tests/integration/test_audit_log_postgres.py
runs the same tests on a real PostgreSQL)."""

from __future__ import annotations

import asyncio
import datetime as dt
import itertools
import threading
from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path
from typing import Any, TypeVar

import pytest
from sqlalchemy import Engine, select, text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from storage import db
from storage.audit_log import (
    GENESIS_HASH,
    AuditEvent,
    VerifyResult,
    append,
    append_sync,
    entry_hash,
    verify,
)
from storage.models import AuditLogEntry

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
def engine(url: str) -> Iterator[Engine]:
    engine = db.make_engine(url)
    yield engine
    engine.dispose()


def _migrate(url: str) -> None:
    engine = db.make_engine(url)
    db.upgrade(engine)
    engine.dispose()


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


def check(engine: Engine) -> VerifyResult:
    with db.make_session_factory(engine)() as session:
        return verify(session, batch_size=3)


def execute(engine: Engine, *statements: str) -> None:
    with engine.begin() as connection:
        for statement in statements:
            connection.execute(text(statement))


def test_empty_log_verifies(engine: Engine) -> None:
    assert check(engine) == VerifyResult(ok=True, entries=0, first_bad_seq=None, problem=None)


def test_async_append_verifies(url: str, engine: Engine) -> None:
    append_async(url, [events(3), [], events(1, tag="f"), events(4, tag="g")])

    assert check(engine) == VerifyResult(ok=True, entries=8, first_bad_seq=None, problem=None)
    with engine.connect() as connection:
        rows = connection.execute(select(AuditLogEntry).order_by(AuditLogEntry.seq)).all()
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

    assert check(engine) == VerifyResult(ok=True, entries=4, first_bad_seq=None, problem=None)


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
    recomputed = entry_hash(
        GENESIS_HASH,
        seq=row.seq,
        at=row.at,
        actor_user_id=row.actor_user_id,
        actor_org_id=row.actor_org_id,
        action=row.action,
        subject_type=row.subject_type,
        subject_id=row.subject_id,
        detail=row.detail,
    )
    assert recomputed == row.hash
    # SQLite gives back naive UTC, PostgreSQL an aware datetime: same hash either way.
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
    assert entry_hash(GENESIS_HASH, at=at, **fields) == entry_hash(
        GENESIS_HASH, at=at.replace(tzinfo=None), **fields
    )
    assert entry_hash(GENESIS_HASH, at=at, **fields) == entry_hash(
        GENESIS_HASH, at=at.astimezone(dt.timezone(dt.timedelta(hours=2))), **fields
    )


def test_hash_covers_every_field() -> None:
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
    base = entry_hash(GENESIS_HASH, **fields)
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
        assert entry_hash(GENESIS_HASH, **{**fields, name: value}) != base, name
    assert entry_hash("1" * 64, **fields) != base


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


def test_rehashed_edit_breaks_the_next_link(url: str, engine: Engine) -> None:
    """Even a forger who recomputes the edited entry's hash breaks the next link."""
    append_async(url, [events(5)])
    with engine.begin() as connection:
        row = connection.execute(select(AuditLogEntry).where(AuditLogEntry.seq == 2)).one()
        forged = entry_hash(
            row.prev_hash,
            seq=2,
            at=row.at,
            actor_user_id=row.actor_user_id,
            actor_org_id=row.actor_org_id,
            action=row.action,
            subject_type=row.subject_type,
            subject_id="someone-else",
            detail=row.detail,
        )
        connection.execute(
            text("UPDATE audit_log SET subject_id = 'someone-else', hash = :h WHERE seq = 2"),
            {"h": forged},
        )

    result = check(engine)
    assert (result.ok, result.first_bad_seq) == (False, 3)
    assert result.problem is not None and "link" in result.problem


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

    expected = 2 * rounds * per_batch
    assert check(engine) == VerifyResult(
        ok=True, entries=expected, first_bad_seq=None, problem=None
    )


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
    assert check(engine) == VerifyResult(
        ok=True, entries=2 * rounds * per_batch, first_bad_seq=None, problem=None
    )
