"""Writes keep the lists the API returns whole within their maximums."""

from __future__ import annotations

import pytest
from starlette.testclient import TestClient

from domain import limits
from tests.conftest import World, error_codes, gql
from tests.reports_world import ADD_FINDING, build_reports_world, create_inspection


def test_a_report_takes_at_most_its_maximum_of_findings(
    client: TestClient, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(limits, "MAX_FINDINGS_PER_REPORT", 3)
    w = build_reports_world(client, world)
    report_id = create_inspection(client, w)  # one finding
    finding = {"requirement": "WAGES", "severity": "MINOR", "description": "Overtime."}
    for _ in range(2):
        added = gql(client, ADD_FINDING, w.tokens["auditor"], {"r": report_id, "input": finding})
        assert added.get("data"), added
    refused = gql(client, ADD_FINDING, w.tokens["auditor"], {"r": report_id, "input": finding})
    assert error_codes(refused) == ["CONFLICT"]
    assert "at most 3 findings" in refused["errors"][0]["message"]


def test_a_report_names_at_most_its_maximum_of_facilities(client: TestClient, world: World) -> None:
    w = build_reports_world(client, world)
    ids = [w.factory] * 1 + [f"00000000-0000-7000-8000-{n:012d}" for n in range(20)]
    body = gql(
        client,
        "mutation($i: AuditReportInput!) { createAuditReport(input: $i) { id } }",
        w.tokens["oslo"],
        {
            "i": {
                "title": "Too many sites",
                "reportType": "SYSTEM_AUDIT",
                "supplierId": w.supplier,
                "facilityIds": ids,
            }
        },
    )
    assert error_codes(body) == ["BAD_USER_INPUT"]
    assert body["errors"][0]["extensions"]["field"] == "facilityIds"
    assert "at most 20 facilities" in body["errors"][0]["message"]


def test_ranks_beyond_the_maximum_are_refused(client: TestClient, world: World) -> None:
    w = build_reports_world(client, world)
    body = gql(
        client,
        "mutation($n: ID!, $s: ID!, $r: Int!) "
        "{ addNetworkSupplier(networkId: $n, supplierId: $s, rank: $r) { id } }",
        w.tokens["oslo"],
        {"n": w.network, "s": w.supplier, "r": limits.MAX_RANKED_SUPPLIERS + 1},
    )
    assert error_codes(body) == ["BAD_USER_INPUT"]
    assert body["errors"][0]["extensions"]["field"] == "rank"
    assert f"between 1 and {limits.MAX_RANKED_SUPPLIERS}" in body["errors"][0]["message"]
