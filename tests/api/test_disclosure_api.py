"""The disclosure kernel through the API: default deny, what the guard reads,
reads logged from what was disclosed, and publishing built once."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select
from starlette.testclient import TestClient

from services import audit_reports, report_publishing
from storage import db
from storage.models import AuditLogEntry
from tests.conftest import World, error_codes, gql
from tests.reports_world import (
    ADD_FINDING,
    build_reports_world,
    create_inspection,
    read_report,
    submit_and_publish,
)


def audit_actions(world: World) -> list[tuple[str, str, str | None]]:
    with db.transaction(world.factory) as session:
        return [
            (entry.action, entry.subject_type, entry.actor_org_id)
            for entry in session.scalars(select(AuditLogEntry).order_by(AuditLogEntry.seq))
        ]


def test_a_value_without_a_rule_never_reaches_the_response(
    client: TestClient, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A column added to the model (here: to the values the service reads) without
    a rule in the policy is withheld and listed, even for the strongest viewer."""
    w = build_reports_world(client, world)
    report_id = create_inspection(client, w)
    original = audit_reports.report_values

    def with_new_column(*args: Any) -> dict[str, Any]:
        values = original(*args)
        values["internal_margin"] = "SECRET-MARGIN-42"
        return values

    monkeypatch.setattr(audit_reports, "report_values", with_new_column)
    body = read_report(client, w.tokens["oslo_cm"], report_id)
    report = body["data"]["auditReport"]
    assert "internalMargin" in report["redactedFields"]
    assert "SECRET-MARGIN-42" not in str(body)
    assert report["workerInterviews"]  # the ruled fields are still there


def test_a_field_whose_rule_is_removed_is_withheld(client: TestClient, world: World) -> None:
    from authz import records

    w = build_reports_world(client, world)
    report_id = create_inspection(client, w)
    policy = records.AUDIT_REPORT
    ruled = policy.fields
    object.__setattr__(policy, "fields", {k: v for k, v in ruled.items() if k != "summary"})
    try:
        report = read_report(client, w.tokens["oslo"], report_id)["data"]["auditReport"]
    finally:
        object.__setattr__(policy, "fields", ruled)
    assert report["summary"] is None
    assert "summary" in report["redactedFields"]


def test_evidence_the_supplier_reads_is_guarded_at_any_scope(
    client: TestClient, world: World
) -> None:
    w = build_reports_world(client, world)
    report_id = create_inspection(client, w)
    finding = {
        "requirement": "WAGES",
        "severity": "MAJOR",
        "evidence": "Payslip of worker 15076500565 shows the deduction.",
    }
    added = gql(client, ADD_FINDING, w.tokens["auditor"], {"r": report_id, "input": finding})
    assert added.get("data"), added
    body = submit_and_publish(client, w, report_id, "PRIVATE")
    assert error_codes(body) == ["PERSONAL_DATA_DETECTED"]
    assert body["errors"][0]["extensions"]["field"] == "findings.1.evidence"
    assert "15076500565" not in body["errors"][0]["message"]


def test_a_private_publish_guards_the_text_the_supplier_reads(
    client: TestClient, world: World
) -> None:
    w = build_reports_world(client, world)
    report_id = create_inspection(client, w, summary="Call the manager on +47 412 34 567.")
    body = submit_and_publish(client, w, report_id, "PRIVATE")
    assert error_codes(body) == ["PERSONAL_DATA_DETECTED"]
    assert body["errors"][0]["extensions"]["field"] == "summary"
    status = read_report(client, w.tokens["oslo"], report_id)["data"]["auditReport"]["status"]
    assert status == "SUBMITTED"  # nothing changed


def test_texts_only_the_parties_read_are_not_guarded(client: TestClient, world: World) -> None:
    """Commercial notes (RESTRICTED) and worker interviews (PERSONAL) stay with the
    commissioning body and its auditor: personal data there is expected."""
    w = build_reports_world(client, world)
    report_id = create_inspection(
        client, w, workerInterviews="Worker Kari, kari@example.no, +47 412 34 567."
    )
    body = submit_and_publish(client, w, report_id, "NETWORK", w.network)
    assert body.get("data"), body


def test_publishing_builds_the_report_values_once(
    client: TestClient, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    w = build_reports_world(client, world)
    report_id = create_inspection(client, w)
    calls: list[int] = []
    original = report_publishing.load_values

    async def counted(*args: Any) -> Any:
        calls.append(1)
        return await original(*args)

    monkeypatch.setattr(report_publishing, "load_values", counted)
    body = submit_and_publish(client, w, report_id, "NETWORK", w.network)
    assert body.get("data"), body
    assert len(calls) == 1


def test_searching_a_restricted_field_is_a_logged_read(client: TestClient, world: World) -> None:
    w = build_reports_world(client, world)
    report_id = create_inspection(client, w)
    submit_and_publish(client, w, report_id, "NETWORK", w.network)
    query = "query($t: String) { auditReports(filter: {text: $t}) { edges { node { id } } } }"
    before = audit_actions(world)
    member = gql(client, query, w.tokens["bergen"], {"t": "glove"})  # SHARED only
    assert [edge["node"]["id"] for edge in member["data"]["auditReports"]["edges"]] == [report_id]
    assert audit_actions(world) == before
    party = gql(client, query, w.tokens["oslo"], {"t": "glove"})
    assert [edge["node"]["id"] for edge in party["data"]["auditReports"]["edges"]] == [report_id]
    assert audit_actions(world)[len(before) :] == [("read_restricted", "audit_report", w.oslo)]
    gql(client, query, w.tokens["oslo_cm"], {"t": "glove"})  # reads PERSONAL too
    assert audit_actions(world)[-1] == ("read_personal", "audit_report", w.oslo)
