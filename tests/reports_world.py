"""A small world for audit-report tests: two bodies on a network, an outsider,
an auditor firm, a supplier and a factory, with tokens for each."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from starlette.testclient import TestClient

from domain.enums import OrganizationKind, Role
from storage import db
from storage.models import Facility
from tests.conftest import World, gql

REPORT_FIELDS = """
  id title status shareScope reportType redactedFields
  summary commercialNotes workerInterviews
  commissionedBy { name } auditor { name } supplier { name }
  facilities { name country }
  findings { id requirement severity description evidence
             correctiveAction { description dueDate status } }
  documents { filename contentType classification isRendition downloadUrl }
"""


@dataclass
class ReportsWorld:
    oslo: str
    bergen: str
    trondheim: str
    auditor: str
    supplier: str
    network: str
    factory: str
    tokens: dict[str, str]
    # Engagements of the auditor firm, by the body that engaged it (engage_auditor).
    engagements: dict[str, str] = field(default_factory=dict)


def build_reports_world(client: TestClient, world: World) -> ReportsWorld:
    oslo = world.org("Oslo kommune")
    bergen = world.org("Bergen kommune")
    trondheim = world.org("Trondheim kommune")
    auditor = world.org("Revisjon AS", kind=OrganizationKind.AUDITOR)
    supplier = world.org("Hansker AS", kind=OrganizationKind.SUPPLIER)
    tokens = {
        "oslo": world.user("innkjop@oslo.no", oslo, Role.PROCUREMENT_OFFICER),
        "oslo_cm": world.user("kontrakt@oslo.no", oslo, Role.CONTRACT_MANAGER),
        "bergen": world.user("innkjop@bergen.no", bergen, Role.PROCUREMENT_OFFICER),
        "trondheim": world.user("innkjop@trondheim.no", trondheim, Role.PROCUREMENT_OFFICER),
        "auditor": world.user("revisor@revisjon.no", auditor, Role.AUDITOR),
        "supplier": world.user("rapport@hansker.no", supplier, Role.SUPPLIER_REPORTER),
    }
    network = gql(
        client,
        'mutation { createNetwork(input: {name: "Oppfølging", kind: FRAMEWORK_AGREEMENT}) { id } }',
        tokens["oslo"],
    )["data"]["createNetwork"]["id"]
    listed = gql(
        client,
        "mutation($n: ID!, $o: ID!) { addNetworkMember(networkId: $n, organizationId: $o) { id } }",
        tokens["oslo"],
        {"n": network, "o": bergen},
    )
    assert listed["data"], listed
    joined = gql(
        client,
        "mutation($n: ID!) { joinNetwork(networkId: $n) { id } }",
        tokens["bergen"],
        {"n": network},
    )
    assert joined["data"], joined
    with db.transaction(world.factory) as session:
        factory = Facility(
            name="Glove Factory Sdn Bhd", country="MY", address="Klang", dedup_key="my|glove"
        )
        session.add(factory)
        session.flush()
        factory_id = factory.id
    return ReportsWorld(oslo, bergen, trondheim, auditor, supplier, network, factory_id, tokens)


CREATE = """
mutation($input: AuditReportInput!) { createAuditReport(input: $input) { id status } }
"""
ADD_FINDING = """
mutation($r: ID!, $input: FindingInput!) { addFinding(reportId: $r, input: $input) { id } }
"""


def engage_auditor(client: TestClient, w: ReportsWorld, body_id: str) -> str:
    """The body records its contract with the supplier and engages the auditor firm
    for it (once per body): an auditor firm writes only for bodies that engaged it."""
    if body_id in w.engagements:
        return w.engagements[body_id]
    token = w.tokens[{w.oslo: "oslo", w.bergen: "bergen", w.trondheim: "trondheim"}[body_id]]
    contract = gql(
        client,
        """mutation($s: ID!) {
             createContract(input: {supplierId: $s, title: "Oppfølging hansker",
               productCategory: "medical-gloves", startDate: "2026-01-01"}) { id }
           }""",
        token,
        {"s": w.supplier},
    )
    assert contract.get("data"), contract
    engaged = gql(
        client,
        "mutation($a: ID!, $c: ID) { engageAuditor(auditorId: $a, contractId: $c) { id } }",
        token,
        {"a": w.auditor, "c": contract["data"]["createContract"]["id"]},
    )
    assert engaged.get("data"), engaged
    w.engagements[body_id] = engaged["data"]["engageAuditor"]["id"]
    return w.engagements[body_id]


def create_inspection(client: TestClient, w: ReportsWorld, **overrides: Any) -> str:
    """The auditor, engaged by the body, writes an inspection for Oslo (or the body
    in `commissionedById`) with one classified value per field."""
    engage_auditor(client, w, overrides.get("commissionedById", w.oslo))
    report_input = {
        "title": "Inspection of glove factory",
        "reportType": "INSPECTION_ABROAD",
        "supplierId": w.supplier,
        "commissionedById": w.oslo,
        "facilityIds": [w.factory],
        "auditDate": "2026-10-01",
        "summary": "Recruitment fees found among migrant workers.",
        "commercialNotes": "Unit price NOK 0.42 per glove, margin 12 %.",
        "workerInterviews": "Worker A said passports are held by the agent.",
        **overrides,
    }
    body = gql(client, CREATE, w.tokens["auditor"], {"input": report_input})
    assert body.get("data"), body
    report_id: str = body["data"]["createAuditReport"]["id"]
    finding = {
        "requirement": "ILO_C29",
        "severity": "CRITICAL",
        "description": "Workers paid recruitment fees to agents.",
        "evidence": "Payroll ledger page 14 shows deductions.",
        "correctiveAction": {"description": "Reimburse all fees.", "dueDate": "2027-01-31"},
    }
    added = gql(client, ADD_FINDING, w.tokens["auditor"], {"r": report_id, "input": finding})
    assert added.get("data"), added
    return report_id


def submit_and_publish(
    client: TestClient, w: ReportsWorld, report_id: str, scope: str, network: str | None = None
) -> dict[str, Any]:
    submitted = gql(
        client,
        "mutation($id: ID!) { submitAuditReport(id: $id) { status } }",
        w.tokens["auditor"],
        {"id": report_id},
    )
    assert submitted["data"]["submitAuditReport"]["status"] == "SUBMITTED", submitted
    return gql(
        client,
        """mutation($id: ID!, $s: ShareScope!, $n: ID) {
             publishAuditReport(id: $id, shareScope: $s, networkId: $n) { status shareScope }
           }""",
        w.tokens["oslo"],  # sharing is the commissioning body's decision
        {"id": report_id, "s": scope, "n": network},
    )


def read_report(client: TestClient, token: str | None, report_id: str) -> dict[str, Any]:
    return gql(
        client,
        f"query($id: ID!) {{ auditReport(id: $id) {{ {REPORT_FIELDS} }} }}",
        token,
        {"id": report_id},
    )
