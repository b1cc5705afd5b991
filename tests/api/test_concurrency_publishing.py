"""Publishing works the object store while the request holds no database connection.

Publishing reads the shared originals (the personal-data guard) and writes the
renditions; none of it happens while the request holds a pooled connection (or
SQLite's write lock), so a frozen store cannot hold either. What was read before
is checked again in the write that publishes: a report withdrawn or given a new
document meanwhile is not published (CONFLICT), the concurrent change stands,
and the renditions already written are orphans that the sweep removes. Nor is a
report published once its client has hung up.

The app is driven over ASGI without its lifespan, so no background task takes a
connection: the request is alone with the pool. The store wrapper runs the
concurrent change from its worker thread on the app's event loop, in the middle
of the first rendition write. tests/integration/test_concurrency_publishing_postgres.py
collects the same tests on PostgreSQL and S3.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
from collections.abc import Awaitable, Callable
from typing import Any, BinaryIO

import anyio.from_thread
import httpx
import pytest
from sqlalchemy import Engine, select
from sqlalchemy.pool import Pool
from starlette.testclient import TestClient
from starlette.types import ASGIApp

from api.app import Services, create_app
from settings import Settings
from storage import db
from storage.models import AuditLogEntry, AuditReport, Document
from storage.objects import ObjectStore, StoredObject, object_store_from_settings
from storage.sweep import sweep
from tests.api.test_concurrency_uploads import Exchange
from tests.api.test_documents_api import UPLOAD, upload
from tests.conftest import World, gql
from tests.reports_world import ReportsWorld, build_reports_world, create_inspection

NOTES = b"Site visit: fire exits clear, first aid kits stocked, no findings on safety."
SUBMIT = "mutation($id: ID!) { submitAuditReport(id: $id) { status } }"
PUBLISH = """mutation($id: ID!, $n: ID) {
  publishAuditReport(id: $id, shareScope: NETWORK, networkId: $n) { status shareScope } }"""
WITHDRAW = 'mutation($id: ID!) { withdrawAuditReport(id: $id, reason: "recalled") { status } }'
RENDITIONS = 4  # JSON and PDF at two levels


@pytest.fixture
def objects(settings: Settings) -> ObjectStore:
    return object_store_from_settings(settings)


class WatchedStore:
    """The real store; on every read and write it notes how many connections the
    app's pool has handed out, and in the first write it can run a change."""

    def __init__(self, inner: ObjectStore, pool: Pool) -> None:
        self.inner = inner
        self.pool = pool
        self.calls: list[tuple[str, int]] = []  # (method, connections checked out)
        self.written: list[str] = []
        self.during_first_put: Callable[[], Awaitable[None]] | None = None

    def put(self, tenant_id: str, stream: BinaryIO, **kwargs: Any) -> StoredObject:
        self.calls.append(("put", self.pool.checkedout()))
        change, self.during_first_put = self.during_first_put, None
        if change is not None:  # from the worker thread, on the app's event loop
            anyio.from_thread.run(change)
        stored = self.inner.put(tenant_id, stream, **kwargs)
        self.written.append(stored.key)
        return stored

    def open(self, key: str, sha256: str | None = None) -> Any:
        self.calls.append(("open", self.pool.checkedout()))
        return self.inner.open(key, sha256)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)


def submitted_with_shared_notes(client: TestClient, world: World) -> tuple[ReportsWorld, str]:
    """A SUBMITTED report with a SHARED original, which the guard reads on publishing."""
    w = build_reports_world(client, world)
    report_id = create_inspection(client, w)
    notes = upload(client, w.tokens["auditor"], report_id, "notes.txt", NOTES, "SHARED")
    assert notes.get("data"), notes
    submitted = gql(client, SUBMIT, w.tokens["auditor"], {"id": report_id})
    assert submitted["data"]["submitAuditReport"]["status"] == "SUBMITTED", submitted
    return w, report_id


async def post(
    http: httpx.AsyncClient, token: str, query: str, variables: dict[str, Any]
) -> dict[str, Any]:
    response = await http.post(
        "/graphql",
        json={"query": query, "variables": variables},
        headers={"Authorization": f"Bearer {token}"},
    )
    body: dict[str, Any] = response.json()
    return body


async def post_upload(
    http: httpx.AsyncClient, token: str, report_id: str, filename: str, content: bytes
) -> dict[str, Any]:
    operations = {"query": UPLOAD, "variables": {"r": report_id, "f": None, "c": "SHARED"}}
    response = await http.post(
        "/graphql",
        data={"operations": json.dumps(operations), "map": json.dumps({"0": ["variables.f"]})},
        files={"0": (filename, content, "text/plain")},
        headers={"Authorization": f"Bearer {token}"},
    )
    body: dict[str, Any] = response.json()
    return body


Change = Callable[[httpx.AsyncClient, ReportsWorld, str], Awaitable[dict[str, Any]]]


async def withdraw(http: httpx.AsyncClient, w: ReportsWorld, report_id: str) -> dict[str, Any]:
    return await post(http, w.tokens["oslo"], WITHDRAW, {"id": report_id})


async def add_document(http: httpx.AsyncClient, w: ReportsWorld, report_id: str) -> dict[str, Any]:
    """A SHARED original the guard of the publish in flight never read."""
    text = b"Interview notes: call the line manager on +47 412 34 567."
    return await post_upload(http, w.tokens["auditor"], report_id, "late.txt", text)


