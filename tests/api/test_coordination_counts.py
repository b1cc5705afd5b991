"""N+1 guard for the coordinator's board: one GraphQL query for every focus
area of a network, its responsible body and its overview, issues the same
statements for 5 focus areas as for 50."""

from __future__ import annotations

import datetime as dt

from starlette.testclient import TestClient

from domain.enums import (
    AuditReportStatus,
    AuditReportType,
    NetworkKind,
    OrganizationKind,
    Requirement,
    Role,
    Severity,
    ShareScope,
)
from storage import db
from storage.models import (
    AuditReport,
    CorrectiveAction,
    Finding,
    FocusArea,
    Network,
    NetworkParticipant,
)
from tests.api.test_query_counts import counted
from tests.conftest import World, gql

BOARD = """
query($n: ID!, $first: Int!) {
  focusAreas(networkId: $n, first: $first) { edges { node {
    title periodStart periodEnd responsibleBody { name } network { name }
    overview { auditsPlanned auditsUnderWay auditsDone
               findings { requirement severity count }
               openCorrectiveActions overdueCorrectiveActions }
  } } }
}
"""


def seed_board(world: World, count: int) -> tuple[str, str]:
    """A national network with `count` focus areas, each followed up by one of
    two regions with a published inspection (two findings, one overdue action)."""
    coordinator = world.org("Sekretariatet", OrganizationKind.COORDINATOR, "SE")
    regions = [world.org(f"Region {n}", country="SE") for n in range(2)]
    supplier = world.org("Handskar AB", OrganizationKind.SUPPLIER, "SE")
    token = world.user("samordnare@sekretariatet.se", coordinator, Role.COORDINATOR)
    with db.transaction(world.factory) as session:
        network = Network(name="Nationell", kind=NetworkKind.NATIONAL_NETWORK, lead_id=coordinator)
        session.add(network)
        session.flush()
        for region in regions:
            session.add(NetworkParticipant(network_id=network.id, organization_id=region))
        for n in range(count):
            region = regions[n % 2]
            area = FocusArea(
                network_id=network.id,
                title=f"Area {n}",
                product_category="medical-gloves",
                period_start=dt.date(2027, 1, 1),
                period_end=dt.date(2027, 12, 31),
                responsible_body_id=region,
                created_by_id=coordinator,
                planned_audits=2,
            )
            session.add(area)
            session.flush()
            report = AuditReport(
                title=f"Inspection {n}",
                report_type=AuditReportType.INSPECTION_ABROAD,
                status=AuditReportStatus.PUBLISHED,
                share_scope=ShareScope.NETWORK,
                network_id=network.id,
                commissioned_by_id=region,
                supplier_id=supplier,
                focus_area_id=area.id,
            )
            session.add(report)
            session.flush()
            for position, severity in enumerate((Severity.CRITICAL, Severity.MINOR)):
                finding = Finding(
                    report_id=report.id,
                    position=position,
                    requirement=Requirement.ILO_C29,
                    severity=severity,
                )
                session.add(finding)
                session.flush()
                due = dt.date(2020, 1, 31) if position == 0 else dt.date(2099, 1, 31)
                action = CorrectiveAction(finding_id=finding.id, description="fix", due_date=due)
                session.add(action)
        return network.id, token


def test_the_board_takes_as_many_statements_for_50_focus_areas_as_for_5(
    client: TestClient, world: World
) -> None:
    network, token = seed_board(world, 50)
    gql(client, BOARD, token, {"n": network, "first": 1})  # warm caches unrelated to size
    counts = {}
    for size in (5, 50):
        with counted(client) as statements:
            body = gql(client, BOARD, token, {"n": network, "first": size})
        edges = body["data"]["focusAreas"]["edges"]
        assert len(edges) == size, body.get("errors")
        overview = edges[-1]["node"]["overview"]
        assert overview["auditsDone"] == 1 and overview["auditsPlanned"] == 2
        assert overview["openCorrectiveActions"] == 2
        assert overview["overdueCorrectiveActions"] == 1
        assert {(f["severity"], f["count"]) for f in overview["findings"]} == {
            ("CRITICAL", 1),
            ("MINOR", 1),
        }
        counts[size] = len(statements)
    assert counts[5] == counts[50], counts
    assert counts[50] <= 14, counts
    print(f"board statements: {counts}")
