"""Relay connections with keyset pagination on time-ordered ids."""

from __future__ import annotations

import base64
import binascii
from collections.abc import Awaitable, Callable
from typing import Any, Generic, TypeVar

import strawberry
from sqlalchemy import Select, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.errors import InvalidInput
from schema.context import Context

NodeT = TypeVar("NodeT")
RowT = TypeVar("RowT")

CURSOR_PREFIX = "cursor:"
DEFAULT_PAGE_SIZE = 50


@strawberry.type
class PageInfo:
    has_next_page: bool
    end_cursor: str | None
    has_previous_page: bool = False
    start_cursor: str | None = None


@strawberry.type
class Edge(Generic[NodeT]):
    cursor: str
    node: NodeT


@strawberry.type
class Connection(Generic[NodeT]):
    edges: list[Edge[NodeT]]
    page_info: PageInfo
    count_query: strawberry.Private[Select[Any]]
    session: strawberry.Private[AsyncSession]

    @strawberry.field(description="All matching items, on every page.")
    async def total_count(self) -> int:
        """Counted only when asked for: at national scale the count scans every
        visible row."""
        count = select(func.count()).select_from(self.count_query.order_by(None).subquery())
        return int((await self.session.execute(count)).scalar_one())


def encode_cursor(row_id: str) -> str:
    return base64.urlsafe_b64encode(f"{CURSOR_PREFIX}{row_id}".encode()).decode()


def decode_cursor(cursor: str) -> str:
    try:
        raw = base64.urlsafe_b64decode(cursor.encode()).decode()
    except (binascii.Error, UnicodeDecodeError):
        raw = ""
    if not raw.startswith(CURSOR_PREFIX):
        raise InvalidInput("after", "is not a cursor from this API; pass a pageInfo.endCursor")
    return raw.removeprefix(CURSOR_PREFIX)


def check_page_size(first: int, maximum: int) -> None:
    if not 0 <= first <= maximum:
        raise InvalidInput("first", f"must be between 0 and {maximum}, got {first}")


async def paginate(
    ctx: Context,
    stmt: Select[Any],
    id_column: Any,
    *,
    first: int | None,
    after: str | None,
    to_nodes: Callable[[list[Any]], Awaitable[list[NodeT]]],
) -> Connection[NodeT]:
    """One page of `stmt` ordered by id after the cursor; `to_nodes` turns the
    page's rows into nodes in one batch."""
    first = DEFAULT_PAGE_SIZE if first is None else first  # the contract's `first: Int = 50`
    check_page_size(first, ctx.settings.max_page_size)
    page_stmt = stmt
    if after:
        page_stmt = page_stmt.where(id_column > decode_cursor(after))
    rows = list(
        (await ctx.session.execute(page_stmt.order_by(id_column).limit(first + 1))).scalars()
    )
    has_next = len(rows) > first
    nodes = await to_nodes(rows[:first])
    edges = [Edge(cursor=encode_cursor(node.id), node=node) for node in nodes]  # type: ignore[attr-defined]
    return Connection(
        edges=edges,
        page_info=PageInfo(
            has_next_page=has_next,
            end_cursor=edges[-1].cursor if edges else None,
            has_previous_page=after is not None,
            start_cursor=edges[0].cursor if edges else None,
        ),
        count_query=stmt,
        session=ctx.session,
    )


def each(convert: Callable[[RowT], NodeT]) -> Callable[[list[RowT]], Awaitable[list[NodeT]]]:
    """`to_nodes` for types built row by row without further I/O."""

    async def to_nodes(rows: list[RowT]) -> list[NodeT]:
        return [convert(row) for row in rows]

    return to_nodes
