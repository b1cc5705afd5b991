"""The supply-chain graph: tiers, depth cut-off, cycles, exposure, risk, cache, GraphML."""

from __future__ import annotations

import threading

import networkx as nx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from graph.risk import TIER_DISCOUNT, UNKNOWN_COUNTRY_RISK, country_risk, own_risk
from graph.supply import (
    FACILITY,
    ORGANIZATION,
    EdgeInfo,
    Exposure,
    NodeInfo,
    SupplyGraphCache,
    build_supply_graph,
    exposure,
    risk_scores,
    supply_chain,
    to_graphml,
)


def org(node_id: str, country: str | None = "NO", *, buyer: bool = False) -> NodeInfo:
    return NodeInfo(node_id, ORGANIZATION, node_id.title(), country, is_buyer=buyer)


def site(node_id: str, country: str | None = "NO") -> NodeInfo:
    return NodeInfo(node_id, FACILITY, node_id.title(), country)


def supplies(source: str, target: str, category: str | None = None) -> EdgeInfo:
    return EdgeInfo(source, target, category)


def chain_graph(countries: tuple[str, ...] = ("NO", "NO", "NO", "NO")) -> nx.DiGraph:
    """buyer <- s1 <- s2 <- s3 <- f (facility), each `countries[i]` from s1 on."""
    nodes = [
        org("buyer", "NO", buyer=True),
        org("s1", countries[0]),
        org("s2", countries[1]),
        org("s3", countries[2]),
        site("f", countries[3]),
    ]
    edges = [
        supplies("s1", "buyer", "gloves"),
        supplies("s2", "s1", "gloves"),
        supplies("s3", "s2", "latex"),
        supplies("f", "s3", "latex"),
    ]
    return build_supply_graph(nodes, edges)


def tiers_of(graph: nx.DiGraph, root: str, max_depth: int = 5) -> dict[str, int]:
    return {node.id: node.tier for node in supply_chain(graph, root, max_depth).nodes}


# Building


def test_build_orients_edges_supplier_to_buyer_and_merges_categories() -> None:
    graph = build_supply_graph(
        [org("buyer", buyer=True), org("s1")],
        [supplies("s1", "buyer", "textiles"), supplies("s1", "buyer", "gloves")],
    )
    assert list(graph.edges) == [("s1", "buyer")]
    assert graph.edges["s1", "buyer"]["product_categories"] == ("gloves", "textiles")
    assert graph.nodes["buyer"]["is_buyer"] is True


def test_build_rejects_edge_to_unknown_node() -> None:
    with pytest.raises(ValueError, match="unknown node 'ghost'"):
        build_supply_graph([org("a")], [supplies("ghost", "a")])


def test_build_rejects_conflicting_duplicate_node() -> None:
    with pytest.raises(ValueError, match="twice"):
        build_supply_graph([org("a", "NO"), org("a", "SE")], [])
    assert "a" in build_supply_graph([org("a"), org("a")], [])


def test_node_info_validates_kind_risk_and_buyer() -> None:
    with pytest.raises(ValueError):
        NodeInfo("x", "warehouse", "X", None)
    with pytest.raises(ValueError):
        NodeInfo("x", ORGANIZATION, "X", None, base_risk=1.5)
    with pytest.raises(ValueError):
        NodeInfo("x", FACILITY, "X", None, is_buyer=True)


def test_built_graph_is_frozen() -> None:
    graph = chain_graph()
    with pytest.raises(nx.NetworkXError):
        graph.add_node("intruder")


# Tiers


def test_tiers_on_multi_tier_chain() -> None:
    graph = chain_graph()
    view = supply_chain(graph, "buyer")
    assert tiers_of(graph, "buyer") == {"buyer": 0, "s1": 1, "s2": 2, "s3": 3, "f": 4}
    assert view.max_tier_reached == 4
    assert [node.id for node in view.nodes] == ["buyer", "s1", "s2", "s3", "f"]
    assert [(edge.source, edge.target) for edge in view.edges] == [
        ("f", "s3"),
        ("s1", "buyer"),
        ("s2", "s1"),
        ("s3", "s2"),
    ]
    assert view.nodes[4].kind == FACILITY and view.nodes[4].name == "F"


def test_tier_is_the_shortest_route() -> None:
    # s2 is both a direct supplier and a supplier of s1: it is tier 1.
    graph = build_supply_graph(
        [org("buyer", buyer=True), org("s1"), org("s2")],
        [supplies("s1", "buyer"), supplies("s2", "s1"), supplies("s2", "buyer")],
    )
    assert tiers_of(graph, "buyer") == {"buyer": 0, "s1": 1, "s2": 1}


