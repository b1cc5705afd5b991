"""The compiled executor (schema/compiled.py) answers exactly what graphql-core's
generic executor answers, and logs the same reads: two apps on one database, one
with `compiled_queries` off, asked the same operations by every kind of viewer,
with withheld fields, documents, relations, fragments, aliases and errors."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session
from starlette.testclient import TestClient

from api.app import Services, create_app
from schema.compiled import served
from settings import Settings
from storage.models import AuditLogEntry
from tests.api.test_documents_api import upload
from tests.conftest import World, error_codes, gql
from tests.reports_world import (
    ReportsWorld,
    build_reports_world,
    create_inspection,
    submit_and_publish,
)

NODE = """
  __typename id title reportType status shareScope auditDate publishedAt
  summary commercialNotes workerInterviews redactedFields
  findings { id requirement severity description evidence
             correctiveAction { description dueDate status } }
  supplier { id name kind country orgNumber } commissionedBy { id name }
  auditor { __typename id name } network { id name } focusArea { id }
  facilities { id name country address osId latitude longitude }
  documents { id filename contentType size sha256 classification isRendition downloadUrl }
"""
LISTING = f"""
query Listing($first: Int, $after: String) {{
  auditReports(first: $first, after: $after) {{
    totalCount pageInfo {{ hasNextPage endCursor hasPreviousPage startCursor }}
    edges {{ cursor node {{ {NODE} }} }}
  }}
}}"""
FRAGMENTS = """
query {
  a: auditReports(first: 1) { edges { node { ...Head findings { ...F } } } }
  b: auditReports(first: 5) { edges { n: node { id ... on AuditReport { t: title } } } }
}
fragment Head on AuditReport { id title supplier { name } summary }
fragment F on Finding { severity evidence }
"""
BY_ID = f"query($id: ID!) {{ auditReport(id: $id) {{ {NODE} }} }}"
SEARCH = """
query($text: String!) {
  auditReports(filter: {text: $text}) { totalCount edges { node { id commercialNotes } } }
}"""
VIEWERS = ("oslo", "oslo_cm", "bergen", "trondheim", "auditor", "supplier", None)
EXPIRY = re.compile(r"(expires|signature)=[^&]*")


@pytest.fixture
def generic(engine: Engine, settings: Settings) -> Iterator[TestClient]:
    """The same database behind graphql-core's generic executor."""
    plain = settings.model_copy(update={"compiled_queries": False})
    with TestClient(create_app(plain, Services.from_settings(plain))) as test_client:
        yield test_client


def a_world(client: TestClient, world: World) -> tuple[ReportsWorld, list[str]]:
    w = build_reports_world(client, world)
    shared = create_inspection(client, w)
    for name, classification in (("notes.txt", "SHARED"), ("ledger.txt", "RESTRICTED")):
        body = upload(client, w.tokens["auditor"], shared, name, b"site visit 2026", classification)
        assert body.get("data"), body
    submit_and_publish(client, w, shared, "NETWORK", w.network)
    public = create_inspection(client, w, title="Public follow-up", summary="All fees repaid.")
    submit_and_publish(client, w, public, "PUBLIC")
    draft = create_inspection(client, w, title="Draft", facilityIds=[])
    return w, [shared, public, draft, "00000000-0000-0000-0000-000000000000"]


def read_events(engine: Engine, after: int) -> list[tuple[Any, ...]]:
    with Session(engine) as session:
        rows = session.execute(
            select(
                AuditLogEntry.action,
                AuditLogEntry.subject_type,
                AuditLogEntry.subject_id,
                AuditLogEntry.actor_user_id,
            )
            .where(AuditLogEntry.seq > after)
            .order_by(AuditLogEntry.seq)
        )
        return [tuple(row) for row in rows]


def last_seq(engine: Engine) -> int:
    with Session(engine) as session:
        return session.scalar(select(AuditLogEntry.seq).order_by(AuditLogEntry.seq.desc())) or 0


def unsigned(value: Any) -> Any:
    """Signed download links carry their expiry second and its signature: compare
    them without those two."""
    if isinstance(value, dict):
        return {
            key: EXPIRY.sub("", item) if key == "downloadUrl" and item else unsigned(item)
            for key, item in value.items()
        }
    if isinstance(value, list):
        return [unsigned(item) for item in value]
    return value


def test_compiled_answers_and_logs_exactly_what_the_generic_executor_does(
    client: TestClient, generic: TestClient, world: World, engine: Engine
) -> None:
    w, report_ids = a_world(client, world)
    operations: list[tuple[str, dict[str, Any]]] = [
        (LISTING, {"first": 50}),
        (LISTING, {"first": 1}),
        (LISTING, {"first": 1, "after": "bm90IGEgY3Vyc29y"}),  # not a cursor: BAD_USER_INPUT
        (LISTING, {"first": 100_000}),  # over the maximum: BAD_USER_INPUT
        (FRAGMENTS, {}),
        (SEARCH, {"text": "margin"}),  # matches a RESTRICTED field: logged for parties only
        *((BY_ID, {"id": report_id}) for report_id in report_ids),  # the last is NOT_FOUND
    ]
    compiled_before = served.compiled
    compared = 0
    for viewer in VIEWERS:
        token = w.tokens[viewer] if viewer else None
        for query, variables in operations:
            seq = last_seq(engine)
            fast = gql(client, query, token, variables)
            fast_events = read_events(engine, seq)
            seq = last_seq(engine)
            slow = gql(generic, query, token, variables)
            slow_events = read_events(engine, seq)
            where = f"{viewer}: {query.split('{')[0].strip() or query[:40]} {variables}"
            assert unsigned(fast) == unsigned(slow), where
            assert fast_events == slow_events, where
            compared += 1
    assert served.compiled > compiled_before, "the compiled executor served none of them"
    assert compared == len(VIEWERS) * len(operations)
    # The comparison covered what it claims: documents with links, withheld fields,
    # errors and logged reads.
    oslo = gql(client, LISTING, w.tokens["oslo"], {"first": 50})["data"]["auditReports"]
    links = [d["downloadUrl"] for e in oslo["edges"] for d in e["node"]["documents"]]
    assert len(links) >= 2 and all(links), links
    bergen = gql(client, LISTING, w.tokens["bergen"], {"first": 50})["data"]["auditReports"]
    assert all("commercialNotes" in e["node"]["redactedFields"] for e in bergen["edges"])
    bad = gql(client, LISTING, w.tokens["oslo"], {"first": 1, "after": "bm90IGEgY3Vyc29y"})
    assert error_codes(bad) == ["BAD_USER_INPUT"] and bad["data"] is None, bad
    seq = last_seq(engine)
    gql(client, LISTING, w.tokens["oslo"], {"first": 50})
    assert any(event[0] == "read_restricted" for event in read_events(engine, seq))
