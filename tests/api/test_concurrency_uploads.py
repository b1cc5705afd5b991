"""A request holds its database connection only while it uses the database.

With the pool at two connections and no overflow, more uploads than that are in
flight at once (bodies still arriving slowly, or the object store frozen) and
`{ me }` still answers at once instead of waiting for a connection. Uploads that
no client waited for (it hung up while the store was frozen) commit no row; their
objects are orphans, and the sweep removes them.

The app is driven over raw ASGI, so a test can hold a body back and hang up.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import Engine, func, select
from starlette.testclient import TestClient
from starlette.types import ASGIApp, Message

from api.app import Services, create_app
from settings import Settings
from storage.models import Document
from storage.objects import ObjectStore, StagedObject, StoredObject
from storage.sweep import sweep
from tests.api.test_documents_api import UPLOAD
from tests.conftest import World
from tests.reports_world import build_reports_world, create_inspection

POOL = 2
UPLOADS = POOL + 2
ME = b'{"query": "{ me { user { email } } }"}'


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(
        data_dir=tmp_path / "data",
        db_pool_size=POOL,
        db_max_overflow=0,
        db_pool_timeout_seconds=1,
    )


class FrozenStore:
    """The real store, whose writes wait while it is frozen (a store that stopped answering)."""

    def __init__(self, inner: ObjectStore) -> None:
        self.inner = inner
        self.running = threading.Event()
        self.running.set()
        self.waiting = 0
        self.lock = threading.Lock()

    def put_file(self, tenant_id: str, path: Path, *, content_type: str) -> StoredObject:
        with self.frozen():
            return self.inner.put_file(tenant_id, path, content_type=content_type)

    def stage_file(self, tenant_id: str, path: Path, **details: Any) -> StagedObject:
        with self.frozen():
            return self.inner.stage_file(tenant_id, path, **details)

    @contextlib.contextmanager
    def frozen(self) -> Iterator[None]:
        with self.lock:
            self.waiting += 1
        try:
            if not self.running.wait(30):
                raise TimeoutError("the test never thawed the store")
            yield
        finally:
            with self.lock:
                self.waiting -= 1

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)


@dataclass
class Exchange:
    """One HTTP request over raw ASGI: its body sent in chunks (with a pause between
    them), then the client waits for the answer unless it hangs up."""

    body: bytes
    headers: list[tuple[bytes, bytes]]
    pause: float = 0.0
    hung_up: asyncio.Event = field(default_factory=asyncio.Event)
    started: asyncio.Event = field(default_factory=asyncio.Event)
    status: int | None = None
    answer: bytes = b""

    async def run(self, app: ASGIApp) -> None:
        chunks = [self.body[i : i + 65536] for i in range(0, len(self.body), 65536)] or [b""]
        scope = {
            "type": "http",
            "asgi": {"version": "3.0"},
            "http_version": "1.1",
            "method": "POST",
            "scheme": "http",
            "path": "/graphql",
            "raw_path": b"/graphql",
            "query_string": b"",
            "root_path": "",
            "headers": [*self.headers, (b"content-length", str(len(self.body)).encode())],
            "client": ("127.0.0.1", 50000),
            "server": ("testserver", 80),
        }

        async def receive() -> Message:
            if chunks:
                if self.pause and self.started.is_set():
                    await asyncio.sleep(self.pause)
                self.started.set()
                chunk = chunks.pop(0)
                return {"type": "http.request", "body": chunk, "more_body": bool(chunks)}
            if not self.hung_up.is_set():  # Request.is_disconnected cancels this wait
                await self.hung_up.wait()
            return {"type": "http.disconnect"}

        async def send(message: Message) -> None:
            if message["type"] == "http.response.start":
                self.status = message["status"]
            elif message["type"] == "http.response.body":
                self.answer += message.get("body", b"")

        await app(scope, receive, send)

    def json(self) -> dict[str, Any]:
        decoded: dict[str, Any] = json.loads(self.answer)
        return decoded


def me(token: str) -> Exchange:
    headers = [
        (b"content-type", b"application/json"),
        (b"authorization", f"Bearer {token}".encode()),
    ]
    return Exchange(ME, headers)


def upload(token: str, report_id: str, content: bytes, pause: float = 0.0) -> Exchange:
    operations = {"query": UPLOAD, "variables": {"r": report_id, "f": None, "c": "RESTRICTED"}}
    request = httpx.Request(
        "POST",
        "http://testserver/graphql",
        data={"operations": json.dumps(operations), "map": json.dumps({"0": ["variables.f"]})},
        files={"0": ("evidence.txt", content, "text/plain")},
    )
    headers = [
        (b"content-type", request.headers["content-type"].encode()),
        (b"authorization", f"Bearer {token}".encode()),
    ]
    return Exchange(request.read(), headers, pause=pause)


@dataclass
class Setup:
    app: ASGIApp
    store: FrozenStore
    token: str
    report_id: str


@pytest.fixture
def setup(engine: Engine, settings: Settings, world: World) -> Iterator[Setup]:
    with TestClient(create_app(settings, Services.from_settings(settings))) as client:
        w = build_reports_world(client, world)
        report_id = create_inspection(client, w)
    services = Services.from_settings(settings)
    store = FrozenStore(services.objects)
    services.objects = store
    yield Setup(create_app(settings, services), store, w.tokens["oslo"], report_id)


def documents(engine: Engine) -> int:
    with engine.connect() as connection:
        return int(connection.scalar(select(func.count()).select_from(Document)) or 0)


def text_file(number: int, size: int = 512 * 1024) -> bytes:
    line = f"Evidence {number}: overtime records checked on site.\n".encode()
    return (line * (size // len(line) + 1))[:size]


async def answered_while(app: ASGIApp, token: str) -> Exchange:
    probe = me(token)
    await asyncio.wait_for(probe.run(app), 5)
    return probe


def test_slow_upload_bodies_hold_no_connection(setup: Setup, engine: Engine) -> None:
    async def scenario() -> tuple[list[Exchange], Exchange]:
        uploads = [
            upload(setup.token, setup.report_id, text_file(n), pause=0.3) for n in range(UPLOADS)
        ]
        tasks = [asyncio.create_task(u.run(setup.app)) for u in uploads]
        for u in uploads:
            await u.started.wait()
        probe = await answered_while(setup.app, setup.token)
        assert not any(task.done() for task in tasks), "the uploads ended before the probe"
        await asyncio.gather(*tasks)
        return uploads, probe

    uploads, probe = asyncio.run(scenario())
    assert probe.status == 200, probe.answer
    assert probe.json()["data"]["me"]["user"]["email"] == "innkjop@oslo.no"
    for u in uploads:
        assert u.status == 200, u.answer
        assert u.json()["data"]["uploadDocument"]["filename"] == "evidence.txt"
    assert documents(engine) == UPLOADS


def test_frozen_store_holds_no_connection_and_abandoned_uploads_commit_nothing(
    setup: Setup, engine: Engine
) -> None:
    before = documents(engine)

    async def scenario() -> tuple[list[Exchange], Exchange]:
        setup.store.running.clear()
        uploads = [upload(setup.token, setup.report_id, text_file(n)) for n in range(UPLOADS)]
        tasks = [asyncio.create_task(u.run(setup.app)) for u in uploads]
        async with asyncio.timeout(10):
            while setup.store.waiting < UPLOADS:
                await asyncio.sleep(0.02)
        probe = await answered_while(setup.app, setup.token)
        for u in uploads:  # every client gives up before the store answers
            u.hung_up.set()
        setup.store.running.set()
        await asyncio.gather(*tasks)
        return uploads, probe

    uploads, probe = asyncio.run(scenario())
    assert probe.status == 200, probe.answer
    assert probe.json()["data"]["me"]["user"]["email"] == "innkjop@oslo.no"
    assert documents(engine) == before
    for u in uploads:
        codes = [e["extensions"]["code"] for e in u.json()["errors"]]
        assert codes == ["CONFLICT"], u.answer

    # Their objects reached the store: orphans, which the sweep removes.
    store = setup.store.inner
    result = sweep(engine, store, grace=dt.timedelta(0), apply=True)
    assert len(result.orphans) == UPLOADS
    assert sweep(engine, store, grace=dt.timedelta(0)).orphans == ()
