"""The `FocusArea` entity.

Reached from `AuditReport.focusArea` or by reference (`_entities`); its `reports`
are those the viewer may see, a page at a time, through the same row filter and
disclosure as every other report list.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Annotated, Self

import strawberry

from schema.context import Info, selected_names
from schema.fields import field
from schema.focus_areas.overview import FocusAreaOverview
from schema.networks import Network, load_network
from schema.organizations import Organization, load_organization
from schema.pagination import DEFAULT_PAGE_SIZE, Connection, connection
from services import coordination_overview, focus_areas
from services.focus_areas import FocusAreaView

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
    planned_audits: int = strawberry.field(description="Audits the coordinator planned.")
    network_id: strawberry.Private[str]
    responsible_body_id: strawberry.Private[str | None]

    @classmethod
    def from_view(cls, view: FocusAreaView) -> Self:
        return cls(
            id=strawberry.ID(view.id),
            title=view.title,
            product_category=view.product_category,
            description=view.description,
            period_start=view.period_start,
            period_end=view.period_end,
            planned_audits=view.planned_audits,
            network_id=view.network_id,
            responsible_body_id=view.responsible_body_id,
        )

    @classmethod
    async def resolve_reference(cls, info: Info, id: strawberry.ID) -> Self | None:
        """`_entities`: the network's read check; batched with every other reference."""
        view = await focus_areas.focus_area_by_reference(info.context.scope, str(id))
        return cls.from_view(view) if view else None

    @classmethod
    async def load(cls, info: Info, focus_area_id: str) -> Self | None:
        """The focus area a visible record refers to (None for an unknown id), batched."""
        view = await focus_areas.find_focus_area(info.context.scope, focus_area_id)
        return cls.from_view(view) if view else None

    @strawberry.field
    async def network(self, info: Info) -> Network:
        return await load_network(info, self.network_id)

    @strawberry.field
    async def responsible_body(self, info: Info) -> Organization | None:
        if self.responsible_body_id is None:
            return None
        return await load_organization(info, self.responsible_body_id)

    @field(
        description="The coordinator's overview: audits planned, under way and done, findings "
        "by requirement and severity, open and overdue corrective actions, counted over what "
        "the caller may see. Null for callers outside the network (batched per request)."
    )
    async def overview(self, info: Info) -> FocusAreaOverview | None:
        found = await coordination_overview.overview(info.context.scope, str(self.id))
        return FocusAreaOverview.from_disclosed(found) if found is not None else None

    @field(
        description="The focus area's reports that the caller may see, oldest first, "
        "a page at a time: first is 50 by default and at most the largest page (200)."
    )
    async def reports(
        self, info: Info, first: int | None = DEFAULT_PAGE_SIZE, after: str | None = None
    ) -> Connection[Annotated[AuditReport, strawberry.lazy("schema.audit_reports")]]:
        from schema.audit_reports import AuditReport

        page = await focus_areas.reports_page(
            info.context.scope,
            str(self.id),
            first=first,
            after=after,
            selected=selected_names(info),
        )
        return connection(page, AuditReport.from_disclosed)
