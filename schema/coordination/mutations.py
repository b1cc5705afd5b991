"""Opening and assigning focus areas."""

from __future__ import annotations

import strawberry

from schema.context import Info
from schema.coordination.inputs import FocusAreaInput
from schema.fields import mutation
from schema.focus_areas import FocusArea
from services import coordination


@strawberry.type
class CoordinationMutations:
    @mutation(
        description="A national network's coordinator opens a focus area on a high-risk "
        "product category for a period."
    )
    async def create_focus_area(self, info: Info, input: FocusAreaInput) -> FocusArea:
        return FocusArea.from_view(
            await coordination.create_focus_area(info.context.scope, input.to_new())
        )

    @mutation(
        description="The coordinator assigns (or reassigns) the member body that follows the "
        "focus area up and commissions its audits."
    )
    async def assign_focus_area(
        self, info: Info, id: strawberry.ID, responsible_body_id: strawberry.ID
    ) -> FocusArea:
        return FocusArea.from_view(
            await coordination.assign_focus_area(
                info.context.scope, str(id), str(responsible_body_id)
            )
        )
