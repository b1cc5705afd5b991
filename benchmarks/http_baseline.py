"""The baseline of benchmarks/http.py: a plain Starlette endpoint answering `me`.

It does what kjede's GraphQL endpoint does for `{ me { user { email } organization
{ name } roles } }` minus GraphQL: the same token verification and membership
statement (api.auth.authenticate_request) on the same engine, connection
checkout and session class, and the same JSON answer. Served by uvicorn with the
same worker count and the same supervisor as `kjede serve` (api/workers.py, a
listening socket per worker), so the two differ only in what answers a request:

    KJEDE_DATA_DIR=... python -m benchmarks.http_baseline --workers 2 --port 8001
"""

from __future__ import annotations

import argparse

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from api.auth import authenticate_request
from api.cli import default_workers
from api.tokens import AuthenticationError, TokenVerifier
from api.workers import supervise
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


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Serve the baseline as kjede serve would.")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8001)
    parser.add_argument("--workers", type=int, default=default_workers())
    args = parser.parse_args(argv)
    config = uvicorn.Config(
        "benchmarks.http_baseline:create_app",
        factory=True,
        host=args.host,
        port=args.port,
        workers=args.workers,
        log_level="warning",
    )
    if args.workers == 1:
        uvicorn.Server(config).run()
    else:
        supervise(config)


if __name__ == "__main__":
    main()
