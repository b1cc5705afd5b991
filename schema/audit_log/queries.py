"""`auditLog`: the caller's organisation's entries, newest first (ADMIN)."""

from __future__ import annotations

import strawberry

from schema.audit_log.types import AuditEntry
from schema.context import Info
from schema.fields import field
from schema.pagination import DEFAULT_PAGE_SIZE, Connection, connection
from services import audit_entries


@strawberry.type
class AuditLogQueries:
    @field(
        description="Audit-log entries caused by the caller's organisation's people, newest "
        "first; administrators (ADMIN) only."
    )
    async def audit_log(
        self, info: Info, first: int | None = DEFAULT_PAGE_SIZE, after: str | None = None
    ) -> Connection[AuditEntry]:
        page = await audit_entries.list_entries(info.context.scope, first=first, after=after)
        return connection(page, AuditEntry.from_view)
