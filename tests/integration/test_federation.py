"""Our subgraph behind the real Apollo gateway (Node, @apollo/gateway), and `_entities`.

The gateway composes the supergraph from `_service { sdl }` (IntrospectAndCompose)
and forwards the caller's Authorization header; `tests/federation/gateway.mjs`
runs every operation below in one Node process. With one subgraph the gateway
never sends `_entities`, so entity fetches go straight to the subgraph: each
`resolve_reference` must apply the same authorization as the root fields.
"""

from __future__ import annotations

import json
import re
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from services.demo import DEMO_ORGS
from tests.live import mint_token, run_demo, running_server, tail_text

pytestmark = pytest.mark.http

GATEWAY_TIMEOUT = 60.0
FEDERATION_LINK = "https://specs.apollo.dev/federation/v"
ENTITIES = ("Organization", "Network", "Facility", "AuditReport", "Contract")

OSLO_NUMBER = "958935420"
OSLO_BUYER = "innkjop@oslo.kommune.no"

ME = "{ me { user { email } organization { name } roles } }"
ORGANIZATIONS = """
  query FirstOrganizations($first: Int) {
    organizations(first: $first) {
      totalCount
      edges { cursor node { id name orgNumber } }
      pageInfo { hasNextPage endCursor }
    }
  }
"""
ENTITY_QUERY = """
  query Entities($representations: [_Any!]!) {
    _entities(representations: $representations) {
      __typename
      ... on Organization { id name }
      ... on Network { id name }
      ... on Facility { id name }
      ... on AuditReport { id title }
      ... on Contract { id title }
    }
  }
"""
ONE_OF_EACH = """
  {
    organizations(first: 1) { edges { node { id } } }
    networks(first: 1) { edges { node { id } } }
    facilities(first: 1) { edges { node { id } } }
    auditReports(first: 1) { edges { node { id } } }
    contracts(first: 1) { edges { node { id } } }
  }
"""


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    directory = tmp_path_factory.mktemp("federation") / "data"
    run_demo(directory)
    return directory


@pytest.fixture(scope="module")
def subgraph_url(data_dir: Path) -> Iterator[str]:
    with running_server(data_dir) as base_url:
        yield f"{base_url}/graphql"


@pytest.fixture(scope="module")
def token(data_dir: Path) -> str:
    return mint_token(data_dir, OSLO_BUYER, OSLO_NUMBER, "PROCUREMENT_OFFICER")


@pytest.fixture(scope="module")
def gateway(
    gateway_dir: Path, subgraph_url: str, token: str, tmp_path_factory: pytest.TempPathFactory
) -> dict[str, Any]:
    """Compose and run every gateway operation in one Node process:
    {"supergraphSdl": ..., "results": {name: response}}."""
    bearer = {"Authorization": f"Bearer {token}"}
    operations = [
        {"name": "me", "query": ME, "headers": bearer},
        {
            "name": "organizations",
            "query": ORGANIZATIONS,
            "operationName": "FirstOrganizations",
            "variables": {"first": 3},
            "headers": bearer,
        },
        {"name": "anonymous", "query": ME},
        {"name": "garbage", "query": ME, "headers": {"Authorization": "Bearer not-a-jwt"}},
    ]
    path = tmp_path_factory.mktemp("gateway") / "operations.json"
    path.write_text(json.dumps(operations), encoding="utf-8")
    completed = subprocess.run(
        ["node", "gateway.mjs", subgraph_url, str(path)],
        cwd=gateway_dir,
        capture_output=True,
        text=True,
        timeout=GATEWAY_TIMEOUT,
        check=False,
    )
    if completed.returncode != 0:
        pytest.fail(
            f"gateway.mjs exited with {completed.returncode}:\n{tail_text(completed.stderr)}"
        )
    output: dict[str, Any] = json.loads(completed.stdout)
    return output


def error_codes(body: dict[str, Any]) -> list[str | None]:
    return [error.get("extensions", {}).get("code") for error in body.get("errors") or []]


def test_supergraph_composes_with_our_entities(gateway: dict[str, Any]) -> None:
    sdl = gateway["supergraphSdl"]
    assert sdl, "the gateway reported no supergraph"
    assert re.search(r'KJEDE\s+@join__graph\(name: "kjede"', sdl), sdl[:2000]
    for entity in ENTITIES:
        keyed = rf'\ntype {entity}\s+@join__type\(graph: KJEDE, key: "id"\)'
        assert re.search(keyed, sdl), f"{entity} is not an entity keyed by id in the supergraph"


def test_me_through_the_gateway_forwards_the_token(gateway: dict[str, Any]) -> None:
    assert gateway["results"]["me"] == {
        "data": {
            "me": {
                "user": {"email": OSLO_BUYER},
                "organization": {"name": "Oslo kommune"},
                "roles": ["PROCUREMENT_OFFICER"],
            }
        }
    }


def test_organizations_connection_through_the_gateway(gateway: dict[str, Any]) -> None:
    body = gateway["results"]["organizations"]
    assert "errors" not in body, body
    connection = body["data"]["organizations"]
    edges = connection["edges"]
    assert len(edges) == 3
    assert connection["totalCount"] == len(DEMO_ORGS)
    assert connection["pageInfo"] == {"hasNextPage": True, "endCursor": edges[-1]["cursor"]}
    # Demo organisations only; not their seeding order, which ids created in the same
    # millisecond do not keep (UUIDv7 random bits).
    demo = {(org.name, org.number) for org in DEMO_ORGS}
    assert {(edge["node"]["name"], edge["node"]["orgNumber"]) for edge in edges} <= demo
    assert len({edge["node"]["id"] for edge in edges}) == 3


