"""`create_app(settings)`: the Starlette application and the services it holds."""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import functools
import hashlib
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from typing import BinaryIO

import anyio.to_thread
from cross_web import HTTPException
from sqlalchemy import Engine, text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker
from starlette.applications import Starlette
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route
from strawberry.asgi import GraphQL
from strawberry.subscriptions import GRAPHQL_TRANSPORT_WS_PROTOCOL

from api import limits
from api.auth import (
    GATEWAY_SECRET_HEADER,
    Authenticated,
    authenticate,
    authenticate_request,
    presented_bearer,
    principal_by_id,
    shared_secret_ok,
)
from api.direct_uploads import direct_upload
from api.downloads import download
from api.errors import graphql_error, status_error
from api.gc_tuning import tune_gc
from api.metrics import Metrics, MetricsMiddleware
from api.prepared import PreparedQueries
from api.response_cache import Key, RequestFacts, ResponseCache, request_key
from api.scopes import caller_scope, log_reads
from api.streams import MAX_SUBSCRIPTIONS_PER_CONNECTION, SignsInSubscribers, subscriptions_route
from api.tokens import AuthenticationError, TokenVerifier
from api.unavailable import UnavailableAware, exception_handlers
from api.uploads import UploadRequest
from authz.enforcer import Authorizer
from authz.policy_sync import PolicyWatcher
from authz.principal import Principal
from domain.errors import DomainError
from schema.app_schema import build_schema
from schema.context import Context
from services import idempotency, supply_graph
from services.document_uploads import CheckDeps, UploadChecks
from services.documents import upload_stream
from settings import Settings
from storage import audit_keys, data_version, signed_urls
from storage.db import (
    RequestConnection,
    Timeouts,
    make_async_engine,
    make_async_session_factory,
    make_engine,
    within,
)
from storage.objects import ObjectStore, object_store_from_settings
from web import Backend, web_routes


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
    # Answers to queries, served again at the same data version (api/response_cache.py).
    response_cache: ResponseCache
    # What requests take as the time (deadlines); tests may set their own.
    clock: Callable[[], dt.datetime] = field(default=lambda: dt.datetime.now(dt.UTC))
    # Finished direct uploads' checks (services/document_uploads.py).
    upload_checks: UploadChecks = field(init=False)

    def __post_init__(self) -> None:
        deps = CheckDeps(self.sessions, self.objects, self.settings, lambda: self.clock())
        self.upload_checks = UploadChecks(deps, self.settings.upload_check_poll_seconds)

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
            response_cache=ResponseCache.from_settings(settings),
        )

    async def close(self) -> None:
        await self.async_engine.dispose()
        self.engine.dispose()


class GraphQLView(SignsInSubscribers, UnavailableAware, GraphQL[Context, None]):
    """Strawberry's view with strict JSON: not UTF-8, not JSON or nested too deep
    is the caller's error (400), never an exception of ours; websockets sign in
    at connection_init (api/streams.py)."""

    def decode_json(self, data: str | bytes) -> object:
        return limits.decode_json(data)

    def encode_json(self, data: object) -> str:
        return limits.encode_json(data)


