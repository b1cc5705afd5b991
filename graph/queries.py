"""Questions asked of one viewer's `GraphView`: tiers, exposure, cycles, tier
limits and the audit-priority list.

Walks are level-synchronous: each tier is one vectorised numpy step over the
CSR (gather the frontier's edges, drop nodes already seen, mark the rest), so
the cost is the size of what is reached, not of the graph, and a node is
visited once even on a cycle.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from graph.supply import CONTRACT, FACILITY, ORGANIZATION, GraphView, IntArray

UNLIMITED = 2**31 - 1


@dataclass(frozen=True)
class ChainNode:
    id: str
    kind: str
    name: str
    country: str | None
    tier: int
    risk_score: float
    risk_known: bool


@dataclass(frozen=True)
class ChainEdge:
    """`source` supplies `target` (one edge per product category). `disclosed_by`
    is the organisation whose disclosure it is; None for a contract."""

    source: str
    target: str
    product_category: str | None
    disclosed_by: str | None


@dataclass(frozen=True)
class SupplyChainView:
    """The chain above a root: nodes sorted by (tier, id), edges by (source, target)."""

    root_id: str
    nodes: tuple[ChainNode, ...]
    edges: tuple[ChainEdge, ...]
    max_tier_reached: int


@dataclass(frozen=True)
class Exposure:
    """Who depends on a node. `bodies` are those reached over edges the viewer
    sees; `all_bodies` every public body whose contracts reach the node, seen
    or not (callers list `bodies` and may only count the rest)."""

    suppliers: frozenset[str]
    bodies: frozenset[str]
    all_bodies: frozenset[str]

    @property
    def hidden_body_count(self) -> int:
        return len(self.all_bodies - self.bodies)


@dataclass(frozen=True)
class TierViolation:
    root_id: str  # the supplier whose chain it is
    node_id: str  # a node deeper than the limit
    tier: int
    limit: int


@dataclass(frozen=True)
class AuditPriority:
    facility_id: str
    name: str
    country: str | None
    bodies_served: int
    risk_score: float
    risk_known: bool

    @property
    def priority(self) -> float:
        return round(self.bodies_served * self.risk_score, 6)


def _expand(ptr: IntArray, edges: IntArray, frontier: IntArray) -> IntArray:
    """The edge indices leaving (or entering) every node of `frontier`."""
    starts = ptr[frontier]
    counts = ptr[frontier + 1] - starts
    total = int(counts.sum())
    if total == 0:
        return np.empty(0, dtype=np.int32)
    offsets = np.repeat(starts - (np.cumsum(counts) - counts), counts) + np.arange(total)
    return edges[offsets]


SMALL_FRONTIER = 64
"""Below this many nodes a tier is expanded in Python, above it with numpy."""


def walk(
    view: GraphView, root: int, *, upstream: bool, max_depth: int = UNLIMITED
) -> tuple[list[list[int]], IntArray]:
    """Breadth-first from `root`: (nodes per tier, edges crossed). Tier 0 is
    the root; the edges are every edge between two reached nodes that the
    walk crossed (all of them, up to `max_depth`). Upstream follows suppliers
    (in-edges), downstream buyers (out-edges). Each tier is expanded in
    Python while it is small and with numpy once it is large."""
    graph = view.graph
    if upstream:
        ptr, order, ptr_list, far_list = (
            view.in_ptr,
            view.in_edges,
            view.in_ptr_list,
            view.in_far_list,
        )
    else:
        ptr, order, ptr_list, far_list = (
            view.out_ptr,
            view.out_edges,
            view.out_ptr_list,
            view.out_far_list,
        )
    ends = graph.source if upstream else graph.target
    tiers: list[list[int]] = [[root]]
    positions: list[int] = []  # CSR positions crossed on the Python path
    steps: list[IntArray] = []  # edge indices crossed on the numpy path
    visited = {root}
    frontier_list = [root]
    depth = 0
    # Python while the frontier is small.
    while frontier_list and len(frontier_list) < SMALL_FRONTIER:
        last = depth == max_depth
        fresh: list[int] = []
        for node in frontier_list:
            for position in range(ptr_list[node], ptr_list[node + 1]):
                far = far_list[position]
                if far in visited:
                    positions.append(position)
                elif not last:
                    visited.add(far)
                    fresh.append(far)
                    positions.append(position)
        if last or not fresh:
            frontier_list = []
            break
        tiers.append(fresh)
        frontier_list = fresh
        depth += 1
    if frontier_list:  # numpy for the rest
        seen = view.seen()
        reached = np.fromiter(visited, np.int32, len(visited))
        seen[reached] = True
        marked = [reached]
        frontier = np.array(tiers[-1], dtype=np.int32)
        try:
            while frontier.size:
                crossed = _expand(ptr, order, frontier)
                if crossed.size == 0:
                    break
                far_ends = ends[crossed]
                if depth == max_depth:  # the last tier: keep edges between reached nodes
                    steps.append(crossed[seen[far_ends]])
                    break
                fresh_array = np.unique(far_ends[~seen[far_ends]]).astype(np.int32)
                seen[fresh_array] = True
                marked.append(fresh_array)
                steps.append(crossed)
                if fresh_array.size:
                    tiers.append(fresh_array.tolist())
                frontier = fresh_array
                depth += 1
        finally:
            for nodes in marked:
                seen[nodes] = False
    edges = order[np.array(positions, dtype=np.int64)] if positions else order[:0]
    if steps:
        edges = np.concatenate([edges, *steps])
    return tiers, edges


def supply_chain(view: GraphView, root_id: str, max_depth: int = 5) -> SupplyChainView:
    """The suppliers of `root_id` up to `max_depth` tiers (root is tier 0) over
    the edges the view holds. KeyError for an unknown root."""
    if max_depth < 0:
        raise ValueError("max_depth must be >= 0")
    graph = view.graph
    root = graph.node(root_id)
    tiers, edge_ids = walk(view, root, upstream=True, max_depth=max_depth)
    nodes = [
        _chain_node(view, int(node), tier)
        for tier, members in enumerate(tiers)
        for node in sorted(members, key=graph.ids.__getitem__)
    ]
    names = graph.category_names
    edges = sorted(
        (
            ChainEdge(
                graph.ids[source],
                graph.ids[target],
                names[category] if category >= 0 else None,
                graph.ids[discloser] if discloser >= 0 else None,
            )
            for source, target, category, discloser in zip(
                graph.source[edge_ids].tolist(),
                graph.target[edge_ids].tolist(),
                graph.category[edge_ids].tolist(),
                graph.discloser[edge_ids].tolist(),
                strict=True,
            )
        ),
        key=lambda edge: (edge.source, edge.target, edge.product_category or ""),
    )
    return SupplyChainView(root_id, tuple(nodes), tuple(edges), len(tiers) - 1)


def _chain_node(view: GraphView, node: int, tier: int) -> ChainNode:
    graph = view.graph
    return ChainNode(
        id=graph.ids[node],
        kind=FACILITY if graph.is_facility[node] else ORGANIZATION,
        name=graph.names[node],
        country=graph.countries[node],
        tier=tier,
        risk_score=float(view.risk[node]),
        risk_known=bool(view.risk_known[node]),
    )


def exposure(view: GraphView, facility_id: str) -> Exposure:
    """Organisations downstream of a node over the view's edges: suppliers whose
    deliveries pass through it and the bodies reached; `all_bodies` adds every
    body any reached supplier has a contract with, whether or not this viewer
    sees that contract (to be counted, never listed). KeyError when unknown."""
    graph = view.graph
    tiers, _edges = walk(view, graph.node(facility_id), upstream=False)
    facility, buyer = graph.facility_list, graph.buyer_list
    suppliers: list[int] = []
    bodies: list[int] = []
    for tier in tiers[1:]:
        for node in tier:
            if not facility[node]:
                (bodies if buyer[node] else suppliers).append(node)
    pointers, contract_bodies = graph.contract_lists
    all_bodies = set(bodies)
    for supplier in suppliers:
        all_bodies.update(contract_bodies[pointers[supplier] : pointers[supplier + 1]])
    ids = graph.ids
    return Exposure(
        suppliers=frozenset([ids[i] for i in suppliers]),
        bodies=frozenset([ids[i] for i in bodies]),
        all_bodies=frozenset([ids[i] for i in all_bodies]),
    )


def cycles(view: GraphView) -> list[tuple[str, ...]]:
    """Every group of nodes that supply each other in a circle (strongly
    connected components of two or more, and self-supply), each sorted, the
    list sorted. Found in O(V + E) by scipy; nothing loops over them."""
    from scipy import sparse  # imported when first needed: it takes a while to load
    from scipy.sparse.csgraph import connected_components

    graph = view.graph
    n = graph.node_count
    edges = view.out_edges
    matrix = sparse.csr_matrix(
        (np.ones(edges.size, dtype=np.int8), (graph.source[edges], graph.target[edges])),
        shape=(n, n),
    )
    _count, labels = connected_components(matrix, directed=True, connection="strong")
    sizes = np.bincount(labels)
    loops = graph.source[edges][graph.source[edges] == graph.target[edges]]
    in_cycle = (sizes[labels] > 1) | np.isin(np.arange(n), loops)
    groups: dict[int, list[str]] = {}
    for node in np.flatnonzero(in_cycle).tolist():
        groups.setdefault(int(labels[node]), []).append(graph.ids[node])
    return sorted(tuple(sorted(group)) for group in groups.values())


def tier_violations(view: GraphView, root_id: str, limit: int) -> list[TierViolation]:
    """Nodes in `root_id`'s chain deeper than `limit` sub-contractor tiers (the
    root's direct suppliers are tier 1), by (tier, id)."""
    if limit < 0:
        raise ValueError("limit must be >= 0")
    graph = view.graph
    tiers, _edges = walk(view, graph.node(root_id), upstream=True)
    return [
        TierViolation(root_id, graph.ids[node], tier, limit)
        for tier in range(limit + 1, len(tiers))
        for node in sorted(tiers[tier], key=graph.ids.__getitem__)
    ]


