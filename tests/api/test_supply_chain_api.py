"""supplyChain, exposure, tierLimitViolations and auditPriorities through the
API: a viewer never gets an edge it may not see, exposure counts the bodies it
may not know about, the graph is refreshed off the request path (incrementally),
and the reference data and exports work from the command line."""

from __future__ import annotations

import asyncio
import json
import shutil
import xml.etree.ElementTree as ET
from importlib import resources
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import async_sessionmaker
from starlette.testclient import TestClient
from typer.testing import CliRunner

from api.cli import app as cli
from services.supply_graph import store_for
from settings import Settings
from storage import db
from storage.models import Organization, ReferenceFile
from tests.conftest import World, error_codes, gql
from tests.supply_world import SupplyWorld, build_supply_world, edge, grant

CHAIN = """query($id: ID!, $depth: Int) { supplyChain(supplierId: $id, maxDepth: $depth) {
  root maxTierReached cycles
  nodes { id kind name country tier riskScore riskKnown }
  edges { source target productCategory } } }"""
EXPOSURE = """query($id: ID!) { exposure(facilityId: $id) {
  facility { id name } suppliers { id } bodies { id } hiddenBodyCount } }"""


@pytest.fixture
def supply(world: World) -> SupplyWorld:
    built = build_supply_world(world)
    edge(world, built, "F", "S", "S")  # S discloses that plant F supplies it directly
    return built


def data(body: dict[str, Any]) -> dict[str, Any]:
    assert "errors" not in body, body["errors"]
    result: dict[str, Any] = body["data"]
    return result


def chain(client: TestClient, supply: SupplyWorld, viewer: str, root: str) -> dict[str, Any]:
    body = gql(client, CHAIN, supply.tokens[viewer], {"id": supply.ids[root], "depth": 10})
    return data(body)["supplyChain"]


def exposure(client: TestClient, supply: SupplyWorld, viewer: str, site: str) -> dict[str, Any]:
    found: dict[str, Any] = data(
        gql(client, EXPOSURE, supply.tokens[viewer], {"id": supply.ids[site]})
    )["exposure"]
    return found


def test_the_disclosing_supplier_sees_its_chain_with_tiers_and_risk(
    client: TestClient, supply: SupplyWorld
) -> None:
    ids = supply.ids
    found = chain(client, supply, "T", "S")
    tiers = [(n["id"], n["tier"]) for n in found["nodes"]]
    assert tiers == [(ids["S"], 0), (ids["T"], 1), (ids["F"], 2)]
    assert {(e["source"], e["target"]) for e in found["edges"]} == {
        (ids["T"], ids["S"]),
        (ids["F"], ids["T"]),
    }
    assert found["maxTierReached"] == 2
    plant = found["nodes"][2]
    # CN: ITUC 5 (0.9) x gloves, DOL-listed for CN (1.0), from the packaged reference data.
    assert (plant["riskScore"], plant["riskKnown"], plant["kind"]) == (0.9, True, "facility")


def test_a_viewer_never_gets_an_edge_it_may_not_see(
    client: TestClient, supply: SupplyWorld, world: World
) -> None:
    """Every viewer, every root, every facility: each edge returned was disclosed
    by a supplier whose self-reports the viewer sees (its own organisation, a
    supplier it holds an active contract with as a body, one that granted it
    access), or is a contract the viewer is a party to."""
    ids = supply.ids
    grant(world, supply, "U", "T")  # U lets T read its self-reports
    roots = ["B1", "B2", "S", "T", "U", "F", "G"]
    for viewer in ("B1", "B2", "S", "T", "U"):
        me = ids[viewer]
        readable = {me} | {s for s, b in supply.contracts if b == me} | supply.grants.get(me, set())
        allowed = {pair for pair, by in supply.disclosed.items() if by in readable}
        allowed |= {pair for pair in supply.contracts if me in pair}
        seen: set[tuple[str, str]] = set()
        for root in roots:
            edges = {
                (e["source"], e["target"]) for e in chain(client, supply, viewer, root)["edges"]
            }
            assert edges <= allowed, (viewer, root, edges - allowed)
            seen |= edges
        for site in ("F", "G"):
            reached = {s["id"] for s in exposure(client, supply, viewer, site)["suppliers"]}
            assert reached <= downstream(allowed, ids[site]), (viewer, site)
        assert seen == allowed  # and everything allowed is reachable from some root


