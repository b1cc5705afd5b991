"""Supply-chain graph types. `SupplyEdge` is classified (authz.records.SUPPLY_EDGE)
and built only from a Disclosed value."""

from __future__ import annotations

from typing import Self

import strawberry

from authz.disclosure import Disclosed
from graph.queries import AuditPriority as PriorityValue
from graph.queries import ChainNode
from graph.queries import TierViolation as ViolationValue
from schema.context import Info
from schema.facilities.types import Facility
from schema.fields import field
from schema.organizations.types import Organization
from services import organizations, supply_chain
from services.supply_chain import ChainResult, ExposureResult


@strawberry.type(description="An organisation or facility in a supply chain.")
class SupplyNode:
    id: strawberry.ID
    kind: str = strawberry.field(description="organization or facility.")
    name: str
    country: str | None
    tier: int = strawberry.field(description="Tiers above the root (the root is 0).")
    risk_score: float = strawberry.field(
        description="Country risk x product-category risk, 0-1 (docs/supply-chain.md)."
    )
    risk_known: bool = strawberry.field(
        description="False when the country is unrated or the category unknown: the score "
        "is then a presumption (unknown risk is never low)."
    )

    @classmethod
    def from_value(cls, node: ChainNode) -> Self:
        return cls(
            id=strawberry.ID(node.id),
            kind=node.kind,
            name=node.name,
            country=node.country,
            tier=node.tier,
            risk_score=node.risk_score,
            risk_known=node.risk_known,
        )


@strawberry.type(description="`source` supplies `target`.")
class SupplyEdge:
    source: strawberry.ID = strawberry.field(description="The supplying node.")
    target: strawberry.ID = strawberry.field(description="The supplied node.")
    product_category: str | None = strawberry.field(
        description="What is supplied (a high-risk category code or another name)."
    )

    @classmethod
    def from_disclosed(cls, edge: Disclosed) -> Self:
        """Every edge handed out is cleared to read its ends (they are PUBLIC fields)."""
        source, target = edge["source_id"], edge["target_id"]
        if source is None or target is None:  # pragma: no cover - a policy change would show here
            raise LookupError(f"supply edge withheld: {edge.withheld}")
        return cls(
            source=strawberry.ID(source),
            target=strawberry.ID(target),
            product_category=edge["product_category"],
        )


@strawberry.type(description="The suppliers of a root, tier by tier, as far as you may see them.")
class SupplyChain:
    root: strawberry.ID
    nodes: list[SupplyNode]
    edges: list[SupplyEdge]
    max_tier_reached: int
    cycles: list[list[strawberry.ID]] = strawberry.field(
        description="Groups of the chain's nodes that supply each other in a circle."
    )

    @classmethod
    def from_result(cls, result: ChainResult) -> Self:
        return cls(
            root=strawberry.ID(result.root_id),
            nodes=[SupplyNode.from_value(node) for node in result.nodes],
            edges=[SupplyEdge.from_disclosed(edge) for edge in result.edges],
            max_tier_reached=result.max_tier_reached,
            cycles=[[strawberry.ID(node) for node in group] for group in result.cycles],
        )


@strawberry.type(description="Who depends on a facility, through any tier.")
class Exposure:
    result: strawberry.Private[ExposureResult]

    @strawberry.field
    async def facility(self, info: Info) -> Facility:
        view = await supply_chain.load_facility(info.context.scope, self.result.facility_id)
        return Facility.from_view(view)

    @field(description="Suppliers whose deliveries pass through the facility.")
    async def suppliers(self, info: Info) -> list[Organization]:
        return await _organizations(info, self.result.supplier_ids)

    @field(
        description="Public bodies whose contracts reach the facility and that you may know "
        "about; the others are counted in hiddenBodyCount."
    )
    async def bodies(self, info: Info) -> list[Organization]:
        return await _organizations(info, self.result.body_ids)

    @field(
        description="Public bodies whose contracts reach the facility that you may not know about."
    )
    def hidden_body_count(self) -> int:
        return self.result.hidden_body_count


async def _organizations(info: Info, ids: tuple[str, ...]) -> list[Organization]:
    views = await organizations.load_organizations(info.context.scope, ids)
    return [Organization.from_view(view) for view in views if view is not None]


@strawberry.type(description="A node deeper than a network's maxSubcontractorTiers.")
class TierLimitViolation:
    supplier: strawberry.ID = strawberry.field(description="Whose chain it is.")
    node: strawberry.ID
    tier: int
    limit: int

    @classmethod
    def from_value(cls, value: ViolationValue) -> Self:
        return cls(
            supplier=strawberry.ID(value.root_id),
            node=strawberry.ID(value.node_id),
            tier=value.tier,
            limit=value.limit,
        )


@strawberry.type(description="A facility worth one shared audit: bodies served x risk.")
class AuditPriority:
    facility: strawberry.ID
    name: str
    country: str | None
    bodies_served: int = strawberry.field(
        description="Public bodies whose contracts reach the facility (seen or not)."
    )
    risk_score: float
    risk_known: bool
    priority: float = strawberry.field(description="bodiesServed x riskScore.")

    @classmethod
    def from_value(cls, value: PriorityValue) -> Self:
        return cls(
            facility=strawberry.ID(value.facility_id),
            name=value.name,
            country=value.country,
            bodies_served=value.bodies_served,
            risk_score=value.risk_score,
            risk_known=value.risk_known,
            priority=value.priority,
        )
