"""Shared audit reports: lifecycle, clearance by relation, redaction, search, audit log."""

from __future__ import annotations

from sqlalchemy import select
from starlette.testclient import TestClient

from storage import audit_log, db
from storage.models import AuditLogEntry
from tests.conftest import World, error_codes, gql
from tests.reports_world import (
    REPORT_FIELDS,
    build_reports_world,
    create_inspection,
    read_report,
    submit_and_publish,
)


def test_network_member_sees_shared_not_restricted_or_personal(
    client: TestClient, world: World
) -> None:
    w = build_reports_world(client, world)
    report_id = create_inspection(client, w)
    published = submit_and_publish(client, w, report_id, "NETWORK", w.network)
    assert published["data"]["publishAuditReport"] == {
        "status": "PUBLISHED",
        "shareScope": "NETWORK",
    }

    seen = read_report(client, w.tokens["bergen"], report_id)["data"]["auditReport"]
    assert seen["summary"] == "Recruitment fees found among migrant workers."
    assert seen["commercialNotes"] is None
    assert seen["workerInterviews"] is None
    finding = seen["findings"][0]
    assert finding["description"] == "Workers paid recruitment fees to agents."
    assert finding["evidence"] is None
    assert finding["correctiveAction"]["description"] == "Reimburse all fees."
    assert seen["redactedFields"] == ["commercialNotes", "workerInterviews", "findings.0.evidence"]
    assert seen["facilities"] == [{"name": "Glove Factory Sdn Bhd", "country": "MY"}]


def test_parties_see_restricted_and_personal_only_with_the_role(
    client: TestClient, world: World
) -> None:
    w = build_reports_world(client, world)
    report_id = create_inspection(client, w)
    auditor_view = read_report(client, w.tokens["auditor"], report_id)["data"]["auditReport"]
    assert auditor_view["workerInterviews"].startswith("Worker A")
    assert auditor_view["redactedFields"] == []
    officer = read_report(client, w.tokens["oslo"], report_id)["data"]["auditReport"]
    assert officer["commercialNotes"].startswith("Unit price")
    assert officer["findings"][0]["evidence"].startswith("Payroll")
    assert officer["workerInterviews"] is None
    assert officer["redactedFields"] == ["workerInterviews"]
    manager = read_report(client, w.tokens["oslo_cm"], report_id)["data"]["auditReport"]
    assert manager["workerInterviews"].startswith("Worker A")


def test_supplier_sees_its_findings_and_actions_never_personal(
    client: TestClient, world: World
) -> None:
    w = build_reports_world(client, world)
    report_id = create_inspection(client, w)
    assert error_codes(read_report(client, w.tokens["supplier"], report_id)) == ["NOT_FOUND"]
    submit_and_publish(client, w, report_id, "PRIVATE")
    seen = read_report(client, w.tokens["supplier"], report_id)["data"]["auditReport"]
    assert seen["findings"][0]["evidence"].startswith("Payroll")
    assert seen["findings"][0]["correctiveAction"]["dueDate"] == "2027-01-31"
    assert seen["workerInterviews"] is None
    assert seen["commercialNotes"] is None


def test_outsiders_get_not_found_and_empty_lists(client: TestClient, world: World) -> None:
    w = build_reports_world(client, world)
    report_id = create_inspection(client, w)
    submit_and_publish(client, w, report_id, "NETWORK", w.network)
    body = read_report(client, w.tokens["trondheim"], report_id)
    assert error_codes(body) == ["NOT_FOUND"]
    missing = read_report(client, w.tokens["trondheim"], "00000000-0000-7000-8000-000000000000")
    assert (
        missing["errors"][0]["message"].replace("00000000-0000-7000-8000-000000000000", report_id)
        == body["errors"][0]["message"]
    )
    listed = gql(
        client, "{ auditReports { totalCount edges { node { id } } } }", w.tokens["trondheim"]
    )
    assert listed["data"]["auditReports"] == {"totalCount": 0, "edges": []}
    assert error_codes(read_report(client, None, report_id)) == ["NOT_FOUND"]


