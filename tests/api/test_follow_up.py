"""Follow-up plans through the Difi/DFØ steps, and overdue corrective actions
surfacing to the commissioning body and the focus area's coordinator."""

from __future__ import annotations

from starlette.testclient import TestClient

from domain.enums import OrganizationKind, Role
from storage import db
from storage.models import Contract
from tests.api.test_coordination import (
    ASSIGN,
    PUBLISH,
    build_network,
    commission_inspection,
    open_area,
)
from tests.conftest import World, error_codes, gql

PLAN = """mutation($c: ID!, $steps: [FollowUpStepInput!]!) {
  planFollowUp(contractId: $c, steps: $steps) { step dueDate completedAt overdue } }"""
COMPLETE = """mutation($c: ID!, $s: FollowUpStep!, $note: String) {
  completeFollowUpStep(contractId: $c, step: $s, note: $note) { step completedAt note } }"""
READ_PLAN = "query($c: ID!) { followUpPlan(contractId: $c) { step dueDate overdue note } }"
OVERDUE = """{ overdueCorrectiveActions { totalCount edges { node {
  daysOverdue report { id title } finding { requirement correctiveAction { status dueDate } }
} } } }"""


def current_step(world: World, contract_id: str) -> str | None:
    with db.transaction(world.factory) as session:
        return session.get_one(Contract, contract_id).follow_up_step


def test_a_buyer_plans_and_completes_its_follow_up(client: TestClient, world: World) -> None:
    oslo = world.org("Oslo kommune")
    bergen = world.org("Bergen kommune")
    supplier = world.org("Hansker AS", kind=OrganizationKind.SUPPLIER)
    buyer = world.user("kontrakt@oslo.no", oslo, Role.CONTRACT_MANAGER)
    other = world.user("innkjop@bergen.no", bergen, Role.PROCUREMENT_OFFICER)
    seller = world.user("rapport@hansker.no", supplier, Role.SUPPLIER_REPORTER)
    contract = gql(
        client,
        """mutation($s: ID!) { createContract(input: {supplierId: $s, title: "Hansker",
             productCategory: "medical-gloves", startDate: "2026-01-01"}) { id } }""",
        buyer,
        {"s": supplier},
    )["data"]["createContract"]["id"]
    steps = [
        {"step": "ANCHOR", "dueDate": "2020-02-01"},
        {"step": "PLAN", "dueDate": "2020-03-01"},
        {"step": "EXECUTE", "dueDate": "2099-06-01"},
        {"step": "FOLLOW_UP", "dueDate": "2099-09-01"},
        {"step": "REPORT", "dueDate": "2099-12-31"},
    ]
    planned = gql(client, PLAN, buyer, {"c": contract, "steps": steps})["data"]["planFollowUp"]
    assert [(s["step"], s["overdue"]) for s in planned] == [
        ("ANCHOR", True),
        ("PLAN", True),
        ("EXECUTE", False),
        ("FOLLOW_UP", False),
        ("REPORT", False),
    ]
    assert current_step(world, contract) == "ANCHOR"
    done = gql(client, COMPLETE, buyer, {"c": contract, "s": "ANCHOR", "note": "Board approved"})
    assert done["data"]["completeFollowUpStep"]["note"] == "Board approved"
    assert current_step(world, contract) == "PLAN"
    plan = gql(client, READ_PLAN, buyer, {"c": contract})["data"]["followUpPlan"]
    assert [(s["step"], s["overdue"]) for s in plan][:2] == [("ANCHOR", False), ("PLAN", True)]

    # The supplier is a party to the contract, not to the buyer's plan.
    assert gql(client, READ_PLAN, seller, {"c": contract})["data"]["followUpPlan"] == []
    assert error_codes(gql(client, PLAN, seller, {"c": contract, "steps": steps})) == ["FORBIDDEN"]
    assert error_codes(gql(client, READ_PLAN, other, {"c": contract})) == ["NOT_FOUND"]
    backwards = [{"step": "PLAN", "dueDate": "2020-01-01"}]  # before ANCHOR's due date
    refused = gql(client, PLAN, buyer, {"c": contract, "steps": backwards})
    assert (
        error_codes(refused) == ["BAD_USER_INPUT"] and "ANCHOR" in refused["errors"][0]["message"]
    )
    twice = [{"step": "REPORT", "dueDate": "2099-12-31"}] * 2
    assert error_codes(gql(client, PLAN, buyer, {"c": contract, "steps": twice})) == [
        "BAD_USER_INPUT"
    ]
    outsider = gql(client, COMPLETE, other, {"c": contract, "s": "PLAN"})
    assert error_codes(outsider) == ["NOT_FOUND"]


def test_overdue_actions_surface_to_the_commissioner_and_the_coordinator(
    client: TestClient, world: World
) -> None:
    c = build_network(client, world)
    area = open_area(client, c)["data"]["createFocusArea"]["id"]
    gql(client, ASSIGN, c.tokens["coordinator"], {"id": area, "body": c.varmland})
    report = commission_inspection(client, c, area)  # one action, due 2020-01-31

    def overdue(viewer: str) -> list[str]:
        body = gql(client, OVERDUE, c.tokens[viewer])
        return [
            edge["node"]["report"]["id"]
            for edge in body["data"]["overdueCorrectiveActions"]["edges"]
        ]

    # Submitted: only the commissioning body sees it (the coordinator has no relation yet).
    assert (overdue("varmland"), overdue("coordinator"), overdue("stockholm")) == ([report], [], [])
    gql(client, PUBLISH, c.tokens["varmland"], {"id": report, "s": "NETWORK"})
    # Published: the coordinator sees it too; a member that is neither does not get the alert.
    assert (overdue("varmland"), overdue("coordinator"), overdue("stockholm")) == (
        [report],
        [report],
        [],
    )
    node = gql(client, OVERDUE, c.tokens["coordinator"])["data"]["overdueCorrectiveActions"]
    first = node["edges"][0]["node"]
    assert first["finding"]["correctiveAction"] == {"status": "OVERDUE", "dueDate": "2020-01-31"}
    assert first["daysOverdue"] > 2000 and node["totalCount"] == 1
