"""The backup tests of tests/api/test_backup.py on a real PostgreSQL: pg_dump in the
snapshot the references were read in, pg_restore into another database (or over the
same one with --replace), then the same GraphQL answer and a clean audit log."""

from __future__ import annotations

import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from settings import Settings
from tests.api.test_backup import (  # the same tests, collected here on PostgreSQL
    test_a_broken_audit_chain_fails_the_restore_verification,
    test_a_damaged_object_stops_the_restore_before_the_database,
    test_a_row_without_its_object_fails_the_backup,
    test_an_interrupted_backup_resumes,
    test_an_upload_corrupted_in_the_store_fails_the_backup,
    test_an_upload_no_row_names_is_left_out_of_the_backup,
    test_keys_kept_apart_from_the_backup_are_left_in_place,
    test_restore_refuses_a_database_in_use_unless_replace,
    test_round_trip_answers_the_same_query_and_the_audit_log_verifies,
    test_unfinished_or_damaged_backups_are_refused,
)

pytestmark = pytest.mark.postgres

__all__ = [
    "test_a_broken_audit_chain_fails_the_restore_verification",
    "test_a_damaged_object_stops_the_restore_before_the_database",
    "test_a_row_without_its_object_fails_the_backup",
    "test_an_interrupted_backup_resumes",
    "test_an_upload_corrupted_in_the_store_fails_the_backup",
    "test_an_upload_no_row_names_is_left_out_of_the_backup",
    "test_keys_kept_apart_from_the_backup_are_left_in_place",
    "test_restore_refuses_a_database_in_use_unless_replace",
    "test_round_trip_answers_the_same_query_and_the_audit_log_verifies",
    "test_unfinished_or_damaged_backups_are_refused",
]


@pytest.fixture(autouse=True)
def postgres_client_tools() -> None:
    if shutil.which("pg_dump") is None or shutil.which("pg_restore") is None:
        pytest.skip(
            "PostgreSQL BACKUP TESTS SKIPPED: pg_dump/pg_restore not on PATH "
            "(install postgresql-client, at least the server's major version)"
        )


@pytest.fixture
def settings(tmp_path: Path, postgres_url: str) -> Settings:
    return Settings(data_dir=tmp_path / "data", database_url=postgres_url)


@pytest.fixture
def restored_settings(tmp_path: Path, postgres_server_url: str) -> Iterator[Settings]:
    """Another, empty database on the same server, dropped afterwards."""
    name = f"kjede_restore_{uuid.uuid4().hex[:12]}"
    admin = create_engine(postgres_server_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    base, _, _ = postgres_server_url.rpartition("/")
    yield Settings(data_dir=tmp_path / "restored", database_url=f"{base}/{name}")
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()
