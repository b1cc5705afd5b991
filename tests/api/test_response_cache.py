"""The response cache (api/response_cache.py): a repeat is answered with the same
bytes without running the query; a commit anywhere (another app instance on the
same database, a direct write through another engine) makes the next request
miss and see it; viewers never share answers; reads are logged on every hit;
mutations, errors and answers that depend on the clock are never reused; a
revoked role or a withdrawn grant is not answered from the cache.

`second` is another app instance on the same database, as another process would
be; tests/integration/test_response_cache_postgres.py runs the cross-process
tests on PostgreSQL."""

from __future__ import annotations

import datetime as dt
import json
import random
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import httpx
import pytest
from sqlalchemy import Engine, delete, event, text, update
from sqlalchemy.orm import Session
from starlette.testclient import TestClient

from api.app import Services, create_app
from api.response_cache import ResponseCache
from domain.enums import Role
from settings import Settings
from storage import db, tenants
from storage.models import AuditReport, CasbinRule, Finding, Organization
from tests.api.test_compiled_execution import last_seq, read_events
from tests.api.test_documents_api import upload
from tests.conftest import World, error_codes, gql
from tests.frameworks_world import Clock, build_agreement, ok, timed_client
from tests.reports_world import (
    ReportsWorld,
    build_reports_world,
    create_inspection,
    submit_and_publish,
)

LISTING = """
query Listing($first: Int!) {
  auditReports(first: $first) { edges { node {
    id title status summary commercialNotes workerInterviews redactedFields
    supplier { name } facilities { name country }
    findings { description evidence correctiveAction { status dueDate } }
  } } }
}"""
VARIABLES = {"first": 50}
VIEWERS = ("oslo", "oslo_cm", "bergen", "trondheim", "auditor", "supplier", None)


@contextmanager
def app_client(settings: Settings) -> Iterator[TestClient]:
    with TestClient(create_app(settings, Services.from_settings(settings))) as test_client:
        yield test_client


@pytest.fixture
def second(engine: Engine, settings: Settings) -> Iterator[TestClient]:
    """Another app instance on the same database: its own engines, cache and policy."""
    with app_client(settings) as test_client:
        yield test_client


@pytest.fixture
def uncached(engine: Engine, settings: Settings) -> Iterator[TestClient]:
    """The same database with the response cache off: what every answer must be."""
    with app_client(settings.model_copy(update={"response_cache_entries": 0})) as test_client:
        yield test_client


def services(client: TestClient) -> Services:
    found: Services = client.app.state.services  # type: ignore[attr-defined]
    return found


def cache(client: TestClient) -> ResponseCache:
    return services(client).response_cache


def post(client: TestClient, token: str | None, query: str = LISTING) -> httpx.Response:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return client.post("/graphql", json={"query": query, "variables": VARIABLES}, headers=headers)


def listing(client: TestClient, token: str | None) -> list[dict[str, Any]]:
    body = gql(client, LISTING, token, VARIABLES)
    assert not body.get("errors"), body
    return [edge["node"] for edge in body["data"]["auditReports"]["edges"]]


def answered_from_cache(client: TestClient, ask: Callable[[], Any]) -> bool:
    hits, misses = cache(client).hits, cache(client).misses
    ask()
    after = cache(client)
    assert (after.hits - hits) + (after.misses - misses) <= 1
    return after.hits == hits + 1


