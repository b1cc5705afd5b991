"""The API's SQLite engine (`storage.db.make_async_engine`) sends each statement
to aiosqlite's thread once (`storage.sqlite_async`), and still answers what
SQLAlchemy's own adapter answers: rows, row counts, ids, errors, transactions
and streaming."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any, TypeVar

import aiosqlite
import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from storage.db import make_async_engine
from storage.sqlite_async import OneTripConnection

T = TypeVar("T")


def run(path: Path, scenario: Callable[[AsyncEngine], Awaitable[T]]) -> T:
    async def main() -> T:
        engine = make_async_engine(f"sqlite:///{path / 'one-trip.db'}")
        try:
            async with engine.begin() as connection:
                await connection.execute(
                    text("CREATE TABLE item (id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE)")
                )
            return await scenario(engine)
        finally:
            await engine.dispose()

    return asyncio.run(main())


async def trips(connection: AsyncConnection, statement: Callable[[], Awaitable[Any]]) -> int:
    """How many times `statement` hands work to the connection's thread."""
    raw = (await connection.get_raw_connection()).driver_connection
    assert isinstance(raw, aiosqlite.Connection)
    counted = 0
    original = raw._execute

    async def counting(function: Any, *args: Any, **kwargs: Any) -> Any:
        nonlocal counted
        counted += 1
        return await original(function, *args, **kwargs)  # type: ignore[no-untyped-call]

    raw._execute = counting  # type: ignore[method-assign,assignment]
    try:
        await statement()
    finally:
        del raw._execute
    return counted


def test_a_select_and_an_insert_are_one_trip_each(tmp_path: Path) -> None:
    async def scenario(engine: AsyncEngine) -> tuple[int, int, list[Any]]:
        async with engine.begin() as connection:
            raw = await connection.get_raw_connection()
            assert isinstance(raw.dbapi_connection, OneTripConnection)
            insert = await trips(
                connection,
                lambda: connection.execute(text("INSERT INTO item (name) VALUES ('a')")),
            )
            select = await trips(
                connection, lambda: connection.execute(text("SELECT id, name FROM item"))
            )
            rows = (await connection.execute(text("SELECT id, name FROM item"))).all()
        return insert, select, rows

    insert, select, rows = run(tmp_path, scenario)
    assert (insert, select) == (1, 1)  # SQLAlchemy's own adapter: three and four
    assert [tuple(row) for row in rows] == [(1, "a")]


def test_results_keep_names_counts_and_ids(tmp_path: Path) -> None:
    async def scenario(engine: AsyncEngine) -> dict[str, Any]:
        async with engine.begin() as connection:
            first = await connection.execute(text("INSERT INTO item (name) VALUES ('a')"))
            second = await connection.execute(text("INSERT INTO item (name) VALUES ('b')"))
            many = await connection.execute(
                text("INSERT INTO item (name) VALUES (:name)"), [{"name": "c"}, {"name": "d"}]
            )
            renamed = await connection.execute(text("UPDATE item SET name = name || '!'"))
            empty = await connection.execute(text("SELECT id AS key, name FROM item WHERE 0"))
            found = await connection.execute(text("SELECT id AS key, name FROM item ORDER BY id"))
            return {
                "ids": (first.lastrowid, second.lastrowid),
                "many": many.rowcount,
                "renamed": renamed.rowcount,
                "empty": (list(empty.keys()), empty.all()),
                "found": [row._asdict() for row in found],
            }

    result = run(tmp_path, scenario)
    assert result["ids"] == (1, 2)
    assert result["many"] == 2
    assert result["renamed"] == 4
    assert result["empty"] == (["key", "name"], [])
    assert result["found"] == [
        {"key": 1, "name": "a!"},
        {"key": 2, "name": "b!"},
        {"key": 3, "name": "c!"},
        {"key": 4, "name": "d!"},
    ]


def test_errors_are_sqlalchemys_and_the_connection_goes_on(tmp_path: Path) -> None:
    async def scenario(engine: AsyncEngine) -> list[Any]:
        async with engine.connect() as connection:
            await connection.execute(text("INSERT INTO item (name) VALUES ('a')"))
            await connection.commit()
            with pytest.raises(IntegrityError, match="UNIQUE"):
                await connection.execute(text("INSERT INTO item (name) VALUES ('a')"))
            await connection.rollback()
            with pytest.raises(OperationalError, match="no such table"):
                await connection.execute(text("SELECT * FROM nowhere"))
            await connection.rollback()
            return list((await connection.execute(text("SELECT name FROM item"))).scalars())

    assert run(tmp_path, scenario) == ["a"]


def test_a_rollback_discards_and_a_commit_keeps(tmp_path: Path) -> None:
    async def scenario(engine: AsyncEngine) -> list[Any]:
        async with engine.connect() as connection:
            await connection.execute(text("INSERT INTO item (name) VALUES ('gone')"))
            await connection.rollback()
            await connection.execute(text("INSERT INTO item (name) VALUES ('kept')"))
            await connection.commit()
        async with engine.connect() as other:
            return list((await other.execute(text("SELECT name FROM item"))).scalars())

    assert run(tmp_path, scenario) == ["kept"]


def test_streaming_still_reads_every_row(tmp_path: Path) -> None:
    async def scenario(engine: AsyncEngine) -> list[Any]:
        async with engine.begin() as connection:
            await connection.execute(
                text("INSERT INTO item (name) VALUES (:name)"),
                [{"name": f"n{number:03d}"} for number in range(250)],
            )
            streamed = await connection.stream(text("SELECT name FROM item ORDER BY name"))
            return [row.name async for row in streamed]

    assert run(tmp_path, scenario) == [f"n{number:03d}" for number in range(250)]
