"""The `AuditorEngagement` type."""

from __future__ import annotations

import datetime as dt
from typing import Self

import strawberry

from schema.context import Info
from schema.fields import field
from schema.organizations import Organization, load_organization
from services.engagements import EngagementView


@strawberry.type(
    description="A public body engaged an auditor firm to write audit reports for it: for "
    "one report (reportId), for one contract's supplier (contractId), or, with neither, for "
    "every supplier the body has a contract with. Ended when endedAt is set."
)
class AuditorEngagement:
    id: strawberry.ID
    report_id: strawberry.ID | None = strawberry.field(
        description="Engaged for this audit report only."
    )
    contract_id: strawberry.ID | None = strawberry.field(
        description="Engaged for audits of this contract's supplier."
    )
    created_at: dt.datetime
    ended_at: dt.datetime | None
    body_id: strawberry.Private[str]
    auditor_id: strawberry.Private[str]

    @classmethod
    def from_view(cls, view: EngagementView) -> Self:
        return cls(
            id=strawberry.ID(view.id),
            report_id=strawberry.ID(view.report_id) if view.report_id else None,
            contract_id=strawberry.ID(view.contract_id) if view.contract_id else None,
            created_at=view.created_at,
            ended_at=view.ended_at,
            body_id=view.body_id,
            auditor_id=view.auditor_id,
        )

    @field(description="The auditor firm engaged.")
    async def auditor(self, info: Info) -> Organization:
        return await load_organization(info, self.auditor_id)

    @field(description="The public body that engaged it.")
    async def body(self, info: Info) -> Organization:
        return await load_organization(info, self.body_id)