def watched_app(settings: Settings) -> tuple[Services, WatchedStore, ASGIApp]:
    """A fresh app (no lifespan: no background task takes a connection) whose store
    is watched."""
    services = Services.from_settings(settings)
    store = WatchedStore(services.objects, services.async_engine.sync_engine.pool)
    services.objects = store
    return services, store, create_app(settings, services)


def publish_with(
    settings: Settings, w: ReportsWorld, report_id: str, change: Change | None = None
) -> tuple[WatchedStore, dict[str, Any], dict[str, Any] | None]:
    """Publish through a watched app; `change` runs during the first rendition
    write. The publish's answer and the change's."""
    services, store, app = watched_app(settings)
    changed: list[dict[str, Any]] = []

    async def scenario() -> dict[str, Any]:
        try:
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(transport=transport, base_url="http://test") as http:
                if change is not None:

                    async def run_change() -> None:
                        changed.append(await change(http, w, report_id))

                    store.during_first_put = run_change
                variables = {"id": report_id, "n": w.network}
                return await post(http, w.tokens["oslo"], PUBLISH, variables)
        finally:
            await services.close()

    published = asyncio.run(scenario())
    return store, published, changed[0] if changed else None


def report_row(engine: Engine, report_id: str) -> tuple[str, list[str], list[str]]:
    """The report's status, its rendition rows' keys and its share-change history."""
    with db.make_session_factory(engine)() as session:
        status = session.get_one(AuditReport, report_id).status.value
        renditions = session.scalars(
            select(Document.object_key).where(
                Document.report_id == report_id, Document.is_rendition.is_(True)
            )
        )
        history = session.scalars(
            select(AuditLogEntry.action)
            .where(AuditLogEntry.subject_id == report_id)
            .order_by(AuditLogEntry.seq)
        )
        return status, list(renditions), list(history)


def test_publishing_reads_and_writes_the_store_without_a_connection(
    client: TestClient, world: World, settings: Settings, engine: Engine
) -> None:
    w, report_id = submitted_with_shared_notes(client, world)

    store, published, _ = publish_with(settings, w, report_id)

    assert published["data"]["publishAuditReport"]["status"] == "PUBLISHED", published
    assert sorted({method for method, _ in store.calls}) == ["open", "put"]
    assert [method for method, _ in store.calls].count("put") == RENDITIONS
    assert store.calls == [(method, 0) for method, _ in store.calls]  # no connection held
    status, renditions, history = report_row(engine, report_id)
    assert status == "PUBLISHED"
    assert sorted(renditions) == sorted(store.written)
    assert history.count("share_changed") == 1


@pytest.mark.parametrize(
    ("change", "status"), [(withdraw, "WITHDRAWN"), (add_document, "SUBMITTED")]
)
def test_a_report_changed_while_its_renditions_are_written_is_not_published(
    change: Change,
    status: str,
    client: TestClient,
    world: World,
    settings: Settings,
    engine: Engine,
    objects: ObjectStore,
) -> None:
    w, report_id = submitted_with_shared_notes(client, world)
    before = {info.key for info in objects.scan()}

    store, published, changed = publish_with(settings, w, report_id, change)

    assert changed is not None and changed.get("data"), changed  # the change is acknowledged
    codes = [error["extensions"]["code"] for error in published.get("errors") or []]
    assert codes == ["CONFLICT"], published
    assert "changed" in published["errors"][0]["message"], published
    assert published.get("data") is None
    final, renditions, history = report_row(engine, report_id)
    assert final == status  # the change stands, and nothing was published
    assert renditions == []
    assert "share_changed" not in history

    assert_only_orphans(engine, objects, set(store.written) - before)


def test_a_publish_whose_client_hung_up_meanwhile_commits_nothing(
    client: TestClient, world: World, settings: Settings, engine: Engine, objects: ObjectStore
) -> None:
    w, report_id = submitted_with_shared_notes(client, world)
    before = {info.key for info in objects.scan()}
    services, store, app = watched_app(settings)
    variables = {"id": report_id, "n": w.network}
    headers = [
        (b"content-type", b"application/json"),
        (b"authorization", f"Bearer {w.tokens['oslo']}".encode()),
    ]
    exchange = Exchange(json.dumps({"query": PUBLISH, "variables": variables}).encode(), headers)

    async def hang_up() -> None:
        exchange.hung_up.set()

    store.during_first_put = hang_up

    async def scenario() -> None:
        try:
            await exchange.run(app)
        finally:
            await services.close()

    asyncio.run(scenario())
    codes = [error["extensions"]["code"] for error in exchange.json()["errors"]]
    assert codes == ["CONFLICT"], exchange.answer
    assert "hung up" in exchange.json()["errors"][0]["message"]
    status, renditions, history = report_row(engine, report_id)
    assert (status, renditions) == ("SUBMITTED", [])
    assert "share_changed" not in history
    assert_only_orphans(engine, objects, set(store.written) - before)


def assert_only_orphans(engine: Engine, objects: ObjectStore, orphans: set[str]) -> None:
    """A sweep removes exactly these objects, and every row keeps its object."""
    assert len(orphans) == RENDITIONS
    result = sweep(engine, objects, grace=dt.timedelta(0), apply=True)
    assert {orphan.key for orphan in result.orphans} == orphans
    with db.make_session_factory(engine)() as session:
        referenced = set(session.scalars(select(Document.object_key)))
    assert referenced == {info.key for info in objects.scan()}
