"""The `organizations` list."""

from __future__ import annotations

import strawberry

from domain.enums import OrganizationKind
from schema.context import Info
from schema.fields import field
from schema.organizations.types import Organization
from schema.pagination import DEFAULT_PAGE_SIZE, Connection, connection
from services import organizations


@strawberry.type
class OrganizationQueries:
    @field(description="Registered organisations, oldest first.")
    async def organizations(
        self,
        info: Info,
        kind: OrganizationKind | None = None,
        first: int | None = DEFAULT_PAGE_SIZE,
        after: str | None = None,
    ) -> Connection[Organization]:
        page = await organizations.list_organizations(
            info.context.scope, kind=kind, first=first, after=after
        )
        return connection(page, Organization.from_view)
