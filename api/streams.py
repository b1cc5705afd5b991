"""Subscriptions over a websocket: graphql-transport-ws at /graphql.

A connection signs in once, from its connection_init payload
`{"Authorization": "Bearer <token>"}`, with the verifier HTTP requests use; one
without a valid token is closed with 4403 Forbidden, the protocol's answer to a
refused connection_init. Each poll and each event of its subscriptions then runs
in a unit of work of its own (`ScopeUnits`): a pooled connection, the token
verified again (once it expires, the subscription ends with UNAUTHENTICATED), the
roles read anew, and the reads on the audit log before anything leaves. Between
units the socket holds no connection (schema/streams.py).
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Mapping
from typing import TYPE_CHECKING

from starlette.routing import WebSocketRoute
from starlette.websockets import WebSocket
from strawberry.asgi import GraphQL
from strawberry.exceptions import ConnectionRejectionError
from strawberry.types.unset import UnsetType

from api.auth import authenticate_request
from api.scopes import caller_scope, log_reads
from api.tokens import AuthenticationError
from domain.errors import Unauthenticated
from schema.context import Context
from schema.streams import Subscriber
from services.scope import Scope
from storage.db import RequestConnection, Timeouts

if TYPE_CHECKING:
    from api.app import Services

MAX_SUBSCRIPTIONS_PER_CONNECTION = 10
"""Operations one socket runs at once: each polls the database on its own."""

SIGN_IN = 'send connection_init with the payload {"Authorization": "Bearer <token>"}'


class ScopeUnits:
    """`services.scope.Units` for one websocket connection's caller."""

    def __init__(self, services: Services, base_url: str) -> None:
        self.services = services
        self.base_url = base_url
        self.authorization: str | None = None

    async def sign_in(self, authorization: str | None) -> None:
        """Check the connection's credentials (Unauthenticated when they fail) and
        keep them for every unit of work it opens."""
        self.authorization = authorization
        async with self():
            pass

    @contextlib.asynccontextmanager
    async def __call__(self) -> AsyncIterator[Scope]:
        services = self.services
        lease = RequestConnection(services.async_engine, Timeouts.from_settings(services.settings))
        async with lease as connection, services.sessions(bind=connection) as session:
            try:
                signed_in = await authenticate_request(
                    session, services.verifier, self.authorization, services.clock().date()
                )
            except AuthenticationError as exc:
                raise Unauthenticated(str(exc)) from exc
            if signed_in is None:
                raise Unauthenticated(SIGN_IN)
            scope = caller_scope(
                services,
                session,
                signed_in,
                principal=signed_in.principal,
                base_url=self.base_url,
                connection=lease,
            )
            yield scope
            await log_reads(session, scope.reads.events)


def authorization_of(payload: Mapping[str, object]) -> str | None:
    """The payload's Authorization entry, whatever its case (clients differ)."""
    for key, value in payload.items():
        if key.lower() == "authorization" and isinstance(value, str):
            return value
    return None


class SignsInSubscribers:
    """Mixin for the GraphQL view: a websocket signs in at connection_init."""

    async def on_ws_connect(self, context: Context) -> UnsetType | dict[str, object] | None:
        if not isinstance(context, Subscriber) or not isinstance(context.units, ScopeUnits):
            raise ConnectionRejectionError()
        try:
            await context.units.sign_in(authorization_of(context.connection_params))
        except Unauthenticated as exc:
            raise ConnectionRejectionError() from exc
        return UnsetType()  # acknowledged, with no payload


def subscriptions_route(services: Services, view: GraphQL[Context, None]) -> WebSocketRoute:
    """The websocket side of /graphql."""

    async def endpoint(websocket: WebSocket) -> None:
        units = ScopeUnits(services, http_base_url(websocket))
        await view.run(websocket, context=Subscriber(units, services.settings))

    return WebSocketRoute("/graphql", endpoint)


def http_base_url(websocket: WebSocket) -> str:
    """Links a unit signs (downloads) point at the HTTP side of the same host."""
    url = websocket.base_url
    return str(url.replace(scheme="https" if url.scheme == "wss" else "http"))
