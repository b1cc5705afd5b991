"""The `facilities` list."""

from __future__ import annotations

import strawberry

from schema.context import Info
from schema.facilities.types import Facility
from schema.fields import field
from schema.pagination import DEFAULT_PAGE_SIZE, Connection, connection
from services import facilities


@strawberry.type
class FacilityQueries:
    @field(description="Production sites, optionally in one country.")
    async def facilities(
        self,
        info: Info,
        country: str | None = None,
        first: int | None = DEFAULT_PAGE_SIZE,
        after: str | None = None,
    ) -> Connection[Facility]:
        page = await facilities.list_facilities(
            info.context.scope, country=country, first=first, after=after
        )
        return connection(page, Facility.from_view)
