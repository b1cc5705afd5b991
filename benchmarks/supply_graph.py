"""The supply-chain graph at `kjede demo --scale` sizes, against rustworkx.

    .venv/bin/python -m benchmarks.supply_graph                      # up to ~1M supply edges
    .venv/bin/python -m benchmarks.supply_graph --max-edges 100000 --queries 100
    .venv/bin/python -m benchmarks.supply_graph --plot docs/supply_graph_scaling.png

Worlds come from the generator `kjede demo --scale` uses
(`services.demo.scale`: parties, chains, contracts), in memory, in chunks of
at most 1,000 bodies (each chunk its own seed) that are turned into columns as
they are made, so the row dicts of the whole world never exist at once.

Per size it measures, in one process on the same data:
- build: `graph.supply.build_supply_graph` + the all-seeing view (CSR both
  ways, risk), wall time and tracemalloc peak (a second, traced run);
  rustworkx: `PyDiGraph` from the same interned edge list;
- exposure: `graph.queries.exposure` against `rustworkx.descendants` plus the
  same classification into suppliers and bodies, on sampled facilities;
- supplyChain: `graph.queries.supply_chain` (depth 5) against
  `rustworkx.bfs_layers` on the reversed graph plus the same node and edge
  records, on sampled suppliers.
Answers are compared; the run exits 1 if they differ.
"""

from __future__ import annotations

import argparse
import gc
import pickle
import random
import statistics
import sys
import time
import tracemalloc
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import rustworkx as rx

from graph.queries import ChainEdge, ChainNode, Exposure, exposure, supply_chain
from graph.supply import (
    FACILITY,
    ORGANIZATION,
    GraphInput,
    GraphView,
    SupplyGraph,
    build_supply_graph,
)
from services.demo.scale_chains import add_chains
from services.demo.scale_networks import add_contracts
from services.demo.scale_parties import add_parties
from services.demo.scale_rows import ScaleRows, TakenValues
from services.reference import packaged_tables
from storage.models import Contract, Facility, Organization, SupplyEdge

EDGES_PER_BODY = 93  # measured: 1,874 supply edges for 20 bodies, 18,530 for 200
CHUNK_BODIES = 1000
NO_VALUES = TakenValues({}, frozenset(), frozenset(), frozenset())


def world(bodies: int, seed: int = 0) -> GraphInput:
    """The scale world's organisations, facilities, supply edges and contracts as columns."""
    data = GraphInput()
    chunk = 0
    while bodies > 0:
        size = min(bodies, CHUNK_BODIES)
        rows = ScaleRows(random.Random(seed + chunk), seed + chunk, NO_VALUES)
        parties = add_parties(rows, size, 50)
        add_chains(rows, parties.suppliers)
        add_contracts(rows, parties.body_ids, parties.suppliers, 50)
        for org in rows.rows[Organization]:
            data.add_node(
                org["id"],
                ORGANIZATION,
                org["name"],
                org["country"],
                buyer=org["kind"].value == "PUBLIC_BODY",
            )
        for site in rows.rows[Facility]:
            data.add_node(
                site["id"],
                FACILITY,
                site["name"],
                site["country"],
                latitude=site.get("latitude"),
                longitude=site.get("longitude"),
            )
        for edge in rows.rows[SupplyEdge]:
            data.add_edge(
                edge["source_id"], edge["target_id"], edge["product_category"],
                edge["disclosed_by_id"],
            )  # fmt: skip
        for contract in rows.rows[Contract]:
            data.add_contract(
                contract["supplier_id"], contract["buyer_id"], contract["product_category"]
            )
        del rows
        bodies -= size
        chunk += 1
    return data


def build(data: GraphInput) -> tuple[SupplyGraph, GraphView]:
    graph = build_supply_graph(data, packaged_tables())
    return graph, graph.view(graph.visible_edges(None))


def rx_build(graph: SupplyGraph) -> tuple[rx.PyDiGraph, rx.PyDiGraph]:
    """rustworkx graphs over the same interned nodes: edge payload = edge index."""
    n, src, dst = graph.node_count, graph.source.tolist(), graph.target.tolist()
    forward: rx.PyDiGraph = rx.PyDiGraph(multigraph=True, node_count_hint=n)
    forward.add_nodes_from(range(n))
    forward.add_edges_from(list(zip(src, dst, range(len(src)), strict=True)))
    reverse: rx.PyDiGraph = rx.PyDiGraph(multigraph=True, node_count_hint=n)
    reverse.add_nodes_from(range(n))
    reverse.add_edges_from(list(zip(dst, src, range(len(src)), strict=True)))
    return forward, reverse


