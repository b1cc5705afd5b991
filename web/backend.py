"""What the web UI borrows from the API process: its schema, database sessions,
authorizer, object store and secrets, and its way of turning a user and an
organisation into a `Principal` (roles read from the database each time)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, Protocol

from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from authz.enforcer import Authorizer
from authz.principal import Principal
from settings import Settings
from storage.objects import ObjectStore
from web.config import WebConfig
from web.oidc import Provider

PrincipalLookup = Callable[
    [AsyncSession, str, str, frozenset[str] | None], Awaitable[Principal | None]
]
"""(session, user id, organisation id, narrowed roles) -> the principal now, or None."""


class ApiServices(Protocol):
    """The part of `api.app.Services` the web UI uses."""

    settings: Settings
    async_engine: AsyncEngine
    sessions: async_sessionmaker[AsyncSession]
    authorizer: Authorizer
    objects: ObjectStore
    url_secret: bytes


@dataclass(frozen=True)
class Backend:
    settings: Settings
    async_engine: AsyncEngine
    sessions: async_sessionmaker[AsyncSession]
    authorizer: Authorizer
    objects: ObjectStore
    url_secret: bytes
    schema: Any  # the API's strawberry schema: the very one /graphql runs
    principal: PrincipalLookup
    config: WebConfig
    oidc: Provider | None

    @classmethod
    def of(
        cls,
        services: ApiServices,
        schema: Any,
        principal: PrincipalLookup,
        config: WebConfig | None = None,
    ) -> Backend:
        config = config or WebConfig()
        return cls(
            settings=services.settings,
            async_engine=services.async_engine,
            sessions=services.sessions,
            authorizer=services.authorizer,
            objects=services.objects,
            url_secret=services.url_secret,
            schema=schema,
            principal=principal,
            config=config,
            oidc=Provider(config) if config.oidc_enabled else None,
        )
