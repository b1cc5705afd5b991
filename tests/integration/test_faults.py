"""Faults: a frozen PostgreSQL (a TCP proxy that stops forwarding) answers 503
UNAVAILABLE with Retry-After within seconds, /readyz within its deadline, and the
same process serves again once the database answers."""

from __future__ import annotations

import time
import urllib.parse
from collections.abc import Iterator
from pathlib import Path

import pytest
from starlette.testclient import TestClient

from api.app import create_app
from settings import Settings
from storage import db
from tests.faultproxy import FreezableProxy

pytestmark = pytest.mark.postgres

QUERY = {"query": "{ __typename }"}


@pytest.fixture
def proxy(postgres_url: str) -> Iterator[tuple[FreezableProxy, str]]:
    engine = db.make_engine(postgres_url)
    db.upgrade(engine)
    engine.dispose()
    url = urllib.parse.urlsplit(postgres_url)
    proxy = FreezableProxy(url.hostname or "127.0.0.1", url.port or 5432)
    proxied = url._replace(netloc=f"{url.username}@127.0.0.1:{proxy.port}").geturl()
    yield proxy, proxied
    proxy.thaw()
    proxy.close()


def test_frozen_database_answers_unavailable_then_recovers(
    proxy: tuple[FreezableProxy, str], tmp_path: Path
) -> None:
    freezer, url = proxy
    settings = Settings(
        data_dir=tmp_path / "data",
        database_url=url,
        db_connect_timeout_seconds=1,
        db_pool_timeout_seconds=1,
        db_statement_timeout_seconds=2,
        readyz_timeout_seconds=1,
    )
    with TestClient(create_app(settings)) as client:
        assert client.post("/graphql", json=QUERY).status_code == 200
        assert client.get("/readyz").status_code == 200

        freezer.freeze()
        started = time.monotonic()
        response = client.post("/graphql", json=QUERY)
        elapsed = time.monotonic() - started
        assert response.status_code == 503, response.text
        assert elapsed < 5
        assert response.headers["content-type"].startswith("application/json")
        assert response.headers["retry-after"] == str(settings.unavailable_retry_after_seconds)
        assert response.json()["errors"][0]["extensions"]["code"] == "UNAVAILABLE"

        started = time.monotonic()
        ready = client.get("/readyz")
        assert time.monotonic() - started < 3
        assert ready.status_code == 503
        assert ready.json()["failed"] == ["database"]

        freezer.thaw()
        deadline = time.monotonic() + 10
        while True:
            response = client.post("/graphql", json=QUERY)
            if response.status_code == 200 or time.monotonic() > deadline:
                break
            time.sleep(0.2)
        assert response.status_code == 200, response.text
        assert client.get("/readyz").status_code == 200