def test_max_depth_cuts_off_the_chain_and_its_edges() -> None:
    graph = chain_graph()
    view = supply_chain(graph, "buyer", max_depth=2)
    assert tiers_of(graph, "buyer", max_depth=2) == {"buyer": 0, "s1": 1, "s2": 2}
    assert view.max_tier_reached == 2
    assert {(edge.source, edge.target) for edge in view.edges} == {
        ("s1", "buyer"),
        ("s2", "s1"),
    }
    only_root = supply_chain(graph, "buyer", max_depth=0)
    assert [node.id for node in only_root.nodes] == ["buyer"]
    assert only_root.edges == () and only_root.max_tier_reached == 0


def test_supply_chain_of_a_middle_node_ignores_its_buyers() -> None:
    assert tiers_of(chain_graph(), "s2") == {"s2": 0, "s3": 1, "f": 2}


def test_supply_chain_rejects_unknown_root_and_negative_depth() -> None:
    graph = chain_graph()
    with pytest.raises(KeyError):
        supply_chain(graph, "nobody")
    with pytest.raises(ValueError):
        supply_chain(graph, "buyer", max_depth=-1)


def test_cycles_terminate_with_shortest_tiers() -> None:
    # a <- b <- c <- a: a supplies its own tier-2 supplier; plus a self-loop.
    graph = build_supply_graph(
        [org("a"), org("b"), org("c")],
        [supplies("b", "a"), supplies("c", "b"), supplies("a", "c"), supplies("c", "c")],
    )
    view = supply_chain(graph, "a", max_depth=50)
    assert tiers_of(graph, "a", max_depth=50) == {"a": 0, "b": 1, "c": 2}
    assert view.max_tier_reached == 2
    assert {(edge.source, edge.target) for edge in view.edges} == {
        ("b", "a"),
        ("c", "b"),
        ("a", "c"),
        ("c", "c"),
    }
    assert exposure(graph, "a") == Exposure(suppliers=frozenset({"b", "c"}), buyers=frozenset())
    assert set(risk_scores(graph)) == {"a", "b", "c"}


# Exposure


def test_exposure_separates_suppliers_and_buyers_and_skips_facilities() -> None:
    graph = build_supply_graph(
        [
            site("factory", "BD"),
            site("warehouse"),
            org("maker"),
            org("wholesaler"),
            org("oslo", buyer=True),
            org("bergen", buyer=True),
            org("unrelated"),
            org("stockholm", "SE", buyer=True),
        ],
        [
            supplies("factory", "maker"),
            supplies("maker", "warehouse"),
            supplies("warehouse", "wholesaler"),
            supplies("wholesaler", "oslo"),
            supplies("maker", "bergen"),
            supplies("unrelated", "stockholm"),
        ],
    )
    assert exposure(graph, "factory") == Exposure(
        suppliers=frozenset({"maker", "wholesaler"}),
        buyers=frozenset({"oslo", "bergen"}),
    )
    assert exposure(graph, "wholesaler") == Exposure(frozenset(), frozenset({"oslo"}))
    assert exposure(graph, "oslo") == Exposure(frozenset(), frozenset())
    with pytest.raises(KeyError):
        exposure(graph, "nowhere")


# Risk


def test_country_risk_table() -> None:
    assert country_risk("bd ") > country_risk("NO")
    assert country_risk(None) == UNKNOWN_COUNTRY_RISK
    assert country_risk("ZZ") == UNKNOWN_COUNTRY_RISK
    assert own_risk("NO", base_risk=0.95) == 0.95


def test_risk_in_unit_interval_and_higher_through_high_risk_country() -> None:
    safe = supply_chain(chain_graph(("NO", "NO", "NO", "SE")), "buyer")
    risky = supply_chain(chain_graph(("NO", "NO", "NO", "BD")), "buyer")
    for view in (safe, risky):
        assert all(0.0 <= node.risk_score <= 1.0 for node in view.nodes)
    safe_scores = {node.id: node.risk_score for node in safe.nodes}
    risky_scores = {node.id: node.risk_score for node in risky.nodes}
    assert risky_scores["buyer"] > safe_scores["buyer"]
    # The facility's risk fades with each tier towards the buyer.
    assert risky_scores["f"] > risky_scores["s3"] > risky_scores["s1"] > risky_scores["buyer"]
    assert risky_scores["buyer"] == pytest.approx(country_risk("BD") * TIER_DISCOUNT**4)


def test_risk_is_worst_supplier_not_sum() -> None:
    graph = build_supply_graph(
        [org("buyer", buyer=True), org("a", "BD"), org("b", "BD"), org("c", "SE")],
        [supplies("a", "buyer"), supplies("b", "buyer"), supplies("c", "buyer")],
    )
    scores = risk_scores(graph)
    assert scores["buyer"] == pytest.approx(country_risk("BD") * TIER_DISCOUNT)
    assert scores == risk_scores(graph)