def downstream(edges: set[tuple[str, str]], start: str) -> set[str]:
    reached: set[str] = set()
    frontier = {start}
    while frontier:
        frontier = {t for s, t in edges if s in frontier} - reached
        reached |= frontier
    return reached


def test_exposure_lists_the_bodies_the_viewer_knows_and_counts_the_others(
    client: TestClient, supply: SupplyWorld
) -> None:
    ids = supply.ids
    # T sees F -> T -> S (its own disclosures) but neither of S's contracts.
    as_t = exposure(client, supply, "T", "F")
    assert {s["id"] for s in as_t["suppliers"]} == {ids["T"], ids["S"]}
    assert as_t["bodies"] == []
    assert as_t["hiddenBodyCount"] == 2
    assert as_t["facility"] == {"id": ids["F"], "name": "Glove plant"}
    # S is a party to both contracts: it may list both bodies.
    as_s = exposure(client, supply, "S", "F")
    assert {b["id"] for b in as_s["bodies"]} == {ids["B1"], ids["B2"]}
    assert as_s["hiddenBodyCount"] == 0
    # B1 reads S's self-reports (an active contract): F -> S; it lists itself and
    # counts B2, whose contract it may not see. T's disclosures stay hidden.
    as_b1 = exposure(client, supply, "B1", "F")
    assert [s["id"] for s in as_b1["suppliers"]] == [ids["S"]]
    assert [b["id"] for b in as_b1["bodies"]] == [ids["B1"]]
    assert as_b1["hiddenBodyCount"] == 1
    # U has no relation to any of it.
    as_u = exposure(client, supply, "U", "F")
    assert (as_u["suppliers"], as_u["bodies"], as_u["hiddenBodyCount"]) == ([], [], 0)


def test_tier_limit_violations_and_audit_priorities(
    client: TestClient, supply: SupplyWorld
) -> None:
    ids = supply.ids
    query = """query($n: ID!) { tierLimitViolations(networkId: $n) { supplier node tier limit }
      auditPriorities(first: 5) { facility bodiesServed riskScore priority } }"""
    as_t = data(gql(client, query, supply.tokens["T"], {"n": ids["N"]}))
    # The network accepts one sub-contractor tier; F is S's second (S <- T <- F).
    assert as_t["tierLimitViolations"] == [
        {"supplier": ids["S"], "node": ids["F"], "tier": 2, "limit": 1}
    ]
    assert as_t["auditPriorities"] == [
        {"facility": ids["F"], "bodiesServed": 2, "riskScore": 0.9, "priority": 1.8}
    ]
    # B1 sees S's own disclosure F -> S only: F is tier 1 there, within the limit.
    as_b1 = data(gql(client, query, supply.tokens["B1"], {"n": ids["N"]}))
    assert as_b1["tierLimitViolations"] == []
    assert [p["facility"] for p in as_b1["auditPriorities"]] == [ids["F"]]
    as_u = data(gql(client, query, supply.tokens["U"], {"n": ids["N"]}))
    assert as_u == {"tierLimitViolations": [], "auditPriorities": []}


def test_bad_arguments_and_anonymous_callers_are_refused(
    client: TestClient, supply: SupplyWorld
) -> None:
    token, ids = supply.tokens["T"], supply.ids
    assert error_codes(gql(client, CHAIN, token, {"id": ids["S"], "depth": 11})) == [
        "BAD_USER_INPUT"
    ]
    assert error_codes(gql(client, CHAIN, token, {"id": "nope"})) == ["NOT_FOUND"]
    assert error_codes(gql(client, EXPOSURE, token, {"id": ids["S"]})) == ["NOT_FOUND"]
    assert error_codes(gql(client, CHAIN, None, {"id": ids["S"]})) == ["UNAUTHENTICATED"]
    default_depth = gql(client, CHAIN, token, {"id": ids["S"], "depth": None})
    assert data(default_depth)["supplyChain"]["maxTierReached"] == 2


async def refresh(settings: Settings) -> tuple[bool, int, int]:
    engine = db.make_async_engine(settings.resolved_database_url)
    try:
        async with async_sessionmaker(engine)() as session:
            store = store_for(settings.resolved_database_url)
            changed = await store.refresh(session)
            return changed, store.builds, store.increments
    finally:
        await engine.dispose()