def test_all_public_bodies_and_public_scopes(client: TestClient, world: World) -> None:
    w = build_reports_world(client, world)
    report_id = create_inspection(client, w)
    submit_and_publish(client, w, report_id, "ALL_PUBLIC_BODIES")
    seen = read_report(client, w.tokens["trondheim"], report_id)["data"]["auditReport"]
    assert seen["summary"].startswith("Recruitment")
    republished = gql(
        client,
        "mutation($id: ID!) { publishAuditReport(id: $id, shareScope: PUBLIC) { shareScope } }",
        w.tokens["oslo"],
        {"id": report_id},
    )
    assert republished["data"]["publishAuditReport"]["shareScope"] == "PUBLIC"
    anonymous = read_report(client, None, report_id)["data"]["auditReport"]
    assert anonymous["title"] == "Inspection of glove factory"
    assert anonymous["summary"] is None
    assert anonymous["findings"][0]["requirement"] == "ILO_C29"
    assert anonymous["findings"][0]["description"] is None
    assert "summary" in anonymous["redactedFields"]


def test_lifecycle_refuses_illegal_transitions_with_conflict(
    client: TestClient, world: World
) -> None:
    w = build_reports_world(client, world)
    report_id = create_inspection(client, w)
    publish = "mutation($id: ID!) { publishAuditReport(id: $id, shareScope: PRIVATE) { status } }"
    body = gql(client, publish, w.tokens["oslo"], {"id": report_id})
    assert error_codes(body) == ["CONFLICT"]
    assert "must be SUBMITTED" in body["errors"][0]["message"]
    submit_and_publish(client, w, report_id, "PRIVATE")
    finding = {"requirement": "WAGES", "severity": "MINOR"}
    late = gql(
        client,
        "mutation($r: ID!, $i: FindingInput!) { addFinding(reportId: $r, input: $i) { id } }",
        w.tokens["auditor"],
        {"r": report_id, "i": finding},
    )
    assert error_codes(late) == ["CONFLICT"]
    withdraw = 'mutation($id: ID!) { withdrawAuditReport(id: $id, reason: "error") { status } }'
    assert (
        gql(client, withdraw, w.tokens["oslo"], {"id": report_id})["data"]["withdrawAuditReport"][
            "status"
        ]
        == "WITHDRAWN"
    )
    assert error_codes(gql(client, withdraw, w.tokens["oslo"], {"id": report_id})) == ["CONFLICT"]
    assert error_codes(read_report(client, w.tokens["supplier"], report_id)) == ["NOT_FOUND"]


def test_supersede_by_newer_report(client: TestClient, world: World) -> None:
    w = build_reports_world(client, world)
    old = create_inspection(client, w)
    submit_and_publish(client, w, old, "NETWORK", w.network)
    new = create_inspection(client, w, title="Follow-up inspection")
    supersede = (
        "mutation($id: ID!, $by: ID!) "
        "{ supersedeAuditReport(id: $id, supersededById: $by) { status } }"
    )
    draft = gql(client, supersede, w.tokens["oslo"], {"id": old, "by": new})
    assert draft["errors"][0]["extensions"]["field"] == "supersededById"
    submit = "mutation($id: ID!) { submitAuditReport(id: $id) { status } }"
    assert gql(client, submit, w.tokens["auditor"], {"id": new})["data"]
    body = gql(client, supersede, w.tokens["oslo"], {"id": old, "by": new})
    assert body["data"]["supersedeAuditReport"]["status"] == "SUPERSEDED"
    assert (
        read_report(client, w.tokens["bergen"], old)["data"]["auditReport"]["status"]
        == "SUPERSEDED"
    )


def test_only_parties_change_reports(client: TestClient, world: World) -> None:
    w = build_reports_world(client, world)
    report_id = create_inspection(client, w)
    submit_and_publish(client, w, report_id, "NETWORK", w.network)
    body = gql(
        client,
        "mutation($id: ID!) { withdrawAuditReport(id: $id) { status } }",
        w.tokens["bergen"],
        {"id": report_id},
    )
    assert error_codes(body) == ["FORBIDDEN"]
    hidden = gql(
        client,
        "mutation($id: ID!) { withdrawAuditReport(id: $id) { status } }",
        w.tokens["trondheim"],
        {"id": report_id},
    )
    assert error_codes(hidden) == ["NOT_FOUND"]


