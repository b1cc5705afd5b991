"""National coordination end to end: a coordinator opens "Surgical gloves 2027"
and assigns Region Värmland; Värmland commissions an on-site inspection abroad
through its engaged auditor firm; once published, every member of the network
sees the shared result and a non-member does not; publishing it narrower than
the network is refused."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from starlette.testclient import TestClient

from domain.enums import OrganizationKind, Role
from storage import db
from storage.models import AuditLogEntry, Facility
from tests.conftest import World, error_codes, gql
from tests.reports_world import ADD_FINDING, CREATE

CREATE_AREA = """
mutation($input: FocusAreaInput!) {
  createFocusArea(input: $input) { id title productCategory plannedAudits responsibleBody { id } }
}"""
ASSIGN = """
mutation($id: ID!, $body: ID!) {
  assignFocusArea(id: $id, responsibleBodyId: $body) { id responsibleBody { name } }
}"""
PUBLISH = """
mutation($id: ID!, $s: ShareScope!, $n: ID) {
  publishAuditReport(id: $id, shareScope: $s, networkId: $n) { status shareScope network { id } }
}"""
READ = """query($id: ID!) { auditReport(id: $id) {
  id summary commercialNotes redactedFields focusArea { title responsibleBody { name } }
  findings { requirement severity description correctiveAction { status dueDate } } } }"""
OVERVIEW = """query($n: ID) { focusAreas(networkId: $n) { edges { node {
  title responsibleBody { name }
  overview { auditsPlanned auditsUnderWay auditsDone
             findings { requirement severity count }
             openCorrectiveActions overdueCorrectiveActions } } } } }"""


@dataclass
class Coordination:
    network: str
    varmland: str
    stockholm: str
    supplier: str
    auditor: str
    factory: str
    tokens: dict[str, str]


def build_network(client: TestClient, world: World) -> Coordination:
    coordinator = world.org("Nationella sekretariatet", OrganizationKind.COORDINATOR, "SE")
    varmland = world.org("Region Värmland", country="SE")
    stockholm = world.org("Region Stockholm", country="SE")
    oslo = world.org("Oslo kommune")
    supplier = world.org("Handskar AB", OrganizationKind.SUPPLIER, "SE")
    auditor = world.org("Granskning AB", OrganizationKind.AUDITOR, "SE")
    tokens = {
        "coordinator": world.user("samordnare@sekretariatet.se", coordinator, Role.COORDINATOR),
        "varmland": world.user("upphandling@regionvarmland.se", varmland, Role.PROCUREMENT_OFFICER),
        "stockholm": world.user("upphandling@sll.se", stockholm, Role.PROCUREMENT_OFFICER),
        "oslo": world.user("innkjop@oslo.no", oslo, Role.PROCUREMENT_OFFICER),
        "auditor": world.user("revisor@granskning.se", auditor, Role.AUDITOR),
    }
    network = gql(
        client,
        'mutation { createNetwork(input: {name: "Nationell samordning", '
        "kind: NATIONAL_NETWORK}) { id } }",
        tokens["coordinator"],
    )["data"]["createNetwork"]["id"]
    for member in (varmland, stockholm):
        added = gql(
            client,
            "mutation($n: ID!, $o: ID!) { addNetworkMember(networkId: $n, organizationId: $o) "
            "{ id } }",
            tokens["coordinator"],
            {"n": network, "o": member},
        )
        assert added.get("data"), added
    with db.transaction(world.factory) as session:
        factory = Facility(name="Glove Factory Sdn Bhd", country="MY", dedup_key="my|gloves")
        session.add(factory)
        session.flush()
        factory_id = factory.id
    return Coordination(network, varmland, stockholm, supplier, auditor, factory_id, tokens)


def open_area(client: TestClient, c: Coordination, **overrides: Any) -> dict[str, Any]:
    area_input = {
        "networkId": c.network,
        "title": "Surgical gloves 2027",
        "productCategory": "medical-gloves",
        "periodStart": "2027-01-01",
        "periodEnd": "2027-12-31",
        "plannedAudits": 3,
        **overrides,
    }
    return gql(client, CREATE_AREA, c.tokens["coordinator"], {"input": area_input})


def commission_inspection(client: TestClient, c: Coordination, area: str) -> str:
    """Värmland records its contract with the supplier and engages the auditor
    firm; the firm writes the on-site inspection abroad under the focus area."""
    contract = gql(
        client,
        """mutation($s: ID!) { createContract(input: {supplierId: $s, title: "Handskar",
             productCategory: "medical-gloves", startDate: "2026-06-01"}) { id } }""",
        c.tokens["varmland"],
        {"s": c.supplier},
    )["data"]["createContract"]["id"]
    engaged = gql(
        client,
        "mutation($a: ID!, $c: ID) { engageAuditor(auditorId: $a, contractId: $c) { id } }",
        c.tokens["varmland"],
        {"a": c.auditor, "c": contract},
    )
    assert engaged.get("data"), engaged
    report_input = {
        "title": "On-site inspection, glove factory",
        "reportType": "INSPECTION_ABROAD",
        "supplierId": c.supplier,
        "commissionedById": c.varmland,
        "focusAreaId": area,
        "facilityIds": [c.factory],
        "auditDate": "2027-03-10",
        "summary": "Recruitment fees paid by migrant workers.",
        "commercialNotes": "Unit price SEK 0.51 per glove.",
    }
    created = gql(client, CREATE, c.tokens["auditor"], {"input": report_input})
    assert created.get("data"), created
    report = str(created["data"]["createAuditReport"]["id"])
    finding = {
        "requirement": "ILO_C29",
        "severity": "CRITICAL",
        "description": "Workers paid recruitment fees to agents.",
        "correctiveAction": {"description": "Reimburse all fees.", "dueDate": "2020-01-31"},
    }
    added = gql(client, ADD_FINDING, c.tokens["auditor"], {"r": report, "input": finding})
    assert added.get("data"), added
    submitted = gql(
        client,
        "mutation($id: ID!) { submitAuditReport(id: $id) { status } }",
        c.tokens["auditor"],
        {"id": report},
    )
    assert submitted["data"]["submitAuditReport"]["status"] == "SUBMITTED", submitted
    return report


def test_a_focus_area_result_is_shared_with_every_member_and_no_one_else(
    client: TestClient, world: World
) -> None:
    c = build_network(client, world)
    opened = open_area(client, c)
    area = opened["data"]["createFocusArea"]
    assert area["title"] == "Surgical gloves 2027" and area["responsibleBody"] is None
    assert area["plannedAudits"] == 3
    assigned = gql(client, ASSIGN, c.tokens["coordinator"], {"id": area["id"], "body": c.varmland})
    assert assigned["data"]["assignFocusArea"]["responsibleBody"] == {"name": "Region Värmland"}

    report = commission_inspection(client, c, area["id"])

    # Narrower than the network: refused, naming the scope required; nothing changes.
    for scope, network in (("PRIVATE", None), ("NETWORK", "not-the-network")):
        refused = gql(
            client, PUBLISH, c.tokens["varmland"], {"id": report, "s": scope, "n": network}
        )
        assert error_codes(refused) == ["BAD_USER_INPUT"], refused
        message = refused["errors"][0]["message"]
        assert "NETWORK" in message and c.network in message, message
    assert gql(client, READ, c.tokens["stockholm"], {"id": report})["data"]["auditReport"] is None

    # NETWORK without a networkId means the focus area's network.
    published = gql(client, PUBLISH, c.tokens["varmland"], {"id": report, "s": "NETWORK"})
    assert published["data"]["publishAuditReport"] == {
        "status": "PUBLISHED",
        "shareScope": "NETWORK",
        "network": {"id": c.network},
    }

    for member in ("stockholm", "coordinator"):
        seen = gql(client, READ, c.tokens[member], {"id": report})["data"]["auditReport"]
        assert seen["summary"] == "Recruitment fees paid by migrant workers.", member
        assert seen["commercialNotes"] is None and "commercialNotes" in seen["redactedFields"]
        assert seen["focusArea"]["responsibleBody"] == {"name": "Region Värmland"}
        assert seen["findings"][0]["correctiveAction"]["status"] == "OVERDUE"  # due 2020
    party = gql(client, READ, c.tokens["varmland"], {"id": report})["data"]["auditReport"]
    assert party["commercialNotes"] == "Unit price SEK 0.51 per glove."
    outsider = gql(client, READ, c.tokens["oslo"], {"id": report})
    assert outsider["data"]["auditReport"] is None
    listed = gql(client, "{ auditReports { edges { node { id } } } }", c.tokens["oslo"])
    assert listed["data"]["auditReports"]["edges"] == []

    # Re-scoping later cannot narrow it either.
    narrowed = gql(client, PUBLISH, c.tokens["varmland"], {"id": report, "s": "PRIVATE"})
    assert error_codes(narrowed) == ["BAD_USER_INPUT"]

    # The coordinator's board, and the same board as each viewer may see it.
    expected = {
        "auditsPlanned": 3,
        "auditsUnderWay": 0,
        "auditsDone": 1,
        "findings": [{"requirement": "ILO_C29", "severity": "CRITICAL", "count": 1}],
        "openCorrectiveActions": 1,
        "overdueCorrectiveActions": 1,
    }
    for viewer in ("coordinator", "stockholm", "varmland"):
        board = gql(client, OVERVIEW, c.tokens[viewer], {"n": c.network})
        (node,) = [edge["node"] for edge in board["data"]["focusAreas"]["edges"]]
        assert node["overview"] == expected, viewer
    board = gql(client, OVERVIEW, c.tokens["oslo"], {"n": c.network})
    assert board["data"]["focusAreas"]["edges"][0]["node"]["overview"] is None

    with db.transaction(world.factory) as session:
        actions = [entry.action for entry in session.query(AuditLogEntry).order_by("seq")]
    assert "focus_area_created" in actions and "focus_area_assigned" in actions


BOARD_AND_REPORTS = """query($n: ID) { focusAreas(networkId: $n, first: 5) { edges { node {
  overview { auditsUnderWay auditsDone findings { requirement severity count }
             openCorrectiveActions }
  reports(first: 10) { edges { node { status findings { requirement severity
                                             correctiveAction { status } } } } } } } } }"""


def counted_from_reports(area: dict[str, Any]) -> dict[str, Any]:
    """The overview as the viewer's own report list implies it."""
    reports = [edge["node"] for edge in area["reports"]["edges"]]
    current = [r for r in reports if r["status"] in ("SUBMITTED", "PUBLISHED")]
    findings: dict[tuple[str, str], int] = {}
    for report in current:
        for finding in report["findings"]:
            key = (finding["requirement"], finding["severity"])
            findings[key] = findings.get(key, 0) + 1
    actions = [
        f["correctiveAction"]
        for r in current
        for f in r["findings"]
        if f["correctiveAction"] and f["correctiveAction"]["status"] != "VERIFIED"
    ]
    return {
        "auditsUnderWay": sum(r["status"] == "DRAFT" for r in reports),
        "auditsDone": sum(r["status"] in ("SUBMITTED", "PUBLISHED", "SUPERSEDED") for r in reports),
        "findings": [
            {"requirement": req, "severity": sev, "count": n}
            for (req, sev), n in sorted(findings.items())
        ],
        "openCorrectiveActions": len(actions),
    }


