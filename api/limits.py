"""What the transport refuses before GraphQL sees a request: oversized bodies,
bytes that are not UTF-8, JSON that is not JSON or is nested absurdly deep.

Each becomes a `cross_web.HTTPException` (or `BodyTooLarge`), which the
endpoint answers as a coded JSON error with a 4xx status; none may reach the
parser or the resolvers as an exception of ours.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

import orjson
from cross_web import HTTPException
from starlette.types import Message, Receive

from settings import Settings

MAX_JSON_DEPTH = 32
"""Deeper than any operation, its variables or an `_entities` representation needs."""


class BodyTooLarge(Exception):
    """The request body exceeds `limit` bytes; it was not read past that."""

    def __init__(self, limit: int) -> None:
        super().__init__(f"the request body is larger than the limit of {limit} bytes")
        self.limit = limit


def is_multipart(content_type: str | None) -> bool:
    return (content_type or "").split(";", 1)[0].strip().lower() == "multipart/form-data"


def body_limit(settings: Settings, content_type: str | None) -> int:
    """JSON bodies: max_request_bytes; a multipart upload may add one file of
    max_upload_bytes (the operations, map and part headers fit in the rest)."""
    if is_multipart(content_type):
        return settings.max_upload_bytes + settings.max_request_bytes
    return settings.max_request_bytes


def declared_length(content_length: str | None) -> int | None:
    """Content-Length as sent; HTTPException when it is not a number."""
    if content_length is None:
        return None
    try:
        length = int(content_length)
    except ValueError:
        raise HTTPException(400, "Content-Length must be a number of bytes") from None
    if length < 0:
        raise HTTPException(400, "Content-Length must be a number of bytes")
    return length


def capped(receive: Receive, limit: int) -> Receive:
    """`receive` that raises BodyTooLarge as soon as the body passes `limit` bytes,
    whatever Content-Length said (or if it said nothing)."""
    received = 0

    async def wrapped() -> Message:
        nonlocal received
        message = await receive()
        if message["type"] == "http.request":
            received += len(message.get("body", b""))
            if received > limit:
                raise BodyTooLarge(limit)
        return message

    return wrapped


def encode_json(data: object) -> str:
    """A response as compact JSON: orjson (a page of 100 reports encodes about ten
    times faster than with `json`), or `json` for what orjson refuses (a lone
    surrogate echoed from a caller's document, an integer over 64 bits)."""
    try:
        return orjson.dumps(data).decode()
    except orjson.JSONEncodeError:
        return json.dumps(data, separators=(",", ":"))


def decode_json(data: str | bytes) -> object:
    """Strict JSON for operations and variables: UTF-8 only, numbers Python can
    hold, at most MAX_JSON_DEPTH levels of arrays and objects."""
    if isinstance(data, bytes):
        try:
            data = data.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise HTTPException(
                400, f"the request body is not valid UTF-8 (byte {exc.start})"
            ) from None
    try:
        value = json.loads(data)
    except RecursionError:
        raise HTTPException(400, too_deep()) from None
    except ValueError:  # JSONDecodeError, and integers with too many digits
        raise HTTPException(400, "Unable to parse request body as JSON") from None
    if nested_deeper_than(value, MAX_JSON_DEPTH):
        raise HTTPException(400, too_deep())
    return value


def too_deep() -> str:
    return f"the request's JSON is nested more than {MAX_JSON_DEPTH} levels deep"


def nested_deeper_than(value: Any, limit: int) -> bool:
    """Iterative, so no value can exhaust the stack while being measured."""
    pending: list[tuple[Any, int]] = [(value, 1)]
    while pending:
        item, depth = pending.pop()
        children: Iterable[Any]
        if isinstance(item, dict):
            children = item.values()
        elif isinstance(item, list):
            children = item
        else:
            continue
        if depth > limit:
            return True
        pending.extend((child, depth + 1) for child in children)
    return False
