"""Keyset pagination on time-ordered ids: one page of plain items, opaque
cursors, and the total count on demand."""

from __future__ import annotations

import base64
import binascii
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from sqlalchemy import Integer, Select, bindparam, func, select

from domain.errors import InvalidInput
from services.scope import Scope
from storage.db import core_rows
from storage.kept import Kept

ItemT = TypeVar("ItemT")
RowT = TypeVar("RowT")

CURSOR_PREFIX = "cursor:"
DEFAULT_PAGE_SIZE = 50


@dataclass(frozen=True)
class Page(Generic[ItemT]):
    """One page: items in id order with their cursors, whether more follow, and
    the count of every matching item (a scan of every visible row: only when asked)."""

    items: list[ItemT]
    cursors: list[str]
    has_next: bool
    has_previous: bool
    count: Callable[[], Awaitable[int]]


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


async def fetch_page(
    scope: Scope,
    stmt: Select[Any],
    id_column: Any,
    *,
    first: int | None,
    after: str | None,
    to_items: Callable[[list[RowT]], Awaitable[list[ItemT]]],
    item_id: Callable[[ItemT], str],
    scalars: bool = True,
) -> Page[ItemT]:
    """One page of `stmt` ordered by id after the cursor; `to_items` turns the
    page's rows into items in one batch (it may drop rows); `item_id` names an
    item's id for its cursor; `scalars=False` hands `to_items` whole rows (a
    statement of columns rather than of one entity)."""
    first = DEFAULT_PAGE_SIZE if first is None else first  # the contract's `first: Int = 50`
    check_page_size(first, scope.settings.max_page_size)
    page_stmt = paged(stmt, id_column, after=bool(after))
    parameters: dict[str, Any] = {PAGE_LIMIT: first + 1}
    if after:
        parameters[PAGE_AFTER] = decode_cursor(after)
    rows: list[Any]  # RowT: entities, or Core rows
    if scalars:
        rows = list((await scope.session.execute(page_stmt, parameters)).scalars())
    else:  # plain columns: Core rows (storage.db.core_rows)
        rows = list(await core_rows(scope.session, page_stmt, parameters))
    items = await to_items(rows[:first])
    return Page(
        items=items,
        cursors=[encode_cursor(item_id(item)) for item in items],
        has_next=len(rows) > first,
        has_previous=after is not None,
        count=counter(scope, stmt),
    )


PAGE_LIMIT, PAGE_AFTER = "page_limit", "page_after"
_PAGED: Kept[Select[Any]] = Kept(256)


def paged(stmt: Select[Any], id_column: Any, *, after: bool) -> Select[Any]:
    """`stmt` in id order, limited to `PAGE_LIMIT` rows after the id `PAGE_AFTER` (when
    `after`), both bound when it runs: a caller that keeps its statement (the report
    list keeps one per row filter) gets the same page statement back, whose
    SQLAlchemy cache key is then computed once."""
    key = (id(stmt), id(id_column), after)
    found = _PAGED.get(key, stmt)
    if found is not None:
        return found
    page = stmt.where(id_column > bindparam(PAGE_AFTER)) if after else stmt
    page = page.order_by(id_column).limit(bindparam(PAGE_LIMIT, type_=Integer))
    return _PAGED.put(key, stmt, page)


def counter(scope: Scope, stmt: Select[Any]) -> Callable[[], Awaitable[int]]:
    """Count every row of `stmt`, on demand (at national scale a full scan)."""

    async def count() -> int:
        total = select(func.count()).select_from(stmt.order_by(None).subquery())
        return int((await scope.session.execute(total)).scalar_one())

    return count


def each(convert: Callable[[RowT], ItemT]) -> Callable[[list[RowT]], Awaitable[list[ItemT]]]:
    """`to_items` for items built row by row without further I/O."""

    async def to_items(rows: list[RowT]) -> list[ItemT]:
        return [convert(row) for row in rows]

    return to_items
