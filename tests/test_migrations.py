"""One migration set for SQLite and PostgreSQL: it reaches head, matches the models
exactly, downgrades cleanly, and the API serves from a migrated PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Engine, inspect
from starlette.testclient import TestClient

from api.app import Services, create_app
from settings import Settings
from authz.enforcer import Authorizer
from domain.enums import Role
from storage import db
from storage.models import Base
from tests.conftest import World, gql

MODEL_TABLES = frozenset(Base.metadata.tables)


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def empty_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """An empty database: a new SQLite file, or a fresh database on a real PostgreSQL."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'empty.sqlite3'}"
    postgres_url: str = request.getfixturevalue("postgres_url")
    return postgres_url


@pytest.fixture
def empty_engine(empty_url: str) -> Iterator[Engine]:
    engine = db.make_engine(empty_url)
    yield engine
    engine.dispose()


def table_names(engine: Engine) -> set[str]:
    return set(inspect(engine).get_table_names())


def schema_diff(engine: Engine) -> list[Any]:
    """What `alembic check` would report: differences between the models and the
    migrated schema, with column types and server defaults compared too."""
    with engine.connect() as connection:
        context = MigrationContext.configure(
            connection, opts={"compare_type": True, "compare_server_default": True}
        )
        diff: list[Any] = compare_metadata(context, Base.metadata)
    return diff


def test_the_models_define_the_expected_tables() -> None:
    assert {"organizations", "memberships", "networks", "contracts", "casbin_rule"} <= MODEL_TABLES


def test_upgrade_reaches_head_and_matches_the_models(empty_engine: Engine) -> None:
    assert table_names(empty_engine) == set()
    assert db.current_revision(empty_engine) is None
    assert not db.is_up_to_date(empty_engine)
    db.upgrade(empty_engine)
    assert db.current_revision(empty_engine) == db.head_revision(empty_engine)
    assert db.is_up_to_date(empty_engine)
    assert table_names(empty_engine) == MODEL_TABLES | {"alembic_version"}
    # Both dialects compare clean: no difference is filtered out.
    assert schema_diff(empty_engine) == []


def test_upgrade_is_idempotent(empty_engine: Engine) -> None:
    db.upgrade(empty_engine)
    db.upgrade(empty_engine)
    assert db.is_up_to_date(empty_engine)
    assert schema_diff(empty_engine) == []


def test_downgrade_to_base_and_upgrade_again(empty_engine: Engine) -> None:
    db.upgrade(empty_engine)
    command.downgrade(db.alembic_config(empty_engine), "base")
    assert db.current_revision(empty_engine) is None
    assert table_names(empty_engine) <= {"alembic_version"}, "every model table is dropped"
    db.upgrade(empty_engine)
    assert db.is_up_to_date(empty_engine)
    assert table_names(empty_engine) == MODEL_TABLES | {"alembic_version"}
    assert schema_diff(empty_engine) == []


def test_a_drifted_model_would_be_detected(empty_engine: Engine) -> None:
    """The comparison can fail: a schema one index short is reported."""
    db.upgrade(empty_engine)
    with empty_engine.begin() as connection:
        connection.exec_driver_sql("DROP INDEX ix_organizations_org_number")
    diff = schema_diff(empty_engine)
    assert [(change[0], change[1].name) for change in diff] == [
        ("add_index", "ix_organizations_org_number")
    ]


def test_seeding_policies_on_a_migrated_database_is_idempotent(empty_engine: Engine) -> None:
    db.upgrade(empty_engine)
    authorizer = Authorizer(empty_engine)
    assert authorizer.seed_default_policies() > 0
    assert Authorizer(empty_engine).seed_default_policies() == 0


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


@pytest.mark.postgres
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


@pytest.mark.postgres
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
