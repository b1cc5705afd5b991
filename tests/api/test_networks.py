"""Networks, contracts and the list contract (pagination, filters) over the real ASGI app."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from starlette.testclient import TestClient

from domain.enums import OrganizationKind, Role
from tests.conftest import World, error_codes, gql

NETWORK_FIELDS = """
    id name kind joinDeadline callOffThresholdHours maxSubcontractorTiers minEnvironmentalWeight
    lead { id }
    participants { id }
    suppliers { rank supplier { id name } }
"""

CREATE_NETWORK = f"""
mutation($input: NetworkInput!) {{ createNetwork(input: $input) {{ {NETWORK_FIELDS} }} }}
"""
ADD_SUPPLIER = f"""
mutation($networkId: ID!, $supplierId: ID!, $rank: Int!) {{
  addNetworkSupplier(networkId: $networkId, supplierId: $supplierId, rank: $rank) {{
    {NETWORK_FIELDS}
  }}
}}
"""
ADD_MEMBER = f"""
mutation($networkId: ID!, $organizationId: ID!) {{
  addNetworkMember(networkId: $networkId, organizationId: $organizationId) {{ {NETWORK_FIELDS} }}
}}
"""
JOIN = f"""
mutation($networkId: ID!) {{ joinNetwork(networkId: $networkId) {{ {NETWORK_FIELDS} }} }}
"""
NETWORKS = f"""
query {{ networks {{ totalCount edges {{ node {{ {NETWORK_FIELDS} }} }} }} }}
"""
CREATE_CONTRACT = """
mutation($input: ContractInput!) {
  createContract(input: $input) {
    id title productCategory startDate endDate value buyer { id } supplier { id }
  }
}
"""
CONTRACTS = """
query($supplierId: ID) {
  contracts(supplierId: $supplierId) { totalCount edges { node { id title value } } }
}
"""
ORGANIZATIONS = """
query($kind: OrganizationKind, $first: Int, $after: String) {
  organizations(kind: $kind, first: $first, after: $after) {
    totalCount
    edges { cursor node { id name kind } }
    pageInfo { hasNextPage endCursor }
  }
}
"""
FACILITIES = """
query($country: String) { facilities(country: $country) { totalCount edges { node { id } } } }
"""


def data(body: dict[str, Any], field: str) -> Any:
    assert body.get("errors") is None, body["errors"]
    return body["data"][field]


def refusal(body: dict[str, Any], code: str, field: str | None = None) -> str:
    """Assert one error with `code` (and `field`, named in extensions and message)."""
    assert error_codes(body) == [code], body
    assert body.get("data") is None, "a refused operation returns no data"
    error = body["errors"][0]
    message: str = error["message"]
    if field is not None:
        assert error["extensions"]["field"] == field
        assert message.startswith(f"{field}:"), message
    return message


def ids(organizations: list[dict[str, Any]]) -> list[str]:
    return [organization["id"] for organization in organizations]


class Scene:
    """Oslo kommune (procurement officer Kari) with a framework agreement, suppliers,
    a second public body and a national coordinator."""

    def __init__(self, world: World) -> None:
        self.world = world
        self.oslo = world.org("Oslo kommune")
        self.kari = world.user("kari@oslo.kommune.no", self.oslo, Role.PROCUREMENT_OFFICER)
        self.bergen = world.org("Bergen kommune")
        self.berit = world.user("berit@bergen.kommune.no", self.bergen, Role.PROCUREMENT_OFFICER)
        self.dfo = world.org("DFØ", OrganizationKind.COORDINATOR)
        self.dina = world.user("dina@dfo.no", self.dfo, Role.COORDINATOR)
        self.acme = world.org("Acme Gloves AS", OrganizationKind.SUPPLIER)
        self.sam = world.user("sam@acme.no", self.acme, Role.SUPPLIER_REPORTER, Role.ADMIN)

    def supplier(self, name: str) -> str:
        return self.world.org(name, OrganizationKind.SUPPLIER)


@pytest.fixture
def scene(world: World) -> Scene:
    return Scene(world)


def create_network(
    client: TestClient, token: str, name: str = "Rammeavtale hansker", **terms: Any
) -> dict[str, Any]:
    network_input = {"name": name, "kind": "FRAMEWORK_AGREEMENT", **terms}
    network: dict[str, Any] = data(
        gql(client, CREATE_NETWORK, token, {"input": network_input}), "createNetwork"
    )
    return network


# --- createNetwork -------------------------------------------------------------------


def test_create_network_lead_is_the_callers_organisation(client: TestClient, scene: Scene) -> None:
    network = create_network(
        client,
        scene.kari,
        "  Rammeavtale hansker  ",
        joinDeadline="2031-06-30",
        callOffThresholdHours=100,
        maxSubcontractorTiers=3,
        minEnvironmentalWeight=0.3,
    )
    assert network["name"] == "Rammeavtale hansker"
    assert network["kind"] == "FRAMEWORK_AGREEMENT"
    assert network["lead"] == {"id": scene.oslo}
    assert ids(network["participants"]) == [scene.oslo]
    assert network["suppliers"] == []
    assert network["joinDeadline"] == "2031-06-30"
    assert network["callOffThresholdHours"] == 100
    assert network["maxSubcontractorTiers"] == 3
    assert network["minEnvironmentalWeight"] == pytest.approx(0.3)
    listed = data(gql(client, NETWORKS, scene.berit), "networks")
    assert listed["totalCount"] == 1
    assert listed["edges"][0]["node"] == network


def test_create_network_defaults_the_call_off_threshold(client: TestClient, scene: Scene) -> None:
    network = create_network(client, scene.kari)
    assert network["callOffThresholdHours"] == 250
    assert network["joinDeadline"] is None
    assert network["minEnvironmentalWeight"] is None


@pytest.mark.parametrize(
    ("terms", "field"),
    [
        ({"name": "   "}, "name"),
        ({"callOffThresholdHours": -1}, "callOffThresholdHours"),
        ({"maxSubcontractorTiers": 0}, "maxSubcontractorTiers"),
        ({"minEnvironmentalWeight": 1.5}, "minEnvironmentalWeight"),
        ({"minEnvironmentalWeight": -0.1}, "minEnvironmentalWeight"),
    ],
)
def test_create_network_validates_its_input(
    client: TestClient, scene: Scene, terms: dict[str, Any], field: str
) -> None:
    network_input = {"name": "Rammeavtale", "kind": "FRAMEWORK_AGREEMENT", **terms}
    body = gql(client, CREATE_NETWORK, scene.kari, {"input": network_input})
    refusal(body, "BAD_USER_INPUT", field)
    assert data(gql(client, NETWORKS, scene.kari), "networks")["totalCount"] == 0


def test_a_supplier_cannot_lead_a_framework_agreement(client: TestClient, scene: Scene) -> None:
    body = gql(
        client,
        CREATE_NETWORK,
        scene.sam,
        {"input": {"name": "Leverandørens avtale", "kind": "FRAMEWORK_AGREEMENT"}},
    )
    message = refusal(body, "FORBIDDEN")
    assert "PUBLIC_BODY" in message
    assert data(gql(client, NETWORKS, scene.kari), "networks")["totalCount"] == 0


def test_a_viewer_cannot_create_a_network(client: TestClient, scene: Scene) -> None:
    viewer = scene.world.user("vera@oslo.kommune.no", scene.oslo, Role.VIEWER)
    body = gql(
        client, CREATE_NETWORK, viewer, {"input": {"name": "X", "kind": "FRAMEWORK_AGREEMENT"}}
    )
    refusal(body, "FORBIDDEN")


# --- addNetworkSupplier --------------------------------------------------------------


def test_suppliers_are_listed_in_rank_order(client: TestClient, scene: Scene) -> None:
    network = create_network(client, scene.kari)
    suppliers = {rank: scene.supplier(f"Leverandør {rank} AS") for rank in range(1, 6)}
    for rank in (3, 1, 5, 2, 4):
        variables = {"networkId": network["id"], "supplierId": suppliers[rank], "rank": rank}
        added = data(gql(client, ADD_SUPPLIER, scene.kari, variables), "addNetworkSupplier")
        assert {
            "rank": rank,
            "supplier": {"id": suppliers[rank], "name": f"Leverandør {rank} AS"},
        } in added["suppliers"]
    listed = data(gql(client, NETWORKS, scene.kari), "networks")["edges"][0]["node"]
    assert [(s["rank"], s["supplier"]["id"]) for s in listed["suppliers"]] == [
        (rank, suppliers[rank]) for rank in range(1, 6)
    ]


def test_re_adding_a_supplier_at_its_rank_is_idempotent(client: TestClient, scene: Scene) -> None:
    network = create_network(client, scene.kari)
    variables = {"networkId": network["id"], "supplierId": scene.acme, "rank": 1}
    data(gql(client, ADD_SUPPLIER, scene.kari, variables), "addNetworkSupplier")
    again = data(gql(client, ADD_SUPPLIER, scene.kari, variables), "addNetworkSupplier")
    assert [(s["rank"], s["supplier"]["id"]) for s in again["suppliers"]] == [(1, scene.acme)]


def test_a_taken_rank_is_a_conflict(client: TestClient, scene: Scene) -> None:
    network = create_network(client, scene.kari)
    other = scene.supplier("Beta Hansker AS")
    first = {"networkId": network["id"], "supplierId": scene.acme, "rank": 1}
    data(gql(client, ADD_SUPPLIER, scene.kari, first), "addNetworkSupplier")
    second = {"networkId": network["id"], "supplierId": other, "rank": 1}
    message = refusal(gql(client, ADD_SUPPLIER, scene.kari, second), "CONFLICT")
    assert "rank 1" in message
    listed = data(gql(client, NETWORKS, scene.kari), "networks")["edges"][0]["node"]
    assert [(s["rank"], s["supplier"]["id"]) for s in listed["suppliers"]] == [(1, scene.acme)]


def test_rank_must_be_positive(client: TestClient, scene: Scene) -> None:
    network = create_network(client, scene.kari)
    variables = {"networkId": network["id"], "supplierId": scene.acme, "rank": 0}
    refusal(gql(client, ADD_SUPPLIER, scene.kari, variables), "BAD_USER_INPUT", "rank")


def test_only_suppliers_can_be_ranked(client: TestClient, scene: Scene) -> None:
    network = create_network(client, scene.kari)
    variables = {"networkId": network["id"], "supplierId": scene.bergen, "rank": 1}
    body = gql(client, ADD_SUPPLIER, scene.kari, variables)
    refusal(body, "BAD_USER_INPUT", "supplierId")


def test_another_body_cannot_add_suppliers_to_oslos_agreement(
    client: TestClient, scene: Scene
) -> None:
    network = create_network(client, scene.kari)
    variables = {"networkId": network["id"], "supplierId": scene.acme, "rank": 1}
    refusal(gql(client, ADD_SUPPLIER, scene.berit, variables), "FORBIDDEN")
    bergen_admin = scene.world.user("admin@bergen.kommune.no", scene.bergen, Role.ADMIN)
    refusal(gql(client, ADD_SUPPLIER, bergen_admin, variables), "FORBIDDEN")
    listed = data(gql(client, NETWORKS, scene.kari), "networks")["edges"][0]["node"]
    assert listed["suppliers"] == []


# --- joinNetwork / addNetworkMember ----------------------------------------------------


def list_body(client: TestClient, scene: Scene, network_id: str, organization_id: str) -> None:
    """The lead lists a body entitled to accede to its framework agreement."""
    variables = {"networkId": network_id, "organizationId": organization_id}
    data(gql(client, ADD_MEMBER, scene.kari, variables), "addNetworkMember")


def test_another_public_body_joins_a_framework_agreement(client: TestClient, scene: Scene) -> None:
    network = create_network(client, scene.kari)
    list_body(client, scene, network["id"], scene.bergen)
    joined = data(gql(client, JOIN, scene.berit, {"networkId": network["id"]}), "joinNetwork")
    assert ids(joined["participants"]) == [scene.oslo, scene.bergen]
    assert joined["lead"] == {"id": scene.oslo}, "joining does not change the lead"
    again = data(gql(client, JOIN, scene.berit, {"networkId": network["id"]}), "joinNetwork")
    assert ids(again["participants"]) == [scene.oslo, scene.bergen], "joining twice is a no-op"


def test_joining_after_the_deadline_is_a_conflict(client: TestClient, scene: Scene) -> None:
    yesterday = (dt.date.today() - dt.timedelta(days=1)).isoformat()
    network = create_network(client, scene.kari, joinDeadline=yesterday)
    list_body(client, scene, network["id"], scene.bergen)
    message = refusal(gql(client, JOIN, scene.berit, {"networkId": network["id"]}), "CONFLICT")
    assert yesterday in message
    listed = data(gql(client, NETWORKS, scene.kari), "networks")["edges"][0]["node"]
    assert ids(listed["participants"]) == [scene.oslo]


def test_joining_on_the_deadline_day_is_allowed(client: TestClient, scene: Scene) -> None:
    network = create_network(client, scene.kari, joinDeadline=dt.date.today().isoformat())
    list_body(client, scene, network["id"], scene.bergen)
    joined = data(gql(client, JOIN, scene.berit, {"networkId": network["id"]}), "joinNetwork")
    assert scene.bergen in ids(joined["participants"])


def test_joining_a_national_network_is_a_conflict(client: TestClient, scene: Scene) -> None:
    national = data(
        gql(
            client,
            CREATE_NETWORK,
            scene.dina,
            {"input": {"name": "Nasjonalt nettverk", "kind": "NATIONAL_NETWORK"}},
        ),
        "createNetwork",
    )
    message = refusal(gql(client, JOIN, scene.berit, {"networkId": national["id"]}), "CONFLICT")
    assert "addNetworkMember" in message


def test_the_coordinator_adds_members_to_a_national_network(
    client: TestClient, scene: Scene
) -> None:
    national = data(
        gql(
            client,
            CREATE_NETWORK,
            scene.dina,
            {"input": {"name": "Nasjonalt nettverk", "kind": "NATIONAL_NETWORK"}},
        ),
        "createNetwork",
    )
    assert national["lead"] == {"id": scene.dfo}
    variables = {"networkId": national["id"], "organizationId": scene.oslo}
    added = data(gql(client, ADD_MEMBER, scene.dina, variables), "addNetworkMember")
    assert ids(added["participants"]) == [scene.dfo, scene.oslo]
    again = data(gql(client, ADD_MEMBER, scene.dina, variables), "addNetworkMember")
    assert ids(again["participants"]) == [scene.dfo, scene.oslo], "adding twice is a no-op"
    supplier = {"networkId": national["id"], "organizationId": scene.acme}
    refusal(gql(client, ADD_MEMBER, scene.dina, supplier), "BAD_USER_INPUT", "organizationId")


def test_a_framework_agreement_is_joined_only_by_bodies_its_lead_listed(
    client: TestClient, scene: Scene
) -> None:
    """NETWORK sharing is compiled from membership, so it is never self-service."""
    network = create_network(client, scene.kari)
    message = refusal(gql(client, JOIN, scene.berit, {"networkId": network["id"]}), "FORBIDDEN")
    assert "addNetworkMember" in message
    variables = {"networkId": network["id"], "organizationId": scene.bergen}
    listed = data(gql(client, ADD_MEMBER, scene.kari, variables), "addNetworkMember")
    assert ids(listed["participants"]) == [scene.oslo], "listed is not yet a member"
    joined = data(gql(client, JOIN, scene.berit, {"networkId": network["id"]}), "joinNetwork")
    assert ids(joined["participants"]) == [scene.oslo, scene.bergen]


def test_another_body_cannot_add_members_to_a_national_network(
    client: TestClient, scene: Scene
) -> None:
    national = data(
        gql(
            client,
            CREATE_NETWORK,
            scene.dina,
            {"input": {"name": "Nasjonalt nettverk", "kind": "NATIONAL_NETWORK"}},
        ),
        "createNetwork",
    )
    variables = {"networkId": national["id"], "organizationId": scene.bergen}
    refusal(gql(client, ADD_MEMBER, scene.kari, variables), "FORBIDDEN")


@pytest.mark.parametrize(
    ("operation", "variables"),
    [
        (JOIN, {"networkId": "no-such-network"}),
        (ADD_MEMBER, {"networkId": "no-such-network", "organizationId": "x"}),
        (ADD_SUPPLIER, {"networkId": "no-such-network", "supplierId": "x", "rank": 1}),
    ],
)
def test_unknown_network_is_not_found(
    client: TestClient, scene: Scene, operation: str, variables: dict[str, Any]
) -> None:
    message = refusal(gql(client, operation, scene.kari, variables), "NOT_FOUND")
    assert "no-such-network" in message


def test_unknown_supplier_is_not_found(client: TestClient, scene: Scene) -> None:
    network = create_network(client, scene.kari)
    variables = {"networkId": network["id"], "supplierId": "no-such-org", "rank": 1}
    message = refusal(gql(client, ADD_SUPPLIER, scene.kari, variables), "NOT_FOUND")
    assert "supplierId" in message


# --- contracts -----------------------------------------------------------------------


def contract_input(supplier_id: str, **overrides: Any) -> dict[str, Any]:
    return {
        "supplierId": supplier_id,
        "title": "Nitrilhansker 2025",
        "productCategory": "gloves",
        "startDate": "2025-01-01",
        "endDate": "2026-12-31",
        "value": 1_250_000.0,
        **overrides,
    }


def test_create_contract_is_seen_by_its_two_parties_only(client: TestClient, scene: Scene) -> None:
    created = data(
        gql(client, CREATE_CONTRACT, scene.kari, {"input": contract_input(scene.acme)}),
        "createContract",
    )
    assert created["buyer"] == {"id": scene.oslo}
    assert created["supplier"] == {"id": scene.acme}
    assert created["startDate"] == "2025-01-01"
    assert created["endDate"] == "2026-12-31"
    assert created["value"] == 1_250_000.0
    expected = {"id": created["id"], "title": "Nitrilhansker 2025", "value": 1_250_000.0}
    for party in (scene.kari, scene.sam):
        seen = data(gql(client, CONTRACTS, party), "contracts")
        assert seen["totalCount"] == 1
        assert [edge["node"] for edge in seen["edges"]] == [expected]
    third = data(gql(client, CONTRACTS, scene.berit), "contracts")
    assert third == {"totalCount": 0, "edges": []}
    filtered = data(gql(client, CONTRACTS, scene.berit, {"supplierId": scene.acme}), "contracts")
    assert filtered["totalCount"] == 0, "filtering by supplier does not widen visibility"


def test_contract_end_date_before_start_date(client: TestClient, scene: Scene) -> None:
    bad = contract_input(scene.acme, startDate="2025-06-01", endDate="2025-05-31")
    refusal(gql(client, CREATE_CONTRACT, scene.kari, {"input": bad}), "BAD_USER_INPUT", "endDate")
    assert data(gql(client, CONTRACTS, scene.kari), "contracts")["totalCount"] == 0


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"title": " "}, "title"),
        ({"productCategory": ""}, "productCategory"),
        ({"value": -1.0}, "value"),
    ],
)
def test_contract_input_is_validated(
    client: TestClient, scene: Scene, overrides: dict[str, Any], field: str
) -> None:
    bad = contract_input(scene.acme, **overrides)
    refusal(gql(client, CREATE_CONTRACT, scene.kari, {"input": bad}), "BAD_USER_INPUT", field)


def test_contract_supplier_must_be_a_supplier(client: TestClient, scene: Scene) -> None:
    bad = contract_input(scene.bergen)
    refusal(
        gql(client, CREATE_CONTRACT, scene.kari, {"input": bad}), "BAD_USER_INPUT", "supplierId"
    )


def test_a_viewer_cannot_create_a_contract(client: TestClient, scene: Scene) -> None:
    viewer = scene.world.user("vera@oslo.kommune.no", scene.oslo, Role.VIEWER)
    message = refusal(
        gql(client, CREATE_CONTRACT, viewer, {"input": contract_input(scene.acme)}), "FORBIDDEN"
    )
    assert "PROCUREMENT_OFFICER" in message
    assert data(gql(client, CONTRACTS, viewer), "contracts")["totalCount"] == 0


# --- pagination and filters ------------------------------------------------------------


def test_organizations_page_through_every_row_exactly_once(
    client: TestClient, world: World
) -> None:
    oslo = world.org("Oslo kommune")
    token = world.user("kari@oslo.kommune.no", oslo, Role.VIEWER)
    created = [oslo] + [world.org(f"Organisasjon {n}") for n in range(2, 8)]
    seen: list[str] = []
    after: str | None = None
    pages = 0
    while True:
        page = data(
            gql(client, ORGANIZATIONS, token, {"first": 3, "after": after}), "organizations"
        )
        pages += 1
        assert page["totalCount"] == 7
        assert 1 <= len(page["edges"]) <= 3
        seen.extend(edge["node"]["id"] for edge in page["edges"])
        assert page["pageInfo"]["endCursor"] == page["edges"][-1]["cursor"]
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
        assert pages < 10, "pagination does not terminate"
    assert pages == 3
    assert len(seen) == len(set(seen)) == 7
    assert sorted(seen) == sorted(created)
    assert seen == sorted(seen), "ordered by id"


def test_an_empty_page_after_the_last_cursor(client: TestClient, world: World) -> None:
    oslo = world.org("Oslo kommune")
    token = world.user("kari@oslo.kommune.no", oslo, Role.VIEWER)
    whole = data(gql(client, ORGANIZATIONS, token, {"first": 5}), "organizations")
    assert whole["pageInfo"]["hasNextPage"] is False
    after = whole["pageInfo"]["endCursor"]
    rest = data(gql(client, ORGANIZATIONS, token, {"after": after}), "organizations")
    assert rest["edges"] == []
    assert rest["pageInfo"] == {"hasNextPage": False, "endCursor": None}
    assert rest["totalCount"] == 1


@pytest.mark.parametrize("first", [-1, 1000])
def test_page_size_out_of_range(client: TestClient, world: World, first: int) -> None:
    oslo = world.org("Oslo kommune")
    token = world.user("kari@oslo.kommune.no", oslo, Role.VIEWER)
    message = refusal(
        gql(client, ORGANIZATIONS, token, {"first": first}), "BAD_USER_INPUT", "first"
    )
    assert str(first) in message


@pytest.mark.parametrize("after", ["garbage", "!!!!", "bm90LWEtY3Vyc29y", "w6k="])
def test_a_garbage_cursor(client: TestClient, world: World, after: str) -> None:
    oslo = world.org("Oslo kommune")
    token = world.user("kari@oslo.kommune.no", oslo, Role.VIEWER)
    refusal(gql(client, ORGANIZATIONS, token, {"after": after}), "BAD_USER_INPUT", "after")


def test_organizations_filter_by_kind(client: TestClient, scene: Scene) -> None:
    beta = scene.supplier("Beta Hansker AS")
    page = data(gql(client, ORGANIZATIONS, scene.kari, {"kind": "SUPPLIER"}), "organizations")
    assert page["totalCount"] == 2
    assert sorted(edge["node"]["id"] for edge in page["edges"]) == sorted([scene.acme, beta])
    assert {edge["node"]["kind"] for edge in page["edges"]} == {"SUPPLIER"}
    everyone = data(gql(client, ORGANIZATIONS, scene.kari), "organizations")
    assert everyone["totalCount"] == 5


def test_facilities_reject_a_bad_country(client: TestClient, scene: Scene) -> None:
    message = refusal(
        gql(client, FACILITIES, scene.kari, {"country": "XX"}), "BAD_USER_INPUT", "country"
    )
    assert "'XX'" in message
    empty = data(gql(client, FACILITIES, scene.kari, {"country": "no"}), "facilities")
    assert empty == {"totalCount": 0, "edges": []}


def test_anonymous_callers_are_unauthenticated_for_a_known_network(
    client: TestClient, scene: Scene
) -> None:
    network = create_network(client, scene.kari)
    supplier = {"networkId": network["id"], "supplierId": scene.acme, "rank": 1}
    member = {"networkId": network["id"], "organizationId": scene.bergen}
    assert error_codes(gql(client, ADD_SUPPLIER, None, supplier)) == ["UNAUTHENTICATED"]
    assert error_codes(gql(client, ADD_MEMBER, None, member)) == ["UNAUTHENTICATED"]
    assert error_codes(gql(client, JOIN, None, {"networkId": network["id"]})) == ["UNAUTHENTICATED"]


@pytest.mark.parametrize(
    ("operation", "variables"),
    [
        (ADD_MEMBER, {"networkId": "no-such-network", "organizationId": "x"}),
        (ADD_SUPPLIER, {"networkId": "no-such-network", "supplierId": "x", "rank": 1}),
    ],
)
def test_anonymous_callers_are_unauthenticated_for_an_unknown_network(
    client: TestClient, scene: Scene, operation: str, variables: dict[str, Any]
) -> None:
    assert error_codes(gql(client, operation, None, variables)) == ["UNAUTHENTICATED"]


# --- network(id) -----------------------------------------------------------------------

NETWORK = "query ($id: ID!) { network(id: $id) { id name lead { id } } }"


def test_one_network_by_id(client: TestClient, scene: Scene) -> None:
    network = create_network(client, scene.kari)
    found = data(gql(client, NETWORK, scene.berit, {"id": network["id"]}), "network")
    assert found == {"id": network["id"], "name": network["name"], "lead": {"id": scene.oslo}}
    unknown = gql(client, NETWORK, scene.berit, {"id": "00000000-0000-0000-0000-000000000000"})
    assert unknown == {"data": {"network": None}}
    anonymous = gql(client, NETWORK, None, {"id": network["id"]})
    assert anonymous["data"] == {"network": None}
    assert [e["extensions"]["code"] for e in anonymous["errors"]] == ["UNAUTHENTICATED"]
