"""One migration set for SQLite and PostgreSQL: it reaches head, matches the models
exactly and downgrades cleanly. Here on SQLite; tests/integration/test_migrations_postgres.py
runs the same checks on a real PostgreSQL, and the API serving from it."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Engine, inspect

from authz.enforcer import Authorizer
from storage import db
from storage.models import Base

MODEL_TABLES = frozenset(Base.metadata.tables)


@pytest.fixture
def empty_url(tmp_path: Path) -> str:
    """An empty database: a new SQLite file (a fresh PostgreSQL database in
    tests/integration/test_migrations_postgres.py)."""
    return f"sqlite:///{tmp_path / 'empty.sqlite3'}"


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
