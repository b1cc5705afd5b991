"""The supply-chain graph, integer-indexed and columnar.

Orientation: an edge ``u -> v`` means "u supplies v", the direction goods flow
and the direction of `storage.models.SupplyEdge` (source -> target). Contracts
are edges too (supplier -> public body), so a body is reached from every site
that delivers to one of its suppliers.

`SupplyGraph` holds every node and edge of one data version as numpy columns
(node ids interned to int32 once). It is never queried directly: `view(mask)`
keeps the edges one viewer may see and builds compressed sparse rows (CSR) in
both directions from the graph's presorted edge orders in O(E), plus each
node's risk score over those edges. Queries walk a view level by level with
numpy (`graph.queries`), so every tier is one vectorised step, a cycle is
crossed once (a node is visited at most once), and no Python object exists
per edge.

No I/O happens here: callers hand in plain columns.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import numpy as np
import numpy.typing as npt

from graph.risk import RiskTables

ORGANIZATION = "organization"
FACILITY = "facility"
NODE_KINDS = (ORGANIZATION, FACILITY)
SUPPLY = 0
CONTRACT = 1

IntArray = npt.NDArray[np.int32]
BoolArray = npt.NDArray[np.bool_]
FloatArray = npt.NDArray[np.float64]


@dataclass
class GraphInput:
    """Columns to build from; `add_nodes`/`add_edges` append. Edges name node ids.

    `disclosers` holds the organisation whose disclosure an edge is (a
    supply edge's `disclosed_by_id`); a contract edge's is None (its parties
    see it). Node ids must be unique; an edge naming an unknown node is an
    error, never a made-up placeholder.
    """

    ids: list[str] = field(default_factory=list)
    kinds: list[str] = field(default_factory=list)
    names: list[str] = field(default_factory=list)
    countries: list[str | None] = field(default_factory=list)
    buyers: list[bool] = field(default_factory=list)
    latitudes: list[float | None] = field(default_factory=list)
    longitudes: list[float | None] = field(default_factory=list)
    sources: list[str] = field(default_factory=list)
    targets: list[str] = field(default_factory=list)
    categories: list[str | None] = field(default_factory=list)
    disclosers: list[str | None] = field(default_factory=list)
    edge_kinds: list[int] = field(default_factory=list)

    def add_node(
        self,
        node_id: str,
        kind: str,
        name: str,
        country: str | None,
        *,
        buyer: bool = False,
        latitude: float | None = None,
        longitude: float | None = None,
    ) -> None:
        if kind not in NODE_KINDS:
            raise ValueError(f"node {node_id!r}: kind must be one of {list(NODE_KINDS)}")
        if buyer and kind != ORGANIZATION:
            raise ValueError(f"node {node_id!r}: only an organisation can be a buyer")
        self.ids.append(node_id)
        self.kinds.append(kind)
        self.names.append(name)
        self.countries.append(country)
        self.buyers.append(buyer)
        self.latitudes.append(latitude)
        self.longitudes.append(longitude)

    def add_edge(
        self,
        source: str,
        target: str,
        category: str | None = None,
        discloser: str | None = None,
        *,
        kind: int = SUPPLY,
    ) -> None:
        self.sources.append(source)
        self.targets.append(target)
        self.categories.append(category)
        self.disclosers.append(discloser)
        self.edge_kinds.append(kind)

    def add_contract(self, supplier: str, body: str, category: str | None = None) -> None:
        self.add_edge(supplier, body, category, None, kind=CONTRACT)


@dataclass(eq=False)
class SupplyGraph:
    """Every node and edge of one data version, as columns (see module doc)."""

    ids: tuple[str, ...]
    index: dict[str, int]
    names: tuple[str, ...]
    countries: tuple[str | None, ...]
    is_facility: BoolArray
    is_buyer: BoolArray
    latitude: FloatArray
    longitude: FloatArray
    source: IntArray
    target: IntArray
    category: IntArray  # index into `category_names`, -1 for none
    discloser: IntArray  # node index, -1 for a contract edge
    edge_kind: npt.NDArray[np.int8]
    category_names: tuple[str, ...]
    by_source: IntArray  # edge indices sorted by source (stable)
    by_target: IntArray  # edge indices sorted by target (stable)
    tables: RiskTables

    @property
    def node_count(self) -> int:
        return len(self.ids)

    @property
    def edge_count(self) -> int:
        return int(self.source.shape[0])

    @cached_property
    def facility_list(self) -> list[bool]:
        return self.is_facility.tolist()  # type: ignore[no-any-return]

    @cached_property
    def buyer_list(self) -> list[bool]:
        return self.is_buyer.tolist()  # type: ignore[no-any-return]

    @cached_property
    def contract_lists(self) -> tuple[list[int], list[int]]:
        """Every contract as CSR lists (supplier -> its bodies), seen or not:
        what exposure counts hidden bodies from."""
        contracts = self.by_source[self.edge_kind[self.by_source] == CONTRACT]
        pointers = _pointers(self.source[contracts], self.node_count)
        return pointers.tolist(), self.target[contracts].tolist()

    def node(self, node_id: str) -> int:
        """The index of a node id; KeyError when absent."""
        return self.index[node_id]

    def visible_edges(
        self, disclosers: frozenset[str] | None, parties: frozenset[str] = frozenset()
    ) -> BoolArray:
        """Mask of the edges a viewer may see: supply edges disclosed by one of
        `disclosers` (None: all of them) and contract edges with a party in
        `parties` (with `disclosers` None: all of them)."""
        supply = self.edge_kind == SUPPLY
        if disclosers is None:
            return np.ones(self.edge_count, dtype=np.bool_)
        allowed = _indices(self.index, disclosers)
        mask: BoolArray = supply & np.isin(self.discloser, allowed)
        if parties:
            party = _indices(self.index, parties)
            contract = ~supply
            mask |= contract & (np.isin(self.source, party) | np.isin(self.target, party))
        return mask

    def view(self, mask: BoolArray) -> GraphView:
        """The graph restricted to the edges in `mask`, ready for queries."""
        return GraphView(self, mask)

    def extend(self, extra: GraphInput) -> SupplyGraph:
        """A new graph with `extra`'s nodes and edges appended (the incremental
        update: nothing already interned is parsed again)."""
        return _assemble(self, extra, self.tables)


def build_supply_graph(data: GraphInput, tables: RiskTables | None = None) -> SupplyGraph:
    """Intern ids, check edges, sort the edge orders: O(E log E), once per version."""
    return _assemble(None, data, tables or RiskTables())


def _assemble(base: SupplyGraph | None, data: GraphInput, tables: RiskTables) -> SupplyGraph:
    ids = (base.ids if base else ()) + tuple(data.ids)
    index = dict(base.index) if base else {}
    start = len(index)
    index.update(zip(data.ids, range(start, start + len(data.ids)), strict=True))
    if len(index) != len(ids):
        seen: set[str] = set(base.ids if base else ())
        for node_id in data.ids:
            if node_id in seen:
                raise ValueError(f"node {node_id!r} given twice")
            seen.add(node_id)
    category_names = list(base.category_names) if base else []
    category_index = {name: number for number, name in enumerate(category_names)}
    for name in data.categories:
        if name is not None and name not in category_index:
            category_index[name] = len(category_names)
            category_names.append(name)
    # Every column is one C-level map over a lookup table: the per-edge cost
    # is a dict probe, never a Python-level branch.
    disclosers: dict[str | None, int] = {None: -1}
    categories: dict[str | None, int] = {None: -1}
    categories.update(category_index)
    try:
        disclosers.update((d, index[d]) for d in set(data.disclosers) if d is not None)
        source = np.fromiter(map(index.__getitem__, data.sources), np.int32, len(data.sources))
        target = np.fromiter(map(index.__getitem__, data.targets), np.int32, len(data.targets))
    except KeyError as error:
        raise ValueError(f"edge names unknown node {error.args[0]!r}") from None
    discloser = np.fromiter(
        map(disclosers.__getitem__, data.disclosers), np.int32, len(data.disclosers)
    )
    category = np.fromiter(
        map(categories.__getitem__, data.categories), np.int32, len(data.categories)
    )
    edge_kind = np.asarray(data.edge_kinds, dtype=np.int8)
    if base is not None:
        source = np.concatenate([base.source, source])
        target = np.concatenate([base.target, target])
        discloser = np.concatenate([base.discloser, discloser])
        category = np.concatenate([base.category, category])
        edge_kind = np.concatenate([base.edge_kind, edge_kind])

    def column(values: Sequence[Any], dtype: Any, old: Any) -> Any:
        fresh = np.asarray(values, dtype=dtype)
        return fresh if old is None else np.concatenate([old, fresh])

    latitudes = [np.nan if value is None else value for value in data.latitudes]
    longitudes = [np.nan if value is None else value for value in data.longitudes]
    return SupplyGraph(
        ids=ids,
        index=index,
        names=(base.names if base else ()) + tuple(data.names),
        countries=(base.countries if base else ()) + tuple(data.countries),
        is_facility=column(
            [kind == FACILITY for kind in data.kinds], np.bool_, base and base.is_facility
        ),
        is_buyer=column(data.buyers, np.bool_, base and base.is_buyer),
        latitude=column(latitudes, np.float64, base and base.latitude),
        longitude=column(longitudes, np.float64, base and base.longitude),
        source=source,
        target=target,
        category=category,
        discloser=discloser,
        edge_kind=edge_kind,
        category_names=tuple(category_names),
        by_source=np.argsort(source, kind="stable").astype(np.int32),
        by_target=np.argsort(target, kind="stable").astype(np.int32),
        tables=tables,
    )


def _indices(index: dict[str, int], node_ids: frozenset[str]) -> IntArray:
    return np.fromiter((index[n] for n in node_ids if n in index), np.int32)


class GraphView:
    """The edges one viewer may see, as CSR both ways, and risk over them.

    Immutable after construction and shared between threads; the scratch
    `seen` array a walk uses is per thread and reset after each walk.
    """

    def __init__(self, graph: SupplyGraph, mask: BoolArray) -> None:
        self.graph = graph
        self.mask = mask
        n = graph.node_count
        self.out_edges: IntArray = graph.by_source[mask[graph.by_source]]
        self.in_edges: IntArray = graph.by_target[mask[graph.by_target]]
        self.out_ptr = _pointers(graph.source[self.out_edges], n)
        self.in_ptr = _pointers(graph.target[self.in_edges], n)
        self.risk, self.risk_known = _risk(graph, self.out_edges)
        # The same CSR as Python lists, for walks whose frontier is small: a
        # numpy call costs about a microsecond, a Python step a tenth of that.
        self.out_ptr_list: list[int] = self.out_ptr.tolist()
        self.in_ptr_list: list[int] = self.in_ptr.tolist()
        self.out_far_list: list[int] = graph.target[self.out_edges].tolist()
        self.in_far_list: list[int] = graph.source[self.in_edges].tolist()
        _ = graph.contract_lists, graph.facility_list, graph.buyer_list  # built once per graph
        self._local = threading.local()

    @property
    def edge_count(self) -> int:
        return int(self.out_edges.shape[0])

    def seen(self) -> BoolArray:
        """This thread's all-False scratch array; callers reset what they set."""
        seen: BoolArray | None = getattr(self._local, "seen", None)
        if seen is None:
            seen = np.zeros(self.graph.node_count, dtype=np.bool_)
            self._local.seen = seen
        return seen


