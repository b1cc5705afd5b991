"""The supply-chain graph: built once per data version from disclosed supply
edges, then asked tier, exposure and risk questions from memory.

Orientation: an edge ``u -> v`` means "u supplies v", the direction goods flow
and the direction of `storage.models.SupplyEdge` (source -> target). So the
suppliers of a node are its predecessors, and everyone who depends on a node
is among its descendants.

No database I/O happens here: callers load plain `NodeInfo` / `EdgeInfo`
values and hand them in, which keeps this module testable and lets the graph
be built off the request path.
"""

from __future__ import annotations

import heapq
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

import networkx as nx

from graph.risk import TIER_DISCOUNT, own_risk

ORGANIZATION = "organization"
FACILITY = "facility"
NODE_KINDS = frozenset({ORGANIZATION, FACILITY})


@dataclass(frozen=True)
class NodeInfo:
    """An organisation or facility as the graph needs it.

    `is_buyer` marks public bodies (organisations of kind PUBLIC_BODY), so
    exposure can tell the buyers who depend on a site from the suppliers
    in between. `base_risk` carries what is known about the node itself.
    """

    id: str
    kind: str
    name: str
    country: str | None
    base_risk: float = 0.0
    is_buyer: bool = False

    def __post_init__(self) -> None:
        if self.kind not in NODE_KINDS:
            raise ValueError(f"node {self.id!r}: kind must be one of {sorted(NODE_KINDS)}")
        if not 0.0 <= self.base_risk <= 1.0:
            raise ValueError(f"node {self.id!r}: base_risk must be in [0, 1]")
        if self.is_buyer and self.kind != ORGANIZATION:
            raise ValueError(f"node {self.id!r}: only an organisation can be a buyer")


@dataclass(frozen=True)
class EdgeInfo:
    """A disclosed relation: `source` supplies `target`."""

    source: str
    target: str
    product_category: str | None = None


@dataclass(frozen=True)
class ChainNode:
    id: str
    kind: str
    name: str
    country: str | None
    tier: int
    risk_score: float


@dataclass(frozen=True)
class ChainEdge:
    """`source` supplies `target`; all disclosed categories of the pair, sorted."""

    source: str
    target: str
    product_categories: tuple[str, ...]


@dataclass(frozen=True)
class SupplyChainView:
    """The chain below a root: nodes sorted by (tier, id), edges by (source, target)."""

    root_id: str
    nodes: tuple[ChainNode, ...]
    edges: tuple[ChainEdge, ...]
    max_tier_reached: int


@dataclass(frozen=True)
class Exposure:
    """Who depends on a node: the suppliers in between and the buyers at the end."""

    suppliers: frozenset[str]
    buyers: frozenset[str]


def build_supply_graph(nodes: Iterable[NodeInfo], edges: Iterable[EdgeInfo]) -> nx.DiGraph:
    """Build the frozen graph, with each node's `risk_score` precomputed.

    Risk is a global computation, so it is paid once here, when the data
    changes, rather than per request. The graph is frozen because one
    instance is shared between threads by `SupplyGraphCache`.

    Raises ValueError for an edge naming an unknown node or for two different
    `NodeInfo` values with the same id: a silent placeholder would hide a
    loading bug and give the node a made-up country.
    """
    graph = nx.DiGraph()
    infos: dict[str, NodeInfo] = {}
    for node in nodes:
        known = infos.get(node.id)
        if known is not None and known != node:
            raise ValueError(f"node {node.id!r} given twice with different values")
        infos[node.id] = node
        graph.add_node(
            node.id,
            kind=node.kind,
            name=node.name,
            country=node.country,
            base_risk=float(node.base_risk),
            is_buyer=node.is_buyer,
        )

    categories: dict[tuple[str, str], set[str]] = {}
    for edge in edges:
        for end in (edge.source, edge.target):
            if end not in infos:
                raise ValueError(f"edge {edge.source!r} -> {edge.target!r}: unknown node {end!r}")
        found = categories.setdefault((edge.source, edge.target), set())
        if edge.product_category:
            found.add(edge.product_category)
    for (source, target), found in categories.items():
        graph.add_edge(source, target, product_categories=tuple(sorted(found)))

    nx.set_node_attributes(graph, risk_scores(graph), "risk_score")
    return nx.freeze(graph)


