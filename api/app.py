"""`create_app(settings)`: the Starlette application and the services it holds."""

from __future__ import annotations

import asyncio
import contextlib
import gc
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass

import anyio.to_thread
from cross_web import HTTPException
from sqlalchemy import Engine, text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker
from starlette.applications import Starlette
from starlette.concurrency import iterate_in_threadpool
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response, StreamingResponse
from starlette.routing import Route
from strawberry.asgi import GraphQL

from api.auth import authenticate
from api.metrics import Metrics, MetricsMiddleware
from api.tokens import AuthenticationError, TokenVerifier
from api.unavailable import exception_handlers
from authz.enforcer import Authorizer
from authz.principal import Principal
from domain.errors import DomainError
from schema.app_schema import build_schema
from schema.context import Context
from services import idempotency
from services.scope import Scope
from settings import Settings
from storage import audit_keys, audit_log, signed_urls
from storage.db import (
    Timeouts,
    bounded_connection,
    make_async_engine,
    make_async_session_factory,
    make_engine,
    write_transaction,
)
from storage.models import Document
from storage.objects import ObjectStore, content_disposition, object_store_from_settings


@dataclass
class Services:
    """Long-lived things one process shares between requests."""

    settings: Settings
    engine: Engine
    async_engine: AsyncEngine
    sessions: async_sessionmaker[AsyncSession]
    authorizer: Authorizer
    objects: ObjectStore
    verifier: TokenVerifier
    url_secret: bytes

    @classmethod
    def from_settings(cls, settings: Settings) -> Services:
        audit_keys.install(settings)  # audit_log.append finds it by the database
        engine = make_engine(settings.resolved_database_url)
        timeouts = Timeouts.from_settings(settings)
        async_engine = make_async_engine(settings.resolved_database_url, timeouts)
        return cls(
            settings=settings,
            engine=engine,
            async_engine=async_engine,
            sessions=make_async_session_factory(async_engine, timeouts),
            authorizer=Authorizer(engine),
            objects=object_store_from_settings(settings),
            verifier=TokenVerifier(settings),
            url_secret=signed_urls.load_or_create_secret(
                settings.url_signing_secret, settings.url_signing_secret_path
            ),
        )

    async def close(self) -> None:
        await self.async_engine.dispose()
        self.engine.dispose()


def graphql_error(status: int, code: str, message: str) -> JSONResponse:
    return JSONResponse(
        {"data": None, "errors": [{"message": message, "extensions": {"code": code}}]},
        status_code=status,
        headers={"WWW-Authenticate": "Bearer"} if status == 401 else None,
    )


class GraphQLEndpoint:
    """Authenticates, opens one DB session, and hands the request to Strawberry."""

    def __init__(self, services: Services) -> None:
        self.services = services
        self.view: GraphQL[Context, None] = GraphQL(
            build_schema(services.settings),
            graphql_ide="graphiql" if services.settings.is_dev else None,
            allow_queries_via_get=False,
            multipart_uploads_enabled=True,
        )

    async def handle(self, request: Request) -> Response:
        services = self.services
        # One connection for the whole request: GraphQL resolves sibling fields
        # concurrently, and a session that had to check a connection out again
        # (after a commit, or on its first query) would race with itself.
        async with (
            bounded_connection(
                services.async_engine, Timeouts.from_settings(services.settings)
            ) as connection,
            services.sessions(bind=connection) as session,
        ):
            try:
                principal = await authenticate(
                    session, services.verifier, request.headers.get("authorization")
                )
            except AuthenticationError as exc:
                return graphql_error(401, "UNAUTHENTICATED", str(exc))
            scope = Scope(
                session=session,
                principal=principal,
                authorizer=services.authorizer,
                objects=services.objects,
                settings=services.settings,
                url_secret=services.url_secret,
                base_url=str(request.base_url).rstrip("/"),
            )
            context = Context(request=request, scope=scope)
            refused = await claim_idempotency_key(request, session, services.settings, principal)
            if refused is not None:
                return refused
            try:
                response = await self.view.run(request, context=context)
            except HTTPException as exc:  # e.g. GET /graphql when GraphiQL is off
                return PlainTextResponse(exc.reason, status_code=exc.status_code)
            if scope.reads.events:
                # Sensitive data leaves only once its reads are on the audit log.
                async with write_transaction(session):
                    await audit_log.append(session, scope.reads.events)
                    await session.commit()
            claim = getattr(request.state, "idempotency", None)
            if isinstance(claim, idempotency.Claim) and isinstance(response.body, bytes):
                await idempotency.record(session, claim, response.status_code, response.body)
            return response