class GraphQLEndpoint:
    """Caps the body, authenticates, opens one DB session, and hands the request to
    Strawberry. Every refusal is a coded JSON error with a 4xx status."""

    def __init__(self, services: Services) -> None:
        self.services = services
        self.view: GraphQL[Context, None] = GraphQLView(
            build_schema(services.settings),
            graphql_ide="graphiql" if services.settings.is_dev else None,
            allow_queries_via_get=False,
            multipart_uploads_enabled=True,
            subscription_protocols=(GRAPHQL_TRANSPORT_WS_PROTOCOL,),
            max_subscriptions_per_connection=MAX_SUBSCRIPTIONS_PER_CONNECTION,
        )
        # A query whose document already ran clean skips the view's per-request
        # machinery, with the same checks and answers (api/prepared.py).
        self.prepared = PreparedQueries(self.view, services.settings)

    async def handle(self, request: Request) -> Response:
        services = self.services
        settings = services.settings
        content_type = request.headers.get("content-type")
        # The body is capped while it is read, before anything parses it; a
        # Content-Length over the cap is refused without reading a byte.
        limit = limits.body_limit(settings, content_type)
        try:
            declared = limits.declared_length(request.headers.get("content-length"))
        except HTTPException as exc:
            return status_error(exc.status_code, exc.reason)
        if declared is not None and declared > limit:
            return too_large(limits.BodyTooLarge(limit))
        # File parts are spooled to named files and hashed as they arrive (api/uploads.py).
        request = UploadRequest(request.scope, limits.capped(request.receive, limit))
        # Read by schema.input_guard: only the gateway may ask for `_service`.
        request.state.federation_gateway = shared_secret_ok(
            settings.gateway_secret,
            request.headers.get(GATEWAY_SECRET_HEADER),
            dev=settings.is_dev,
        )
        try:
            return await self.respond(request, content_type)
        finally:
            await request.close()  # the upload's spool files

    async def respond(self, request: Request, content_type: str | None) -> Response:
        services = self.services
        settings = services.settings
        timeouts = Timeouts.from_settings(settings)
        principal: Principal | None = None
        multipart = limits.is_multipart(content_type)
        if multipart:
            # Who sends an upload is known before a byte of it is read; the body
            # is then spooled to disk while the request holds no connection.
            async with (
                RequestConnection(services.async_engine, timeouts) as connection,
                services.sessions(bind=connection) as session,
            ):
                try:
                    principal = await authenticate(
                        session, services.verifier, request.headers.get("authorization")
                    )
                except AuthenticationError as exc:
                    return graphql_error(401, "UNAUTHENTICATED", str(exc))
            if principal is None:
                return graphql_error(
                    401, "UNAUTHENTICATED", "an upload needs 'Authorization: Bearer <token>'"
                )
            # Files stored as sent go to the store while the body arrives (api/uploads.py).
            request.state.upload_stream = functools.partial(
                upload_stream, services.objects, principal.organization_id
            )
        refused = await read_body(request, multipart)
        if refused is not None:
            return refused
        # One connection for the rest of the request: GraphQL resolves sibling
        # fields concurrently, and a session that had to check a connection out
        # again (after a commit, or on its first query) would race with itself.
        # Work outside the database gives it back meanwhile (Scope.without_connection).
        lease = RequestConnection(services.async_engine, timeouts)
        async with lease as connection, services.sessions(bind=connection) as session:
            signed_in: Authenticated | None = None
            if not multipart:
                try:
                    signed_in = await authenticate_request(
                        session,
                        services.verifier,
                        request.headers.get("authorization"),
                        today=services.clock().date(),
                    )
                except AuthenticationError as exc:
                    return graphql_error(401, "UNAUTHENTICATED", str(exc))
                principal = signed_in.principal if signed_in is not None else None
            reuse = await self.reuse_key(request, principal, multipart)
            version: int | None = None
            if reuse is not None:
                # First: the answer may rest only on data committed at this version
                # (read with the token's member rows when there is a token).
                version = (
                    signed_in.data_version
                    if signed_in is not None
                    else await data_version.read(session)
                )
                cached = services.response_cache.get(version, reuse)
                if cached is not None:
                    await log_reads(session, cached.reads)
                    return Response(cached.body, media_type="application/json")

            async def still_wanted() -> bool:
                return not await request.is_disconnected()

            scope = caller_scope(
                services,
                session,
                signed_in,
                principal=principal,
                base_url=str(request.base_url),
                connection=lease,
                still_wanted=still_wanted,
            )
            context = Context(request=request, scope=scope)
            try:
                refused = await claim_idempotency_key(request, session, settings, principal)
                if refused is not None:
                    return refused
                payload = None if multipart else await self.prepared.payload(request)
                operation = self.prepared.operation(payload) if payload is not None else None
                if operation is not None:
                    response = await self.prepared.run(operation, context, request)
                else:
                    response = await self.view.run(request, context=context)
                    if payload is not None and context.clean_query:
                        self.prepared.learn(payload)
            except (
                HTTPException,
                StarletteHTTPException,
                limits.BodyTooLarge,
                UnicodeDecodeError,
            ) as exc:
                return refusal(exc)
            await log_reads(session, scope.reads.events)
            claim = getattr(request.state, "idempotency", None)
            if isinstance(claim, idempotency.Claim) and isinstance(response.body, bytes):
                await idempotency.record(session, claim, response.status_code, response.body)
            if (
                reuse is not None
                and version is not None
                and context.clean_query
                and not scope.not_reusable_because
                and response.status_code == 200
                and isinstance(response.body, bytes)
            ):
                services.response_cache.put(version, reuse, response.body, scope.reads.events)
            return response

    async def reuse_key(
        self, request: Request, principal: Principal | None, multipart: bool
    ) -> Key | None:
        """The response-cache key of a JSON query request (api/response_cache.py),
        or None when the cache is off or the request is not one it serves."""
        services = self.services
        if (
            not services.response_cache.enabled
            or multipart
            or request.method != "POST"
            or idempotency.HEADER in request.headers
        ):
            return None
        now = services.clock()
        return request_key(
            RequestFacts(
                body=await request.body(),
                principal=principal,
                policy_version=services.authorizer.version,
                utc_day=now.astimezone(dt.UTC).date(),
                local_day=dt.date.today(),
                gateway=bool(request.state.federation_gateway),
                base_url=str(request.base_url),
            )
        )


