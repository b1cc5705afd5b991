"""Buyers learn of a new self-report version as it arrives: `selfReportVersions`
over a websocket (graphql-transport-ws at /graphql) sends each viewer what
selfReportChanges would answer it, and nothing else.

Each stream polls every POLL seconds. That a viewer received nothing is shown by
order, not by waiting: versions arrive oldest first, so when a viewer's next
message is a version submitted after the one it must not see, the poll that found
it covered the earlier one too and left it out.
"""

from __future__ import annotations

import contextlib
import itertools
import queue
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.exc import OperationalError
from starlette.testclient import TestClient
from starlette.websockets import WebSocketDisconnect

from api.app import Services, create_app
from domain.enums import OrganizationKind, Role
from services import self_report_feed
from settings import Settings
from storage import db, tenants
from storage.models import AuditLogEntry, Organization
from tests.api.test_self_reports import ANSWERS, GRANT, REVOKE, Market, submit
from tests.conftest import World, gql

POLL = 0.05
DEADLINE = 20.0
"""How long a test waits for a message that must come before it fails (a hang guard,
never an assertion about time)."""

PROTOCOL = "graphql-transport-ws"
VERSIONS = """
subscription Versions($since: DateTime) {
  selfReportVersions(since: $since) {
    id version submittedAt answers redactedFields
    supplier { name }
    productionSites { name }
  }
}
"""

Session = Any  # starlette.testclient.WebSocketTestSession


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    """A pool of one connection: a stream that held it between polls, or while an
    event is sent, would leave every other stream and request waiting for it, and
    the test would fail at DEADLINE. Waiting for the connection itself may take long
    on a loaded machine (two streams poll every POLL seconds), so the pool timeout is
    above DEADLINE: a slow turn is not an outage (CI once answered UNAVAILABLE after
    the default 3 s)."""
    return Settings(
        data_dir=tmp_path / "data",
        subscription_poll_seconds=POLL,
        db_pool_size=1,
        db_max_overflow=0,
        db_pool_timeout_seconds=DEADLINE * 2,
    )


def receive(ws: Session) -> dict[str, Any]:
    """The next message, or a failure after DEADLINE seconds instead of a hang."""
    box: queue.Queue[Any] = queue.Queue()

    def read() -> None:
        try:
            box.put(ws.receive_json())
        except BaseException as exc:  # handed to the test's thread
            box.put(exc)

    threading.Thread(target=read, daemon=True).start()
    try:
        message = box.get(timeout=DEADLINE)
    except queue.Empty:
        pytest.fail(f"no message within {DEADLINE} s")
    if isinstance(message, BaseException):
        raise message
    assert isinstance(message, dict)
    return message


_ids = itertools.count(1)


class Stream:
    """One signed-in websocket running one subscription."""

    def __init__(self, ws: Session, operation_id: str) -> None:
        self.ws = ws
        self.id = operation_id

    def next_version(self) -> dict[str, Any]:
        message = receive(self.ws)
        assert message["type"] == "next" and message["id"] == self.id, message
        assert "errors" not in message["payload"], message
        version: dict[str, Any] = message["payload"]["data"]["selfReportVersions"]
        return version


@contextlib.contextmanager
def connect(client: TestClient, token: str | None) -> Iterator[Session]:
    """A websocket that sent connection_init with `token` (none: an empty payload)."""
    with client.websocket_connect("/graphql", subprotocols=[PROTOCOL]) as ws:
        payload = {"Authorization": f"Bearer {token}"} if token else {}
        ws.send_json({"type": "connection_init", "payload": payload})
        yield ws


def start(ws: Session, query: str = VERSIONS, **variables: Any) -> str:
    operation_id = str(next(_ids))
    ws.send_json(
        {
            "id": operation_id,
            "type": "subscribe",
            "payload": {"query": query, "variables": variables},
        }
    )
    return operation_id


def subscribe(ws: Session, **variables: Any) -> Stream:
    """Acknowledged, then subscribed; the stream starts from now unless `since`."""
    assert receive(ws) == {"type": "connection_ack"}
    return Stream(ws, start(ws, **variables))


