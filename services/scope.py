"""What every use case works in: one caller, one database session, the object
store and the read log. Built per request by the API (or once by the CLI)."""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass, field

from sqlalchemy.ext.asyncio import AsyncSession

from authz.audit import ReadLog
from authz.enforcer import Authorizer
from authz.principal import Principal
from authz.viewer import FactPairs, ViewerFacts, facts_from_pairs, load_viewer_facts
from domain.errors import Unauthenticated
from services.loaders import Loaders
from settings import Settings
from storage.db import RequestConnection
from storage.objects import ObjectStore


async def _wanted() -> bool:
    return True


@dataclass
class Scope:
    session: AsyncSession
    principal: Principal | None
    authorizer: Authorizer
    objects: ObjectStore
    settings: Settings
    url_secret: bytes
    base_url: str | None = None  # absolute links (signed local downloads) start here
    # The API's request connection, given up during work that is not the database's.
    connection: RequestConnection | None = None
    # False once nobody waits for the answer (the client hung up): a mutation that
    # worked outside the database checks it before it commits.
    still_wanted: Callable[[], Awaitable[bool]] = _wanted
    # Hands a finished direct upload to this process's checker (services/document_uploads.py);
    # without one, any replica's checker takes it up on its next poll.
    upload_checks: Callable[[str], None] | None = None
    # Run first inside every mutation's write (`services.writes.mutation`), e.g.
    # reserving the request's Idempotency-Key.
    write_prelude: Callable[[], Awaitable[None]] | None = None
    # The time deadlines are judged by (`ViewerFacts.now`): the wall clock, or a test's.
    clock: Callable[[], dt.datetime] = field(default=lambda: dt.datetime.now(dt.UTC))
    reads: ReadLog = field(init=False)
    loaders: Loaders = field(init=False)
    # Why this answer may not be served again (`not_reusable`); empty: it may.
    not_reusable_because: set[str] = field(default_factory=set, init=False)
    _facts: ViewerFacts | None = field(default=None, init=False, repr=False)
    _known_facts: tuple[FactPairs, dt.date] | None = field(default=None, init=False, repr=False)
    _facts_lock: asyncio.Lock = field(default_factory=asyncio.Lock, init=False, repr=False)

    def __post_init__(self) -> None:
        self.reads = ReadLog(self.principal)
        self.loaders = Loaders(self.session)

    def viewer(self) -> Principal:
        """The signed-in principal; anonymous callers get UNAUTHENTICATED."""
        if self.principal is None:
            raise Unauthenticated()
        return self.principal

    def require(self, action: str, resource: str, owner_id: str | None = None) -> Principal:
        """The one role check use cases make: may the caller do ACTION on RESOURCE?"""
        principal = self.viewer()
        self.authorizer.require(principal, action, resource, owner_id)
        return principal

    async def facts(self) -> ViewerFacts:
        """The viewer's facts, once per request (aliased root fields ask at once):
        from what authentication read with them (`knows_facts`), else read now."""
        async with self._facts_lock:
            if self._facts is None:
                now = self.clock()
                known, self._known_facts = self._known_facts, None
                if known is not None and self.principal is not None and known[1] == now.date():
                    self._facts = facts_from_pairs(self.principal, self.authorizer, known[0], now)
                else:
                    self._facts = await load_viewer_facts(
                        self.session, self.principal, self.authorizer, now=now
                    )
        return self._facts

    def knows_facts(self, pairs: FactPairs, day: dt.date) -> None:
        """The viewer's (fact, value) rows on `day`, read with its authentication:
        `facts` builds the facts from them unless a write comes first
        (`forget_known_facts`) or the request's day is another."""
        self._known_facts = (pairs, day)

    def forget_known_facts(self) -> None:
        """A write may change them: `facts` reads them if it has not yet."""
        self._known_facts = None

    @contextlib.asynccontextmanager
    async def without_connection(self) -> AsyncIterator[None]:
        """For work outside the database (the object store, checking a file): the
        request's connection is back in the pool meanwhile, so a slow or frozen
        store cannot exhaust it. Reads before are committed; loaders start afresh."""
        if self.connection is None:  # the CLI: its session holds no connection between uses
            if self.session.in_transaction():
                await self.session.commit()
            yield
            return
        async with self.connection.released(self.session):
            yield
        self.loaders.forget()

    def not_reusable(self, reason: str) -> None:
        """The answer depends on more than the committed data (the data version),
        the viewer, the policy and the day: the time to the second (a deadline), a
        link that expires, the in-memory supply graph, the audit log. The API then
        never serves it again from its response cache (api/response_cache.py)."""
        self.not_reusable_because.add(reason)

    async def now(self) -> dt.datetime:
        """The request's time: the same instant the row rules compare deadlines with.
        An answer that asks for it is not reused."""
        self.not_reusable("the time of the request")
        return (await self.facts()).now

    async def commit(self) -> None:
        """Commit a change; what the request reads afterwards is read afresh."""
        await self.session.commit()
        self.loaders.forget()

    async def rollback(self) -> None:
        await self.session.rollback()
        self.loaders.forget()


Units = Callable[[], AbstractAsyncContextManager[Scope]]
"""Opens one unit of work for a long-lived caller (a subscription): a `Scope` on a
connection and session of its own, its principal and roles read anew. Leaving it
cleanly puts its reads on the audit log and gives the connection back; leaving it
by an exception only gives the connection back. Nothing is held between units."""
