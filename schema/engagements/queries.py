"""`auditorEngagements`: what the caller's organisation engaged, or was engaged for."""

from __future__ import annotations

import strawberry

from schema.context import Info
from schema.engagements.types import AuditorEngagement
from schema.fields import field
from services import engagements


@strawberry.type
class EngagementQueries:
    @field(
        description="A public body's engagements of auditor firms, or, for an auditor firm, "
        "the engagements naming it; ended ones too, oldest first."
    )
    async def auditor_engagements(self, info: Info) -> list[AuditorEngagement]:
        views = await engagements.list_engagements(info.context.scope)
        return [AuditorEngagement.from_view(view) for view in views]