def _pointers(ends: IntArray, n: int) -> IntArray:
    pointers = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(np.bincount(ends, minlength=n), out=pointers[1:])
    return pointers.astype(np.int32) if pointers[-1] < 2**31 else pointers  # type: ignore[return-value]


def _risk(graph: SupplyGraph, edges: IntArray) -> tuple[FloatArray, BoolArray]:
    """Each node's score over the categories it supplies on visible edges
    (`RiskTables.score`, vectorised); a node that supplies nothing visible
    has the unknown-category score."""
    tables = graph.tables
    countries = sorted({c for c in graph.countries if c} | {""})
    country_number = {c: i for i, c in enumerate(countries)}
    factors = [tables.country_factor(c or None) for c in countries]
    country_factor = np.array([f for f, _ in factors])
    country_known = np.array([k for _, k in factors])
    node_country = np.fromiter(
        (country_number[c or ""] for c in graph.countries), np.int32, graph.node_count
    )
    # Category factor per (category, country): the DOL pairs are few, so a
    # dense table over the categories in use and the countries present is small.
    names = (*graph.category_names, None)  # index -1 is "no category"
    table = np.empty((len(names), len(countries)))
    known = np.empty((len(names), len(countries)), dtype=np.bool_)
    for i, name in enumerate(names):
        for j, country in enumerate(countries):
            table[i, j], known[i, j] = tables.category_factor(name, country or None)
    src = graph.source[edges]
    cat = graph.category[edges]
    src_country = node_country[src]
    edge_score = np.round(country_factor[src_country] * table[cat, src_country], 6)
    edge_known = country_known[src_country] & known[cat, src_country]
    # Best (score, known) per node: encode both in one integer and take the max.
    key = np.rint(edge_score * 1e6).astype(np.int64) * 2 + edge_known
    none_key = np.rint(country_factor[node_country] * table[-1, node_country] * 1e6).astype(
        np.int64
    ) * 2 + (country_known[node_country] & known[-1, node_country])
    best = np.full(graph.node_count, -1, dtype=np.int64)
    np.maximum.at(best, src, key)
    best = np.where(best < 0, none_key, best)
    return best // 2 / 1e6, (best % 2).astype(np.bool_)
