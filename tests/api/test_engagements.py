"""Auditor engagements through GraphQL: an auditor firm writes audit reports only
for the public bodies that engaged it (for a report, a contract, or all contracts)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest
from sqlalchemy import func, select
from starlette.testclient import TestClient

from domain.enums import OrganizationKind, Role
from services.demo import seed_demo
from storage import audit_log, db
from storage.models import AuditLogEntry, AuditorEngagement, AuditReport, Document
from tests.api.test_documents_api import upload
from tests.conftest import World, error_codes, gql
from tests.samples import png_bytes

ENGAGE = """
mutation($a: ID!, $r: ID, $c: ID) {
  engageAuditor(auditorId: $a, reportId: $r, contractId: $c) {
    id reportId contractId createdAt endedAt auditor { id name } body { id name }
  }
}
"""
END = "mutation($id: ID!) { endAuditorEngagement(id: $id) { id endedAt } }"
LIST = "{ auditorEngagements { id reportId contractId endedAt auditor { id } body { id } } }"
CREATE = "mutation($i: AuditReportInput!) { createAuditReport(input: $i) { id auditor { id } } }"
ADD_FINDING = """
mutation($r: ID!) { addFinding(reportId: $r, input: {requirement: WAGES, severity: MINOR}) { id } }
"""
SUBMIT = "mutation($id: ID!) { submitAuditReport(id: $id) { status } }"
CREATE_CONTRACT = """
mutation($s: ID!) {
  createContract(input: {supplierId: $s, title: "Hansker", productCategory: "medical-gloves",
                         startDate: "2026-01-01"}) { id }
}
"""


@dataclass
class Engagements:
    oslo: str
    bergen: str
    firm: str
    other_firm: str
    supplier: str
    other_supplier: str
    tokens: dict[str, str]


@pytest.fixture
def w(client: TestClient, world: World) -> Engagements:
    oslo = world.org("Oslo kommune")
    bergen = world.org("Bergen kommune")
    firm = world.org("Revisjon AS", kind=OrganizationKind.AUDITOR)
    other_firm = world.org("Kontroll AS", kind=OrganizationKind.AUDITOR)
    supplier = world.org("Hansker AS", kind=OrganizationKind.SUPPLIER)
    other_supplier = world.org("Frakker AS", kind=OrganizationKind.SUPPLIER)
    tokens = {
        "oslo": world.user("innkjop@oslo.no", oslo, Role.PROCUREMENT_OFFICER),
        "oslo_cm": world.user("kontrakt@oslo.no", oslo, Role.CONTRACT_MANAGER),
        "oslo_viewer": world.user("les@oslo.no", oslo, Role.VIEWER),
        "oslo_auditor": world.user("internrevisjon@oslo.no", oslo, Role.AUDITOR),
        "bergen": world.user("innkjop@bergen.no", bergen, Role.PROCUREMENT_OFFICER),
        "firm": world.user("revisor@revisjon.no", firm, Role.AUDITOR),
        "firm_admin": world.user("admin@revisjon.no", firm, Role.ADMIN),
        "other_firm": world.user("revisor@kontroll.no", other_firm, Role.AUDITOR),
        "supplier_admin": world.user("admin@hansker.no", supplier, Role.ADMIN),
    }
    return Engagements(oslo, bergen, firm, other_firm, supplier, other_supplier, tokens)


def ok(body: dict[str, Any], field: str) -> Any:
    assert not body.get("errors"), body
    return body["data"][field]


def contract(client: TestClient, w: Engagements, body: str, supplier: str) -> str:
    created = gql(client, CREATE_CONTRACT, w.tokens[body], {"s": supplier})
    contract_id: str = ok(created, "createContract")["id"]
    return contract_id


def engage(
    client: TestClient,
    w: Engagements,
    body: str = "oslo",
    auditor: str | None = None,
    *,
    report: str | None = None,
    contract_id: str | None = None,
) -> dict[str, Any]:
    variables = {"a": auditor or w.firm, "r": report, "c": contract_id}
    return gql(client, ENGAGE, w.tokens[body], variables)


def create_as(
    client: TestClient,
    w: Engagements,
    token: str,
    *,
    commissioned_by: str | None = None,
    supplier: str | None = None,
    auditor: str | None = None,
) -> dict[str, Any]:
    report_input: dict[str, Any] = {
        "title": "Inspection of glove factory",
        "reportType": "INSPECTION_ABROAD",
        "supplierId": supplier or w.supplier,
    }
    if commissioned_by is not None:
        report_input["commissionedById"] = commissioned_by
    if auditor is not None:
        report_input["auditorId"] = auditor
    return gql(client, CREATE, w.tokens[token], {"i": report_input})


def create_for_oslo(client: TestClient, w: Engagements, **kwargs: Any) -> dict[str, Any]:
    """The firm writes a new report commissioned by Oslo."""
    return create_as(client, w, "firm", commissioned_by=w.oslo, **kwargs)


def report_count(world: World) -> int:
    with db.transaction(world.factory) as session:
        return session.scalar(select(func.count()).select_from(AuditReport)) or 0


def test_an_unengaged_firm_is_refused_and_nothing_is_written(
    client: TestClient, world: World, w: Engagements
) -> None:
    contract(client, w, "oslo", w.supplier)
    body = create_for_oslo(client, w)
    assert error_codes(body) == ["FORBIDDEN"]
    error = body["errors"][0]
    assert "has not engaged your firm" in error["message"]
    assert "engageAuditor" in error["message"]
    assert error["extensions"]["field"] == "commissionedById"
    assert report_count(world) == 0
    assert ok(gql(client, LIST, w.tokens["firm"]), "auditorEngagements") == []


@pytest.mark.parametrize("scope", ["contract", "general"])
def test_engaging_lets_the_firm_write_and_ending_stops_it(
    client: TestClient, world: World, w: Engagements, scope: str
) -> None:
    contract_id = contract(client, w, "oslo", w.supplier)
    engaged = ok(
        engage(client, w, contract_id=contract_id if scope == "contract" else None),
        "engageAuditor",
    )
    assert engaged["auditor"] == {"id": w.firm, "name": "Revisjon AS"}
    assert engaged["body"] == {"id": w.oslo, "name": "Oslo kommune"}
    assert engaged["contractId"] == (contract_id if scope == "contract" else None)
    assert engaged["reportId"] is None
    assert engaged["endedAt"] is None
    created = ok(create_for_oslo(client, w), "createAuditReport")
    assert created["auditor"] == {"id": w.firm}
    assert ok(gql(client, ADD_FINDING, w.tokens["firm"], {"r": created["id"]}), "addFinding")

    ended = ok(gql(client, END, w.tokens["oslo"], {"id": engaged["id"]}), "endAuditorEngagement")
    assert ended["endedAt"] is not None
    assert error_codes(create_for_oslo(client, w)) == ["FORBIDDEN"]
    refused = gql(client, ADD_FINDING, w.tokens["firm"], {"r": created["id"]})
    assert error_codes(refused) == ["FORBIDDEN"]
    assert "has not engaged your firm for this report" in refused["errors"][0]["message"]
    assert error_codes(gql(client, SUBMIT, w.tokens["firm"], {"id": created["id"]})) == [
        "FORBIDDEN"
    ]
    assert report_count(world) == 1


def test_a_contract_engagement_covers_that_contracts_supplier_only(
    client: TestClient, w: Engagements
) -> None:
    gloves = contract(client, w, "oslo", w.supplier)
    contract(client, w, "oslo", w.other_supplier)
    ok(engage(client, w, contract_id=gloves), "engageAuditor")
    assert ok(create_for_oslo(client, w), "createAuditReport")
    assert error_codes(create_for_oslo(client, w, supplier=w.other_supplier)) == ["FORBIDDEN"]


def test_a_general_engagement_covers_suppliers_under_contract_only(
    client: TestClient, w: Engagements
) -> None:
    ok(engage(client, w), "engageAuditor")
    assert error_codes(create_for_oslo(client, w)) == ["FORBIDDEN"]  # no contract yet
    contract(client, w, "oslo", w.supplier)
    assert ok(create_for_oslo(client, w), "createAuditReport")
    assert error_codes(create_for_oslo(client, w, supplier=w.other_supplier)) == ["FORBIDDEN"]


def test_an_engagement_by_one_body_does_not_cover_another(
    client: TestClient, w: Engagements
) -> None:
    contract(client, w, "oslo", w.supplier)
    contract(client, w, "bergen", w.supplier)
    ok(engage(client, w, "oslo"), "engageAuditor")
    assert ok(create_for_oslo(client, w), "createAuditReport")
    for_bergen = create_as(client, w, "firm", commissioned_by=w.bergen)
    assert error_codes(for_bergen) == ["FORBIDDEN"]
    # Nor does it cover another firm.
    by_other_firm = create_as(client, w, "other_firm", commissioned_by=w.oslo)
    assert error_codes(by_other_firm) == ["FORBIDDEN"]


def test_a_body_naming_its_auditor_engages_it_for_that_report_only(
    client: TestClient, w: Engagements
) -> None:
    first = ok(create_as(client, w, "oslo", auditor=w.firm), "createAuditReport")["id"]
    second = ok(create_as(client, w, "oslo", auditor=w.firm), "createAuditReport")["id"]
    listed = ok(gql(client, LIST, w.tokens["oslo"]), "auditorEngagements")
    assert [(e["reportId"], e["auditor"]["id"], e["body"]["id"]) for e in listed] == [
        (first, w.firm, w.oslo),
        (second, w.firm, w.oslo),
    ]
    # Oslo ends the engagement for the second report only.
    ok(gql(client, END, w.tokens["oslo"], {"id": listed[1]["id"]}), "endAuditorEngagement")
    assert ok(gql(client, ADD_FINDING, w.tokens["firm"], {"r": first}), "addFinding")
    refused = gql(client, ADD_FINDING, w.tokens["firm"], {"r": second})
    assert error_codes(refused) == ["FORBIDDEN"]
    assert "engageAuditor" in refused["errors"][0]["message"]
    # A report engagement is no licence for new reports on the supplier.
    assert error_codes(create_for_oslo(client, w)) == ["FORBIDDEN"]
    # Engaged again for that report, the firm writes to it again.
    again = ok(engage(client, w, report=second), "engageAuditor")
    assert again["reportId"] == second
    assert ok(gql(client, ADD_FINDING, w.tokens["firm"], {"r": second}), "addFinding")


def test_upload_by_an_unengaged_firm_is_refused(
    client: TestClient, world: World, w: Engagements
) -> None:
    report_id = ok(create_as(client, w, "oslo", auditor=w.firm), "createAuditReport")["id"]
    [engagement] = ok(gql(client, LIST, w.tokens["oslo"]), "auditorEngagements")
    uploaded = upload(client, w.tokens["firm"], report_id, "photo.png", png_bytes(), "RESTRICTED")
    assert not uploaded.get("errors"), uploaded
    ok(gql(client, END, w.tokens["oslo"], {"id": engagement["id"]}), "endAuditorEngagement")
    refused = upload(client, w.tokens["firm"], report_id, "again.png", png_bytes(), "RESTRICTED")
    assert error_codes(refused) == ["FORBIDDEN"]
    with db.transaction(world.factory) as session:
        filenames = session.scalars(
            select(Document.filename).where(Document.report_id == report_id)
        ).all()
    assert filenames == ["photo.png"]


def test_the_body_itself_needs_no_engagement(client: TestClient, w: Engagements) -> None:
    report_id = ok(create_as(client, w, "oslo"), "createAuditReport")["id"]
    assert ok(gql(client, ADD_FINDING, w.tokens["oslo"], {"r": report_id}), "addFinding")
    assert ok(gql(client, LIST, w.tokens["oslo"]), "auditorEngagements") == []


@pytest.mark.parametrize("token", ["oslo_viewer", "oslo_auditor", "firm_admin", "supplier_admin"])
def test_only_buyers_engage(client: TestClient, w: Engagements, token: str) -> None:
    contract(client, w, "oslo", w.supplier)
    body = gql(client, ENGAGE, w.tokens[token], {"a": w.firm})
    assert error_codes(body) == ["FORBIDDEN"]


def test_a_contract_manager_engages(client: TestClient, w: Engagements) -> None:
    assert ok(engage(client, w, "oslo_cm"), "engageAuditor")["body"]["id"] == w.oslo


def test_bad_input_names_the_field(client: TestClient, w: Engagements) -> None:
    oslo_contract = contract(client, w, "oslo", w.supplier)
    bergen_contract = contract(client, w, "bergen", w.supplier)
    bergen_report = ok(create_as(client, w, "bergen", auditor=w.firm), "createAuditReport")["id"]
    oslo_report = ok(create_as(client, w, "oslo"), "createAuditReport")["id"]
    cases = [
        ({"auditor": w.supplier}, "auditorId"),
        ({"auditor": w.bergen}, "auditorId"),
        ({"auditor": "00000000-0000-7000-8000-000000000000"}, "auditorId"),
        ({"contract_id": bergen_contract}, "contractId"),
        ({"contract_id": "nope"}, "contractId"),
        ({"report": bergen_report}, "reportId"),
        ({"report": oslo_report}, "reportId"),  # names no auditor firm
        ({"report": oslo_report, "contract_id": oslo_contract}, "contractId"),
    ]
    for arguments, field in cases:
        body = engage(client, w, **arguments)
        assert error_codes(body) == ["BAD_USER_INPUT"], (arguments, body)
        assert body["errors"][0]["extensions"]["field"] == field, (arguments, body)
    # Another body's report reads like a missing one.
    missing = engage(client, w, report="00000000-0000-7000-8000-000000000000")
    other = engage(client, w, report=bergen_report)
    assert missing["errors"][0]["message"] == other["errors"][0]["message"]


def test_engaging_is_idempotent_and_logged(
    client: TestClient, world: World, w: Engagements
) -> None:
    contract(client, w, "oslo", w.supplier)
    first = ok(engage(client, w), "engageAuditor")
    second = ok(engage(client, w, "oslo_cm"), "engageAuditor")
    assert second["id"] == first["id"]
    assert len(ok(gql(client, LIST, w.tokens["oslo"]), "auditorEngagements")) == 1
    ok(gql(client, END, w.tokens["oslo"], {"id": first["id"]}), "endAuditorEngagement")
    ended_again = ok(
        gql(client, END, w.tokens["oslo"], {"id": first["id"]}), "endAuditorEngagement"
    )
    renewed = ok(engage(client, w), "engageAuditor")
    assert renewed["id"] != first["id"]
    with db.transaction(world.factory) as session:
        entries = [
            (entry.action, entry.subject_id, entry.actor_org_id, entry.detail)
            for entry in session.scalars(select(AuditLogEntry).order_by(AuditLogEntry.seq))
        ]
        assert audit_log.verify(session).ok
        rows = session.scalar(select(func.count()).select_from(AuditorEngagement))
    detail = {"bodyId": w.oslo, "auditorId": w.firm, "reportId": None, "contractId": None}
    assert entries == [
        ("auditor_engaged", first["id"], w.oslo, detail),
        ("auditor_engagement_ended", first["id"], w.oslo, detail),
        ("auditor_engaged", renewed["id"], w.oslo, detail),
    ]
    assert rows == 2
    assert ended_again["endedAt"] is not None


def test_who_sees_and_ends_an_engagement(client: TestClient, w: Engagements) -> None:
    engaged = ok(engage(client, w), "engageAuditor")
    mine = ok(gql(client, LIST, w.tokens["firm"]), "auditorEngagements")
    assert [(e["id"], e["body"]["id"]) for e in mine] == [(engaged["id"], w.oslo)]
    for outsider in ("bergen", "other_firm", "supplier_admin"):
        assert ok(gql(client, LIST, w.tokens[outsider]), "auditorEngagements") == []
    assert error_codes(gql(client, LIST)) == ["UNAUTHENTICATED"]
    by_firm = gql(client, END, w.tokens["firm_admin"], {"id": engaged["id"]})
    assert error_codes(by_firm) == ["FORBIDDEN"]
    by_other_body = gql(client, END, w.tokens["bergen"], {"id": engaged["id"]})
    assert error_codes(by_other_body) == ["NOT_FOUND"]
    missing = gql(client, END, w.tokens["bergen"], {"id": "nope"})
    assert missing["errors"][0]["message"] == by_other_body["errors"][0]["message"]
    still = ok(gql(client, LIST, w.tokens["oslo"]), "auditorEngagements")
    assert still[0]["endedAt"] is None


def test_the_demo_auditors_are_engaged_by_the_bodies_they_write_for(
    client: TestClient, world: World
) -> None:
    with db.transaction(world.factory) as session:
        demo = seed_demo(session)
    orgs = demo.organizations
    firm = world.token("revisor@etiskrevisjon.no", orgs["auditor_no"])
    listed = ok(gql(client, LIST, firm), "auditorEngagements")
    assert sorted(e["body"]["id"] for e in listed) == sorted([orgs["oslo"], orgs["trondheim"]])
    draft = demo.reports["system_audit"]  # Trondheim's, written by the firm
    assert ok(gql(client, ADD_FINDING, firm, {"r": draft}), "addFinding")
    new_report = {
        "title": "Follow-up inspection",
        "reportType": "INSPECTION_ABROAD",
        "supplierId": orgs["glove_no"],
    }
    for_oslo = gql(client, CREATE, firm, {"i": {**new_report, "commissionedById": orgs["oslo"]}})
    assert ok(for_oslo, "createAuditReport")
    for_bergen = gql(
        client, CREATE, firm, {"i": {**new_report, "commissionedById": orgs["bergen"]}}
    )
    assert error_codes(for_bergen) == ["FORBIDDEN"]
    swedish = world.token("revisor@hallbarhetsgranskning.se", orgs["auditor_se"])
    [stockholm] = ok(gql(client, LIST, swedish), "auditorEngagements")
    assert stockholm["body"]["id"] == orgs["stockholm"]