def risk_scores(graph: nx.DiGraph) -> dict[str, float]:
    """Risk of every node, in [0, 1].

    Rule: risk(n) = max(own(n), TIER_DISCOUNT * max(risk(s) for s supplying n)),
    with own(n) = max(country risk, base_risk) from `graph.risk`. Unrolled,
    a supplier k tiers up counts with own(s) * TIER_DISCOUNT ** k along its
    shortest path, so cycles have a unique answer. Computed for all nodes at
    once, like Dijkstra, in O(E log V): the riskiest node is final first and
    passes its discounted risk on to the nodes it supplies.
    """
    best = {
        node: own_risk(data.get("country"), data.get("base_risk", 0.0))
        for node, data in graph.nodes(data=True)
    }
    heap = [(-risk, node) for node, risk in best.items()]
    heapq.heapify(heap)
    final: set[str] = set()
    while heap:
        negative_risk, node = heapq.heappop(heap)
        if node in final:
            continue
        final.add(node)
        passed_on = -negative_risk * TIER_DISCOUNT
        for buyer in graph.successors(node):
            if passed_on > best[buyer]:
                best[buyer] = passed_on
                heapq.heappush(heap, (-passed_on, buyer))
    return best


def supply_chain(graph: nx.DiGraph, root_id: str, max_depth: int = 5) -> SupplyChainView:
    """The suppliers of `root_id` up to `max_depth` tiers (root is tier 0).

    A node's tier is its shortest distance from the root, found breadth-first,
    so a cycle is visited once and cannot loop. Edges are those between
    reached nodes. Raises KeyError for an unknown root.
    """
    if max_depth < 0:
        raise ValueError("max_depth must be >= 0")
    if root_id not in graph:
        raise KeyError(root_id)
    tiers: dict[str, int] = nx.single_source_shortest_path_length(
        graph.reverse(copy=False), root_id, cutoff=max_depth
    )
    nodes = sorted(
        (_chain_node(node, graph.nodes[node], tier) for node, tier in tiers.items()),
        key=lambda chain_node: (chain_node.tier, chain_node.id),
    )
    edges = sorted(
        (
            ChainEdge(supplier, node, graph.edges[supplier, node]["product_categories"])
            for node in tiers
            for supplier in graph.predecessors(node)
            if supplier in tiers
        ),
        key=lambda edge: (edge.source, edge.target),
    )
    return SupplyChainView(
        root_id=root_id,
        nodes=tuple(nodes),
        edges=tuple(edges),
        max_tier_reached=max(tiers.values()),
    )


def _chain_node(node_id: str, data: dict[str, Any], tier: int) -> ChainNode:
    return ChainNode(
        id=node_id,
        kind=data["kind"],
        name=data["name"],
        country=data["country"],
        tier=tier,
        risk_score=data["risk_score"],
    )


def exposure(graph: nx.DiGraph, facility_id: str) -> Exposure:
    """Organisations downstream of a facility (any node works): the suppliers
    whose deliveries pass through it and the buyers who depend on it, at any
    depth. Facilities in between are crossed but not listed. Raises KeyError
    for an unknown node.
    """
    if facility_id not in graph:
        raise KeyError(facility_id)
    suppliers: set[str] = set()
    buyers: set[str] = set()
    for node in nx.descendants(graph, facility_id):
        data = graph.nodes[node]
        if data["kind"] != ORGANIZATION:
            continue
        (buyers if data["is_buyer"] else suppliers).add(node)
    return Exposure(suppliers=frozenset(suppliers), buyers=frozenset(buyers))


class SupplyGraphCache:
    """Keeps the graph of one data version, shared by every request.

    Building costs about 4 µs per edge, too much to repeat per request. The
    lock makes concurrent callers that see a new version build it once; the
    builder blocks, so async code should call `get` from a worker thread.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._entry: tuple[str, nx.DiGraph] | None = None

    @property
    def version(self) -> str | None:
        entry = self._entry
        return entry[0] if entry is not None else None

    def get(self, version: str, builder: Callable[[], nx.DiGraph]) -> nx.DiGraph:
        """The graph for `version`, calling `builder` only when the version changed."""
        entry = self._entry
        if entry is not None and entry[0] == version:
            return entry[1]
        with self._lock:
            entry = self._entry
            if entry is not None and entry[0] == version:
                return entry[1]
            graph = builder()
            self._entry = (version, graph)
            return graph

    def clear(self) -> None:
        with self._lock:
            self._entry = None


def to_graphml(graph: nx.DiGraph) -> str:
    """GraphML text of the graph.

    GraphML has neither null nor lists: a missing value (e.g. unknown country)
    is left out, and an edge's product categories become one ";"-joined string.
    """
    export = nx.DiGraph()
    for node, data in graph.nodes(data=True):
        export.add_node(node, **_graphml_attributes(data))
    for source, target, data in graph.edges(data=True):
        export.add_edge(source, target, **_graphml_attributes(data))
    return "\n".join(nx.generate_graphml(export, named_key_ids=True))


def _graphml_attributes(data: dict[str, Any]) -> dict[str, Any]:
    attributes: dict[str, Any] = {}
    for key, value in data.items():
        if isinstance(value, tuple | list | set | frozenset):
            value = ";".join(sorted(str(item) for item in value)) or None
        if value is not None:
            attributes[key] = value
    return attributes
