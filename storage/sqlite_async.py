"""aiosqlite with each statement in one trip to its thread.

SQLAlchemy's aiosqlite adapter awaits aiosqlite once to make a cursor, once to
execute, once to fetch the rows and once to close the cursor: four trips to the
connection's thread and back through the event loop, about 0.3 ms of a
statement's 0.35 ms when SQLite itself has little to do. Here a statement goes
to the thread once, as one function that executes, fetches every row and closes
its cursor there (the way `aiosqlite.Connection.execute_fetchall` does), and
the adapter keeps what SQLAlchemy reads afterwards: the rows, `description`,
`rowcount` and `lastrowid`.

It plugs in as the engine's DBAPI module (`create_async_engine(url,
module=ONE_TRIP)`), so the dialect, the URL and everything else about the
engine stay SQLAlchemy's `sqlite+aiosqlite`. Like SQLAlchemy's own adapter
(its `isolation_level` setter), it hands work to aiosqlite's thread through
the connection's private queue (`Connection._execute`); the tests of this
module fail if a new aiosqlite moves it. Streaming (server-side) cursors are
SQLAlchemy's, unchanged.
"""

from __future__ import annotations

import sqlite3
from collections import deque
from collections.abc import Sequence
from typing import Any

import aiosqlite
from sqlalchemy.connectors.asyncio import AsyncAdapt_dbapi_connection
from sqlalchemy.dialects.sqlite.aiosqlite import (
    AsyncAdapt_aiosqlite_connection,
    AsyncAdapt_aiosqlite_cursor,
    AsyncAdapt_aiosqlite_dbapi,
)
from sqlalchemy.util import EMPTY_DICT


class _Outcome:
    """What a finished statement leaves for SQLAlchemy to read, in place of a cursor."""

    __slots__ = ("arraysize", "description", "lastrowid", "rowcount")

    def __init__(self, description: Any, rowcount: int, lastrowid: int | None) -> None:
        self.description = description
        self.rowcount = rowcount
        self.lastrowid = lastrowid
        self.arraysize = 1


_NOTHING_YET = _Outcome(None, -1, None)


def _execute(
    connection: sqlite3.Connection, operation: str, parameters: Any
) -> tuple[_Outcome, list[Any]]:
    """In aiosqlite's thread: execute, fetch every row, close the cursor."""
    cursor = connection.cursor()
    try:
        if parameters is None:
            cursor.execute(operation)
        else:
            cursor.execute(operation, parameters)
        rows = cursor.fetchall() if cursor.description else []
        return _Outcome(cursor.description, cursor.rowcount, cursor.lastrowid), rows
    finally:
        cursor.close()


def _executemany(
    connection: sqlite3.Connection, operation: str, parameters: Sequence[Any]
) -> tuple[_Outcome, list[Any]]:
    cursor = connection.cursor()
    try:
        cursor.executemany(operation, parameters)
        return _Outcome(cursor.description, cursor.rowcount, cursor.lastrowid), []
    finally:
        cursor.close()


class OneTripCursor(AsyncAdapt_aiosqlite_cursor):
    """SQLAlchemy's aiosqlite cursor, but nothing is opened until a statement runs,
    and a statement is one trip to the thread."""

    __slots__ = ()

    def __init__(self, adapt_connection: AsyncAdapt_dbapi_connection) -> None:
        self._adapt_connection = adapt_connection
        self._connection = adapt_connection._connection
        self._cursor = _NOTHING_YET  # type: ignore[assignment]
        self._soft_closed_memoized = EMPTY_DICT
        self._rows = deque()

    async def _execute_async(self, operation: Any, parameters: Any) -> None:
        await self._run(_execute, operation, parameters)

    async def _executemany_async(self, operation: Any, seq_of_parameters: Any) -> None:
        await self._run(_executemany, operation, seq_of_parameters)

    async def _run(self, function: Any, operation: Any, parameters: Any) -> None:
        connection: aiosqlite.Connection = self._connection  # type: ignore[assignment]
        async with self._adapt_connection._execute_mutex:
            outcome, rows = await connection._execute(  # type: ignore[no-untyped-call]
                function, connection._conn, operation, parameters
            )
        self._cursor = outcome
        self._rows = deque(rows)

    async def _async_soft_close(self) -> None:
        """Nothing to close: the thread closed the cursor with the statement."""

    def close(self) -> None:
        self._rows.clear()


class OneTripConnection(AsyncAdapt_aiosqlite_connection):
    __slots__ = ()
    _cursor_cls = OneTripCursor


class OneTripDBAPI(AsyncAdapt_aiosqlite_dbapi):
    """SQLAlchemy's aiosqlite DBAPI module whose connections are `OneTripConnection`s."""

    def connect(self, *arg: Any, **kw: Any) -> OneTripConnection:
        adapted = super().connect(*arg, **kw)
        return OneTripConnection(self, adapted._connection)


ONE_TRIP = OneTripDBAPI(aiosqlite, sqlite3)
"""Pass as `module=` to `create_async_engine` for a `sqlite+aiosqlite` URL."""
