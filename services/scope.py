"""What every use case works in: one caller, one database session, the object
store and the read log. Built per request by the API (or once by the CLI)."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field

from sqlalchemy.ext.asyncio import AsyncSession

from authz.audit import ReadLog
from authz.enforcer import Authorizer
from authz.principal import Principal
from authz.viewer import ViewerFacts, load_viewer_facts
from domain.errors import Unauthenticated
from services.loaders import Loaders
from settings import Settings
from storage.objects import ObjectStore


@dataclass
class Scope:
    session: AsyncSession
    principal: Principal | None
    authorizer: Authorizer
    objects: ObjectStore
    settings: Settings
    url_secret: bytes
    base_url: str | None = None  # absolute links (signed local downloads) start here
    reads: ReadLog = field(init=False)
    loaders: Loaders = field(init=False)
    _facts: ViewerFacts | None = field(default=None, init=False, repr=False)
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
        """The viewer's facts, once per request (aliased root fields ask at once)."""
        async with self._facts_lock:
            if self._facts is None:
                self._facts = await load_viewer_facts(self.session, self.principal, self.authorizer)
        return self._facts

    async def commit(self) -> None:
        """Commit a change; what the request reads afterwards is read afresh."""
        await self.session.commit()
        self.loaders.forget()

    async def rollback(self) -> None:
        await self.session.rollback()
        self.loaders.forget()