async def claim_idempotency_key(
    request: Request, session: AsyncSession, settings: Settings, principal: Principal | None
) -> Response | None:
    """`Idempotency-Key` (services.idempotency): a retry of a stored request gets its
    response back (returned here); a new key is left on `request.state` for the
    mutation to write with its effects; a key reused with another body is CONFLICT."""
    key = request.headers.get(idempotency.HEADER)
    if key is None or principal is None or request.method != "POST":
        return None
    body = await request.body()
    hashed = idempotency.request_hash(
        request.method, request.url.path, request.headers.get("content-type"), body
    )
    try:
        found = await idempotency.look_up(session, settings, principal.user_id, key, hashed)
    except DomainError as exc:
        return graphql_error(409 if exc.code == "CONFLICT" else 400, exc.code, str(exc))
    if isinstance(found, idempotency.Replay):
        return Response(
            found.body,
            status_code=found.status_code,
            media_type="application/json",
            headers={"Idempotent-Replayed": "true"},
        )
    request.state.idempotency = found
    return None


def download(services: Services) -> Route:
    """Serve a document by a signed URL (the local store's stand-in for presigning),
    streaming with bounded memory."""

    async def endpoint(request: Request) -> Response:
        document_id = request.path_params["document_id"]
        valid = signed_urls.is_valid(
            services.url_secret,
            document_id,
            request.query_params.get("expires", ""),
            request.query_params.get("signature", ""),
        )
        if not valid:
            return JSONResponse({"error": "the link is invalid or has expired"}, status_code=403)
        async with services.sessions() as session:
            document = await session.get(Document, document_id)
        if document is None:
            return JSONResponse({"error": "no such document"}, status_code=404)
        chunks = await anyio.to_thread.run_sync(services.objects.open, document.object_key)
        return StreamingResponse(
            iterate_in_threadpool(chunks),
            media_type=document.content_type,
            headers={
                "Content-Disposition": content_disposition(document.filename),
                "Content-Length": str(document.size),
            },
        )

    return Route("/documents/{document_id}", endpoint)


async def healthz(_: Request) -> Response:
    return PlainTextResponse("ok")


def readyz(services: Services) -> Route:
    """Each check runs under its own deadline (`readyz_timeout_seconds`), the checks
    side by side, so /readyz answers in time whatever its dependencies do."""
    deadline = services.settings.readyz_timeout_seconds

    async def database() -> None:
        async with services.async_engine.connect() as connection:
            await connection.execute(text("SELECT 1"))

    async def object_store() -> None:
        # A thread cannot be cancelled: on timeout it is left to finish alone.
        await anyio.to_thread.run_sync(services.objects.check, abandon_on_cancel=True)

    async def check(probe: Callable[[], Awaitable[None]]) -> str:
        try:
            await asyncio.wait_for(probe(), deadline)
        except TimeoutError:
            return f"failed: no answer within {deadline:g} s"
        except Exception as exc:
            return f"failed: {type(exc).__name__}"
        return "ok"

    async def endpoint(_: Request) -> Response:
        database_check, store_check = await asyncio.gather(check(database), check(object_store))
        checks = {"database": database_check, "objectStore": store_check}
        ready = all(value == "ok" for value in checks.values())
        failed = [name for name, value in checks.items() if value != "ok"]
        return JSONResponse(
            {"ready": ready, **checks, **({"failed": failed} if failed else {})},
            status_code=200 if ready else 503,
            headers=None if ready else {"Cache-Control": "no-store"},
        )

    return Route("/readyz", endpoint)


def create_app(settings: Settings | None = None, services: Services | None = None) -> Starlette:
    """Build the ASGI app; the database must already be migrated (`kjede db upgrade`)."""
    services = services or Services.from_settings(settings or Settings())
    endpoint = GraphQLEndpoint(services)
    metrics = Metrics()

    @contextlib.asynccontextmanager
    async def lifespan(_: Starlette) -> AsyncIterator[None]:
        # Everything imported so far lives as long as the process: keep it out of
        # the collector's generations, or each full collection walks it again.
        gc.collect()
        gc.freeze()
        yield
        await services.close()

    app = Starlette(
        routes=[
            Route("/graphql", endpoint.handle, methods=["GET", "POST"]),
            Route("/healthz", healthz),
            download(services),
            readyz(services),
            Route("/metrics", metrics.endpoint),
        ],
        middleware=[Middleware(MetricsMiddleware, metrics=metrics)],
        exception_handlers=exception_handlers(),
        lifespan=lifespan,
    )
    app.state.services = services
    return app
