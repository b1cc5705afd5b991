"""The supply-chain graph: `supplyChain`, `exposure`, `tierLimitViolations` and
`auditPriorities`, each over the caller's view of the graph."""

from schema.supply_chain.queries import SupplyChainQueries

__all__ = ["SupplyChainQueries"]
