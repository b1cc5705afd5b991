"""Focus areas (e.g. surgical gloves): a coordinator's follow-up theme in a network.

Reached from `AuditReport.focusArea`; its `reports` are those the viewer may see,
through the same row filter and redaction as every other report list.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Annotated, Self

import strawberry

from schema.context import Info
from schema.networks import Network
from schema.organizations import Organization, load_organization
from storage import models

if TYPE_CHECKING:
    from schema.audit_reports import AuditReport


@strawberry.federation.type(keys=["id"])
class FocusArea:
    id: strawberry.ID
    title: str
    product_category: str
    description: str | None
    period_start: dt.date
    period_end: dt.date
    network_id: strawberry.Private[str]
    responsible_body_id: strawberry.Private[str | None]

    @classmethod
    def from_model(cls, row: models.FocusArea) -> Self:
        return cls(
            id=strawberry.ID(row.id),
            title=row.title,
            product_category=row.product_category,
            description=row.description,
            period_start=row.period_start,
            period_end=row.period_end,
            network_id=row.network_id,
            responsible_body_id=row.responsible_body_id,
        )

    @strawberry.field
    async def network(self, info: Info) -> Network:
        row = await info.context.loaders.network.load(self.network_id)
        if row is None:  # a foreign key; unreachable short of a concurrent delete
            raise LookupError(f"network {self.network_id} vanished")
        return Network.from_model(row)

    @strawberry.field
    async def responsible_body(self, info: Info) -> Organization | None:
        if self.responsible_body_id is None:
            return None
        return await load_organization(info, self.responsible_body_id)

    @strawberry.field(description="The focus area's reports that the caller may see.")
    async def reports(
        self, info: Info
    ) -> list[Annotated[AuditReport, strawberry.lazy("schema.audit_reports")]]:
        from schema.audit_reports import present_reports

        rows = await info.context.loaders.reports.visible_by_focus_area.load(str(self.id))
        return await present_reports(info, rows)
