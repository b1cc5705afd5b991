"""NUL characters never reach a real PostgreSQL, where such a string would otherwise
reach the driver and fail the request (the SQLite cases are in tests/api/test_input_guard.py).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from starlette.testclient import TestClient

from api.app import Services, create_app
from authz.enforcer import Authorizer
from settings import Settings
from storage import db
from tests.api.test_input_guard import CREATE, SEARCH, network_count, officer, rejected
from tests.conftest import World, gql


@pytest.mark.postgres
def test_nul_never_reaches_postgresql(tmp_path: Path, postgres_url: str) -> None:
    settings = Settings(data_dir=tmp_path / "data", database_url=postgres_url)
    engine = db.make_engine(settings.resolved_database_url)
    try:
        assert engine.dialect.name == "postgresql"
        db.upgrade(engine)
        Authorizer(engine).seed_default_policies()
        token = officer(World(engine, settings))
        app = create_app(settings, Services.from_settings(settings))
        with TestClient(app, raise_server_exceptions=False) as client:
            before = network_count(client, token)
            for query, variables in [
                (SEARCH, {"t": "a\x00b"}),
                (CREATE, {"input": {"name": "a\x00", "kind": "FRAMEWORK_AGREEMENT"}}),
            ]:
                response = client.post(
                    "/graphql",
                    json={"query": query, "variables": variables},
                    headers={"Authorization": f"Bearer {token}"},
                )
                assert response.status_code == 200, response.text
                assert "NUL character" in rejected(response.json())
            assert network_count(client, token) == before
            ok = gql(client, SEARCH, token, {"t": "hansker"})
            assert ok.get("errors") is None, ok
    finally:
        engine.dispose()
