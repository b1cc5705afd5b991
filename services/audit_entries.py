"""The audit log as an administrator reads it: the entries its own organisation's
people caused (reads of RESTRICTED/PERSONAL fields, sharing changes, ...),
newest first, a page at a time. ADMIN only (`audit_log:read`)."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass

from sqlalchemy import select

from authz.policies import Action, Resource
from domain.errors import InvalidInput
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
class AuditEntryView:
    seq: int
    at: dt.datetime
    action: str
    subject_type: str
    subject_id: str
    actor_email: str | None
    detail: str  # compact JSON


async def list_entries(
    scope: Scope, *, first: int | None, after: str | None
) -> Page[AuditEntryView]:
    """The caller's organisation's entries, newest first."""
    principal = scope.require(Action.READ, Resource.AUDIT_LOG)
    scope.not_reusable("the audit log grows with reads, which leave the data version alone")
    first = DEFAULT_PAGE_SIZE if first is None else first
    check_page_size(first, scope.settings.max_page_size)
    entry = models.AuditLogEntry
    stmt = select(entry).where(entry.actor_org_id == principal.organization_id)
    page_stmt = stmt
    if after:
        raw = decode_cursor(after)
        if not raw.isdigit():
            raise InvalidInput("after", "is not a cursor from this API; pass a pageInfo.endCursor")
        page_stmt = page_stmt.where(entry.seq < int(raw))
    rows = list(
        (await scope.session.execute(page_stmt.order_by(entry.seq.desc()).limit(first + 1)))
        .scalars()
        .all()
    )
    users = await scope.loaders.user.load_many(
        [row.actor_user_id for row in rows[:first] if row.actor_user_id]
    )
    emails = {user.id: user.email for user in users if user is not None}
    items = [
        AuditEntryView(
            seq=row.seq,
            at=row.at,
            action=row.action,
            subject_type=row.subject_type,
            subject_id=row.subject_id,
            actor_email=emails.get(row.actor_user_id or ""),
            detail=json.dumps(row.detail or {}, sort_keys=True, separators=(",", ":")),
        )
        for row in rows[:first]
    ]
    return Page(
        items=items,
        cursors=[encode_cursor(str(item.seq)) for item in items],
        has_next=len(rows) > first,
        has_previous=after is not None,
        count=counter(scope, stmt),
    )