def rx_exposure(graph: SupplyGraph, forward: rx.PyDiGraph, facility: str) -> Exposure:
    reached = np.fromiter(rx.descendants(forward, graph.index[facility]), np.int32)
    organizations = reached[~graph.is_facility[reached]]
    buyer = graph.is_buyer[organizations]
    ids = graph.ids
    bodies = frozenset(ids[i] for i in organizations[buyer].tolist())
    return Exposure(
        suppliers=frozenset(ids[i] for i in organizations[~buyer].tolist()),
        bodies=bodies,
        all_bodies=bodies,
    )


def rx_chain(
    graph: SupplyGraph, view: GraphView, reverse: rx.PyDiGraph, root: str, depth: int
) -> tuple[tuple[ChainNode, ...], tuple[ChainEdge, ...]]:
    layers = rx.bfs_layers(reverse, [graph.index[root]])[: depth + 1]
    tier = {node: number for number, layer in enumerate(layers) for node in layer}
    nodes = [
        ChainNode(
            graph.ids[node],
            FACILITY if graph.is_facility[node] else ORGANIZATION,
            graph.names[node],
            graph.countries[node],
            number,
            float(view.risk[node]),
            bool(view.risk_known[node]),
        )
        for number, layer in enumerate(layers)
        for node in sorted(layer, key=graph.ids.__getitem__)
    ]
    names = graph.category_names
    edges = sorted(
        (
            ChainEdge(
                graph.ids[source],
                graph.ids[target],
                names[int(graph.category[index])] if graph.category[index] >= 0 else None,
                graph.ids[int(graph.discloser[index])] if graph.discloser[index] >= 0 else None,
            )
            for target in tier
            for _t, source, index in reverse.out_edges(target)
            if source in tier
        ),
        key=lambda edge: (edge.source, edge.target, edge.product_category or ""),
    )
    return tuple(nodes), tuple(edges)


def timed(function: Callable[[], Any]) -> tuple[float, Any]:
    started = time.perf_counter()
    result = function()
    return time.perf_counter() - started, result


def traced_peak(function: Callable[[], Any]) -> int:
    gc.collect()
    tracemalloc.start()
    function()
    _current, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return peak


@dataclass(frozen=True)
class Result:
    bodies: int
    supply_edges: int
    contract_edges: int
    nodes: int
    input_s: float
    build_s: float
    build_cpu_s: float
    build_mb: float
    rx_build_s: float
    exposure_us: float
    rx_exposure_us: float
    chain_us: float
    rx_chain_us: float
    agree: bool


def cached_world(bodies: int, seed: int, cache: str | None) -> GraphInput:
    """`world`, kept in a pickle under `cache` (a folder) to time builds again
    without generating the world again."""
    if cache is None:
        return world(bodies, seed)
    path = Path(cache) / f"supply-world-{bodies}-{seed}.pickle"
    if path.exists():
        with path.open("rb") as handle:
            loaded: GraphInput = pickle.load(handle)
        return loaded
    data = world(bodies, seed)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as handle:
        pickle.dump(data, handle, protocol=pickle.HIGHEST_PROTOCOL)
    return data


def run(bodies: int, queries: int, seed: int, cache: str | None = None) -> Result:
    input_s, data = timed(lambda: cached_world(bodies, seed, cache))
    gc.collect()
    cpu_started = time.process_time()
    build_s, (graph, view) = timed(lambda: build(data))
    build_cpu_s = time.process_time() - cpu_started
    build_bytes = traced_peak(lambda: build(data))
    rx_build_s, (forward, reverse) = timed(lambda: rx_build(graph))
    supply = int((graph.edge_kind == 0).sum())
    rng = random.Random(seed)
    facility_ids = [graph.ids[i] for i in np.flatnonzero(graph.is_facility).tolist()]
    supplier_ids = sorted({graph.ids[i] for i in graph.source[graph.edge_kind == 1].tolist()})
    facilities = rng.sample(facility_ids, min(queries, len(facility_ids)))
    suppliers = rng.sample(supplier_ids, min(queries, len(supplier_ids)))
    ours_e, theirs_e, ours_c, theirs_c = [], [], [], []
    agree = True
    for facility, supplier in zip(facilities, suppliers, strict=False):  # interleaved
        t, mine = timed(lambda f=facility: exposure(view, f))  # type: ignore[misc]
        ours_e.append(t)
        t, other = timed(lambda f=facility: rx_exposure(graph, forward, f))  # type: ignore[misc]
        theirs_e.append(t)
        agree &= (mine.suppliers, mine.bodies) == (other.suppliers, other.bodies)
        t, chain = timed(lambda s=supplier: supply_chain(view, s, 5))  # type: ignore[misc]
        ours_c.append(t)
        t, (nodes, edges) = timed(
            lambda s=supplier: rx_chain(graph, view, reverse, s, 5)  # type: ignore[misc]
        )
        theirs_c.append(t)
        agree &= (chain.nodes, chain.edges) == (nodes, edges)
    return Result(
        bodies=bodies,
        supply_edges=supply,
        contract_edges=graph.edge_count - supply,
        nodes=graph.node_count,
        input_s=input_s,
        build_s=build_s,
        build_cpu_s=build_cpu_s,
        build_mb=build_bytes / 2**20,
        rx_build_s=rx_build_s,
        exposure_us=statistics.median(ours_e) * 1e6,
        rx_exposure_us=statistics.median(theirs_e) * 1e6,
        chain_us=statistics.median(ours_c) * 1e6,
        rx_chain_us=statistics.median(theirs_c) * 1e6,
        agree=agree,
    )


