"""The `Network` entity, its ranked suppliers and the input that creates one."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Annotated, Self

import strawberry

from domain import networks as rules
from domain.enums import NetworkKind
from schema.context import Info
from schema.fields import field
from schema.organizations import Organization, load_organization
from services import networks
from services.networks import NetworkTerms, NetworkView, RankedSupplierView

if TYPE_CHECKING:
    from schema.frameworks.types import PriceList


@strawberry.type
class RankedSupplier:
    rank: int
    supplier_id: strawberry.Private[str]

    @classmethod
    def from_view(cls, view: RankedSupplierView) -> Self:
        return cls(rank=view.rank, supplier_id=view.supplier_id)

    @strawberry.field
    async def supplier(self, info: Info) -> Organization:
        return await load_organization(info, self.supplier_id)


@strawberry.federation.type(keys=["id"])
class Network:
    id: strawberry.ID
    name: str
    kind: NetworkKind
    join_deadline: dt.date | None
    call_off_threshold_hours: int
    max_subcontractor_tiers: int | None
    min_environmental_weight: float | None
    lead_id: strawberry.Private[str]
    period_start: dt.date | None = None
    period_end: dt.date | None = None
    options: str | None = strawberry.field(
        default=None, description="Framework agreements: option periods in years, e.g. 1+1+1."
    )

    @classmethod
    def from_view(cls, view: NetworkView) -> Self:
        return cls(
            id=strawberry.ID(view.id),
            name=view.name,
            kind=view.kind,
            join_deadline=view.join_deadline,
            call_off_threshold_hours=view.call_off_threshold_hours,
            max_subcontractor_tiers=view.max_subcontractor_tiers,
            min_environmental_weight=view.min_environmental_weight,
            lead_id=view.lead_id,
            period_start=view.period_start,
            period_end=view.period_end,
            options=view.options,
        )

    @field(description="The last day the agreement can run to if every option is used.")
    def latest_end(self) -> dt.date | None:
        return rules.latest_end(self.period_end, self.options)

    @classmethod
    async def resolve_reference(cls, info: Info, id: strawberry.ID) -> Self | None:
        view = await networks.network_by_reference(info.context.scope, str(id))
        return cls.from_view(view) if view else None

    @classmethod
    async def load(cls, info: Info, network_id: str) -> Self | None:
        """The network a visible record refers to (None for an unknown id), batched."""
        view = await networks.find_network(info.context.scope, network_id)
        return cls.from_view(view) if view else None

    @strawberry.field
    async def lead(self, info: Info) -> Organization:
        return await load_organization(info, self.lead_id)

    @field(
        description="Members: bodies with a signed accession declaration (framework "
        "agreements) or added by the coordinator (national networks)."
    )
    async def participants(self, info: Info) -> list[Organization]:
        views = await networks.members(info.context.scope, str(self.id), self.kind)
        return [Organization.from_view(view) for view in views]

    @field(description="Framework agreements: bodies the lead listed that have not yet signed.")
    async def invited(self, info: Info) -> list[Organization]:
        views = await networks.invited(info.context.scope, str(self.id), self.kind)
        return [Organization.from_view(view) for view in views]

    @field(
        description="Framework agreements: the suppliers' price lists. RESTRICTED: exempt "
        "from public access; the agreement's participants and each supplier read them."
    )
    async def price_lists(
        self, info: Info
    ) -> list[Annotated[PriceList, strawberry.lazy("schema.frameworks.types")]]:
        from schema.context import selected_names
        from schema.frameworks.types import PriceList
        from services import price_lists

        found = await price_lists.price_lists_of(
            info.context.scope, str(self.id), selected_names(info)
        )
        return [PriceList.from_disclosed(price_list) for price_list in found]

    @field(description="Framework agreements: suppliers in priority order, 1 first.")
    async def suppliers(self, info: Info) -> list[RankedSupplier]:
        views = await networks.ranked_suppliers(info.context.scope, str(self.id))
        return [RankedSupplier.from_view(view) for view in views]


@strawberry.input
class NetworkInput:
    name: str
    kind: NetworkKind
    join_deadline: dt.date | None = None
    call_off_threshold_hours: int | None = None
    max_subcontractor_tiers: int | None = None
    min_environmental_weight: float | None = None
    period_start: dt.date | None = None
    period_end: dt.date | None = None
    options: str | None = strawberry.field(
        default=None, description="Option periods in years after periodEnd, e.g. 1+1+1."
    )

    def to_terms(self) -> NetworkTerms:
        return NetworkTerms(
            name=self.name,
            kind=self.kind,
            join_deadline=self.join_deadline,
            call_off_threshold_hours=self.call_off_threshold_hours,
            max_subcontractor_tiers=self.max_subcontractor_tiers,
            min_environmental_weight=self.min_environmental_weight,
            period_start=self.period_start,
            period_end=self.period_end,
            options=self.options,
        )
