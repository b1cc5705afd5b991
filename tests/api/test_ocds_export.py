"""`kjede export ocds --network ID`: a release package valid against the OCDS 1.1
release-package schema (shipped in tests/data/ocds, OCDS 1.1.5), the agreement
as the first stage and each decided mini-competition as a second stage, and
nothing the public may not read (no bid, price, proposal or price list)."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft4Validator
from referencing import Registry, Resource
from sqlalchemy import Engine
from starlette.testclient import TestClient
from typer.testing import CliRunner

from api.cli import app
from settings import Settings
from tests.conftest import World
from tests.frameworks_world import Agreement, Clock, build_agreement, ok, timed_client

SCHEMAS = Path(__file__).resolve().parents[1] / "data" / "ocds"
CREATE = """mutation($i: MiniCompetitionInput!) { createMiniCompetition(input: $i) { id } }"""
PUBLISH = "mutation($id: ID!) { publishMiniCompetition(id: $id) { id } }"
BID = """mutation($m: ID!, $p: Float!, $t: String!) {
  submitBid(miniCompetitionId: $m, price: $p, proposal: $t) { id } }"""
SCORE = """mutation($b: ID!, $s: [CriterionScoreInput!]!) { scoreBid(bidId: $b, scores: $s) {
  id } }"""
AWARD = "mutation($id: ID!, $s: ID!) { awardMiniCompetition(id: $id, supplierId: $s) { id } }"
CANCEL = "mutation($id: ID!, $r: String!) { cancelMiniCompetition(id: $id, reason: $r) { id } }"
PRICES = """mutation($n: ID!, $s: ID!, $items: [PriceItemInput!]!) {
  setPriceList(networkId: $n, supplierId: $s, currency: "NOK", items: $items) { id } }"""
SECRETS = ("SECRET-PROPOSAL", "777777", "888888", "PRICE-LIST-ITEM", "9999", "Budget cut")


def validator() -> Draft4Validator:
    package = json.loads((SCHEMAS / "release-package-schema.json").read_text())
    release = json.loads((SCHEMAS / "release-schema.json").read_text())
    registry: Registry[Any] = Registry().with_resources(
        [
            (schema["id"], Resource.from_contents(schema, default_specification=_draft4()))
            for schema in (package, release)
        ]
    )
    return Draft4Validator(package, registry=registry)


def _draft4() -> Any:
    from referencing.jsonschema import DRAFT4

    return DRAFT4


@pytest.fixture
def clock() -> Clock:
    return Clock(dt.datetime.now(dt.UTC).replace(microsecond=0))


@pytest.fixture
def client(
    engine: Engine, settings: Settings, clock: Clock, monkeypatch: pytest.MonkeyPatch
) -> Iterator[TestClient]:
    monkeypatch.setenv("KJEDE_DATA_DIR", str(settings.data_dir))
    with timed_client(settings, clock) as test_client:
        yield test_client


def competition(a: Agreement, title: str) -> str:
    deadline = (a.clock.now + dt.timedelta(days=3)).isoformat()
    criteria = [{"name": "Price", "weight": 0.6, "price": True}, {"name": "Quality", "weight": 0.4}]
    created = ok(
        a.gql(
            CREATE,
            a.kari,
            i={"networkId": a.network, "title": title, "deadline": deadline, "criteria": criteria},
        ),
        "createMiniCompetition",
    )
    ok(a.gql(PUBLISH, a.kari, id=created["id"]), "publishMiniCompetition")
    return str(created["id"])


def export(network: str, out: Path) -> dict[str, Any]:
    result = CliRunner().invoke(app, ["export", "ocds", "--network", network, "--out", str(out)])
    assert result.exit_code == 0, result.output
    package: dict[str, Any] = json.loads(out.read_text())
    return package


def test_the_export_is_valid_ocds_and_public(
    client: TestClient, world: World, clock: Clock, tmp_path: Path
) -> None:
    a = build_agreement(
        client, world, clock, periodStart="2026-01-01", periodEnd="2028-01-01", options="1+1"
    )
    ok(
        a.gql(
            PRICES,
            a.kari,
            n=a.network,
            s=a.acme,
            items=[{"item": "PRICE-LIST-ITEM", "unit": "hour", "price": 9999.0}],
        ),
        "setPriceList",
    )
    awarded, cancelled, running = (competition(a, title) for title in ("Arkiv", "Portal", "Drift"))
    bids = {
        supplier: ok(a.gql(BID, token, m=awarded, p=price, t="SECRET-PROPOSAL"), "submitBid")["id"]
        for supplier, token, price in ((a.acme, a.sam, 777777.0), (a.beta, a.bo, 888888.0))
    }
    ok(a.gql(BID, a.sam, m=running, p=777777.0, t="SECRET-PROPOSAL"), "submitBid")
    ok(a.gql(CANCEL, a.kari, id=cancelled, r="Budget cut"), "cancelMiniCompetition")
    clock.advance(days=4)
    for bid in bids.values():
        ok(a.gql(SCORE, a.kari, b=bid, s=[{"criterion": "Quality", "points": 5}]), "scoreBid")
    ok(a.gql(AWARD, a.kari, id=awarded, s=a.acme), "awardMiniCompetition")

    package = export(a.network, tmp_path / "ocds.json")
    errors = sorted(validator().iter_errors(package), key=lambda error: list(error.path))
    assert errors == [], [f"{list(e.path)}: {e.message}" for e in errors]

    framework, *second = package["releases"]
    assert framework["tender"]["techniques"] == {"hasFrameworkAgreement": True}
    assert framework["tender"]["contractPeriod"]["maxExtentDate"].startswith("2030-01-01")
    assert [s["id"] for s in framework["awards"][0]["suppliers"]] == [a.acme, a.beta]
    assert framework["buyer"]["id"] == a.oslo
    assert {p["id"] for p in framework["parties"]} == {a.oslo, a.bergen, a.acme, a.beta}
    by_id = {release["tender"]["id"]: release for release in second}
    assert set(by_id) == {awarded, cancelled}  # the running one is not public yet
    for release in second:
        (related,) = release["relatedProcesses"]
        assert related["relationship"] == ["framework"]
        assert related["identifier"] == framework["ocid"]
    assert by_id[awarded]["awards"][0]["suppliers"] == [{"id": a.acme, "name": "Acme AS"}]
    assert by_id[awarded]["tender"]["status"] == "complete"
    assert by_id[cancelled]["tender"]["status"] == "cancelled"
    assert by_id[cancelled]["tag"] == ["tenderCancellation"]
    text = json.dumps(package)
    for secret in SECRETS:
        assert secret not in text, secret


def test_the_validator_rejects_a_broken_package() -> None:
    """The shipped schema really checks: a release without an ocid fails."""
    package = {"version": "1.1", "releases": [{"id": "r", "date": "2026-01-01T00:00:00Z"}]}
    messages = [error.message for error in validator().iter_errors(package)]
    assert any("ocid" in message for message in messages), messages


def test_a_national_network_is_not_exported(
    client: TestClient, world: World, tmp_path: Path
) -> None:
    coordinator = world.org("DFØ")
    token = world.user("dina@dfo.no", coordinator, *_coordinator_roles())
    network = ok(
        client.post(
            "/graphql",
            json={
                "query": "mutation($i: NetworkInput!) { createNetwork(input: $i) { id } }",
                "variables": {"i": {"name": "Nasjonalt", "kind": "NATIONAL_NETWORK"}},
            },
            headers={"Authorization": f"Bearer {token}"},
        ).json(),
        "createNetwork",
    )
    result = CliRunner().invoke(
        app, ["export", "ocds", "--network", network["id"], "--out", str(tmp_path / "x.json")]
    )
    assert result.exit_code != 0
    assert "framework agreements" in result.output
    assert not (tmp_path / "x.json").exists()


def _coordinator_roles() -> list[Any]:
    from domain.enums import Role

    return [Role.PROCUREMENT_OFFICER]