def table(results: list[Result]) -> str:
    lines = [
        "| supply edges | contracts | nodes | build s (CPU s) | build peak MB | rustworkx build s "
        "| exposure µs (rx) | ratio | supplyChain µs (rx) | ratio | agree |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in results:
        lines.append(
            f"| {r.supply_edges:,} | {r.contract_edges:,} | {r.nodes:,} "
            f"| {r.build_s:.2f} ({r.build_cpu_s:.2f}) "
            f"| {r.build_mb:.0f} | {r.rx_build_s:.2f} "
            f"| {r.exposure_us:.0f} ({r.rx_exposure_us:.0f}) "
            f"| {r.exposure_us / r.rx_exposure_us:.2f}x "
            f"| {r.chain_us:.0f} ({r.rx_chain_us:.0f}) | {r.chain_us / r.rx_chain_us:.2f}x "
            f"| {'yes' if r.agree else 'NO'} |"
        )
    return "\n".join(lines)


def plot(results: list[Result], path: str) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    edges = [r.supply_edges for r in results]
    figure, (left, right) = plt.subplots(1, 2, figsize=(11, 4.2))
    left.plot(edges, [r.build_s for r in results], "o-", label="kjede build + view (s)")
    left.plot(edges, [r.build_cpu_s for r in results], "o:", label="kjede build, CPU (s)")
    left.plot(edges, [r.rx_build_s for r in results], "s--", label="rustworkx build (s)")
    left.plot(edges, [r.build_mb / 1000 for r in results], "^-", label="kjede peak (GB)")
    left.axhline(10, color="grey", linewidth=0.8, linestyle=":")
    left.set_xscale("log")
    left.set_xlabel("supply edges")
    left.set_title("Build")
    left.legend()
    right.plot(edges, [r.exposure_us for r in results], "o-", label="exposure, kjede")
    right.plot(edges, [r.rx_exposure_us for r in results], "o--", label="exposure, rustworkx")
    right.plot(edges, [r.chain_us for r in results], "s-", label="supplyChain, kjede")
    right.plot(edges, [r.rx_chain_us for r in results], "s--", label="supplyChain, rustworkx")
    right.set_xscale("log")
    right.set_yscale("log")
    right.set_xlabel("supply edges")
    right.set_ylabel("median µs per query")
    right.set_title("Queries")
    right.legend()
    figure.tight_layout()
    figure.savefig(path, dpi=110)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--max-edges", type=int, default=1_000_000)
    parser.add_argument("--sizes", type=int, default=4, help="how many sizes, up to max")
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--plot", help="write the scaling plot (PNG) here")
    parser.add_argument("--only-largest", action="store_true", help="run the largest size only")
    parser.add_argument("--cache", help="keep generated worlds in this folder (pickles)")
    args = parser.parse_args(argv)
    top = max(1, round(args.max_edges / EDGES_PER_BODY))
    sizes = sorted({max(1, round(top / 10 ** (k / 1.5))) for k in range(args.sizes)})
    if args.only_largest:
        sizes = sizes[-1:]
    results = []
    for bodies in sizes:
        result = run(bodies, args.queries, args.seed, args.cache)
        print(
            f"{result.supply_edges:,} supply edges: input {result.input_s:.1f} s, "
            f"build {result.build_s:.2f} s ({result.build_cpu_s:.2f} CPU), "
            f"{result.build_mb:.0f} MB",
            file=sys.stderr,
        )
        results.append(result)
    print(table(results))
    if args.plot:
        plot(results, args.plot)
    return 0 if all(r.agree for r in results) else 1


if __name__ == "__main__":
    sys.exit(main())
