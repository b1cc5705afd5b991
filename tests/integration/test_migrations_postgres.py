"""The migration checks of tests/api/test_migrations.py on a real PostgreSQL, and the
API serving from a migrated PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from starlette.testclient import TestClient

from api.app import Services, create_app
from authz.enforcer import Authorizer
from domain.enums import Role
from settings import Settings
from storage import db
from tests.api.test_migrations import (  # the same checks, collected here on PostgreSQL
    empty_engine,
    test_a_drifted_model_would_be_detected,
    test_downgrade_to_base_and_upgrade_again,
    test_seeding_policies_on_a_migrated_database_is_idempotent,
    test_upgrade_is_idempotent,
    test_upgrade_reaches_head_and_matches_the_models,
)
from tests.conftest import World, gql

pytestmark = pytest.mark.postgres

__all__ = [
    "empty_engine",
    "test_a_drifted_model_would_be_detected",
    "test_downgrade_to_base_and_upgrade_again",
    "test_seeding_policies_on_a_migrated_database_is_idempotent",
    "test_upgrade_is_idempotent",
    "test_upgrade_reaches_head_and_matches_the_models",
]


@pytest.fixture
def empty_url(postgres_url: str) -> str:
    """An empty database: a fresh database on a real PostgreSQL."""
    return postgres_url


ME = "{ me { user { email } organization { id name kind } roles } }"
CREATE_NETWORK = """
mutation($input: NetworkInput!) {
  createNetwork(input: $input) { id name kind joinDeadline minEnvironmentalWeight lead { id } }
}
"""
NETWORKS = """
{ networks(first: 10) {
    totalCount
    pageInfo { hasNextPage }
    edges { node { id name kind lead { name } participants { id } suppliers { rank } } }
} }
"""


def test_the_api_serves_from_postgresql(tmp_path: Path, postgres_url: str) -> None:
    settings = Settings(data_dir=tmp_path / "data", database_url=postgres_url)
    engine = db.make_engine(settings.resolved_database_url)
    try:
        assert engine.dialect.name == "postgresql"
        db.upgrade(engine)
        assert Authorizer(engine).seed_default_policies() > 0
        world = World(engine, settings)
        oslo = world.org("Oslo kommune", org_number="958935420")
        token = world.user("kari@oslo.kommune.no", oslo, Role.PROCUREMENT_OFFICER, Role.VIEWER)
        with TestClient(create_app(settings, Services.from_settings(settings))) as client:
            me = gql(client, ME, token)
            assert me.get("errors") is None, me
            assert me["data"]["me"] == {
                "user": {"email": "kari@oslo.kommune.no"},
                "organization": {"id": oslo, "name": "Oslo kommune", "kind": "PUBLIC_BODY"},
                "roles": ["PROCUREMENT_OFFICER", "VIEWER"],
            }
            network_input = {
                "name": "Rammeavtale hansker",
                "kind": "FRAMEWORK_AGREEMENT",
                "joinDeadline": "2031-06-30",
                "minEnvironmentalWeight": 0.3,
            }
            created = gql(client, CREATE_NETWORK, token, {"input": network_input})
            assert created.get("errors") is None, created
            network = created["data"]["createNetwork"]
            assert network["lead"] == {"id": oslo}
            assert network["joinDeadline"] == "2031-06-30"
            assert network["minEnvironmentalWeight"] == pytest.approx(0.3)
            listed = gql(client, NETWORKS, token)
            assert listed.get("errors") is None, listed
            assert listed["data"]["networks"] == {
                "totalCount": 1,
                "pageInfo": {"hasNextPage": False},
                "edges": [
                    {
                        "node": {
                            "id": network["id"],
                            "name": "Rammeavtale hansker",
                            "kind": "FRAMEWORK_AGREEMENT",
                            "lead": {"name": "Oslo kommune"},
                            "participants": [{"id": oslo}],
                            "suppliers": [],
                        }
                    }
                ],
            }
    finally:
        engine.dispose()


@pytest.fixture
def postgres_api(tmp_path: Path, postgres_url: str) -> Iterator[tuple[World, Settings]]:
    """A migrated, seeded PostgreSQL database and a World on it."""
    settings = Settings(data_dir=tmp_path / "data", database_url=postgres_url)
    engine = db.make_engine(settings.resolved_database_url)
    db.upgrade(engine)
    Authorizer(engine).seed_default_policies()
    yield World(engine, settings), settings
    engine.dispose()


def test_a_mutation_result_with_sibling_relations_on_postgresql(
    postgres_api: tuple[World, Settings],
) -> None:
    world, settings = postgres_api
    oslo = world.org("Oslo kommune", org_number="958935420")
    token = world.user("kari@oslo.kommune.no", oslo, Role.PROCUREMENT_OFFICER)
    create = """
    mutation { createNetwork(input: {name: "Rammeavtale", kind: FRAMEWORK_AGREEMENT}) {
      lead { id } participants { id } suppliers { rank }
    } }
    """
    app = create_app(settings, Services.from_settings(settings))
    with TestClient(app, raise_server_exceptions=False) as client:
        response = client.post(
            "/graphql", json={"query": create}, headers={"Authorization": f"Bearer {token}"}
        )
        assert response.status_code == 200, response.text
        body = response.json()
        assert body.get("errors") is None, body
        assert body["data"]["createNetwork"] == {
            "lead": {"id": oslo},
            "participants": [{"id": oslo}],
            "suppliers": [],
        }
