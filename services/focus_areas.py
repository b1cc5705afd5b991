"""Focus areas (e.g. surgical gloves): a coordinator's follow-up theme in a network.

A focus area is reached from a report the viewer may see, or by reference
(federation's `_entities`); its reports are those the viewer may see, a page at
a time, through the same row filter, disclosure and read log as every other
report list (`services.audit_reports`)."""

from __future__ import annotations

import asyncio
import datetime as dt
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field

from sqlalchemy import func, select
from sqlalchemy.orm import aliased

from authz.disclosure import Disclosed
from authz.policies import Action, Resource
from services.audit_reports import ReportFilter, present, visible_statement
from services.pagination import (
    DEFAULT_PAGE_SIZE,
    Page,
    check_page_size,
    counter,
    decode_cursor,
    encode_cursor,
)
from services.scope import Scope
from storage import models


@dataclass(frozen=True)
class FocusAreaView:
    id: str
    title: str
    product_category: str
    description: str | None
    period_start: dt.date
    period_end: dt.date
    network_id: str
    responsible_body_id: str | None
    planned_audits: int = 0


def focus_area_view(row: models.FocusArea) -> FocusAreaView:
    return FocusAreaView(
        id=row.id,
        title=row.title,
        product_category=row.product_category,
        description=row.description,
        period_start=row.period_start,
        period_end=row.period_end,
        network_id=row.network_id,
        responsible_body_id=row.responsible_body_id,
        planned_audits=row.planned_audits,
    )


async def find_focus_area(scope: Scope, focus_area_id: str) -> FocusAreaView | None:
    """The focus area a visible record refers to, through the request's DataLoader."""
    row = await scope.loaders.focus_area.load(focus_area_id)
    return focus_area_view(row) if row else None


async def focus_area_by_reference(scope: Scope, focus_area_id: str) -> FocusAreaView | None:
    """A focus area by id (federation's `_entities`): a focus area is a theme of
    its network, so the check is the network's (every signed-in role reads
    networks); rows come through the request's DataLoader, one statement for
    every reference in the request."""
    scope.require(Action.READ, Resource.NETWORK)
    return await find_focus_area(scope, focus_area_id)


# --- a focus area's reports, one page each, one statement per batch ----------------


@dataclass(frozen=True)
class ReportPageKey:
    """One `FocusArea.reports(first, after)` as a resolver asks for it."""

    focus_area_id: str
    first: int
    after: str | None
    selected: frozenset[str]


@dataclass
class _PageBatch:
    """The pages asked for in one turn of the event loop (as a DataLoader batches)."""

    scope: Scope
    futures: dict[ReportPageKey, asyncio.Future[Page[Disclosed]]] = field(default_factory=dict)


_pending: dict[int, _PageBatch] = {}
"""Batches waiting for their turn, by `id(scope)`. An entry lives from the first
page asked for in a turn until that turn's batch runs (the same turn), so no
request's data outlives the request here."""


async def reports_page(
    scope: Scope,
    focus_area_id: str,
    *,
    first: int | None,
    after: str | None,
    selected: frozenset[str],
) -> Page[Disclosed]:
    """A page of the focus area's reports that the viewer may see, oldest first.

    Every page asked for in the same turn of the event loop (the focus areas of
    a list of reports) is fetched by one statement, one per distinct
    (first, after); the same focus area asked for twice is fetched once."""
    first = DEFAULT_PAGE_SIZE if first is None else first  # the contract's `first: Int = 50`
    check_page_size(first, scope.settings.max_page_size)
    if after:
        decode_cursor(after)  # refuse a foreign cursor before anything runs
    key = ReportPageKey(focus_area_id, first, after or None, selected)
    batch = _pending.get(id(scope))
    if batch is None:
        batch = _pending[id(scope)] = _PageBatch(scope)
        asyncio.get_running_loop().call_soon(_dispatch, id(scope), batch)
    future = batch.futures.get(key)
    if future is None:
        future = batch.futures[key] = asyncio.get_running_loop().create_future()
    return await future


def _dispatch(token: int, batch: _PageBatch) -> None:
    if _pending.get(token) is batch:
        del _pending[token]
    task = asyncio.ensure_future(_run(batch))
    _running.add(task)
    task.add_done_callback(_running.discard)


_running: set[asyncio.Future[None]] = set()
"""Batches being fetched (the loop keeps only weak references to tasks)."""


async def _run(batch: _PageBatch) -> None:
    groups: dict[tuple[int, str | None, frozenset[str]], list[ReportPageKey]] = defaultdict(list)
    for key in batch.futures:
        groups[(key.first, key.after, key.selected)].append(key)
    for keys in groups.values():
        futures = [batch.futures[key] for key in keys]
        try:
            pages = await _fetch_pages(batch.scope, keys)
        except Exception as error:
            for future in futures:
                if not future.done():
                    future.set_exception(error)
            continue
        for future, page in zip(futures, pages, strict=True):
            if not future.done():
                future.set_result(page)


async def _fetch_pages(scope: Scope, keys: Sequence[ReportPageKey]) -> list[Page[Disclosed]]:
    """One page per key, all with the same first/after/selected: the first + 1
    visible reports of each focus area after the cursor, by one statement
    (row_number over each focus area), disclosed and logged in one batch."""
    first, after, selected = keys[0].first, keys[0].after, keys[0].selected
    report = models.AuditReport
    position = (
        func.row_number()
        .over(partition_by=report.focus_area_id, order_by=report.id)
        .label("position")
    )
    ranked = (await visible_statement(scope, None)).add_columns(position)
    ranked = ranked.where(report.focus_area_id.in_([key.focus_area_id for key in keys]))
    if after:
        ranked = ranked.where(report.id > decode_cursor(after))
    numbered = ranked.subquery()
    page_row = aliased(report, numbered)
    stmt = (
        select(page_row)
        .where(numbered.c.position <= first + 1)
        .order_by(numbered.c.focus_area_id, numbered.c.id)
    )
    rows: list[models.AuditReport] = list((await scope.session.execute(stmt)).scalars())
    per_area: dict[str, list[models.AuditReport]] = defaultdict(list)
    for row in rows:
        per_area[str(row.focus_area_id)].append(row)
    shown = [row for key in keys for row in per_area[key.focus_area_id][:first]]
    disclosed = {str(item["id"]): item for item in await present(scope, shown, selected)}
    pages: list[Page[Disclosed]] = []
    for key in keys:
        area_rows = per_area[key.focus_area_id]
        items = [disclosed[row.id] for row in area_rows[:first] if row.id in disclosed]
        everything = await visible_statement(scope, ReportFilter(focus_area_id=key.focus_area_id))
        pages.append(
            Page(
                items=items,
                cursors=[encode_cursor(str(item["id"])) for item in items],
                has_next=len(area_rows) > first,
                has_previous=after is not None,
                count=counter(scope, everything),
            )
        )
    return pages
