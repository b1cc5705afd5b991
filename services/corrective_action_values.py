"""Corrective actions as plain values for `disclose`, wherever a report is
disclosed: the status a reader sees (OVERDUE computed from the due date, never
stored) and the history of the follow-up, oldest first."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from authz.disclosure import column_names
from domain.corrective_actions import shown_status
from storage import models

EVENT = models.CorrectiveActionEvent
EVENT_NAMES = column_names(EVENT)
EVENTS = select(*(getattr(EVENT, name).label(name) for name in EVENT_NAMES))


async def with_history(
    session: AsyncSession,
    actions: Sequence[dict[str, Any] | None],
    today: dt.date | None = None,
    *,
    history: bool = True,
) -> None:
    """Complete each action's values in place: its shown status and its history
    (one statement for the batch). Without `history` (nobody asked for it) the
    history is None and nothing is read; the key is there either way, so what is
    withheld does not depend on it."""
    present = [action for action in actions if action is not None]
    if not present:
        return
    day = today or dt.datetime.now(dt.UTC).date()
    events: dict[str, list[dict[str, Any]]] = {}
    if history:
        stmt = EVENTS.where(EVENT.corrective_action_id.in_([a["id"] for a in present])).order_by(
            EVENT.created_at, EVENT.id
        )
        for row in await session.execute(stmt):
            values = dict(zip(EVENT_NAMES, row, strict=True))
            events.setdefault(values["corrective_action_id"], []).append(values)
    for action in present:
        action["status"] = shown_status(action["status"], action["due_date"], day)
        action["history"] = events.get(action["id"], []) if history else None