def test_base_risk_raises_a_node_and_its_buyers() -> None:
    plain = build_supply_graph([org("buyer", buyer=True), org("s")], [supplies("s", "buyer")])
    flagged = build_supply_graph(
        [org("buyer", buyer=True), NodeInfo("s", ORGANIZATION, "S", "NO", base_risk=1.0)],
        [supplies("s", "buyer")],
    )
    assert risk_scores(flagged)["s"] == 1.0
    assert risk_scores(flagged)["buyer"] > risk_scores(plain)["buyer"]


# Cache


def test_cache_rebuilds_only_when_version_changes() -> None:
    calls: list[str] = []

    def builder() -> nx.DiGraph:
        calls.append("built")
        return chain_graph()

    cache = SupplyGraphCache()
    first = cache.get("v1", builder)
    assert cache.get("v1", builder) is first
    assert len(calls) == 1 and cache.version == "v1"
    second = cache.get("v2", builder)
    assert second is not first and len(calls) == 2
    assert cache.get("v2", builder) is second and len(calls) == 2
    cache.clear()
    cache.get("v2", builder)
    assert len(calls) == 3


def test_cache_builds_once_for_concurrent_callers() -> None:
    calls: list[str] = []
    started = threading.Event()
    release = threading.Event()

    def slow_builder() -> nx.DiGraph:
        calls.append("built")
        started.set()
        release.wait(5)
        return chain_graph()

    cache = SupplyGraphCache()
    results: list[nx.DiGraph] = []
    threads = [
        threading.Thread(target=lambda: results.append(cache.get("v1", slow_builder)))
        for _ in range(4)
    ]
    for thread in threads:
        thread.start()
    assert started.wait(5)
    release.set()
    for thread in threads:
        thread.join(5)
    assert len(calls) == 1
    assert len(results) == 4 and all(graph is results[0] for graph in results)


def test_cache_keeps_old_graph_when_builder_fails() -> None:
    cache = SupplyGraphCache()
    old = cache.get("v1", chain_graph)

    def broken() -> nx.DiGraph:
        raise RuntimeError("database down")

    with pytest.raises(RuntimeError):
        cache.get("v2", broken)
    assert cache.version == "v1" and cache.get("v1", chain_graph) is old


# GraphML


def test_graphml_round_trip() -> None:
    graph = build_supply_graph(
        [org("buyer", buyer=True), org("s1", None), site("f", "BD")],
        [
            supplies("s1", "buyer", "gloves"),
            supplies("s1", "buyer", "textiles"),
            supplies("f", "s1"),
        ],
    )
    parsed = nx.parse_graphml(to_graphml(graph))
    assert parsed.is_directed()
    assert set(parsed.nodes) == set(graph.nodes)
    assert set(parsed.edges) == set(graph.edges)
    assert parsed.nodes["f"]["kind"] == FACILITY
    assert parsed.nodes["f"]["country"] == "BD"
    assert "country" not in parsed.nodes["s1"]
    assert parsed.nodes["buyer"]["is_buyer"] is True
    for node in graph.nodes:
        assert parsed.nodes[node]["risk_score"] == pytest.approx(graph.nodes[node]["risk_score"])
    assert parsed.edges["s1", "buyer"]["product_categories"] == "gloves;textiles"
    assert "product_categories" not in parsed.edges["f", "s1"]


# Property: tier == shortest distance to the root


@st.composite
def random_dags(draw: st.DrawFn) -> tuple[int, list[tuple[int, int]]]:
    """Nodes 0..n-1 with edges only from a higher to a lower number, so acyclic."""
    size = draw(st.integers(min_value=1, max_value=25))
    pairs = [(high, low) for high in range(size) for low in range(high)]
    chosen = draw(st.lists(st.sampled_from(pairs), unique=True) if pairs else st.just([]))
    return size, chosen


@settings(max_examples=200, deadline=None)
@given(random_dags(), st.integers(min_value=0, max_value=30))
def test_tier_equals_shortest_distance_from_root(
    dag: tuple[int, list[tuple[int, int]]], max_depth: int
) -> None:
    size, pairs = dag
    graph = build_supply_graph(
        [org(f"n{index}") for index in range(size)],
        [supplies(f"n{source}", f"n{target}") for source, target in pairs],
    )
    # Independent reference: distance from each supplier down to the root.
    reference: nx.DiGraph = nx.DiGraph()
    reference.add_nodes_from(range(size))
    reference.add_edges_from(pairs)
    expected = {
        f"n{node}": distance
        for node in range(size)
        if nx.has_path(reference, node, 0)
        and (distance := nx.shortest_path_length(reference, node, 0)) <= max_depth
    }
    view = supply_chain(graph, "n0", max_depth)
    assert {node.id: node.tier for node in view.nodes} == expected
    assert view.max_tier_reached == max(expected.values())
    reached = set(expected)
    assert {(edge.source, edge.target) for edge in view.edges} == {
        (f"n{source}", f"n{target}")
        for source, target in pairs
        if f"n{source}" in reached and f"n{target}" in reached
    }
