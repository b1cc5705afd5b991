"""The baseline of benchmarks/http.py: a plain Starlette endpoint answering `me`.

It does what kjede's GraphQL endpoint does for `{ me { user { email } organization
{ name } roles } }` minus GraphQL: the same token verification and membership
statement (api.auth.authenticate_request) on the same engine, connection
checkout and session class, and the same JSON answer. Served by uvicorn with the
same worker count:

    KJEDE_DATA_DIR=... uvicorn benchmarks.http_baseline:create_app --factory --workers 2
"""

from __future__ import annotations

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from api.auth import authenticate_request
from api.tokens import AuthenticationError, TokenVerifier
from domain.enums import Role
from settings import Settings
from storage.db import (
    RequestConnection,
    Timeouts,
    make_async_engine,
    make_async_session_factory,
)

ROLE_ORDER = list(Role)


def create_app() -> Starlette:
    settings = Settings()
    timeouts = Timeouts.from_settings(settings)
    engine = make_async_engine(settings.resolved_database_url, timeouts)
    sessions = make_async_session_factory(engine, timeouts)
    verifier = TokenVerifier(settings)

    async def me(request: Request) -> Response:
        await request.body()
        async with (
            RequestConnection(engine, timeouts) as connection,
            sessions(bind=connection) as session,
        ):
            try:
                found = await authenticate_request(
                    session, verifier, request.headers.get("authorization")
                )
            except AuthenticationError as exc:
                return JSONResponse({"errors": [{"message": str(exc)}]}, status_code=401)
            if found is None:
                return JSONResponse({"errors": [{"message": "sign in"}]}, status_code=401)
            roles = sorted(found.principal.roles, key=ROLE_ORDER.index)
            return JSONResponse(
                {
                    "data": {
                        "me": {
                            "user": {"email": found.user.email},
                            "organization": {"name": found.organization.name},
                            "roles": [role.value for role in roles],
                        }
                    }
                }
            )

    return Starlette(routes=[Route("/graphql", me, methods=["POST"])])
