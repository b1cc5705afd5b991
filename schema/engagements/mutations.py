"""`engageAuditor` and `endAuditorEngagement`."""

from __future__ import annotations

import strawberry

from schema.context import Info
from schema.engagements.types import AuditorEngagement
from schema.fields import mutation
from services import engagements


@strawberry.type
class EngagementMutations:
    @mutation(
        description="The caller's public body engages an auditor firm: for one report it "
        "commissioned (reportId), for one of its contracts (contractId), or with neither for "
        "all its contracts. An identical active engagement is returned, not duplicated."
    )
    async def engage_auditor(
        self,
        info: Info,
        auditor_id: strawberry.ID,
        report_id: strawberry.ID | None = None,
        contract_id: strawberry.ID | None = None,
    ) -> AuditorEngagement:
        view = await engagements.engage_auditor(
            info.context.scope,
            str(auditor_id),
            report_id=str(report_id) if report_id is not None else None,
            contract_id=str(contract_id) if contract_id is not None else None,
        )
        return AuditorEngagement.from_view(view)

    @mutation(
        description="The engaging body ends an engagement: the firm no longer writes under it."
    )
    async def end_auditor_engagement(self, info: Info, id: strawberry.ID) -> AuditorEngagement:
        view = await engagements.end_engagement(info.context.scope, str(id))
        return AuditorEngagement.from_view(view)
