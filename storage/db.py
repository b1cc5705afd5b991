"""Engine, sessions and migrations: one place that knows how to reach the database."""

from __future__ import annotations

import asyncio
import functools
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator, Mapping, Sequence
from contextlib import asynccontextmanager, contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine, Executable, Row, create_engine, event
from sqlalchemy.exc import IllegalStateChangeError
from sqlalchemy.ext.asyncio import (
    AsyncConnection,
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.orm import Session, sessionmaker

from storage.private import private_file
from storage.sqlite_async import ONE_TRIP

if TYPE_CHECKING:
    from settings import Settings

MIGRATIONS_DIR = Path(__file__).parent / "migrations"

AnyRow = Row[*tuple[Any, ...]]
"""A Core row of any columns."""


def make_engine(url: str, **kwargs: Any) -> Engine:
    """Create an engine; SQLite gets foreign keys and WAL so it behaves like a server."""
    if url.startswith("sqlite"):
        _private_sqlite_file(url)
        engine = create_engine(url, connect_args={"check_same_thread": False}, **kwargs)
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    return create_engine(url, pool_pre_ping=True, **kwargs)


def _private_sqlite_file(url: str) -> None:
    """Create the database file 0600 in a 0700 directory before SQLite does (its
    -wal and -shm files take the database file's mode)."""
    _, separator, rest = url.partition("///")
    path = rest.split("?", 1)[0]
    if separator and path and path != ":memory:" and not path.startswith("file:"):
        private_file(Path(path))


def _sqlite_pragmas(dbapi_connection: Any, _record: Any, busy_timeout_ms: int = 5000) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute(f"PRAGMA busy_timeout={int(busy_timeout_ms)}")
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


@dataclass(frozen=True)
class Timeouts:
    """How long the API waits on its database (settings `db_*`, `sqlite_busy_timeout_ms`)."""

    connect_seconds: float = 3.0
    statement_seconds: float = 30.0
    pool_seconds: float = 3.0
    pool_size: int = 10
    max_overflow: int = 10
    sqlite_busy_timeout_ms: int = 5000

    @classmethod
    def from_settings(cls, settings: Settings) -> Timeouts:
        return cls(
            connect_seconds=settings.db_connect_timeout_seconds,
            statement_seconds=settings.db_statement_timeout_seconds,
            pool_seconds=settings.db_pool_timeout_seconds,
            pool_size=settings.db_pool_size,
            max_overflow=settings.db_max_overflow,
            sqlite_busy_timeout_ms=settings.sqlite_busy_timeout_ms,
        )

    @property
    def call_deadline(self) -> float:
        """The client's own deadline on one database call: the server's statement
        timeout plus the time to hear about it (a frozen server never answers)."""
        return self.statement_seconds + self.connect_seconds


def make_async_engine(url: str, timeouts: Timeouts | None = None, **kwargs: Any) -> AsyncEngine:
    """The engine the API serves requests with (SQLite pragmas as in `make_engine`).

    PostgreSQL: psycopg `connect_timeout`, the server's `statement_timeout`, and a
    bounded pool (size, overflow, `pool_timeout`) from `timeouts`."""
    timeouts = timeouts or Timeouts()
    aurl = async_url(url)
    if aurl.startswith("sqlite"):
        _private_sqlite_file(aurl)
        if ":memory:" not in aurl and "mode=memory" not in aurl:
            # The same bounded pool as PostgreSQL (an in-memory database keeps
            # SQLAlchemy's single shared connection).
            kwargs = {
                "pool_size": timeouts.pool_size,
                "max_overflow": timeouts.max_overflow,
                "pool_timeout": timeouts.pool_seconds,
                **kwargs,
            }
        engine = create_async_engine(aurl, module=ONE_TRIP, **kwargs)
        pragmas = functools.partial(
            _sqlite_pragmas, busy_timeout_ms=timeouts.sqlite_busy_timeout_ms
        )
        event.listen(engine.sync_engine, "connect", pragmas)
        event.listen(engine.sync_engine, "connect", _sqlite_own_transactions)
        event.listen(engine.sync_engine, "begin", _sqlite_begin)
        return engine
    connect_args: dict[str, Any] = {
        # libpq takes whole seconds (at least 2 are honoured).
        "connect_timeout": max(1, round(timeouts.connect_seconds)),
        "options": f"-c statement_timeout={max(1, int(timeouts.statement_seconds * 1000))}",
    }
    connect_args.update(kwargs.pop("connect_args", {}))
    options: dict[str, Any] = {
        "pool_pre_ping": True,
        "pool_size": timeouts.pool_size,
        "max_overflow": timeouts.max_overflow,
        "pool_timeout": timeouts.pool_seconds,
        "connect_args": connect_args,
    }
    options.update(kwargs)
    return create_async_engine(aurl, **options)


@asynccontextmanager
async def bounded_connection(
    engine: AsyncEngine, timeouts: Timeouts | None = None
) -> AsyncIterator[AsyncConnection]:
    """`engine.connect()` whose checkout (pool wait, connect, liveness ping) ends in
    `TimeoutError` after the connect and pool timeouts, even when the server is
    frozen and the ping would wait forever."""
    connection = await checkout(engine, timeouts)
    try:
        yield connection
    finally:
        await connection.close()


async def checkout(engine: AsyncEngine, timeouts: Timeouts | None = None) -> AsyncConnection:
    """A started connection (see `bounded_connection`); the caller closes it."""
    timeouts = timeouts or Timeouts()
    connection = engine.connect()
    checkout = asyncio.ensure_future(connection.start())
    done, _ = await asyncio.wait(
        {checkout}, timeout=timeouts.connect_seconds + timeouts.pool_seconds
    )
    if not done:
        # Cancelled, psycopg waits up to 10 s more for a frozen server to hear the
        # cancel; the caller is not kept waiting for that: the checkout is left to
        # end (and its connection to be invalidated) on its own.
        checkout.cancel()
        _ABANDONED.add(checkout)
        checkout.add_done_callback(_forget)
        raise TimeoutError("no database connection within the connect and pool timeouts")
    checkout.result()
    return connection


class RequestConnection:
    """The one connection a request's session is bound to, held only while the
    request uses the database.

    GraphQL resolves sibling fields concurrently on one session, so a request
    keeps one connection rather than checking one out per statement. Work that
    is not the database's (the object store, checking a file) runs inside
    `released(session)`: the connection goes back to the pool meanwhile and a new
    one is bound on the way back (`TimeoutError` if none comes in time)."""

    def __init__(self, engine: AsyncEngine, timeouts: Timeouts | None = None) -> None:
        self.engine = engine
        self.timeouts = timeouts or Timeouts()
        self.connection: AsyncConnection | None = None

    async def __aenter__(self) -> AsyncConnection:
        self.connection = await checkout(self.engine, self.timeouts)
        return self.connection

    async def __aexit__(self, *_: object) -> None:
        connection, self.connection = self.connection, None
        if connection is None:
            return
        # A connection a stalled call may still hold is closed in the background:
        # the request answers now, and the pool gets the slot back when it ends.
        await within(connection.close(), CLOSE_WAIT_SECONDS, quiet=True)

    @asynccontextmanager
    async def released(self, session: AsyncSession) -> AsyncIterator[None]:
        """Without a connection for the block. The session's open (read) transaction
        is committed first; it must not be inside a write (`write_transaction`)."""
        connection = self.connection
        if connection is None:
            raise RuntimeError("the request holds no connection to release")
        if connection.info.get(WRITE_FLAG):
            raise RuntimeError("a write transaction cannot give up its connection")
        if session.in_transaction():
            await session.commit()
        self.connection = None
        await connection.close()
        try:
            yield
        finally:
            self.connection = await checkout(self.engine, self.timeouts)
            _rebind(session, self.connection)


def _rebind(session: AsyncSession, connection: AsyncConnection) -> None:
    """Bind a session that has no transaction open to another connection."""
    session.bind = connection
    session.sync_session.bind = connection.sync_connection


CLOSE_WAIT_SECONDS = 0.25
"""How long a request waits for its session and connection to close after its
answer is known; a close that takes longer (a stalled server) ends in the background."""

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


_ABANDONED: set[asyncio.Future[Any]] = set()


def _forget(task: asyncio.Future[Any]) -> None:
    _ABANDONED.discard(task)
    if not task.cancelled():
        task.exception()  # retrieved, so asyncio does not log it


class SerialSession(AsyncSession):
    """An AsyncSession whose database calls run one at a time.

    GraphQL resolves sibling fields (and aliased root fields) concurrently, and
    they share the request's session; AsyncSession is not safe for concurrent
    use, so each call that reaches the database waits for the previous one.

    Each call has a deadline (`Timeouts.call_deadline`): a server that stops
    answering ends the call in `TimeoutError` then. The call is left
    to end on its own rather than cancelled and awaited: cancelled, psycopg asks
    a frozen server to cancel the query and waits seconds for its answer. After
    a timeout the session is `stalled`: it rolls nothing back, closing it waits at
    most `CLOSE_WAIT_SECONDS`, and its connection goes back to the pool only
    once the stalled call has ended (and passes the pool's ping before reuse).
    """

    def __init__(
        self,
        *args: Any,
        deadline: float | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self._serial = asyncio.Lock()
        self._deadline = deadline
        self.stalled = False

    async def _call(self, call: Awaitable[Any]) -> Any:
        async with self._serial:
            task = asyncio.ensure_future(call)
            try:
                return await within(task, self._deadline)
            except TimeoutError:
                self.stalled = True
                raise
            except asyncio.CancelledError:
                # The caller was cancelled (a subscriber hung up), not the call,
                # which still uses the session: the next call waits until it ended.
                await self._outlive(task)
                raise

    async def _outlive(self, task: asyncio.Future[Any]) -> None:
        """Wait, up to the deadline, for a call whose caller was cancelled; one that
        takes longer stalls the session, as a timeout does."""
        done, _ = await asyncio.wait({task}, timeout=self._deadline)
        if not done:
            self.stalled = True
        _ABANDONED.add(task)
        task.add_done_callback(_forget)

    async def execute(self, *args: Any, **kwargs: Any) -> Any:
        return await self._call(super().execute(*args, **kwargs))

    async def scalar(self, *args: Any, **kwargs: Any) -> Any:
        return await self._call(super().scalar(*args, **kwargs))

    async def get(self, *args: Any, **kwargs: Any) -> Any:
        return await self._call(super().get(*args, **kwargs))

    async def flush(self, *args: Any, **kwargs: Any) -> None:
        await self._call(super().flush(*args, **kwargs))

    async def run_sync(self, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        return await self._call(super().run_sync(fn, *args, **kwargs))

    async def commit(self) -> None:
        await self._call(super().commit())

    async def rollback(self) -> None:
        if self.stalled:
            # The stalled call may still hold the connection, which is discarded
            # on close; the server rolls back what the connection left open.
            return
        await self._call(super().rollback())

    async def close(self) -> None:
        if not self.stalled:
            await self._call(super().close())
            return
        # The stalled call may still hold the connection: do not queue behind it.
        # SQLAlchemy refuses to close while that call (a commit) is in progress;
        # the connection is discarded either way (RequestConnection closes it).
        with suppress(IllegalStateChangeError):
            await within(super().close(), CLOSE_WAIT_SECONDS, quiet=True)


async def within(call: Awaitable[Any], deadline: float | None, *, quiet: bool = False) -> Any:
    """`await call`, or TimeoutError after `deadline` seconds with the call left to
    finish (or fail) alone in the background; `quiet`: None instead of raising."""
    if deadline is None:
        return await call
    task = asyncio.ensure_future(call)
    done, _ = await asyncio.wait({task}, timeout=deadline)
    if done:
        return task.result()
    task.cancel()
    _ABANDONED.add(task)
    task.add_done_callback(_forget)
    if quiet:
        return None
    raise TimeoutError(f"the database did not answer within {deadline:g} s")


async def core_rows(
    session: AsyncSession, statement: Executable, parameters: Mapping[str, Any] | None = None
) -> Sequence[AnyRow]:
    """All rows of a statement of plain columns, executed as Core on the session's
    connection: the same transaction and the same rows as `session.execute(...).all()`,
    without the ORM's execution layer (ORM compile state, result wrapping), which
    costs a statement of columns about as much as the driver does. Pending changes
    are flushed first when the session autoflushes, as `session.execute` would. One
    call of the session (`SerialSession`: in turn, with its deadline)."""
    rows: Sequence[AnyRow] = await session.run_sync(_core_rows, statement, parameters)
    return rows


def _core_rows(
    session: Session, statement: Executable, parameters: Mapping[str, Any] | None
) -> Sequence[AnyRow]:
    if session.autoflush:
        session.flush()
    return session.connection().execute(statement, parameters).all()


def make_async_session_factory(
    engine: AsyncEngine, timeouts: Timeouts | None = None
) -> async_sessionmaker[AsyncSession]:
    deadline = timeouts.call_deadline if timeouts is not None else None
    return async_sessionmaker(
        bind=engine, expire_on_commit=False, class_=SerialSession, deadline=deadline
    )
