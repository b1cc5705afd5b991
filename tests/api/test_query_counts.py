"""N+1 guard: the statements a report list issues do not grow with page size."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import event
from starlette.testclient import TestClient

from domain.enums import AuditReportType, OrganizationKind, Requirement, Role, Severity
from storage import db
from storage.models import (
    AuditReport,
    AuditReportFacility,
    CorrectiveAction,
    Document,
    Facility,
    Finding,
)
from tests.conftest import World, gql

LIST = """
query($n: Int!) {
  auditReports(first: $n) {
    totalCount
    edges { node {
      id title summary redactedFields
      supplier { name } commissionedBy { name } auditor { name } network { name }
      facilities { name country }
      findings { requirement severity evidence correctiveAction { status } }
      documents { filename downloadUrl }
    } }
  }
}
"""


@contextmanager
def counted(client: TestClient) -> Iterator[list[str]]:
    statements: list[str] = []
    engine = client.app.state.services.async_engine.sync_engine  # type: ignore[attr-defined]

    def record(*args: Any) -> None:
        statements.append(args[2])

    event.listen(engine, "before_cursor_execute", record)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", record)


def seed_reports(world: World, commissioner: str, count: int) -> None:
    supplier = world.org("Hansker AS", kind=OrganizationKind.SUPPLIER)
    auditor = world.org("Revisjon AS", kind=OrganizationKind.AUDITOR)
    with db.transaction(world.factory) as session:
        for n in range(count):
            facility = Facility(name=f"Factory {n}", country="MY", dedup_key=f"my|factory {n}")
            report = AuditReport(
                title=f"Report {n}",
                report_type=AuditReportType.SYSTEM_AUDIT,
                commissioned_by_id=commissioner,
                auditor_id=auditor,
                supplier_id=supplier,
                summary="summary",
            )
            session.add_all([facility, report])
            session.flush()
            session.add(AuditReportFacility(report_id=report.id, facility_id=facility.id))
            for position in range(2):
                finding = Finding(
                    report_id=report.id,
                    position=position,
                    requirement=Requirement.WAGES,
                    severity=Severity.MINOR,
                    evidence="ledger",
                )
                session.add(finding)
                session.flush()
                session.add(CorrectiveAction(finding_id=finding.id, description="fix"))
            session.add(
                Document(
                    report_id=report.id,
                    owner_id=commissioner,
                    filename=f"doc{n}.pdf",
                    content_type="application/pdf",
                    size=1,
                    sha256="0" * 64,
                    object_key=f"{commissioner}/{'0' * 64}",
                    classification="SHARED",
                )
            )


def test_statement_count_is_the_same_for_5_and_100_reports(
    client: TestClient, world: World
) -> None:
    oslo = world.org("Oslo kommune")
    token = world.user("kontrakt@oslo.no", oslo, Role.CONTRACT_MANAGER)
    seed_reports(world, oslo, 100)
    gql(client, LIST, token, {"n": 1})  # warm caches unrelated to page size

    counts = {}
    for size in (5, 100):
        with counted(client) as statements:
            body = gql(client, LIST, token, {"n": size})
        assert len(body["data"]["auditReports"]["edges"]) == size, body.get("errors")
        node = body["data"]["auditReports"]["edges"][-1]["node"]
        assert len(node["findings"]) == 2 and node["facilities"] and node["documents"]
        counts[size] = len(statements)
    assert counts[5] == counts[100], counts
    assert counts[100] <= 17, counts  # 16, and one for the corrective actions' history


def test_the_history_of_corrective_actions_is_read_only_when_selected(
    client: TestClient, world: World
) -> None:
    oslo = world.org("Oslo kommune")
    token = world.user("kontrakt@oslo.no", oslo, Role.CONTRACT_MANAGER)
    seed_reports(world, oslo, 3)
    query = """
    query($n: Int!) { auditReports(first: $n) { edges { node {
      redactedFields findings { correctiveAction { status %s } }
    } } } }
    """
    answers = {}
    for extra in ("", "history { step note }"):
        with counted(client) as statements:
            body = gql(client, query % extra, token, {"n": 3})
        events = [s for s in statements if "FROM corrective_action_events" in s]
        assert len(events) == (1 if extra else 0), statements
        answers[extra] = body["data"]["auditReports"]["edges"]
    with_history = answers["history { step note }"]
    assert [n["node"]["findings"][0]["correctiveAction"]["history"] for n in with_history] == [
        [],
        [],
        [],
    ]
    # What else the viewer reads does not depend on it (withheld paths included).
    for plain, full in zip(answers[""], with_history, strict=True):
        assert plain["node"]["redactedFields"] == full["node"]["redactedFields"]
        statuses = [f["correctiveAction"]["status"] for f in full["node"]["findings"]]
        assert [f["correctiveAction"]["status"] for f in plain["node"]["findings"]] == statuses


def test_a_pages_suppliers_are_read_with_the_page(client: TestClient, world: World) -> None:
    oslo = world.org("Oslo kommune")
    token = world.user("kontrakt@oslo.no", oslo, Role.CONTRACT_MANAGER)
    seed_reports(world, oslo, 3)
    query = "{ auditReports(first: 3) { edges { node { title %s } } } }"
    with counted(client) as statements:
        body = gql(client, query % "supplier { name kind }", token)
    suppliers = [edge["node"]["supplier"] for edge in body["data"]["auditReports"]["edges"]]
    assert suppliers == [{"name": "Hansker AS", "kind": "SUPPLIER"}] * 3, body
    assert not [s for s in statements if "FROM organizations" in s], statements  # no loader's
    pages = [s for s in statements if "FROM audit_reports" in s]
    assert len(pages) == 1 and "JOIN organizations AS supplier" in pages[0], statements
    with counted(client) as without:
        gql(client, query % "", token)
    assert not [s for s in without if "organizations AS supplier" in s], without