def test_only_the_commissioning_body_shares(client: TestClient, world: World) -> None:
    """An auditor firm writes and submits; it never publishes in a body's name."""
    w = build_reports_world(client, world)
    report_id = create_inspection(client, w, commissionedById=w.bergen)
    submit = "mutation($id: ID!) { submitAuditReport(id: $id) { status } }"
    assert gql(client, submit, w.tokens["auditor"], {"id": report_id})["data"]
    publish = "mutation($id: ID!) { publishAuditReport(id: $id, shareScope: PUBLIC) { status } }"
    by_auditor = gql(client, publish, w.tokens["auditor"], {"id": report_id})
    assert error_codes(by_auditor) == ["FORBIDDEN"]
    assert "commissioning body" in by_auditor["errors"][0]["message"]
    assert error_codes(read_report(client, None, report_id)) == ["NOT_FOUND"]
    by_body = gql(client, publish, w.tokens["bergen"], {"id": report_id})
    assert by_body["data"]["publishAuditReport"]["status"] == "PUBLISHED"


def test_a_failed_mutation_leaves_nothing_behind(client: TestClient, world: World) -> None:
    """addFinding flushes the finding before its corrective action fails validation;
    the audit log written at the end of the operation must not commit that half."""
    w = build_reports_world(client, world)
    draft = create_inspection(client, w)
    other = create_inspection(client, w, title="Other")
    body = gql(
        client,
        """mutation($d: ID!, $o: ID!) {
             a: submitAuditReport(id: $o) { commercialNotes }
             b: addFinding(reportId: $d, input: {requirement: WAGES, severity: MINOR,
                correctiveAction: {description: "   "}}) { id }
           }""",
        w.tokens["auditor"],
        {"d": draft, "o": other},
    )
    assert error_codes(body) == ["BAD_USER_INPUT"]
    assert read_report(client, w.tokens["auditor"], other)["data"]["auditReport"]["status"] == (
        "SUBMITTED"
    )
    report = read_report(client, w.tokens["auditor"], draft)["data"]["auditReport"]
    assert [f["requirement"] for f in report["findings"]] == ["ILO_C29"]


def test_create_validates_input(client: TestClient, world: World) -> None:
    w = build_reports_world(client, world)
    mutation = "mutation($i: AuditReportInput!) { createAuditReport(input: $i) { id } }"
    base = {"title": "X", "reportType": "SYSTEM_AUDIT", "supplierId": w.supplier}
    wrong_supplier = gql(
        client, mutation, w.tokens["oslo"], {"i": {**base, "supplierId": w.bergen}}
    )
    assert error_codes(wrong_supplier) == ["BAD_USER_INPUT"]
    assert wrong_supplier["errors"][0]["extensions"]["field"] == "supplierId"
    blank = gql(client, mutation, w.tokens["oslo"], {"i": {**base, "title": "  "}})
    assert blank["errors"][0]["extensions"]["field"] == "title"
    no_body = gql(client, mutation, w.tokens["auditor"], {"i": base})
    assert no_body["errors"][0]["extensions"]["field"] == "commissionedById"
    bad_facility = gql(client, mutation, w.tokens["oslo"], {"i": {**base, "facilityIds": ["nope"]}})
    assert bad_facility["errors"][0]["extensions"]["field"] == "facilityIds"
    supplier_tries = gql(client, mutation, w.tokens["supplier"], {"i": base})
    assert error_codes(supplier_tries) == ["FORBIDDEN"]


def test_personal_data_guard_names_the_field(client: TestClient, world: World) -> None:
    w = build_reports_world(client, world)
    report_id = create_inspection(
        client, w, summary="Contact the manager at kari@factory.my for details."
    )
    body = submit_and_publish(client, w, report_id, "NETWORK", w.network)
    assert error_codes(body) == ["PERSONAL_DATA_DETECTED"]
    assert body["errors"][0]["extensions"]["field"] == "summary"
    assert body["errors"][0]["extensions"]["personalData"] == {"EMAIL": 1}  # kinds, no data
    assert "kari@factory.my" not in body["errors"][0]["message"]
    # The audited supplier reads the summary of a PRIVATE report too.
    private = gql(
        client,
        "mutation($id: ID!) { publishAuditReport(id: $id, shareScope: PRIVATE) { status } }",
        w.tokens["oslo"],
        {"id": report_id},
    )
    assert error_codes(private) == ["PERSONAL_DATA_DETECTED"]
    assert private["errors"][0]["extensions"]["field"] == "summary"