async def read_body(request: Request, multipart: bool) -> Response | None:
    """Read the whole body before the request takes a database connection, so a
    slow client holds none: JSON into memory (it is capped small), an upload
    spooled to temporary files (Starlette's form parser; the view reuses it)."""
    if request.method != "POST":
        return None
    try:
        if multipart:
            await request.form()
        else:
            await request.body()
    except (HTTPException, StarletteHTTPException, limits.BodyTooLarge, UnicodeDecodeError) as exc:
        return refusal(exc)
    return None


def refusal(
    exc: HTTPException | StarletteHTTPException | limits.BodyTooLarge | UnicodeDecodeError,
) -> Response:
    """A transport refusal as a coded JSON error."""
    if isinstance(exc, HTTPException):  # e.g. GET /graphql when GraphiQL is off
        return status_error(exc.status_code, exc.reason)
    if isinstance(exc, StarletteHTTPException):  # a malformed multipart body
        return status_error(exc.status_code, exc.detail)
    if isinstance(exc, limits.BodyTooLarge):
        return too_large(exc)
    return status_error(400, "the request body is not valid UTF-8")  # a multipart field


async def claim_idempotency_key(
    request: Request, session: AsyncSession, settings: Settings, principal: Principal | None
) -> Response | None:
    """`Idempotency-Key` (services.idempotency): a retry of a stored request gets its
    response back (returned here); a new key is left on `request.state` for the
    mutation to write with its effects; a key reused with another body is CONFLICT."""
    key = request.headers.get(idempotency.HEADER)
    if key is None or principal is None or request.method != "POST":
        return None
    content_type = request.headers.get("content-type")
    if limits.is_multipart(content_type):
        # Spooled already (read_body); the boundary differs between retries.
        body = await form_digest(request)
        content_type = "multipart/form-data"
    else:
        body = await request.body()
    hashed = idempotency.request_hash(request.method, request.url.path, content_type, body)
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


