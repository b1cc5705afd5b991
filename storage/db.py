"""Engine, sessions and migrations: one place that knows how to reach the database."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.ext.asyncio import (
    AsyncConnection,
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.orm import Session, sessionmaker

MIGRATIONS_DIR = Path(__file__).parent / "migrations"


def make_engine(url: str, **kwargs: Any) -> Engine:
    """Create an engine; SQLite gets foreign keys and WAL so it behaves like a server."""
    if url.startswith("sqlite"):
        path = url.split("///", 1)[-1]
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"check_same_thread": False}, **kwargs)
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    return create_engine(url, pool_pre_ping=True, **kwargs)


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=5000")
    cursor.close()


def make_session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(bind=engine, expire_on_commit=False)


@contextmanager
def transaction(factory: sessionmaker[Session]) -> Iterator[Session]:
    """A session that commits on success and rolls back on any error."""
    with factory() as session, session.begin():
        yield session


def alembic_config(engine: Engine) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.attributes["engine"] = engine
    return config


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Apply migrations; the same set serves SQLite and PostgreSQL."""
    command.upgrade(alembic_config(engine), revision)


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def head_revision(engine: Engine) -> str | None:
    return ScriptDirectory.from_config(alembic_config(engine)).get_current_head()


def is_up_to_date(engine: Engine) -> bool:
    return current_revision(engine) == head_revision(engine)


def async_url(url: str) -> str:
    """The async driver for the same database: aiosqlite for SQLite, psycopg for PostgreSQL."""
    if url.startswith("sqlite:"):
        return "sqlite+aiosqlite:" + url.removeprefix("sqlite:")
    for prefix in ("postgresql+psycopg:", "postgresql+psycopg2:", "postgresql:", "postgres:"):
        if url.startswith(prefix):
            return "postgresql+psycopg:" + url.removeprefix(prefix)
    return url


def make_async_engine(url: str, **kwargs: Any) -> AsyncEngine:
    """The engine the API serves requests with (SQLite pragmas as in `make_engine`)."""
    aurl = async_url(url)
    if aurl.startswith("sqlite"):
        engine = create_async_engine(aurl, **kwargs)
        event.listen(engine.sync_engine, "connect", _sqlite_pragmas)
        event.listen(engine.sync_engine, "connect", _sqlite_own_transactions)
        event.listen(engine.sync_engine, "begin", _sqlite_begin)
        return engine
    return create_async_engine(aurl, pool_pre_ping=True, **kwargs)


WRITE_FLAG = "kjede.write"
"""`Connection.info` key: while set, SQLite transactions begin IMMEDIATE."""


def _sqlite_own_transactions(dbapi_connection: Any, _record: Any) -> None:
    # pysqlite/aiosqlite BEGIN only before DML, so a mutation's SELECTs would run
    # outside its transaction; we emit every BEGIN ourselves (`_sqlite_begin`).
    dbapi_connection.isolation_level = None


def _sqlite_begin(connection: Connection) -> None:
    """Reads BEGIN (deferred, a WAL snapshot); writes BEGIN IMMEDIATE, taking the
    write lock first, so a read-check-write cannot interleave with another writer."""
    connection.exec_driver_sql("BEGIN IMMEDIATE" if connection.info.get(WRITE_FLAG) else "BEGIN")


@asynccontextmanager
async def write_transaction(session: AsyncSession) -> AsyncIterator[None]:
    """Run a write: the session's current (read) transaction is committed and
    every transaction begun inside takes the write lock at BEGIN (SQLite;
    PostgreSQL relies on row locks and constraints). The session must be bound
    to one connection (the API binds one per request); otherwise the
    transactions begin as usual."""
    if session.in_transaction():
        await session.commit()
    bind = session.bind
    info = bind.info if isinstance(bind, AsyncConnection) else None
    if info is None or info.get(WRITE_FLAG):
        yield  # not bound to one connection, or already inside a write
        return
    info[WRITE_FLAG] = True
    try:
        yield
    finally:
        info.pop(WRITE_FLAG, None)


class SerialSession(AsyncSession):
    """An AsyncSession whose database calls run one at a time.

    GraphQL resolves sibling fields (and aliased root fields) concurrently, and
    they share the request's session; AsyncSession is not safe for concurrent
    use, so each call that reaches the database waits for the previous one.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._serial = asyncio.Lock()

    async def execute(self, *args: Any, **kwargs: Any) -> Any:
        async with self._serial:
            return await super().execute(*args, **kwargs)

    async def scalar(self, *args: Any, **kwargs: Any) -> Any:
        async with self._serial:
            return await super().scalar(*args, **kwargs)

    async def get(self, *args: Any, **kwargs: Any) -> Any:
        async with self._serial:
            return await super().get(*args, **kwargs)

    async def flush(self, *args: Any, **kwargs: Any) -> None:
        async with self._serial:
            await super().flush(*args, **kwargs)

    async def commit(self) -> None:
        async with self._serial:
            await super().commit()

    async def rollback(self) -> None:
        async with self._serial:
            await super().rollback()


def make_async_session_factory(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(bind=engine, expire_on_commit=False, class_=SerialSession)
