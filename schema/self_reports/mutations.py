"""Submitting self-reports and granting access to them."""

from __future__ import annotations

import strawberry

from schema.context import Info, selected_names
from schema.fields import mutation
from schema.self_reports.types import SelfReport, SelfReportInput
from services import self_report_access, self_reports


@strawberry.type
class SelfReportMutations:
    @mutation(
        description="The caller's supplier submits a new version of its self-report: "
        "answers to the current questionnaire, production sites and sub-suppliers."
    )
    async def submit_self_report(self, info: Info, input: SelfReportInput) -> SelfReport:
        report = await self_reports.submit_self_report(
            info.context.scope, input.to_new(), selected_names(info)
        )
        return SelfReport.from_disclosed(report)

    @mutation(
        description="The caller's supplier lets an organisation read its self-reports; "
        "the purpose is recorded. Revocable."
    )
    async def grant_self_report_access(
        self, info: Info, organization_id: strawberry.ID, purpose: str
    ) -> bool:
        return await self_report_access.grant_access(
            info.context.scope, str(organization_id), purpose
        )

    @mutation(description="The organisation stops reading the caller's self-reports at once.")
    async def revoke_self_report_access(self, info: Info, organization_id: strawberry.ID) -> bool:
        return await self_report_access.revoke_access(info.context.scope, str(organization_id))