def test_the_board_counts_only_what_each_viewer_may_see(client: TestClient, world: World) -> None:
    c = build_network(client, world)
    area = open_area(client, c)["data"]["createFocusArea"]["id"]
    gql(client, ASSIGN, c.tokens["coordinator"], {"id": area, "body": c.varmland})
    report = commission_inspection(client, c, area)  # SUBMITTED, not yet published
    done = {}
    for published in (False, True):
        if published:
            gql(client, PUBLISH, c.tokens["varmland"], {"id": report, "s": "NETWORK"})
        for viewer in ("varmland", "coordinator", "stockholm"):
            board = gql(client, BOARD_AND_REPORTS, c.tokens[viewer], {"n": c.network})
            assert board.get("data"), board
            node = board["data"]["focusAreas"]["edges"][0]["node"]
            assert node["overview"] == counted_from_reports(node), (viewer, published)
            done[(viewer, published)] = node["overview"]["auditsDone"]
    assert done == {
        ("varmland", False): 1,
        ("coordinator", False): 0,
        ("stockholm", False): 0,
        ("varmland", True): 1,
        ("coordinator", True): 1,
        ("stockholm", True): 1,
    }


def test_who_may_open_assign_and_commission(client: TestClient, world: World) -> None:
    c = build_network(client, world)
    by_member = gql(
        client,
        CREATE_AREA,
        c.tokens["varmland"],
        {
            "input": {
                "networkId": c.network,
                "title": "Gloves",
                "productCategory": "medical-gloves",
                "periodStart": "2027-01-01",
                "periodEnd": "2027-12-31",
            }
        },
    )
    assert error_codes(by_member) == ["FORBIDDEN"]
    low_risk = open_area(client, c, productCategory="office-paper")
    assert error_codes(low_risk) == ["BAD_USER_INPUT"]
    assert "high-risk" in low_risk["errors"][0]["message"]
    backwards = open_area(client, c, periodEnd="2026-12-31")
    assert error_codes(backwards) == ["BAD_USER_INPUT"]
    area = open_area(client, c)["data"]["createFocusArea"]["id"]

    outsider = world.org("Region Dalarna", country="SE")
    not_member = gql(client, ASSIGN, c.tokens["coordinator"], {"id": area, "body": outsider})
    assert error_codes(not_member) == ["BAD_USER_INPUT"]
    assert "addNetworkMember" in not_member["errors"][0]["message"]
    by_body = gql(client, ASSIGN, c.tokens["varmland"], {"id": area, "body": c.varmland})
    assert error_codes(by_body) == ["FORBIDDEN"]

    gql(client, ASSIGN, c.tokens["coordinator"], {"id": area, "body": c.stockholm})
    moved = gql(client, ASSIGN, c.tokens["coordinator"], {"id": area, "body": c.varmland})
    assert moved["data"]["assignFocusArea"]["responsibleBody"] == {"name": "Region Värmland"}

    # Only the responsible body commissions under the focus area.
    wrong = gql(
        client,
        CREATE,
        c.tokens["stockholm"],
        {
            "input": {
                "title": "Gloves meeting",
                "reportType": "SUPPLIER_MEETING",
                "supplierId": c.supplier,
                "focusAreaId": area,
            }
        },
    )
    assert error_codes(wrong) == ["FORBIDDEN"]
    assert "responsible body" in wrong["errors"][0]["message"]