def test_a_contracted_buyer_receives_each_new_version_and_a_stranger_none(
    world: World, client: TestClient
) -> None:
    market = Market(world, client)
    other_supplier_id = world.org("Nordic Nitrile AB", OrganizationKind.SUPPLIER, "SE")
    marker_supplier = world.user("n@nordic.se", other_supplier_id, Role.SUPPLIER_REPORTER)
    # The stranger: a body whose contract with Acme has ended, and no grant from it.
    # Nordic grants it access, so Nordic's version tells the stranger's polls apart.
    granted = gql(
        client, GRANT, marker_supplier, {"org": market.fourth_id, "purpose": "Benchmarking"}
    )
    assert granted["data"] == {"grantSelfReportAccess": True}

    with connect(client, market.bodies[0]) as buyer_ws, connect(client, market.fourth) as other_ws:
        buyer, stranger = subscribe(buyer_ws), subscribe(other_ws)
        first = submit(client, market.supplier)
        received = buyer.next_version()
        assert received["id"] == first["id"] and received["version"] == 1
        assert received["supplier"] == {"name": "Acme Gloves AS"}
        assert len(received["productionSites"]) == 2
        # Exactly what selfReportChanges tells a contracted body: RESTRICTED, not PERSONAL.
        assert received["answers"]["iloDeviations"].startswith("Union access")
        assert sorted(received["redactedFields"]) == [
            "answers.grievanceContact",
            "answers.policyOwner",
        ]

        second = submit(client, market.supplier, answers={**ANSWERS, "knownTiers": 3})
        assert buyer.next_version()["id"] == second["id"]
        marker = submit(client, marker_supplier)
        # Oldest first: the poll that found Nordic's version would have sent Acme's two before.
        assert stranger.next_version()["id"] == marker["id"]

    # Back after a break, a buyer passes the last submittedAt it saw and misses nothing.
    with connect(client, market.bodies[1]) as ws:
        resumed = subscribe(ws, since=received["submittedAt"])
        assert resumed.next_version()["id"] == second["id"]

    # What left with RESTRICTED answers is on the audit log, as for a query.
    me = gql(client, "{ me { organization { id } } }", market.bodies[0])
    assert me.get("data"), me
    buyer_id = me["data"]["me"]["organization"]["id"]
    with db.transaction(world.factory) as session:
        reads = {
            entry.subject_id
            for entry in session.scalars(select(AuditLogEntry))
            if entry.action == "read_restricted" and entry.actor_org_id == buyer_id
        }
    assert reads == {first["id"], second["id"]}


def test_a_revoked_grant_stops_delivery(world: World, client: TestClient) -> None:
    market = Market(world, client)
    nordic = world.org("Nordic Nitrile AB", OrganizationKind.SUPPLIER, "SE")
    marker_supplier = world.user("n@nordic.se", nordic, Role.SUPPLIER_REPORTER)
    for supplier in (market.supplier, marker_supplier):
        body = gql(client, GRANT, supplier, {"org": market.fourth_id, "purpose": "Tender"})
        assert body["data"] == {"grantSelfReportAccess": True}

    with connect(client, market.fourth) as ws:
        grantee = subscribe(ws)
        first = submit(client, market.supplier)
        received = grantee.next_version()
        assert received["id"] == first["id"]
        # A grantee reads SHARED answers only, as from selfReportChanges.
        assert "iloDeviations" not in received["answers"]
        assert "answers.iloDeviations" in received["redactedFields"]

        revoked = gql(client, REVOKE, market.supplier, {"org": market.fourth_id})
        assert revoked["data"] == {"revokeSelfReportAccess": True}
        submit(client, market.supplier, answers={**ANSWERS, "knownTiers": 3})
        marker = submit(client, marker_supplier)
        assert grantee.next_version()["id"] == marker["id"]


def test_a_revoked_role_ends_the_subscription(world: World, client: TestClient) -> None:
    """The principal is read anew for every poll, as for every HTTP request."""
    market = Market(world, client)
    with connect(client, market.bodies[0]) as ws:
        stream = subscribe(ws)
        first = submit(client, market.supplier)
        assert stream.next_version()["id"] == first["id"]
        with db.transaction(world.factory) as session:
            body = session.scalars(select(Organization).where(Organization.name == "Oslo kommune"))
            assert tenants.revoke_user_role(
                session,
                email="buyer0@body.no",
                organization=body.one(),
                role=Role.PROCUREMENT_OFFICER,
            )
        ended = receive(ws)
        assert ended["type"] == "next" and ended["payload"]["data"] is None
        assert [e["extensions"]["code"] for e in ended["payload"]["errors"]] == ["UNAUTHENTICATED"]
        assert receive(ws) == {"id": stream.id, "type": "complete"}


