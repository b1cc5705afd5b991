"""Root fields of the supply-chain graph."""

from __future__ import annotations

import strawberry

from schema.context import Info
from schema.fields import field
from schema.supply_chain.types import AuditPriority, Exposure, SupplyChain, TierLimitViolation
from services import supply_chain


@strawberry.type
class SupplyChainQueries:
    @field(description="A supplier's chain up to maxDepth tiers (0-10), as far as you may see it.")
    async def supply_chain(
        self, info: Info, supplier_id: strawberry.ID, max_depth: int | None = 5
    ) -> SupplyChain:
        depth = 5 if max_depth is None else max_depth
        result = await supply_chain.supply_chain(info.context.scope, str(supplier_id), depth)
        return SupplyChain.from_result(result)

    @field(description="Every supplier and public body whose contracts reach a facility.")
    async def exposure(self, info: Info, facility_id: strawberry.ID) -> Exposure:
        return Exposure(result=await supply_chain.exposure(info.context.scope, str(facility_id)))

    @field(
        description="Nodes deeper than a network's maxSubcontractorTiers in its suppliers' chains."
    )
    async def tier_limit_violations(
        self, info: Info, network_id: strawberry.ID
    ) -> list[TierLimitViolation]:
        found = await supply_chain.tier_violations(info.context.scope, str(network_id))
        return [TierLimitViolation.from_value(value) for value in found]

    @field(description="Facilities to audit once for many: bodies served x risk, highest first.")
    async def audit_priorities(self, info: Info, first: int = 20) -> list[AuditPriority]:
        found = await supply_chain.audit_priorities(info.context.scope, first)
        return [AuditPriority.from_value(value) for value in found]
