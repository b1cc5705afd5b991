"""Opening and assigning focus areas."""

from __future__ import annotations

import strawberry

from domain.coordination import FollowUpStep
from domain.errors import InvalidInput
from schema.context import Info
from schema.coordination.follow_up import FollowUpPlanStep, FollowUpStepInput
from schema.coordination.inputs import FocusAreaInput
from schema.fields import mutation
from schema.focus_areas import FocusArea
from services import coordination, follow_up


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

    @mutation(description="The contract's buyer sets (or moves) due dates of its follow-up steps.")
    async def plan_follow_up(
        self, info: Info, contract_id: strawberry.ID, steps: list[FollowUpStepInput]
    ) -> list[FollowUpPlanStep]:
        plan = {step.step: step.due_date for step in steps}
        if len(plan) != len(steps):
            raise InvalidInput("steps", "name each step once")
        planned = await follow_up.plan_follow_up(info.context.scope, str(contract_id), plan)
        return [FollowUpPlanStep.from_disclosed(step) for step in planned]

    @mutation(description="The contract's buyer marks a planned follow-up step done.")
    async def complete_follow_up_step(
        self, info: Info, contract_id: strawberry.ID, step: FollowUpStep, note: str | None = None
    ) -> FollowUpPlanStep:
        done = await follow_up.complete_step(info.context.scope, str(contract_id), step, note)
        return FollowUpPlanStep.from_disclosed(done)
