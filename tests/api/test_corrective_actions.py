"""Corrective actions answered once: the audited supplier reports progress and
completion with evidence, the commissioning body verifies (or reopens); a network
member sees the progress but never the withheld evidence; overdue follows from
the due date."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from fpdf import FPDF
from sqlalchemy import select, update
from starlette.testclient import TestClient

from storage import db
from storage.models import CorrectiveAction
from tests.conftest import World, error_codes, gql
from tests.reports_world import (
    ReportsWorld,
    build_reports_world,
    create_inspection,
    submit_and_publish,
)

ACTION = """
  status dueDate
  history { step status note createdAt evidenceDocumentIds organization { name } }
"""
RESPOND = f"""
mutation($f: ID!, $note: String!, $done: Boolean!) {{
  respondToCorrectiveAction(findingId: $f, note: $note, done: $done) {{ {ACTION} }}
}}
"""
VERIFY = f"""
mutation($f: ID!, $ok: Boolean!, $note: String) {{
  verifyCorrectiveAction(findingId: $f, accepted: $ok, note: $note) {{ {ACTION} }}
}}
"""
EVIDENCE = """
mutation($f: ID!, $file: Upload!) {
  uploadCorrectiveActionEvidence(findingId: $f, file: $file) { id filename classification }
}
"""
READ = f"""
query($id: ID!) {{
  auditReport(id: $id) {{
    redactedFields
    documents {{ id filename classification }}
    findings {{ id correctiveAction {{ {ACTION} }} }}
  }}
}}
"""


def evidence_pdf() -> bytes:
    pdf = FPDF()
    pdf.add_page()
    pdf.set_font("Helvetica", size=12)
    pdf.cell(text="Receipts for reimbursed recruitment fees.")
    return bytes(pdf.output())


def upload_evidence(client: TestClient, token: str, finding_id: str) -> dict[str, Any]:
    operations = {"query": EVIDENCE, "variables": {"f": finding_id, "file": None}}
    response = client.post(
        "/graphql",
        data={"operations": json.dumps(operations), "map": json.dumps({"0": ["variables.file"]})},
        files={"0": ("receipts.pdf", evidence_pdf(), "application/pdf")},
        headers={"Authorization": f"Bearer {token}"},
    )
    body: dict[str, Any] = response.json()
    return body


def published(client: TestClient, world: World, **overrides: Any) -> tuple[ReportsWorld, str, str]:
    w = build_reports_world(client, world)
    report_id = create_inspection(client, w, **overrides)
    shared = submit_and_publish(client, w, report_id, "NETWORK", w.network)
    assert shared.get("data"), shared
    body = gql(client, READ, w.tokens["oslo"], {"id": report_id})
    finding_id: str = body["data"]["auditReport"]["findings"][0]["id"]
    return w, report_id, finding_id


def action_as(client: TestClient, token: str, report_id: str) -> dict[str, Any]:
    body = gql(client, READ, token, {"id": report_id})
    assert not body.get("errors"), body
    report = body["data"]["auditReport"]
    action: dict[str, Any] = report["findings"][0]["correctiveAction"]
    return {**action, "documents": report["documents"]}


def test_supplier_answers_body_verifies_member_sees_progress_not_evidence(
    world: World, client: TestClient
) -> None:
    w, report_id, finding_id = published(client, world)
    supplier, oslo, bergen = w.tokens["supplier"], w.tokens["oslo"], w.tokens["bergen"]

    progress = gql(
        client, RESPOND, supplier, {"f": finding_id, "note": "Half repaid.", "done": False}
    )
    assert progress["data"]["respondToCorrectiveAction"]["status"] == "IN_PROGRESS", progress

    # Done needs evidence first.
    early = gql(client, RESPOND, supplier, {"f": finding_id, "note": "All repaid.", "done": True})
    assert error_codes(early) == ["BAD_USER_INPUT"]
    assert "uploadCorrectiveActionEvidence" in early["errors"][0]["message"]

    uploaded = upload_evidence(client, supplier, finding_id)
    assert not uploaded.get("errors"), uploaded
    document = uploaded["data"]["uploadCorrectiveActionEvidence"]
    assert document["classification"] == "RESTRICTED"

    done = gql(client, RESPOND, supplier, {"f": finding_id, "note": "All repaid.", "done": True})
    answered = done["data"]["respondToCorrectiveAction"]
    assert answered["status"] == "DONE"
    assert answered["history"][-1]["evidenceDocumentIds"] == [document["id"]]

    # Only the commissioning body verifies; not the network member, not the supplier.
    for token in (bergen, supplier):
        refused = gql(client, VERIFY, token, {"f": finding_id, "ok": True})
        assert error_codes(refused) == ["FORBIDDEN"], refused
    verified = gql(client, VERIFY, oslo, {"f": finding_id, "ok": True, "note": "Receipts seen."})
    assert verified["data"]["verifyCorrectiveAction"]["status"] == "VERIFIED", verified

    steps = ["PROGRESS", "EVIDENCE", "DONE", "VERIFIED"]
    # The commissioning body reads everything, evidence included.
    body_view = action_as(client, oslo, report_id)
    assert [e["step"] for e in body_view["history"]] == steps
    assert body_view["history"][1]["evidenceDocumentIds"] == [document["id"]]
    assert document["id"] in {d["id"] for d in body_view["documents"]}

    # The network member reads the progress and notes, never the evidence.
    member_view = action_as(client, bergen, report_id)
    assert [e["step"] for e in member_view["history"]] == steps
    assert [e["note"] for e in member_view["history"]] == [
        "Half repaid.",
        None,
        "All repaid.",
        "Receipts seen.",
    ]
    assert all(e["evidenceDocumentIds"] is None for e in member_view["history"])
    assert document["id"] not in {d["id"] for d in member_view["documents"]}
    assert member_view["status"] == "VERIFIED"
    redacted = gql(client, READ, bergen, {"id": report_id})["data"]["auditReport"]
    assert "findings.0.correctiveAction.history.1.evidenceDocumentIds" in redacted["redactedFields"]

    # An outsider sees nothing of it.
    outsider = gql(client, READ, w.tokens["trondheim"], {"id": report_id})
    assert outsider["data"]["auditReport"] is None

    # Verified is final for the supplier; the body may reopen with a note.
    again = gql(client, RESPOND, supplier, {"f": finding_id, "note": "More.", "done": False})
    assert error_codes(again) == ["CONFLICT"]
    silent = gql(client, VERIFY, oslo, {"f": finding_id, "ok": False})
    assert error_codes(silent) == ["BAD_USER_INPUT"]
    reopened = gql(
        client, VERIFY, oslo, {"f": finding_id, "ok": False, "note": "Two workers unpaid."}
    )
    assert reopened["data"]["verifyCorrectiveAction"]["status"] == "OPEN"


def test_overdue_follows_from_the_due_date_and_notes_stay_free_of_personal_data(
    world: World, client: TestClient
) -> None:
    w, report_id, finding_id = published(client, world)
    # The inspection's action is due 2027-01-31: not overdue yet.
    assert action_as(client, w.tokens["bergen"], report_id)["status"] == "OPEN"
    leaked = gql(
        client,
        RESPOND,
        w.tokens["supplier"],
        {"f": finding_id, "note": "Ask kari.nordmann@example.com", "done": False},
    )
    assert error_codes(leaked) == ["PERSONAL_DATA_DETECTED"]
    assert leaked["errors"][0]["extensions"] == {
        "code": "PERSONAL_DATA_DETECTED",
        "field": "note",
        "personalData": {"EMAIL": 1},
    }
    # A body that is not the report's party cannot answer for the supplier.
    body = gql(client, RESPOND, w.tokens["bergen"], {"f": finding_id, "note": "x", "done": False})
    assert error_codes(body) == ["FORBIDDEN"]
    missing = gql(client, RESPOND, w.tokens["supplier"], {"f": "nope", "note": "x", "done": False})
    assert error_codes(missing) == ["NOT_FOUND"]


def test_a_past_due_date_reads_overdue(world: World, client: TestClient) -> None:
    w = build_reports_world(client, world)
    report_id = create_inspection(client, w)
    # Move the due date into the past directly: overdue is computed, never stored.
    with db.transaction(world.factory) as session:
        session.execute(update(CorrectiveAction).values(due_date=dt.date(2020, 1, 1)))
    shared = submit_and_publish(client, w, report_id, "NETWORK", w.network)
    assert shared.get("data"), shared
    assert action_as(client, w.tokens["bergen"], report_id)["status"] == "OVERDUE"
    with db.transaction(world.factory) as session:
        stored = session.scalars(select(CorrectiveAction.status)).one()
    assert stored.value == "OPEN"