def test_filters_and_text_search_only_over_what_the_viewer_may_see(
    client: TestClient, world: World
) -> None:
    w = build_reports_world(client, world)
    report_id = create_inspection(client, w)
    submit_and_publish(client, w, report_id, "NETWORK", w.network)
    query = (
        "query($f: AuditReportFilter) "
        "{ auditReports(filter: $f) { totalCount edges { node { id } } } }"
    )

    def count(token: str, **filters: str) -> int:
        body = gql(client, query, token, {"f": filters})
        assert body.get("data"), body
        return int(body["data"]["auditReports"]["totalCount"])

    assert count(w.tokens["bergen"], text="recruitment fees") == 1
    assert count(w.tokens["bergen"], text="NOK 0.42") == 0  # commercial notes: RESTRICTED
    assert count(w.tokens["oslo"], text="NOK 0.42") == 1
    assert count(w.tokens["bergen"], text="passports") == 0  # worker interviews: PERSONAL
    assert count(w.tokens["oslo"], text="passports") == 0
    assert count(w.tokens["oslo_cm"], text="passports") == 1
    assert count(w.tokens["bergen"], text="ledger") == 0  # evidence
    assert count(w.tokens["supplier"], text="ledger") == 1
    assert count(w.tokens["bergen"], requirement="ILO_C29") == 1
    assert count(w.tokens["bergen"], requirement="WAGES") == 0
    assert count(w.tokens["bergen"], severity="CRITICAL", country="MY") == 1
    assert count(w.tokens["bergen"], country="VN") == 0
    assert count(w.tokens["bergen"], facilityId=w.factory, status="PUBLISHED") == 1
    assert count(w.tokens["bergen"], supplierId=w.supplier) == 1
    assert count(w.tokens["bergen"], text="100%_") == 0


def test_restricted_reads_and_share_changes_are_audit_logged(
    client: TestClient, world: World
) -> None:
    w = build_reports_world(client, world)
    report_id = create_inspection(client, w)
    submit_and_publish(client, w, report_id, "NETWORK", w.network)
    read_report(client, w.tokens["bergen"], report_id)  # SHARED only: not logged
    gql(
        client,
        "query($id: ID!) { auditReport(id: $id) { title } }",
        w.tokens["oslo"],
        {"id": report_id},
    )  # no sensitive field selected: not logged
    read_report(client, w.tokens["oslo"], report_id)
    read_report(client, w.tokens["oslo_cm"], report_id)
    with db.transaction(world.factory) as session:
        actions = [
            (entry.action, entry.actor_org_id)
            for entry in session.scalars(select(AuditLogEntry).order_by(AuditLogEntry.seq))
        ]
        assert audit_log.verify(session).ok
    assert actions == [
        ("auditor_engaged", w.oslo),
        ("share_changed", w.oslo),
        ("read_restricted", w.oslo),
        ("read_personal", w.oslo),
    ]


def test_report_list_paginates(client: TestClient, world: World) -> None:
    w = build_reports_world(client, world)
    ids = [create_inspection(client, w, title=f"Report {n}") for n in range(5)]
    seen: list[str] = []
    after = None
    while True:
        body = gql(
            client,
            "query($a: String) { auditReports(first: 2, after: $a) "
            "{ totalCount pageInfo { hasNextPage endCursor } edges { node { id } } } }",
            w.tokens["oslo"],
            {"a": after},
        )
        page = body["data"]["auditReports"]
        assert page["totalCount"] == 5
        seen += [edge["node"]["id"] for edge in page["edges"]]
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    assert seen == ids


def test_report_fields_query_is_valid(client: TestClient, world: World) -> None:
    w = build_reports_world(client, world)
    body = gql(
        client, f"{{ auditReports {{ edges {{ node {{ {REPORT_FIELDS} }} }} }} }}", w.tokens["oslo"]
    )
    assert body == {"data": {"auditReports": {"edges": []}}}


def logged(world: World) -> list[tuple[str, str, str]]:
    with db.transaction(world.factory) as session:
        return [
            (entry.action, entry.subject_type, entry.subject_id)
            for entry in session.scalars(select(AuditLogEntry).order_by(AuditLogEntry.seq))
        ]


