"""Relay connections over a `services.pagination.Page`."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from typing import Generic, TypeVar

import strawberry

from schema.fields import field
from services.pagination import DEFAULT_PAGE_SIZE, Page

__all__ = ["DEFAULT_PAGE_SIZE", "Connection", "Edge", "PageInfo", "connection"]

NodeT = TypeVar("NodeT")
ItemT = TypeVar("ItemT")


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
    count: strawberry.Private[Callable[[], Awaitable[int]]]

    @field(description="All matching items, on every page.")
    async def total_count(self) -> int:
        return await self.count()


def connection(page: Page[ItemT], wrap: Callable[[ItemT], NodeT]) -> Connection[NodeT]:
    """The page's plain values wrapped as GraphQL nodes."""
    edges: Sequence[Edge[NodeT]] = [
        Edge(cursor=cursor, node=wrap(item))
        for cursor, item in zip(page.cursors, page.items, strict=True)
    ]
    return Connection(
        edges=list(edges),
        page_info=PageInfo(
            has_next_page=page.has_next,
            end_cursor=edges[-1].cursor if edges else None,
            has_previous_page=page.has_previous,
            start_cursor=edges[0].cursor if edges else None,
        ),
        count=page.count,
    )
