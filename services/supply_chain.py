"""Supply-chain use cases: a supplier's chain, a facility's exposure, tier-limit
violations, the audit-priority list and exports, each over the caller's view
of the graph (`services.supply_graph`): edges the caller may not see are not
in it, and bodies it may not know about are only counted.

Every edge handed out goes through `authz.disclosure.disclose` with the
`SUPPLY_EDGE` policy.
"""

from __future__ import annotations

import weakref
from dataclasses import dataclass

from sqlalchemy import select

from authz.disclosure import Clearance, Disclosed, disclose
from authz.policies import Action, Resource
from authz.records import CONTRACT, SUPPLY_EDGE
from authz.viewer import ViewerFacts
from domain import limits
from domain.errors import InvalidInput, NotFound
from graph import export as graph_export
from graph import queries
from graph.queries import AuditPriority, ChainNode, TierViolation
from graph.supply import GraphView
from services.facilities import FacilityView, facility_view
from services.scope import Scope
from services.supply_graph import GraphStore, store_for
from storage.models import Contract, Network, NetworkSupplier

MAX_DEPTH = 10


@dataclass(frozen=True)
class ChainResult:
    root_id: str
    nodes: tuple[ChainNode, ...]
    edges: tuple[Disclosed, ...]  # SUPPLY_EDGE: source, target, product_category
    max_tier_reached: int
    cycles: tuple[tuple[str, ...], ...]  # groups of the chain's nodes supplying in a circle


@dataclass(frozen=True)
class ExposureResult:
    facility_id: str
    supplier_ids: tuple[str, ...]
    body_ids: tuple[str, ...]  # bodies the viewer may know about
    hidden_body_count: int  # bodies reached that the viewer may not know about


async def load_facility(scope: Scope, facility_id: str) -> FacilityView:
    """The facility an exposure answer is about (it exists: it was looked up)."""
    row = await scope.loaders.facility.load(facility_id)
    if row is None:  # unreachable short of a concurrent delete
        raise NotFound(f"no facility with id {facility_id} (facilityId)")
    return facility_view(row)


def store(scope: Scope) -> GraphStore:
    scope.not_reusable("the supply graph is refreshed apart from the data version")
    return store_for(scope.settings.resolved_database_url)


async def viewer_view(scope: Scope) -> tuple[GraphView, ViewerFacts]:
    scope.require(Action.READ, Resource.FACILITY)
    facts = await scope.facts()
    return await store(scope).view(scope.session, facts), facts


_CYCLES: weakref.WeakKeyDictionary[GraphView, list[tuple[str, ...]]] = weakref.WeakKeyDictionary()
_PRIORITIES: weakref.WeakKeyDictionary[GraphView, list[AuditPriority]] = weakref.WeakKeyDictionary()


def view_cycles(view: GraphView) -> list[tuple[str, ...]]:
    """The view's cycles, computed once per view (O(E))."""
    found = _CYCLES.get(view)
    if found is None:
        found = _CYCLES[view] = queries.cycles(view)
    return found


def view_priorities(view: GraphView) -> list[AuditPriority]:
    found = _PRIORITIES.get(view)
    if found is None:
        found = _PRIORITIES[view] = queries.audit_priorities(view)
    return found


def edge_clearance(edge: queries.ChainEdge, facts: ViewerFacts) -> Clearance | None:
    """A supply edge is cleared by SUPPLY_EDGE; a contract edge (a body's own
    supplier) by the CONTRACT policy of its parties."""
    if edge.disclosed_by is None:
        return CONTRACT.clearance({"buyer_id": edge.target, "supplier_id": edge.source}, facts)
    return SUPPLY_EDGE.clearance({"disclosed_by_id": edge.disclosed_by}, facts)


def disclose_edges(
    edges: tuple[queries.ChainEdge, ...], facts: ViewerFacts
) -> tuple[Disclosed, ...]:
    """Each edge with its disclosure, once per (source, target, category) even
    when several suppliers disclosed it. The view holds only edges the viewer
    may see; the policies are asked again here all the same (default deny)."""
    disclosed: dict[tuple[str, str, str | None], Disclosed] = {}
    for edge in edges:
        key = (edge.source, edge.target, edge.product_category)
        cleared = edge_clearance(edge, facts)
        if key in disclosed or cleared is None:
            continue
        disclosed[key] = disclose(
            {
                "source_id": edge.source,
                "target_id": edge.target,
                "product_category": edge.product_category,
                "disclosed_by_id": edge.disclosed_by,
            },
            SUPPLY_EDGE,
            cleared,
        )
    return tuple(disclosed.values())


