"""The `focusAreas` list."""

from __future__ import annotations

import strawberry

from schema.context import Info, selected_names
from schema.coordination.follow_up import FollowUpPlanStep, OverdueCorrectiveAction
from schema.fields import field
from schema.focus_areas import FocusArea
from schema.pagination import DEFAULT_PAGE_SIZE, Connection, connection
from services import coordination, follow_up


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

    @field(
        description="A contract's follow-up plan in Difi/DFØ order: its buyer's only "
        "(empty for the supplier)."
    )
    async def follow_up_plan(
        self, info: Info, contract_id: strawberry.ID
    ) -> list[FollowUpPlanStep]:
        steps = await follow_up.follow_up_plan(info.context.scope, str(contract_id))
        return [FollowUpPlanStep.from_disclosed(step) for step in steps]

    @field(
        description="Corrective actions past their due date on reports the caller's "
        "organisation commissioned, or under focus areas of networks it coordinates."
    )
    async def overdue_corrective_actions(
        self, info: Info, first: int | None = DEFAULT_PAGE_SIZE, after: str | None = None
    ) -> Connection[OverdueCorrectiveAction]:
        page = await follow_up.overdue_actions(
            info.context.scope, first=first, after=after, selected=selected_names(info)
        )
        return connection(page, OverdueCorrectiveAction.from_view)