async def form_digest(request: Request) -> bytes:
    """What identifies a multipart request: its fields, and each file's name and sha256."""
    digest = hashlib.sha256()
    for name, value in (await request.form()).multi_items():
        if isinstance(value, str):
            parts = [b"field", name.encode(), value.encode()]
        else:
            file_digest = await anyio.to_thread.run_sync(sha256_of, value.file)
            parts = [b"file", name.encode(), (value.filename or "").encode(), file_digest]
        for part in parts:
            digest.update(len(part).to_bytes(8, "big") + part)
    return digest.digest()


def sha256_of(file: BinaryIO) -> bytes:
    file.seek(0)
    digest = hashlib.sha256()
    while chunk := file.read(1024 * 1024):
        digest.update(chunk)
    file.seek(0)
    return digest.digest()


def too_large(exc: limits.BodyTooLarge) -> Response:
    return graphql_error(413, "PAYLOAD_TOO_LARGE", str(exc))


def metrics_route(metrics: Metrics, settings: Settings) -> Route:
    """/metrics for monitoring only: `Authorization: Bearer <KJEDE_METRICS_SECRET>`."""

    async def endpoint(request: Request) -> Response:
        presented = presented_bearer(request.headers.get("authorization"))
        if not shared_secret_ok(settings.metrics_secret, presented, dev=settings.is_dev):
            if not settings.metrics_secret:
                return graphql_error(403, "FORBIDDEN", "set KJEDE_METRICS_SECRET to read metrics")
            return graphql_error(
                401, "UNAUTHENTICATED", "send 'Authorization: Bearer <KJEDE_METRICS_SECRET>'"
            )
        return await metrics.endpoint(request)

    return Route("/metrics", endpoint)


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
            # Not awaited once late: cancelled, psycopg asks a frozen server to
            # cancel and waits seconds for its answer (a pooled connection's ping).
            await within(probe(), deadline)
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


def start_graph_refresh(services: Services) -> asyncio.Task[None] | None:
    """The supply-chain graph's background refresh (services/supply_graph.py)."""
    seconds = services.settings.graph_refresh_seconds
    if seconds <= 0:
        return None
    store = supply_graph.store_for(services.settings.resolved_database_url)
    return asyncio.create_task(supply_graph.refresh_forever(store, services.sessions, seconds))


def create_app(settings: Settings | None = None, services: Services | None = None) -> Starlette:
    """Build the ASGI app; the database must already be migrated (`kjede db upgrade`)."""
    services = services or Services.from_settings(settings or Settings())
    endpoint = GraphQLEndpoint(services)
    metrics = Metrics()

    @contextlib.asynccontextmanager
    async def lifespan(_: Starlette) -> AsyncIterator[None]:
        # Everything imported so far lives as long as the process: keep it out of
        # the collector's generations, or each full collection walks it again; and
        # collect the young generation less often (api/gc_tuning.py).
        tune_gc()
        # Policy changes made by any process reach this one's snapshot (authz/policy_sync.py).
        watcher = PolicyWatcher(services.authorizer, services.engine)
        watcher.start()
        refresher = start_graph_refresh(
            services
        )  # the supply-chain graph (services/supply_graph.py)
        try:
            async with services.upload_checks.running():
                yield
        finally:
            if refresher is not None:
                refresher.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await refresher
            await anyio.to_thread.run_sync(watcher.stop)
            await services.close()

    app = Starlette(
        routes=[
            Route("/graphql", endpoint.handle, methods=["GET", "POST"]),
            subscriptions_route(services, endpoint.view),
            Route("/healthz", healthz),
            download(services),
            direct_upload(services),
            readyz(services),
            metrics_route(metrics, services.settings),
            # The web UI (web/): pages run trusted documents on the same schema.
            *web_routes(Backend.of(services, endpoint.view.schema, principal_by_id)),
        ],
        middleware=[Middleware(MetricsMiddleware, metrics=metrics)],
        exception_handlers=exception_handlers(),
        lifespan=lifespan,
    )
    app.state.services = services
    return app