def test_the_log_records_what_was_read_not_the_clearance(client: TestClient, world: World) -> None:
    w = build_reports_world(client, world)
    report_id = create_inspection(client, w)
    query = "query($id: ID!) { auditReport(id: $id) { findings { evidence } } }"
    gql(client, query, w.tokens["oslo_cm"], {"id": report_id})  # may read PERSONAL
    assert logged(world) == [
        ("auditor_engaged", "auditor_engagement", w.engagements[w.oslo]),
        ("read_restricted", "audit_report", report_id),
    ]


def test_contract_prices_read_are_logged(client: TestClient, world: World) -> None:
    w = build_reports_world(client, world)
    created = gql(
        client,
        """mutation($s: ID!) {
             createContract(input: {supplierId: $s, title: "Hansker", value: 125000,
               productCategory: "medical-gloves", startDate: "2026-01-01"}) { id }
           }""",
        w.tokens["oslo"],
        {"s": w.supplier},
    )
    contract_id = created["data"]["createContract"]["id"]
    before = len(logged(world))
    gql(client, "{ contracts { edges { node { title } } } }", w.tokens["oslo"])
    assert len(logged(world)) == before
    body = gql(client, "{ contracts { edges { node { value } } } }", w.tokens["supplier"])
    assert body["data"]["contracts"]["edges"] == [{"node": {"value": 125000.0}}]
    assert logged(world)[before:] == [("read_restricted", "contract", contract_id)]


def test_focus_area_lists_only_the_reports_the_viewer_may_see(
    client: TestClient, world: World
) -> None:
    import datetime as dt

    from storage.models import FocusArea

    w = build_reports_world(client, world)
    with db.transaction(world.factory) as session:
        area = FocusArea(
            network_id=w.network,
            title="Surgical gloves 2026",
            product_category="medical-gloves",
            period_start=dt.date(2026, 1, 1),
            period_end=dt.date(2026, 12, 31),
            responsible_body_id=w.oslo,  # the responsible body commissions under it
            created_by_id=w.oslo,
        )
        session.add(area)
        session.flush()
        area_id = area.id
    shared = create_inspection(client, w, focusAreaId=area_id)
    submit_and_publish(client, w, shared, "NETWORK", w.network)
    draft = create_inspection(client, w, focusAreaId=area_id, title="Draft in the area")
    query = """query($id: ID!) { auditReport(id: $id) { focusArea {
        title productCategory responsibleBody { name } network { id }
        reports { edges { node { id summary commercialNotes } } } } } }"""
    seen = gql(client, query, w.tokens["bergen"], {"id": shared})["data"]["auditReport"]
    area_view = seen["focusArea"]
    assert area_view["title"] == "Surgical gloves 2026"
    assert area_view["responsibleBody"] == {"name": "Oslo kommune"}
    assert area_view["network"] == {"id": w.network}
    assert [edge["node"] for edge in area_view["reports"]["edges"]] == [
        {
            "id": shared,
            "summary": "Recruitment fees found among migrant workers.",
            "commercialNotes": None,
        }
    ]
    party = gql(client, query, w.tokens["oslo"], {"id": shared})["data"]["auditReport"]
    edges = party["focusArea"]["reports"]["edges"]
    assert [edge["node"]["id"] for edge in edges] == [shared, draft]


def test_a_listed_body_that_has_not_signed_cannot_share_with_the_network(
    client: TestClient, world: World
) -> None:
    w = build_reports_world(client, world)
    listed = gql(
        client,
        "mutation($n: ID!, $o: ID!) { addNetworkMember(networkId: $n, organizationId: $o) { id } }",
        w.tokens["oslo"],
        {"n": w.network, "o": w.trondheim},
    )
    assert listed["data"], listed
    created = gql(
        client,
        "mutation($i: AuditReportInput!) { createAuditReport(input: $i) { id } }",
        w.tokens["trondheim"],
        {"i": {"title": "Own audit", "reportType": "SYSTEM_AUDIT", "supplierId": w.supplier}},
    )
    report_id = created["data"]["createAuditReport"]["id"]
    token = w.tokens["trondheim"]
    assert gql(
        client, "mutation($id: ID!) { submitAuditReport(id: $id) { id } }", token, {"id": report_id}
    )["data"]
    body = gql(
        client,
        "mutation($id: ID!, $n: ID) "
        "{ publishAuditReport(id: $id, shareScope: NETWORK, networkId: $n) { id } }",
        token,
        {"id": report_id, "n": w.network},
    )
    assert body["errors"][0]["extensions"] == {"code": "BAD_USER_INPUT", "field": "networkId"}
