"""New self-report versions as they arrive, for a subscription.

Replicas share only the database, so the feed asks it: `self_report_changes`
(the same row filter, disclosure and read log as the `selfReportChanges` query)
every `subscription_poll_seconds`, each poll in a unit of work of its own. A
poll takes a connection, reads the caller's principal and roles anew (a revoked
role, membership, contract or grant counts from the next poll) and gives the
connection back before anything is delivered; between polls nothing is held.
"""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import AsyncGenerator, Coroutine
from typing import Any, TypeVar

from authz.disclosure import Disclosed
from services.scope import Units
from services.self_reports import self_report_changes

T = TypeVar("T")


async def self_report_versions(
    units: Units, since: dt.datetime | None, selected: frozenset[str], interval: float
) -> AsyncGenerator[Disclosed, None]:
    """Every version the caller may read that arrives after `since` (default: the
    first poll's time), oldest first, until the caller stops listening. After a
    poll that found versions the next one follows at once (an answer holds at
    most MAX_SELF_REPORT_CHANGES); after an empty one it waits `interval` seconds."""
    cursor = since
    while True:
        cursor, found = await unbroken(_poll(units, cursor, selected))
        for report in found:
            yield report
        if found:
            cursor = found[-1]["submitted_at"]
        else:
            await asyncio.sleep(interval)


async def _poll(
    units: Units, cursor: dt.datetime | None, selected: frozenset[str]
) -> tuple[dt.datetime, list[Disclosed]]:
    async with units() as scope:
        if cursor is None:
            cursor = await scope.now()
        return cursor, await self_report_changes(scope, cursor, selected)


_RUNNING: set[asyncio.Task[Any]] = set()


async def unbroken(call: Coroutine[Any, Any, T]) -> T:
    """`call` run to its end even when the caller is cancelled meanwhile (a
    listener who leaves mid-poll): a unit of work cut off inside a database call
    can land its BEGIN after its own rollback and hand its connection back to the
    pool inside a transaction. The caller's cancellation still takes effect at once."""
    task = asyncio.ensure_future(call)
    _RUNNING.add(task)
    task.add_done_callback(_settled)
    return await asyncio.shield(task)


def _settled(task: asyncio.Task[Any]) -> None:
    _RUNNING.discard(task)
    if not task.cancelled():
        task.exception()  # retrieved: a poll nobody waits for fails quietly
