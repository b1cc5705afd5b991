"""Outages map to 503 UNAVAILABLE with Retry-After, in JSON, never a text/plain 500."""

from __future__ import annotations

import socket
import time
from pathlib import Path

import urllib3.exceptions
from graphql import GraphQLError
from sqlalchemy import exc as sa_exc
from starlette.testclient import TestClient

from api.app import create_app
from services.outages import DATABASE, OBJECT_STORE, dependency_of
from settings import Settings
from storage import db
from tests.migrated import fresh_sqlite


def migrated(settings: Settings) -> None:
    fresh_sqlite(settings.resolved_database_url, policies=False)


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_outages_are_recognised() -> None:
    lost = sa_exc.OperationalError("SELECT 1", {}, ConnectionError("gone"))
    assert dependency_of(lost) == DATABASE
    assert dependency_of(sa_exc.TimeoutError("pool exhausted")) == DATABASE
    assert dependency_of(TimeoutError()) == DATABASE
    store = urllib3.exceptions.MaxRetryError(None, "/kjede", reason=None)  # type: ignore[arg-type]
    assert dependency_of(store) == OBJECT_STORE
    wrapped = GraphQLError("internal", original_error=lost)
    assert dependency_of(wrapped) == DATABASE


def test_other_errors_are_not_outages() -> None:
    clash = sa_exc.IntegrityError("INSERT", {}, Exception("unique"))
    assert dependency_of(clash) is None
    assert dependency_of(ValueError("x")) is None
    assert dependency_of(GraphQLError("plain")) is None


def test_unreachable_database_answers_503_json(tmp_path: Path) -> None:
    settings = Settings(
        data_dir=tmp_path / "data", db_connect_timeout_seconds=1, readyz_timeout_seconds=1
    )
    migrated(settings)
    app = create_app(settings)
    services = app.state.services
    # The database goes away after start-up: every request's connection is refused.
    gone = f"postgresql+psycopg://nobody@127.0.0.1:{closed_port()}/kjede"
    services.async_engine = db.make_async_engine(gone, db.Timeouts.from_settings(settings))
    services.sessions = db.make_async_session_factory(services.async_engine)
    with TestClient(app, raise_server_exceptions=False) as client:
        started = time.monotonic()
        response = client.post(
            "/graphql", json={"query": "{ __typename }"}, headers={"Authorization": "Bearer x"}
        )
        assert time.monotonic() - started < 5
        assert response.status_code == 503, response.text
        assert response.headers["content-type"].startswith("application/json")
        assert response.headers["retry-after"] == str(settings.unavailable_retry_after_seconds)
        assert response.json()["errors"][0]["extensions"]["code"] == "UNAVAILABLE"

        ready = client.get("/readyz")
        assert ready.status_code == 503
        assert ready.json()["failed"] == ["database"]


def test_unreachable_object_store_fails_readyz_in_time(tmp_path: Path) -> None:
    settings = Settings(
        data_dir=tmp_path / "data",
        object_store_url=f"http://127.0.0.1:{closed_port()}",
        object_store_access_key="k",
        object_store_secret_key="s",
        object_store_retries=1,
        readyz_timeout_seconds=1,
    )
    migrated(settings)
    with TestClient(create_app(settings)) as client:
        started = time.monotonic()
        ready = client.get("/readyz")
        assert time.monotonic() - started < 3
        assert ready.status_code == 503
        assert ready.json()["failed"] == ["objectStore"]
        assert ready.json()["database"] == "ok"
