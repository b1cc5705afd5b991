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
from collections.abc import AsyncGenerator

from authz.disclosure import Disclosed
from services.scope import Units
from services.self_reports import self_report_changes


async def self_report_versions(
    units: Units, since: dt.datetime | None, selected: frozenset[str], interval: float
) -> AsyncGenerator[Disclosed, None]:
    """Every version the caller may read that arrives after `since` (default: the
    first poll's time), oldest first, until the caller stops listening. After a
    poll that found versions the next one follows at once (an answer holds at
    most MAX_SELF_REPORT_CHANGES); after an empty one it waits `interval` seconds."""
    cursor = since
    while True:
        async with units() as scope:
            if cursor is None:
                cursor = await scope.now()
            found = await self_report_changes(scope, cursor, selected)
        for report in found:
            yield report
        if found:
            cursor = found[-1]["submitted_at"]
        else:
            await asyncio.sleep(interval)