def test_a_database_outage_ends_the_subscription_with_unavailable(
    world: World, client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    """As over HTTP (503 UNAVAILABLE), a listener learns that the database is down
    and may retry, not that the server failed."""
    market = Market(world, client)
    with connect(client, market.bodies[0]) as ws:
        stream = subscribe(ws)
        submit(client, market.supplier)

        async def down(*_args: Any) -> Any:
            raise OperationalError("SELECT", {}, Exception("could not connect to server"))

        monkeypatch.setattr(self_report_feed, "self_report_changes", down)
        ended = receive(ws)
        while ended["type"] == "next" and ended["payload"].get("data"):
            ended = receive(ws)  # the version, when a poll found it before the outage
        assert ended["type"] == "next" and ended["payload"]["data"] is None
        (error,) = ended["payload"]["errors"]
        assert error["extensions"] == {"code": "UNAVAILABLE", "dependency": "database"}
        assert error["message"] == "the database is unavailable; retry later"
        assert receive(ws) == {"id": stream.id, "type": "complete"}


def test_a_connection_without_a_valid_token_is_refused(client: TestClient) -> None:
    payloads = [{}, {"Authorization": "Bearer not-a-jwt"}, {"Authorization": "Basic a2plZGU="}]
    for payload in payloads:
        with client.websocket_connect("/graphql", subprotocols=[PROTOCOL]) as ws:
            ws.send_json({"type": "connection_init", "payload": payload})
            with pytest.raises(WebSocketDisconnect) as refused:
                receive(ws)
        # graphql-transport-ws's answer to a refused connection_init
        assert (refused.value.code, refused.value.reason) == (4403, "Forbidden"), payload


def test_a_subscription_is_refused_over_http(world: World, client: TestClient) -> None:
    token = world.user("kari@oslo.no", world.org("Oslo kommune"), Role.PROCUREMENT_OFFICER)
    response = client.post(
        "/graphql",
        json={"query": "subscription { selfReportVersions { id } }"},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert response.status_code == 400
    (error,) = response.json()["errors"]
    assert error["extensions"]["code"] == "BAD_REQUEST"
    assert "websocket" in error["message"]


def test_limits_and_the_input_guard_apply_to_subscriptions(
    world: World, settings: Settings
) -> None:
    token = world.user("kari@oslo.no", world.org("Oslo kommune"), Role.PROCUREMENT_OFFICER)
    tight = settings.model_copy(update={"max_query_depth": 2, "max_aliases": 1})
    one = "{ selfReportVersions { id } }"
    refusals = {
        "a deep one": ("subscription { selfReportVersions { supplier { name } } }", {}),
        "aliases": ("subscription { selfReportVersions { a: id b: id } }", {}),
        "two operations": (f"subscription A {one} subscription B {one}", {}),
        "a query": ("{ me { roles } }", {}),
        "a NUL in a variable": (f"subscription {one}", {"note": "a\u0000b"}),
    }
    codes: dict[str, list[str]] = {}
    app = create_app(tight, Services.from_settings(tight))
    with TestClient(app) as limited, connect(limited, token) as ws:
        assert receive(ws) == {"type": "connection_ack"}
        for name, (query, variables) in refusals.items():
            operation_id = start(ws, query, **variables)
            message = receive(ws)
            assert message["id"] == operation_id
            # Refused before execution: an `error` message, or one `next` with errors.
            payload = message["payload"]
            errors = payload if message["type"] == "error" else payload["errors"]
            codes[name] = [error["extensions"]["code"] for error in errors]
    assert codes == {
        "a deep one": ["GRAPHQL_VALIDATION_FAILED"],
        "aliases": ["GRAPHQL_VALIDATION_FAILED"],
        "two operations": ["BAD_USER_INPUT"],
        "a query": ["BAD_REQUEST"],
        "a NUL in a variable": ["BAD_USER_INPUT"],
    }
