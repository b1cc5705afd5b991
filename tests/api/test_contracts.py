"""Contract prices are RESTRICTED: every way in reads them through the disclosure
kernel and logs the read, the `contracts` root field and federation's `_entities`."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from starlette.testclient import TestClient

from domain.enums import OrganizationKind, Role
from storage import audit_log, db
from storage.models import AuditLogEntry
from tests.conftest import World, gql

CREATE_CONTRACT = """
mutation($input: ContractInput!) { createContract(input: $input) { id } }
"""
ENTITIES = """
query($representations: [_Any!]!) {
  _entities(representations: $representations) { ... on Contract { %s } }
}
"""


class Parties:
    def __init__(self, world: World) -> None:
        self.world = world
        oslo = world.org("Oslo kommune")
        acme = world.org("Acme Gloves AS", OrganizationKind.SUPPLIER)
        bergen = world.org("Bergen kommune")
        self.buyer = world.user("kari@oslo.kommune.no", oslo, Role.PROCUREMENT_OFFICER)
        self.supplier = world.user("sam@acme.no", acme, Role.SUPPLIER_REPORTER)
        self.outsider = world.user("berit@bergen.kommune.no", bergen, Role.PROCUREMENT_OFFICER)
        self.acme = acme


def create_contract(client: TestClient, parties: Parties, value: float | None) -> str:
    contract_input: dict[str, Any] = {
        "supplierId": parties.acme,
        "title": "Nitrilhansker 2025",
        "productCategory": "gloves",
        "startDate": "2025-01-01",
        "value": value,
    }
    body = gql(client, CREATE_CONTRACT, parties.buyer, {"input": contract_input})
    assert not body.get("errors"), body["errors"]
    contract_id: str = body["data"]["createContract"]["id"]
    return contract_id


def entities(client: TestClient, token: str, contract_id: str, fields: str) -> list[Any]:
    representations = [{"__typename": "Contract", "id": contract_id}]
    body = gql(client, ENTITIES % fields, token, {"representations": representations})
    assert not body.get("errors"), body["errors"]
    found: list[Any] = body["data"]["_entities"]
    return found


def logged(world: World) -> list[tuple[str, str, str, str | None]]:
    with db.transaction(world.factory) as session:
        assert audit_log.verify(session).ok
        return [
            (entry.action, entry.subject_type, entry.subject_id, entry.actor_org_id)
            for entry in session.scalars(select(AuditLogEntry).order_by(AuditLogEntry.seq))
        ]


def test_entities_read_of_a_contract_price_is_logged(client: TestClient, world: World) -> None:
    parties = Parties(world)
    contract_id = create_contract(client, parties, 1_250_000.0)
    before = len(logged(world))

    found = entities(client, parties.supplier, contract_id, "id value")

    assert found == [{"id": contract_id, "value": 1_250_000.0}]
    assert logged(world)[before:] == [("read_restricted", "contract", contract_id, parties.acme)]


def test_entities_without_the_price_is_not_logged(client: TestClient, world: World) -> None:
    parties = Parties(world)
    contract_id = create_contract(client, parties, 1_250_000.0)
    before = len(logged(world))

    found = entities(client, parties.buyer, contract_id, "id title buyer { name }")

    assert found == [
        {"id": contract_id, "title": "Nitrilhansker 2025", "buyer": {"name": "Oslo kommune"}}
    ]
    assert len(logged(world)) == before


def test_entities_hides_a_contract_from_a_third_body(client: TestClient, world: World) -> None:
    parties = Parties(world)
    contract_id = create_contract(client, parties, 1_250_000.0)
    before = len(logged(world))

    assert entities(client, parties.outsider, contract_id, "id value") == [None]
    assert len(logged(world)) == before