async def supply_chain(scope: Scope, supplier_id: str, max_depth: int) -> ChainResult:
    if not 0 <= max_depth <= MAX_DEPTH:
        raise InvalidInput("maxDepth", f"must be between 0 and {MAX_DEPTH}")
    view, facts = await viewer_view(scope)
    if supplier_id not in view.graph.index:
        raise NotFound(f"no organisation or facility with id {supplier_id} (supplierId)")
    chain = queries.supply_chain(view, supplier_id, max_depth)
    if len(chain.nodes) > limits.MAX_CHAIN_NODES or len(chain.edges) > limits.MAX_CHAIN_EDGES:
        raise InvalidInput(
            "maxDepth",
            f"the chain holds {len(chain.nodes)} nodes and {len(chain.edges)} edges, more than "
            f"an answer may hold ({limits.MAX_CHAIN_NODES}, {limits.MAX_CHAIN_EDGES}): "
            "ask for fewer tiers",
        )
    in_chain = {node.id for node in chain.nodes}
    return ChainResult(
        root_id=chain.root_id,
        nodes=chain.nodes,
        edges=disclose_edges(chain.edges, facts),
        max_tier_reached=chain.max_tier_reached,
        cycles=tuple(group for group in view_cycles(view) if in_chain.issuperset(group)),
    )


async def exposure(scope: Scope, facility_id: str) -> ExposureResult:
    view, _facts = await viewer_view(scope)
    index = view.graph.index.get(facility_id)
    if index is None or not view.graph.is_facility[index]:
        raise NotFound(f"no facility with id {facility_id} (facilityId)")
    found = queries.exposure(view, facility_id)
    largest = max(len(found.suppliers), len(found.bodies))
    if largest > limits.MAX_EXPOSURE_ORGANIZATIONS:
        raise InvalidInput(
            "facilityId",
            f"the facility reaches {largest} organisations, more than an answer may hold "
            f"({limits.MAX_EXPOSURE_ORGANIZATIONS}); export the graph instead",
        )
    return ExposureResult(
        facility_id=facility_id,
        supplier_ids=tuple(sorted(found.suppliers)),
        body_ids=tuple(sorted(found.bodies)),
        hidden_body_count=found.hidden_body_count,
    )


async def tier_violations(scope: Scope, network_id: str) -> list[TierViolation]:
    """Nodes deeper than the network's `maxSubcontractorTiers` in the chains of
    its suppliers (ranked framework suppliers and contract suppliers), as far
    as the viewer sees them. Empty when the network sets no limit."""
    view, _facts = await viewer_view(scope)
    network = await scope.session.get(Network, network_id)
    if network is None:
        raise NotFound(f"no network with id {network_id} (networkId)")
    limit = network.max_subcontractor_tiers
    if limit is None:
        return []
    ranked = select(NetworkSupplier.supplier_id).where(NetworkSupplier.network_id == network_id)
    contracted = select(Contract.supplier_id).where(Contract.network_id == network_id)
    suppliers = sorted(set((await scope.session.scalars(ranked.union(contracted))).all()))
    found = [
        violation
        for supplier in suppliers
        if supplier in view.graph.index
        for violation in queries.tier_violations(view, supplier, limit)
    ]
    if len(found) > limits.MAX_TIER_VIOLATIONS:
        raise InvalidInput(
            "networkId",
            f"{len(found)} violations, more than an answer may hold "
            f"({limits.MAX_TIER_VIOLATIONS}); export the graph instead",
        )
    return found


async def audit_priorities(scope: Scope, first: int) -> list[AuditPriority]:
    if not 1 <= first <= limits.MAX_AUDIT_PRIORITIES:
        raise InvalidInput("first", f"must be between 1 and {limits.MAX_AUDIT_PRIORITIES}")
    view, _facts = await viewer_view(scope)
    return view_priorities(view)[:first]


async def export(scope: Scope, fmt: str) -> str:
    """The viewer's graph as GraphML or GeoJSON text."""
    view, _facts = await viewer_view(scope)
    if fmt == "graphml":
        return graph_export.to_graphml(view)
    if fmt == "geojson":
        return graph_export.to_geojson(view)
    raise InvalidInput("format", "must be graphml or geojson")
