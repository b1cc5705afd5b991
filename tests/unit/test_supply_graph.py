"""The supply-chain graph on hand-built graphs with known answers: tiers, depth
cut-off, exposure across four tiers, cycles, tier limits, the audit-priority
list, per-viewer filtering, incremental updates and exports."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from graph.export import to_geojson, to_graphml
from graph.queries import (
    audit_priorities,
    cycles,
    exposure,
    supply_chain,
    tier_violations,
)
from graph.risk import RiskTables
from graph.supply import FACILITY, ORGANIZATION, GraphInput, GraphView, build_supply_graph

# Countries rated 1 and 5, a category on the high-risk list, DOL listing for CN.
TABLES = RiskTables(
    country_ratings={"NO": "1", "CN": "5", "MY": "4"},
    high_risk_categories=frozenset({"gloves"}),
    dol_listed=frozenset({("gloves", "CN")}),
    aliases={"medical-gloves": "gloves"},
)


def four_tiers() -> GraphInput:
    """Bodies B1, B2 buy from s1 (B3 from other); f4 -> s3 -> s2 -> s1 and a
    plant f2 -> s2. Every supply edge disclosed by s1."""
    data = GraphInput()
    for body in ("B1", "B2", "B3"):
        data.add_node(body, ORGANIZATION, body, "NO", buyer=True)
    for org, country in (("s1", "NO"), ("s2", "MY"), ("s3", "CN"), ("other", "NO")):
        data.add_node(org, ORGANIZATION, org.upper(), country)
    data.add_node("f4", FACILITY, "Mine", "CN", latitude=31.2, longitude=121.4)
    data.add_node("f2", FACILITY, "Plant", "MY", latitude=3.1, longitude=101.6)
    data.add_node("f9", FACILITY, "Unrelated", None)
    data.add_edge("s2", "s1", "gloves", "s1")
    data.add_edge("s3", "s2", "gloves-raw", "s1")
    data.add_edge("f4", "s3", "gloves-raw", "s1")
    data.add_edge("f2", "s2", "medical-gloves", "s1")
    data.add_edge("f9", "other", None, "other")
    data.add_contract("s1", "B1", "gloves")
    data.add_contract("s1", "B2", "gloves")
    data.add_contract("other", "B3", None)
    return data


def full(data: GraphInput) -> GraphView:
    graph = build_supply_graph(data, TABLES)
    return graph.view(graph.visible_edges(None))


def tiers_of(view: GraphView, root: str, depth: int = 5) -> dict[str, int]:
    return {node.id: node.tier for node in supply_chain(view, root, depth).nodes}


def test_tiers_are_shortest_distances_from_the_root() -> None:
    view = full(four_tiers())
    assert tiers_of(view, "s1") == {"s1": 0, "s2": 1, "s3": 2, "f2": 2, "f4": 3}
    chain = supply_chain(view, "s1", 5)
    assert chain.max_tier_reached == 3
    assert [(e.source, e.target, e.product_category) for e in chain.edges] == [
        ("f2", "s2", "medical-gloves"),
        ("f4", "s3", "gloves-raw"),
        ("s2", "s1", "gloves"),
        ("s3", "s2", "gloves-raw"),
    ]


def test_depth_cut_off_keeps_only_edges_between_reached_nodes() -> None:
    view = full(four_tiers())
    chain = supply_chain(view, "s1", 1)
    assert {node.id: node.tier for node in chain.nodes} == {"s1": 0, "s2": 1}
    assert [(e.source, e.target) for e in chain.edges] == [("s2", "s1")]
    assert supply_chain(view, "s1", 0).nodes[0].id == "s1"
    with pytest.raises(KeyError):
        supply_chain(view, "ghost", 3)


def test_exposure_reaches_bodies_across_four_tiers() -> None:
    view = full(four_tiers())
    found = exposure(view, "f4")
    assert found.suppliers == {"s3", "s2", "s1"}
    assert found.bodies == {"B1", "B2"}  # B3 buys from an unrelated supplier
    assert found.all_bodies == {"B1", "B2"}
    assert found.hidden_body_count == 0
    assert exposure(view, "f9").bodies == {"B3"}


def test_a_viewer_sees_only_edges_of_disclosers_it_may_see_and_counts_hidden_bodies() -> None:
    graph = build_supply_graph(four_tiers(), TABLES)
    # B1 sees what s1 disclosed and its own contract, not B2's.
    b1 = graph.view(graph.visible_edges(frozenset({"s1"}), frozenset({"B1"})))
    found = exposure(b1, "f4")
    assert found.bodies == {"B1"}
    assert found.all_bodies == {"B1", "B2"}
    assert found.hidden_body_count == 1
    assert exposure(b1, "f9").suppliers == frozenset()  # "other" disclosed that edge
    # Nobody's disclosures: the chain is the root alone.
    none = graph.view(graph.visible_edges(frozenset(), frozenset({"B3"})))
    assert tiers_of(none, "s1") == {"s1": 0}
    assert exposure(none, "f4").hidden_body_count == 0  # reaches no supplier at all


def test_a_cycle_is_reported_and_crossed_once() -> None:
    data = GraphInput()
    for org in ("a", "b", "c", "d"):
        data.add_node(org, ORGANIZATION, org, "NO")
    data.add_edge("b", "a", None, "a")
    data.add_edge("c", "b", None, "a")
    data.add_edge("a", "c", None, "a")  # a -> c -> b -> a
    data.add_edge("d", "d", None, "d")  # supplies itself
    view = full(data)
    assert cycles(view) == [("a", "b", "c"), ("d",)]
    assert tiers_of(view, "a", 10) == {"a": 0, "b": 1, "c": 2}
    chain = supply_chain(view, "a", 10)
    assert {(e.source, e.target) for e in chain.edges} == {("b", "a"), ("c", "b"), ("a", "c")}
    assert exposure(view, "a").suppliers == {"b", "c"}


def test_tier_limit_violations_list_every_node_deeper_than_the_limit() -> None:
    view = full(four_tiers())
    found = tier_violations(view, "s1", 1)
    assert [(v.node_id, v.tier) for v in found] == [("f2", 2), ("s3", 2), ("f4", 3)]
    assert tier_violations(view, "s1", 3) == []


def test_risk_is_country_factor_times_category_factor() -> None:
    view = full(four_tiers())
    nodes = {node.id: node for node in supply_chain(view, "s1", 5).nodes}
    # f4: CN (ITUC 5: 0.9) supplying gloves raw material, DOL-listed for CN (1.0).
    assert nodes["f4"].risk_score == pytest.approx(0.9 * 1.0)
    assert nodes["f4"].risk_known
    # f2: MY (4: 0.8) x gloves on the high-risk list, not DOL-listed for MY (0.7).
    assert nodes["f2"].risk_score == pytest.approx(0.8 * 0.7)
    # s1 supplies gloves (edge to nobody it discloses but its contracts): NO (1: 0.2) x 0.7.
    assert nodes["s1"].risk_score == pytest.approx(0.2 * 0.7)
    # An unrated country is unknown (0.8, as rating 4), never low.
    f9 = supply_chain(view, "f9", 0).nodes[0]
    assert f9.risk_score == pytest.approx(0.8 * 0.7)
    assert not f9.risk_known


def test_audit_priorities_rank_bodies_served_times_risk() -> None:
    data = four_tiers()
    data.add_contract("s3", "B3", "gloves")  # f4's chain now also serves B3 directly
    view = full(data)
    ranked = [(p.facility_id, p.bodies_served, p.priority) for p in audit_priorities(view)]
    # f4 serves B1, B2 (via s1) and B3 (via s3): 3 x 0.9; f2 serves B1, B2: 2 x 0.56;
    # f9 serves B3: 1 x 0.56 (unrated country).
    assert ranked == [("f4", 3, 2.7), ("f2", 2, 1.12), ("f9", 1, 0.56)]
    small_batches = audit_priorities(view, batch=1)
    assert [(p.facility_id, p.bodies_served) for p in small_batches] == [
        (facility, served) for facility, served, _ in ranked
    ]


def test_incremental_extension_answers_like_a_full_build() -> None:
    base = four_tiers()
    extra = GraphInput()
    extra.add_node("f5", FACILITY, "Extraction", "CN")
    extra.add_edge("f5", "f4", "gloves-raw", "s1")
    extra.add_contract("s2", "B3", "gloves")
    extended = build_supply_graph(base, TABLES).extend(extra)
    combined = four_tiers()
    combined.add_node("f5", FACILITY, "Extraction", "CN")
    combined.add_edge("f5", "f4", "gloves-raw", "s1")
    combined.add_contract("s2", "B3", "gloves")
    rebuilt = build_supply_graph(combined, TABLES)
    for graph in (extended, rebuilt):
        view = graph.view(graph.visible_edges(None))
        assert tiers_of(view, "s1")["f5"] == 4
        assert exposure(view, "f5").bodies == {"B1", "B2", "B3"}
    assert supply_chain(extended.view(extended.visible_edges(None)), "s1") == supply_chain(
        rebuilt.view(rebuilt.visible_edges(None)), "s1"
    )


def test_build_rejects_unknown_nodes_and_duplicate_ids() -> None:
    data = GraphInput()
    data.add_node("a", ORGANIZATION, "A", "NO")
    data.add_edge("ghost", "a")
    with pytest.raises(ValueError, match="unknown node 'ghost'"):
        build_supply_graph(data)
    twice = GraphInput()
    twice.add_node("a", ORGANIZATION, "A", "NO")
    twice.add_node("a", ORGANIZATION, "A", "NO")
    with pytest.raises(ValueError, match="'a' given twice"):
        build_supply_graph(twice)
    with pytest.raises(ValueError, match="only an organisation"):
        GraphInput().add_node("f", FACILITY, "F", "NO", buyer=True)


def test_exports_hold_only_the_view_edges() -> None:
    graph = build_supply_graph(four_tiers(), TABLES)
    view = graph.view(graph.visible_edges(frozenset({"other"}), frozenset()))
    root = ET.fromstring(to_graphml(view))
    ns = {"g": "http://graphml.graphdrawing.org/xmlns"}
    edges = [(e.get("source"), e.get("target")) for e in root.iterfind(".//g:edge", ns)]
    assert edges == [("f9", "other")]
    assert {n.get("id") for n in root.iterfind(".//g:node", ns)} == {"f9", "other"}
    everything = graph.view(graph.visible_edges(None))
    geo = json.loads(to_geojson(everything))
    points = {f["id"]: f["geometry"]["coordinates"] for f in geo["features"] if "id" in f}
    assert points == {"f4": [121.4, 31.2], "f2": [101.6, 3.1]}  # f9 has no coordinates
    assert json.loads(to_geojson(view))["features"] == []


@settings(max_examples=40, deadline=None)
@given(
    st.lists(st.tuples(st.integers(0, 11), st.integers(0, 11)), max_size=40),
    st.integers(0, 11),
    st.integers(0, 6),
)
def test_walks_agree_with_a_plain_breadth_first_search(
    pairs: list[tuple[int, int]], root: int, depth: int
) -> None:
    """Tiers from the hybrid Python/numpy walk equal a textbook BFS, cycles included."""
    data = GraphInput()
    for node in range(12):
        data.add_node(f"n{node:02d}", ORGANIZATION, str(node), "NO")
    for source, target in pairs:
        data.add_edge(f"n{source:02d}", f"n{target:02d}", None, "n00")
    view = full(data)
    expected = {root: 0}
    frontier = [root]
    for tier in range(1, depth + 1):
        frontier = sorted({s for s, t in pairs if t in frontier and s not in expected})
        expected.update((node, tier) for node in frontier)
    assert tiers_of(view, f"n{root:02d}", depth) == {f"n{n:02d}": t for n, t in expected.items()}
    assert not view.seen().any()  # the scratch array is left clean


def test_large_frontiers_take_the_numpy_path_with_the_same_answer() -> None:
    data = GraphInput()
    data.add_node("root", ORGANIZATION, "Root", "NO", buyer=True)
    for n in range(300):
        data.add_node(f"s{n:03d}", ORGANIZATION, "S", "NO")
        data.add_contract(f"s{n:03d}", "root", None)
        data.add_node(f"f{n:03d}", FACILITY, "F", "NO")
        data.add_edge(f"f{n:03d}", f"s{n:03d}", None, f"s{n:03d}")
    view = full(data)
    tiers = tiers_of(view, "root")
    assert sum(1 for tier in tiers.values() if tier == 2) == 300
    assert np.count_nonzero(view.seen()) == 0
