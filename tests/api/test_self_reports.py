"""A supplier reports once to many buyers: every public body with an active
contract reads the self-report, a grantee reads it while its grant lasts, nobody
else learns it exists; new versions arrive through selfReportChanges; sites are
deduplicated into facilities and sub-suppliers become supply edges."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import select
from starlette.testclient import TestClient

from domain.enums import OrganizationKind, Role
from storage import db
from storage.models import AuditLogEntry, Facility, Organization, SupplyEdge
from tests.conftest import World, error_codes, gql

SUBMIT = """
mutation($input: SelfReportInput!) {
  submitSelfReport(input: $input) {
    id version questionnaireVersion answers redactedFields
    supplier { id }
    productionSites { id name country osId }
    subSuppliers { orgNumber tier tierParentOrgNumber organization { id kind } }
  }
}
"""
LIST = """
query($supplierId: ID) {
  selfReports(supplierId: $supplierId) {
    totalCount edges { node { id version answers redactedFields productionSites { name } } }
  }
}
"""
CHANGES = "query($since: DateTime!) { selfReportChanges(since: $since) { id version submittedAt } }"
GRANT = """
mutation($org: ID!, $purpose: String!) {
  grantSelfReportAccess(organizationId: $org, purpose: $purpose)
}
"""
REVOKE = "mutation($org: ID!) { revokeSelfReportAccess(organizationId: $org) }"
GRANTS = "{ selfReportGrants { edges { node { organization { id } purpose grantedAt } } } }"
CREATE_CONTRACT = "mutation($input: ContractInput!) { createContract(input: $input) { id } }"

ANSWERS: dict[str, Any] = {
    "humanRightsPolicy": True,
    "supplierCodeOfConduct": True,
    "policyOwner": "Siri Hansen, CEO",
    "forcedLabour": "COMPLIANT",
    "freedomOfAssociation": "PARTLY_COMPLIANT",
    "nonDiscrimination": "COMPLIANT",
    "childLabour": "COMPLIANT",
    "occupationalSafety": "COMPLIANT",
    "iloDeviations": "Union access is limited at the Perak plant.",
    "grievanceMechanism": True,
    "grievanceChannels": ["HOTLINE", "THIRD_PARTY"],
    "grievanceContact": "Siri Hansen",
    "usesSubcontractors": True,
    "subcontractingApproval": "ALWAYS",
    "certifications": ["AMFORI_BSCI"],
}
SITES = [
    {
        "name": "Perak Nitrile Gloves Sdn Bhd, Plant 2",
        "country": "MY",
        "address": "Lot 12, Kamunting Industrial Estate, 34600 Kamunting, Perak",
        "osId": "MY2024123ABCDEF",
    },
    {"name": "Songkhla Latex Works", "country": "TH", "address": "Hat Yai, Songkhla"},
]
SUBS = [
    {
        "orgNumber": "MY-1001",
        "name": "Kedah Compounding",
        "country": "MY",
        "productCategory": "latex",
    },
    {
        "orgNumber": "TH-2002",
        "name": "Rayong Rubber",
        "country": "TH",
        "productCategory": "nbr",
        "tierParentOrgNumber": "MY-1001",
    },
]


class Market:
    """A supplier with active contracts to three bodies, one with an ended contract,
    and an auditor firm it may grant access."""

    def __init__(self, world: World, client: TestClient) -> None:
        self.world = world
        self.acme_id = world.org("Acme Gloves AS", OrganizationKind.SUPPLIER)
        self.supplier = world.user("sam@acme.no", self.acme_id, Role.SUPPLIER_REPORTER)
        self.bodies: list[str] = []
        for n, name in enumerate(("Oslo kommune", "Bergen kommune", "Helse Vest")):
            body = world.org(name)
            token = world.user(f"buyer{n}@body.no", body, Role.PROCUREMENT_OFFICER)
            self.bodies.append(token)
            self.contract(client, token, "2025-01-01", None)
        self.fourth_id = world.org("Trondheim kommune")
        self.fourth = world.user("kari@trondheim.no", self.fourth_id, Role.PROCUREMENT_OFFICER)
        self.contract(client, self.fourth, "2020-01-01", "2024-12-31")  # ended
        other = world.org("Other Gloves AS", OrganizationKind.SUPPLIER)
        self.other_supplier = world.user("o@other.no", other, Role.SUPPLIER_REPORTER)

    def contract(self, client: TestClient, token: str, start: str, end: str | None) -> None:
        body = gql(
            client,
            CREATE_CONTRACT,
            token,
            {
                "input": {
                    "supplierId": self.acme_id,
                    "title": "Hansker",
                    "productCategory": "gloves",
                    "startDate": start,
                    "endDate": end,
                }
            },
        )
        assert not body.get("errors"), body


def submit(client: TestClient, token: str, **extra: Any) -> dict[str, Any]:
    payload = {"answers": ANSWERS, "productionSites": SITES, "subSuppliers": SUBS, **extra}
    body = gql(client, SUBMIT, token, {"input": payload})
    assert not body.get("errors"), body["errors"]
    report: dict[str, Any] = body["data"]["submitSelfReport"]
    return report


def visible(client: TestClient, token: str) -> list[dict[str, Any]]:
    body = gql(client, LIST, token)
    assert not body.get("errors"), body["errors"]
    return [edge["node"] for edge in body["data"]["selfReports"]["edges"]]


def test_three_buyers_read_one_submission_a_fourth_only_while_granted(
    world: World, client: TestClient
) -> None:
    market = Market(world, client)
    report = submit(client, market.supplier)
    assert report["version"] == 1 and report["questionnaireVersion"] == 1
    assert report["redactedFields"] == []  # the supplier reads back all it wrote
    assert report["answers"]["grievanceContact"] == "Siri Hansen"

    for token in market.bodies:
        (seen,) = visible(client, token)
        assert seen["id"] == report["id"]
        # Contracted bodies read RESTRICTED answers, not PERSONAL ones.
        assert seen["answers"]["iloDeviations"].startswith("Union access")
        assert "grievanceContact" not in seen["answers"]
        assert sorted(seen["redactedFields"]) == ["answers.grievanceContact", "answers.policyOwner"]
        assert {site["name"] for site in seen["productionSites"]} == {s["name"] for s in SITES}

    # The fourth body's contract has ended; another supplier never had one.
    for outsider in (market.fourth, market.other_supplier):
        assert visible(client, outsider) == []
        body = gql(client, LIST, outsider, {"supplierId": market.acme_id})
        assert body["data"]["selfReports"]["totalCount"] == 0

    granted = gql(
        client, GRANT, market.supplier, {"org": market.fourth_id, "purpose": "Tender evaluation"}
    )
    assert granted["data"] == {"grantSelfReportAccess": True}
    (seen,) = visible(client, market.fourth)
    assert seen["id"] == report["id"]
    # A grantee reads SHARED answers only.
    assert "iloDeviations" not in seen["answers"] and seen["answers"]["forcedLabour"] == "COMPLIANT"
    assert "answers.iloDeviations" in seen["redactedFields"]

    revoked = gql(client, REVOKE, market.supplier, {"org": market.fourth_id})
    assert revoked["data"] == {"revokeSelfReportAccess": True}
    assert visible(client, market.fourth) == []
    again = gql(client, REVOKE, market.supplier, {"org": market.fourth_id})
    assert error_codes(again) == ["NOT_FOUND"]

    with db.transaction(world.factory) as session:
        actions = [
            (entry.action, entry.detail.get("purpose"))
            for entry in session.scalars(select(AuditLogEntry).order_by(AuditLogEntry.seq))
            if entry.subject_type == "self_report_grant"
        ]
    assert actions == [
        ("self_report_access_granted", "Tender evaluation"),
        ("self_report_access_revoked", None),
    ]


def test_a_supplier_lists_the_grants_it_has_not_revoked(world: World, client: TestClient) -> None:
    market = Market(world, client)

    def granted() -> list[tuple[str, str]]:
        body = gql(client, GRANTS, market.supplier)
        assert not body.get("errors"), body["errors"]
        return [
            (edge["node"]["organization"]["id"], edge["node"]["purpose"])
            for edge in body["data"]["selfReportGrants"]["edges"]
        ]

    assert granted() == []
    gql(client, GRANT, market.supplier, {"org": market.fourth_id, "purpose": "Tender"})
    gql(client, GRANT, market.supplier, {"org": market.fourth_id, "purpose": "Risk review"})
    assert granted() == [(market.fourth_id, "Risk review")]  # the new grant replaced the old
    gql(client, REVOKE, market.supplier, {"org": market.fourth_id})
    assert granted() == []
    # Only a supplier has grants to list.
    assert error_codes(gql(client, GRANTS, market.bodies[0])) == ["FORBIDDEN"]


def test_a_new_version_reaches_the_three_buyers_through_changes(
    world: World, client: TestClient
) -> None:
    market = Market(world, client)
    first = submit(client, market.supplier)
    since = gql(client, CHANGES, market.bodies[0], {"since": "2000-01-01T00:00:00Z"})
    (change,) = since["data"]["selfReportChanges"]
    assert change["id"] == first["id"]
    mark = change["submittedAt"]

    second = submit(client, market.supplier, answers={**ANSWERS, "knownTiers": 3})
    assert second["version"] == 2
    for token in market.bodies:
        body = gql(client, CHANGES, token, {"since": mark})
        assert [c["id"] for c in body["data"]["selfReportChanges"]] == [second["id"]]
        # Older versions stay readable.
        assert [r["version"] for r in visible(client, token)] == [1, 2]
    outsider = gql(client, CHANGES, market.fourth, {"since": "2000-01-01T00:00:00Z"})
    assert outsider["data"]["selfReportChanges"] == []


def test_sites_are_deduplicated_and_sub_suppliers_become_edges(
    world: World, client: TestClient
) -> None:
    market = Market(world, client)
    existing = world.org("Kedah Compounding Sdn Bhd", OrganizationKind.SUPPLIER, "MY", "MY1001")
    with db.transaction(world.factory) as session:
        session.add(
            Facility(
                name="Songkhla Latex Works Co., Ltd.",
                country="TH",
                address="Hat Yai, Songkhla 90110",
                dedup_key="th|songkhla latex works co., ltd.|hat yai, songkhla 90110",
            )
        )
    report = submit(client, market.supplier)
    subs = {s["orgNumber"]: s for s in report["subSuppliers"]}
    assert subs["MY1001"]["organization"]["id"] == existing
    assert subs["MY1001"]["tier"] == 1 and subs["TH2002"]["tier"] == 2
    assert subs["TH2002"]["organization"]["kind"] == "SUPPLIER"
    assert subs["TH2002"]["tierParentOrgNumber"] == "MY1001"
    again = submit(client, market.supplier)  # the same sites: no new facilities
    assert {s["id"] for s in again["productionSites"]} == {
        s["id"] for s in report["productionSites"]
    }
    with db.transaction(world.factory) as session:
        assert session.query(Facility).count() == 2
        names = {row.id: row.name for row in session.scalars(select(Organization))}
        facilities = {row.id: row.name for row in session.scalars(select(Facility))}
        edges = {
            (
                names.get(e.source_id) or facilities[e.source_id],
                names[e.target_id],
                e.self_report_id,
            )
            for e in session.scalars(select(SupplyEdge))
        }
    # The second version's edges replace the first's.
    assert edges == {
        ("Perak Nitrile Gloves Sdn Bhd, Plant 2", "Acme Gloves AS", again["id"]),
        ("Songkhla Latex Works Co., Ltd.", "Acme Gloves AS", again["id"]),
        ("Kedah Compounding Sdn Bhd", "Acme Gloves AS", again["id"]),
        ("Rayong Rubber", "Kedah Compounding Sdn Bhd", again["id"]),
    }


def test_refusals_name_the_question_and_store_nothing(world: World, client: TestClient) -> None:
    market = Market(world, client)
    cases: list[tuple[dict[str, Any], str]] = [
        ({"answers": {**ANSWERS, "favouriteColour": "blue"}}, "answers.favouriteColour"),
        (
            {"answers": {k: v for k, v in ANSWERS.items() if k != "forcedLabour"}},
            "answers.forcedLabour",
        ),
        ({"answers": {**ANSWERS, "childLabour": "MAYBE"}}, "answers.childLabour"),
        ({"answers": {**ANSWERS, "grievanceChannels": None}}, "answers.grievanceChannels"),
        ({"answers": {**ANSWERS, "grievanceCasesLastYear": -1}}, "answers.grievanceCasesLastYear"),
        ({"productionSites": [{**SITES[0], "osId": "not-an-id"}]}, "productionSites.0.osId"),
        ({"productionSites": [{**SITES[0], "country": "ZZ"}]}, "productionSites.0.country"),
        (
            {"subSuppliers": [{**SUBS[1], "tierParentOrgNumber": "XX-9"}]},
            "subSuppliers.0.tierParentOrgNumber",
        ),
        (
            {
                "subSuppliers": [
                    {**SUBS[0], "tierParentOrgNumber": "TH-2002"},
                    SUBS[1],
                ]
            },
            "tierParentOrgNumber: the tier parents form a loop",
        ),
    ]
    for extra, named in cases:
        payload = {"answers": ANSWERS, "productionSites": SITES, "subSuppliers": SUBS, **extra}
        body = gql(client, SUBMIT, market.supplier, {"input": payload})
        assert error_codes(body) == ["BAD_USER_INPUT"], (named, body)
        assert named in body["errors"][0]["message"], (named, body["errors"][0]["message"])
    # A public body cannot submit one.
    body = gql(client, SUBMIT, market.bodies[0], {"input": {"answers": ANSWERS}})
    assert error_codes(body) == ["FORBIDDEN"]
    assert visible(client, market.supplier) == []
    with db.transaction(world.factory) as session:
        assert session.query(Facility).count() == 0
        assert session.query(SupplyEdge).count() == 0


def test_changes_since_a_naive_time_reads_it_as_utc(world: World, client: TestClient) -> None:
    market = Market(world, client)
    submit(client, market.supplier)
    later = (dt.datetime.now(dt.UTC) + dt.timedelta(minutes=5)).replace(tzinfo=None)
    body = gql(client, CHANGES, market.bodies[0], {"since": later.isoformat()})
    assert body["data"]["selfReportChanges"] == []


FACILITIES = "{ facilities { totalCount edges { node { id name } } } }"
ENTITY = "query($r: [_Any!]!) { _entities(representations: $r) { ... on Facility { name } } }"


def test_facilities_are_listed_to_those_who_see_a_report_disclosing_them(
    world: World, client: TestClient
) -> None:
    market = Market(world, client)
    report = submit(client, market.supplier)
    site_names = {s["name"] for s in SITES}
    for token in (market.supplier, *market.bodies):
        listed = gql(client, FACILITIES, token)["data"]["facilities"]
        assert {e["node"]["name"] for e in listed["edges"]} == site_names
    for outsider in (market.fourth, market.other_supplier):
        assert gql(client, FACILITIES, outsider)["data"]["facilities"]["totalCount"] == 0
        site = report["productionSites"][0]["id"]
        found = gql(client, ENTITY, outsider, {"r": [{"__typename": "Facility", "id": site}]})
        assert found["data"]["_entities"] == [None]
    gql(client, GRANT, market.supplier, {"org": market.fourth_id, "purpose": "Risk review"})
    assert gql(client, FACILITIES, market.fourth)["data"]["facilities"]["totalCount"] == 2
