"""`auditLog`: an administrator reads the entries its own organisation's people
caused, newest first, a page at a time; nobody else reads them."""

from __future__ import annotations

from starlette.testclient import TestClient

from domain.enums import Role
from tests.conftest import World, error_codes, gql
from tests.reports_world import build_reports_world, create_inspection, submit_and_publish

AUDIT_LOG = """
query($first: Int, $after: String) {
  auditLog(first: $first, after: $after) {
    totalCount
    pageInfo { hasNextPage endCursor }
    edges { node { seq action subjectType subjectId actorEmail detail } }
  }
}
"""


def test_an_admin_reads_its_organisations_entries_newest_first(
    client: TestClient, world: World
) -> None:
    w = build_reports_world(client, world)
    report = create_inspection(client, w)
    published = submit_and_publish(client, w, report, "NETWORK", w.network)
    assert published["data"], published
    oslo_admin = world.user("admin@oslo.no", w.oslo, Role.ADMIN)
    bergen_admin = world.user("admin@bergen.no", w.bergen, Role.ADMIN)

    first = gql(client, AUDIT_LOG, oslo_admin, {"first": 1})["data"]["auditLog"]
    total = first["totalCount"]
    assert total >= 1
    assert first["pageInfo"]["hasNextPage"] is (total > 1)
    every = gql(client, AUDIT_LOG, oslo_admin, {"first": 50})["data"]["auditLog"]["edges"]
    entries = [edge["node"] for edge in every]
    assert len(entries) == total
    assert [entry["seq"] for entry in entries] == sorted(
        (entry["seq"] for entry in entries), reverse=True
    )
    assert {entry["actorEmail"] for entry in entries} <= {"innkjop@oslo.no", "kontrakt@oslo.no"}
    assert any(entry["subjectId"] == report for entry in entries)
    if total > 1:
        after = gql(
            client, AUDIT_LOG, oslo_admin, {"first": 1, "after": first["pageInfo"]["endCursor"]}
        )["data"]["auditLog"]["edges"]
        assert after[0]["node"]["seq"] == entries[1]["seq"]

    # Another organisation's admin sees none of Oslo's entries.
    bergen = gql(client, AUDIT_LOG, bergen_admin, {"first": 50})["data"]["auditLog"]["edges"]
    assert {edge["node"]["actorEmail"] for edge in bergen} <= {"innkjop@bergen.no"}
    assert not {edge["node"]["seq"] for edge in bergen} & {entry["seq"] for entry in entries}


def test_only_administrators_read_the_audit_log(client: TestClient, world: World) -> None:
    w = build_reports_world(client, world)
    assert error_codes(gql(client, AUDIT_LOG, w.tokens["oslo"])) == ["FORBIDDEN"]
    assert error_codes(gql(client, AUDIT_LOG, None)) == ["UNAUTHENTICATED"]
    oslo_admin = world.user("admin@oslo.no", w.oslo, Role.ADMIN)
    refused = gql(client, AUDIT_LOG, oslo_admin, {"after": "bm90IGEgY3Vyc29y"})
    assert error_codes(refused) == ["BAD_USER_INPUT"]
