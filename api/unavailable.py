"""A dependency that is down answers 503 `UNAVAILABLE` with `Retry-After`, in JSON.

The database (connection refused or lost, a connect, statement, pool or call
timeout) and the object store (connection errors, timeouts, 5xx after retries)
fail the same way for the caller: `{"data": null, "errors": [{"message": ...,
"extensions": {"code": "UNAVAILABLE"}}]}`, never a `text/plain` 500. The mapping
holds wherever the failure happens: authentication's membership query, a
resolver (strawberry catches it; `UnavailableAware` raises it again), or the
download route (`exception_handlers`).
"""

from __future__ import annotations

import json
import logging
from typing import Any

import urllib3.exceptions
from minio.error import ServerError
from sqlalchemy import exc as sa_exc
from starlette.requests import Request
from starlette.responses import Response
from strawberry.http import GraphQLHTTPResponse
from strawberry.types import ExecutionResult

from services.outages import UNAVAILABLE, dependency_of, outage_message

logger = logging.getLogger(__name__)

CODE = UNAVAILABLE

# What the app's exception handlers catch; `dependency_of` decides which of them
# mean "down" (a unique-constraint clash is a DBAPIError too, and stays a 500).
HANDLED: tuple[type[BaseException], ...] = (
    sa_exc.DBAPIError,
    sa_exc.TimeoutError,
    TimeoutError,
    urllib3.exceptions.HTTPError,
    ServerError,
    ConnectionError,
)


def unavailable(dependency: str, retry_after: int) -> Response:
    body = {
        "data": None,
        "errors": [
            {
                "message": outage_message(dependency),
                "extensions": {"code": CODE, "dependency": dependency},
            }
        ],
    }
    return Response(
        json.dumps(body, ensure_ascii=True),
        status_code=503,
        media_type="application/json",
        headers={"Retry-After": str(retry_after), "Cache-Control": "no-store"},
    )


async def handle(request: Request, exc: Exception) -> Response:
    """Starlette exception handler for `HANDLED`: 503 for an outage, else re-raised."""
    dependency = dependency_of(exc)
    if dependency is None:
        raise exc
    logger.warning("%s unavailable: %s", dependency, _cause(exc))
    settings = request.app.state.services.settings
    return unavailable(dependency, settings.unavailable_retry_after_seconds)


def _cause(error: BaseException) -> str:
    """The innermost cause, as the operator's log line names it."""
    seen = {id(error)}
    while (cause := error.__cause__ or error.__context__) is not None and id(cause) not in seen:
        seen.add(id(cause))
        error = cause
    return f"{type(error).__name__}: {error}"


def exception_handlers() -> dict[Any, Any]:
    return dict.fromkeys(HANDLED, handle)


class UnavailableAware:
    """Mixin for the GraphQL view: a resolver's outage error is raised again, so the
    whole request answers 503 instead of `data: null` with an internal error."""

    async def process_result(self, request: Any, result: ExecutionResult) -> GraphQLHTTPResponse:
        for error in result.errors or ():
            if dependency_of(error) is not None:
                raise error.original_error or error
        return await super().process_result(request, result)  # type: ignore[misc,no-any-return]