@contextmanager
def statements(client: TestClient) -> Iterator[list[str]]:
    """The SQL the app sends while inside (BEGIN left out)."""
    sent: list[str] = []

    def record(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if statement.strip().upper() != "BEGIN":
            sent.append(statement)

    engine = services(client).async_engine.sync_engine
    event.listen(engine, "before_cursor_execute", record)
    try:
        yield sent
    finally:
        event.remove(engine, "before_cursor_execute", record)


def published(client: TestClient, world: World) -> tuple[ReportsWorld, str]:
    """A report shared with the network, every field classified."""
    w = build_reports_world(client, world)
    report = create_inspection(client, w)
    assert submit_and_publish(client, w, report, "NETWORK", w.network).get("data")
    return w, report


def token(w: ReportsWorld, viewer: str | None) -> str | None:
    return w.tokens[viewer] if viewer else None


# -- a hit --------------------------------------------------------------------------


def test_a_repeat_gets_the_same_bytes_without_running_the_query(
    client: TestClient, world: World
) -> None:
    w, _ = published(client, world)
    first = post(client, w.tokens["bergen"])
    assert first.status_code == 200 and listing(client, w.tokens["bergen"])
    with statements(client) as sent:
        hits = cache(client).hits
        again = post(client, w.tokens["bergen"])
    assert cache(client).hits == hits + 1
    assert again.status_code == 200
    assert again.content == first.content
    assert again.headers["content-type"] == first.headers["content-type"]
    # One statement: the token's member rows with the data version.
    assert len(sent) == 1, sent
    assert "memberships" in sent[0] and "data_version" in sent[0]
    # Anonymous: the data version alone.
    post(client, None)
    with statements(client) as sent:
        assert answered_from_cache(client, lambda: post(client, None))
    assert len(sent) == 1 and "data_version" in sent[0] and "audit_reports" not in sent[0]


def test_variables_are_part_of_the_key(client: TestClient, world: World) -> None:
    w, _ = published(client, world)
    query = "query($first: Int!) { auditReports(first: $first) { edges { node { id } } } }"
    two = create_inspection(client, w, title="Second")
    assert submit_and_publish(client, w, two, "NETWORK", w.network).get("data")
    one = gql(client, query, w.tokens["bergen"], {"first": 1})
    both = gql(client, query, w.tokens["bergen"], {"first": 2})
    assert len(one["data"]["auditReports"]["edges"]) == 1
    assert len(both["data"]["auditReports"]["edges"]) == 2


# -- commits anywhere ---------------------------------------------------------------


def test_a_commit_through_another_app_instance_is_seen_by_the_next_request(
    client: TestClient, second: TestClient, world: World
) -> None:
    w, _ = published(client, world)
    bergen = w.tokens["bergen"]
    before = listing(client, bergen)
    assert answered_from_cache(client, lambda: listing(client, bergen))
    # Another process publishes a second report to the network.
    report = create_inspection(second, w, title="Written elsewhere")
    assert submit_and_publish(second, w, report, "NETWORK", w.network).get("data")
    hits = cache(client).hits
    after = listing(client, bergen)
    assert cache(client).hits == hits
    assert [r["title"] for r in after] == [r["title"] for r in before] + ["Written elsewhere"]


WRITES: dict[str, Callable[[Session, str], None]] = {
    "orm": lambda s, report: setattr(s.get_one(AuditReport, report), "title", "Renamed"),
    "core": lambda s, report: s.execute(
        update(AuditReport).where(AuditReport.id == report).values(title="Renamed")
    ),
    "sql": lambda s, report: s.execute(
        text("UPDATE audit_reports SET title = 'Renamed' WHERE id = :id"), {"id": report}
    ),
}


@pytest.mark.parametrize("how", sorted(WRITES))
def test_a_direct_write_through_another_engine_is_seen_by_the_next_request(
    how: str, client: TestClient, world: World, settings: Settings
) -> None:
    w, report = published(client, world)
    bergen = w.tokens["bergen"]
    assert [r["title"] for r in listing(client, bergen)] == ["Inspection of glove factory"]
    assert answered_from_cache(client, lambda: listing(client, bergen))
    elsewhere = db.make_engine(settings.resolved_database_url)
    try:
        with db.transaction(db.make_session_factory(elsewhere)) as session:
            WRITES[how](session, report)
    finally:
        elsewhere.dispose()
    assert not answered_from_cache(client, lambda: listing(client, bergen))
    assert [r["title"] for r in listing(client, bergen)] == ["Renamed"]


def test_a_deleted_row_is_gone_from_the_next_answer(
    client: TestClient, world: World, engine: Engine
) -> None:
    w, report = published(client, world)
    bergen = w.tokens["bergen"]
    assert len(listing(client, bergen)[0]["findings"]) == 1
    with db.transaction(world.factory) as session:
        session.execute(delete(Finding).where(Finding.report_id == report))
    assert listing(client, bergen)[0]["findings"] == []


# -- viewers ------------------------------------------------------------------------


def test_viewers_never_share_an_answer(
    client: TestClient, uncached: TestClient, world: World
) -> None:
    """In any order, every viewer gets what the uncached app answers it."""
    w, _ = published(client, world)
    public = create_inspection(client, w, title="Public follow-up", summary="Fees repaid.")
    assert submit_and_publish(client, w, public, "PUBLIC").get("data")
    expected = {viewer: listing(uncached, token(w, viewer)) for viewer in VIEWERS}
    # The clearances differ: PERSONAL for the contract manager, RESTRICTED for the
    # procurement officer, SHARED for the network, PUBLIC for the rest.
    shared = {viewer: nodes[0] for viewer, nodes in expected.items()}
    assert shared["oslo_cm"]["workerInterviews"] is not None
    assert shared["oslo"]["workerInterviews"] is None
    assert shared["oslo"]["commercialNotes"] is not None
    assert shared["bergen"]["commercialNotes"] is None and shared["bergen"]["summary"]
    assert [r["title"] for r in expected["trondheim"]] == ["Public follow-up"]
    assert len({json.dumps(nodes, sort_keys=True) for nodes in expected.values()}) >= 5
    order = random.Random(13).choices(VIEWERS, k=60)
    for viewer in order:
        assert listing(client, token(w, viewer)) == expected[viewer], viewer
    assert cache(client).hits >= len(order) - len(VIEWERS)


def test_a_hit_logs_the_same_reads_as_the_first_answer(
    client: TestClient, world: World, engine: Engine
) -> None:
    w, _ = published(client, world)
    manager = w.tokens["oslo_cm"]
    seq = last_seq(engine)
    first = listing(client, manager)
    logged = read_events(engine, seq)
    assert first[0]["workerInterviews"] is not None
    assert {event[0] for event in logged} >= {"read_personal"}
    for _ in range(2):
        seq = last_seq(engine)
        assert answered_from_cache(client, lambda: listing(client, manager))
        assert read_events(engine, seq) == logged


def test_a_revoked_role_is_not_answered_from_the_cache(
    client: TestClient, world: World, engine: Engine
) -> None:
    w, _ = published(client, world)
    world.user("kontrakt@oslo.no", w.oslo, Role.VIEWER)  # a second role, kept
    manager = w.tokens["oslo_cm"]
    assert listing(client, manager)[0]["workerInterviews"] is not None
    assert answered_from_cache(client, lambda: listing(client, manager))
    with db.transaction(world.factory) as session:
        oslo = session.get_one(Organization, w.oslo)
        revoked = tenants.revoke_user_role(
            session, email="kontrakt@oslo.no", organization=oslo, role=Role.CONTRACT_MANAGER
        )
        assert revoked
    assert listing(client, manager)[0]["workerInterviews"] is None


class IdleWatcher:
    """Stands in for the policy watcher, so the test decides when a reload happens."""

    def __init__(self, *_: object) -> None:
        pass

    def start(self) -> None:
        pass

    def stop(self) -> None:
        pass


def test_a_withdrawn_grant_is_not_answered_once_the_policy_is_reloaded(
    engine: Engine, settings: Settings, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Until a process reloads its policy (its watcher does within a second) it
    decides by the old one, cached or not; from the reload on, nothing it cached
    before is used."""
    monkeypatch.setattr("api.app.PolicyWatcher", IdleWatcher)
    with app_client(settings) as client:
        w, _ = published(client, world)
        manager = w.tokens["oslo_cm"]
        with db.transaction(world.factory) as session:  # e.g. `kjede policy revoke`
            session.execute(
                delete(CasbinRule).where(
                    CasbinRule.v0 == "role:CONTRACT_MANAGER",
                    CasbinRule.v2 == "audit_report",
                    CasbinRule.v3 == "read_personal",
                )
            )
        # Not reloaded yet: the old policy decides, and the answer is kept.
        assert listing(client, manager)[0]["workerInterviews"] is not None
        assert answered_from_cache(client, lambda: listing(client, manager))
        assert services(client).authorizer.reload_if_changed()
        assert not answered_from_cache(client, lambda: listing(client, manager))
        assert listing(client, manager)[0]["workerInterviews"] is None


# -- never reused ---------------------------------------------------------------------


def test_a_mutation_is_never_answered_from_the_cache(client: TestClient, world: World) -> None:
    org = world.org("Kommune")
    officer = world.user("innkjop@kommune.no", org, Role.PROCUREMENT_OFFICER)
    mutation = """mutation {
      createNetwork(input: {name: "Nett", kind: FRAMEWORK_AGREEMENT}) { id name } }"""
    first = gql(client, mutation, officer)
    again = gql(client, mutation, officer)
    assert first["data"] and again["data"], (first, again)
    assert first["data"]["createNetwork"]["id"] != again["data"]["createNetwork"]["id"]
    assert len(cache(client)) == 0 and cache(client).hits == 0


def test_an_answer_with_errors_is_not_reused(client: TestClient, world: World) -> None:
    w, _ = published(client, world)
    missing = 'query { auditReport(id: "00000000-0000-0000-0000-000000000000") { id } }'
    for _ in range(2):
        body = gql(client, missing, w.tokens["bergen"])
        assert error_codes(body) == ["NOT_FOUND"], body
    assert cache(client).hits == 0 and len(cache(client)) == 0


def test_download_links_expire_so_answers_with_them_are_not_reused(
    client: TestClient, world: World
) -> None:
    w = build_reports_world(client, world)
    report = create_inspection(client, w)
    stored = upload(client, w.tokens["auditor"], report, "notes.txt", b"visit", "SHARED")
    assert stored.get("data"), stored
    assert submit_and_publish(client, w, report, "NETWORK", w.network).get("data")
    with_links = "query { auditReports(first: 5) { edges { node { documents { downloadUrl } } } } }"
    names = "query { auditReports(first: 5) { edges { node { documents { filename } } } } }"
    for _ in range(2):
        assert not answered_from_cache(client, lambda: gql(client, with_links, w.tokens["oslo"]))
    gql(client, names, w.tokens["oslo"])
    assert answered_from_cache(client, lambda: gql(client, names, w.tokens["oslo"]))


def test_the_audit_log_is_read_afresh(client: TestClient, world: World) -> None:
    org = world.org("Kommune")
    admin = world.user("admin@kommune.no", org, Role.ADMIN)
    query = "query { auditLog(first: 5) { edges { node { action } } } }"
    for _ in range(2):
        body = gql(client, query, admin)
        assert body.get("data"), body
    assert cache(client).hits == 0


def test_a_deadline_passed_within_the_day_is_seen(
    engine: Engine, settings: Settings, world: World
) -> None:
    """A competition closes at its deadline, to the second: never reused."""
    clock = Clock(dt.datetime(2026, 12, 1, 9, 0, tzinfo=dt.UTC))
    with timed_client(settings, clock) as client:
        agreement = build_agreement(client, world, clock)
        create = (
            """mutation($i: MiniCompetitionInput!) { createMiniCompetition(input: $i) { id } }"""
        )
        deadline = clock.now + dt.timedelta(hours=1)
        criteria = [{"name": "Price", "weight": 1.0, "price": True}]
        created = ok(
            agreement.gql(
                create,
                agreement.kari,
                i={
                    "networkId": agreement.network,
                    "title": "Arkiv",
                    "estimatedHours": 300,
                    "deadline": deadline.isoformat(),
                    "criteria": criteria,
                    "requirements": "Migrate the archive.",
                },
            ),
            "createMiniCompetition",
        )
        publish = "mutation($id: ID!) { publishMiniCompetition(id: $id) { status } }"
        ok(agreement.gql(publish, agreement.kari, id=created["id"]), "publishMiniCompetition")
        status = "query($n: ID) { miniCompetitions(networkId: $n) { edges { node { status } } } }"

        def statuses() -> list[str]:
            found = agreement.gql(status, agreement.sam, n=agreement.network)
            return [edge["node"]["status"] for edge in ok(found, "miniCompetitions")["edges"]]

        assert statuses() == ["PUBLISHED"]
        clock.advance(hours=2)  # the same day
        assert statuses() == ["CLOSED"]
        assert cache(client).hits == 0


def test_the_next_day_is_a_new_key(engine: Engine, settings: Settings, world: World) -> None:
    clock = Clock(dt.datetime(2026, 12, 1, 9, 0, tzinfo=dt.UTC))
    with timed_client(settings, clock) as client:
        org = world.org("Kommune")
        viewer = world.user("viewer@kommune.no", org, Role.VIEWER)
        ask = lambda: gql(client, "query { me { roles } }", viewer)  # noqa: E731
        ask()
        assert answered_from_cache(client, ask)
        clock.advance(days=1)
        assert not answered_from_cache(client, ask)
