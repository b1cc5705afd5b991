"""Errors the transport answers itself, in the shape GraphQL errors have:
`{"data": null, "errors": [{"message": ..., "extensions": {"code": ...}}]}`."""

from __future__ import annotations

import json

from starlette.responses import Response

STATUS_CODES = {
    400: "BAD_REQUEST",
    401: "UNAUTHENTICATED",
    403: "FORBIDDEN",
    404: "NOT_FOUND",
    405: "METHOD_NOT_ALLOWED",
    413: "PAYLOAD_TOO_LARGE",
    415: "UNSUPPORTED_MEDIA_TYPE",
}


def graphql_error(status: int, code: str, message: str) -> Response:
    """ASCII-escaped JSON, so no message (a claim, a header) can fail to encode."""
    body = {"data": None, "errors": [{"message": message, "extensions": {"code": code}}]}
    return Response(
        json.dumps(body, ensure_ascii=True),
        status_code=status,
        media_type="application/json",
        headers={"WWW-Authenticate": "Bearer"} if status == 401 else None,
    )


def status_error(status: int, message: str) -> Response:
    """A transport refusal with the code its status stands for (BAD_REQUEST otherwise)."""
    if not 400 <= status < 500:
        status = 400
    return graphql_error(status, STATUS_CODES.get(status, "BAD_REQUEST"), message)