def test_gateway_passes_subgraph_authentication_errors_on(gateway: dict[str, Any]) -> None:
    anonymous = gateway["results"]["anonymous"]
    assert anonymous["data"] is None
    assert error_codes(anonymous) == ["UNAUTHENTICATED"]
    assert anonymous["errors"][0]["extensions"]["serviceName"] == "kjede"
    garbage = gateway["results"]["garbage"]
    assert error_codes(garbage) == ["UNAUTHENTICATED"]  # the subgraph's 401, mapped


@pytest.fixture(scope="module")
def representations(subgraph_url: str, token: str) -> list[dict[str, str]]:
    """One visible record of each entity type, as `_entities` representations."""
    response = httpx.post(
        subgraph_url,
        json={"query": ONE_OF_EACH},
        headers={"Authorization": f"Bearer {token}"},
        timeout=10.0,
    )
    body = response.json()
    assert "errors" not in body, body
    fields = ("organizations", "networks", "facilities", "auditReports", "contracts")
    return [
        {"__typename": entity, "id": body["data"][field]["edges"][0]["node"]["id"]}
        for entity, field in zip(ENTITIES, fields, strict=True)
    ]


def fetch_entities(
    subgraph_url: str, representations: list[dict[str, str]], token: str | None
) -> dict[str, Any]:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    response = httpx.post(
        subgraph_url,
        json={"query": ENTITY_QUERY, "variables": {"representations": representations}},
        headers=headers,
        timeout=10.0,
    )
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def test_entities_resolve_with_a_token(
    subgraph_url: str, token: str, representations: list[dict[str, str]]
) -> None:
    body = fetch_entities(subgraph_url, representations, token)
    assert "errors" not in body, body
    resolved = body["data"]["_entities"]
    assert [(e["__typename"], e["id"]) for e in resolved] == [
        (r["__typename"], r["id"]) for r in representations
    ]
    assert resolved[0]["name"] == "Oslo kommune"


def test_entities_without_a_token_are_refused_like_root_fields(
    subgraph_url: str, representations: list[dict[str, str]]
) -> None:
    """Root fields for organisations, networks, facilities and contracts refuse an
    anonymous caller; audit reports are row-filtered (only PUBLIC ones, none in the
    demo), so `_entities` must answer the same way: errors, and a bare null."""
    body = fetch_entities(subgraph_url, representations, token=None)
    assert body["data"] == {"_entities": [None] * len(ENTITIES)}
    refused = {tuple(error["path"]): error["extensions"]["code"] for error in body["errors"]}
    audit_report = ENTITIES.index("AuditReport")
    assert refused == {
        ("_entities", index): "UNAUTHENTICATED"
        for index in range(len(ENTITIES))
        if index != audit_report
    }


# Composition with both composers -------------------------------------------------


@pytest.fixture(scope="module")
def subgraph_sdl(subgraph_url: str) -> str:
    response = httpx.post(subgraph_url, json={"query": "{ _service { sdl } }"}, timeout=10.0)
    sdl: str = response.json()["data"]["_service"]["sdl"]
    return sdl


def compose(gateway_dir: Path, sdl: str, directory: Path) -> dict[str, dict[str, Any]]:
    path = directory / "kjede.graphql"
    path.write_text(sdl, encoding="utf-8")
    completed = subprocess.run(
        ["node", "compose.mjs", str(path)],
        cwd=gateway_dir,
        capture_output=True,
        text=True,
        timeout=GATEWAY_TIMEOUT,
        check=False,
    )
    if completed.returncode != 0:
        pytest.fail(
            f"compose.mjs exited with {completed.returncode}:\n{tail_text(completed.stderr)}"
        )
    outcome: dict[str, dict[str, Any]] = json.loads(completed.stdout)
    return outcome


def test_the_subgraph_composes_with_hive_and_apollo_composition(
    gateway_dir: Path, subgraph_sdl: str, tmp_path: Path
) -> None:
    from schema.app_schema import FEDERATION_VERSION

    assert f'@link(url: "{FEDERATION_LINK}{FEDERATION_VERSION}"' in subgraph_sdl
    outcome = compose(gateway_dir, subgraph_sdl, tmp_path)
    for composer in ("guild", "apollo"):
        assert "errors" not in outcome[composer], (composer, outcome[composer])
        supergraph = outcome[composer]["supergraphSdl"]
        for entity in ENTITIES:
            assert re.search(
                rf'type {entity}\s[^{{]*@join__type\(graph: KJEDE, key: "id"', supergraph
            )
        # The subscription composes; a gateway carries it only with a websocket
        # transport to the subgraph (README: Self-reports).
        assert re.search(r"type Subscription\s[^{]*@join__type\(graph: KJEDE\)", supergraph)


def test_the_declared_version_is_the_highest_both_accept(
    gateway_dir: Path, subgraph_sdl: str, tmp_path: Path
) -> None:
    """v2.11 (strawberry's newest) composes with Apollo only; so the schema says v2.9."""
    from schema.app_schema import FEDERATION_VERSION

    newer = subgraph_sdl.replace(f"{FEDERATION_LINK}{FEDERATION_VERSION}", f"{FEDERATION_LINK}2.11")
    outcome = compose(gateway_dir, newer, tmp_path)
    assert "errors" not in outcome["apollo"]
    assert any("v2.11" in error for error in outcome["guild"]["errors"])