def audit_priorities(
    view: GraphView,
    facilities: IntArray | None = None,
    *,
    batch: int = 4096,
) -> list[AuditPriority]:
    """Facilities ranked by bodies served * risk, highest first (ties by id).

    Bodies served: every public body (seen by the viewer or not: it is a
    count) with a contract with a supplier the facility delivers to over the
    view's edges, at any tier. For many facilities at once this is a sparse
    boolean reachability matrix grown tier by tier (rows: facilities, in
    batches), then joined to the contract edges: no walk per facility.
    `facilities` defaults to every facility the view has an edge from.
    """
    from scipy import sparse  # imported when first needed: it takes a while to load

    graph = view.graph
    n = graph.node_count
    if facilities is None:
        facilities = np.unique(graph.source[view.out_edges])
        facilities = facilities[graph.is_facility[facilities]]
    edges = view.out_edges
    step = sparse.csr_matrix(
        (np.ones(edges.size, dtype=np.bool_), (graph.source[edges], graph.target[edges])),
        shape=(n, n),
    )
    contracts = np.flatnonzero(graph.edge_kind == CONTRACT)
    to_body = sparse.csr_matrix(
        (
            np.ones(contracts.size, dtype=np.bool_),
            (graph.source[contracts], graph.target[contracts]),
        ),
        shape=(n, n),
    )
    served = np.zeros(facilities.size, dtype=np.int64)
    for start in range(0, facilities.size, batch):
        rows = facilities[start : start + batch]
        reach = sparse.csr_matrix(
            (np.ones(rows.size, dtype=np.bool_), (np.arange(rows.size), rows)),
            shape=(rows.size, n),
        )
        while True:  # one tier per round; stops when nothing new is reached (cycles too)
            grown = (reach + reach @ step).astype(np.bool_)
            if grown.nnz == reach.nnz:
                break
            reach = grown
        bodies = (reach + reach @ to_body).astype(np.bool_).astype(np.int32)
        served[start : start + rows.size] = bodies @ graph.is_buyer.astype(np.int32)
    ranked = [
        AuditPriority(
            facility_id=graph.ids[node],
            name=graph.names[node],
            country=graph.countries[node],
            bodies_served=int(count),
            risk_score=float(view.risk[node]),
            risk_known=bool(view.risk_known[node]),
        )
        for node, count in zip(facilities.tolist(), served.tolist(), strict=True)
        if count > 0
    ]
    ranked.sort(key=lambda item: (-item.priority, item.facility_id))
    return ranked
