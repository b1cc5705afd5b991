"""The `focusAreas` list."""

from __future__ import annotations

import strawberry

from schema.context import Info
from schema.fields import field
from schema.focus_areas import FocusArea
from schema.pagination import DEFAULT_PAGE_SIZE, Connection, connection
from services import coordination


@strawberry.type
class CoordinationQueries:
    @field(
        description="Focus areas, oldest first; of one network when networkId is given. "
        "Select `overview` for the coordinator's board: one query, batched."
    )
    async def focus_areas(
        self,
        info: Info,
        network_id: strawberry.ID | None = None,
        first: int | None = DEFAULT_PAGE_SIZE,
        after: str | None = None,
    ) -> Connection[FocusArea]:
        page = await coordination.list_focus_areas(
            info.context.scope,
            str(network_id) if network_id is not None else None,
            first=first,
            after=after,
        )
        return connection(page, FocusArea.from_view)