def test_requests_use_the_last_graph_and_a_refresh_adds_new_edges_incrementally(
    client: TestClient, supply: SupplyWorld, world: World, settings: Settings
) -> None:
    assert len(chain(client, supply, "T", "S")["nodes"]) == 3  # the first request builds
    edge(world, supply, "G", "T", "T")
    assert len(chain(client, supply, "T", "S")["nodes"]) == 3  # not rebuilt on the request path
    assert asyncio.run(refresh(settings)) == (True, 1, 1)
    nodes = {n["id"]: n["tier"] for n in chain(client, supply, "T", "S")["nodes"]}
    assert nodes[supply.ids["G"]] == 2
    assert asyncio.run(refresh(settings)) == (False, 1, 1)  # nothing new: nothing done


runner = CliRunner()


@pytest.fixture
def cli_env(settings: Settings, monkeypatch: pytest.MonkeyPatch) -> None:
    assert settings.data_dir is not None
    monkeypatch.setenv("KJEDE_DATA_DIR", str(settings.data_dir))
    monkeypatch.delenv("KJEDE_DATABASE_URL", raising=False)
    monkeypatch.setenv("KJEDE_ENVIRONMENT", "dev")


def packaged_folder(target: Path) -> Path:
    source = resources.files("graph").joinpath("data", "reference")
    target.mkdir()
    for entry in source.iterdir():
        if entry.name.endswith(".csv"):
            (target / entry.name).write_text(entry.read_text(encoding="utf-8"), encoding="utf-8")
    return target


def test_reference_load_replaces_the_edition_and_the_graph_rescores(
    client: TestClient,
    supply: SupplyWorld,
    world: World,
    settings: Settings,
    cli_env: None,
    tmp_path: Path,
) -> None:
    folder = packaged_folder(tmp_path / "edition")
    before = chain(client, supply, "T", "S")["nodes"][2]["riskScore"]
    assert before == 0.9
    # A broken file: refused with its line, nothing stored.
    (folder / "country_risk.csv").write_text("country,ituc_rating\nCN,9\n", encoding="utf-8")
    result = runner.invoke(cli, ["reference", "load", str(folder)])
    assert result.exit_code == 2
    assert "line 2" in result.output
    with db.transaction(world.factory) as session:
        assert session.scalars(select(ReferenceFile)).all() == []
    # CN rated 3 in the new edition: 0.6 x 1.0.
    (folder / "country_risk.csv").write_text(
        "country,ituc_rating,year,source\nCN,3,2026,test\n", encoding="utf-8"
    )
    result = runner.invoke(cli, ["reference", "load", str(folder)])
    assert result.exit_code == 0, result.output
    assert "1 rated countries" in result.output
    assert asyncio.run(refresh(settings))[0] is True
    assert chain(client, supply, "T", "S")["nodes"][2]["riskScore"] == 0.6
    shutil.rmtree(folder)


def test_graph_export_holds_only_what_the_viewer_sees(
    supply: SupplyWorld, world: World, cli_env: None, tmp_path: Path
) -> None:
    ids = supply.ids
    with db.transaction(world.factory) as session:
        number = session.get_one(Organization, ids["T"]).org_number
    out = tmp_path / "t.graphml"
    result = runner.invoke(
        cli, ["graph", "export", "--user", "t@example.org", "--org", number, "--out", str(out)]
    )
    assert result.exit_code == 0, result.output
    ns = {"g": "http://graphml.graphdrawing.org/xmlns"}
    root = ET.fromstring(out.read_text(encoding="utf-8"))
    edges = {(e.get("source"), e.get("target")) for e in root.iterfind(".//g:edge", ns)}
    assert edges == {(ids["T"], ids["S"]), (ids["F"], ids["T"])}
    geo = runner.invoke(
        cli,
        ["graph", "export", "--user", "t@example.org", "--org", number, "--format", "geojson"],
    )
    assert geo.exit_code == 0, geo.output
    features = json.loads(geo.stdout)["features"]
    assert [f["id"] for f in features] == [ids["F"]]  # G has no coordinates, and T's only
    refused = runner.invoke(cli, ["graph", "export", "--user", "b1@example.org", "--org", number])
    assert refused.exit_code == 2
