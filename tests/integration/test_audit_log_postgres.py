"""The hash-chained audit log tests of tests/api/test_audit_log.py, on a real PostgreSQL."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest
from sqlalchemy import create_engine, text

from tests.api.test_audit_log import (  # the same tests, collected here on PostgreSQL
    _migrate,
    engine,
    test_append_does_not_commit,
    test_async_append_verifies,
    test_concurrent_async_appends_keep_one_chain,
    test_concurrent_sync_appends_keep_one_chain,
    test_edited_actor_is_detected,
    test_edited_detail_is_detected,
    test_edited_hash_is_detected,
    test_empty_log_verifies,
    test_hash_survives_round_trip,
    test_rehashed_edit_breaks_the_next_link,
    test_removed_and_renumbered_entry_is_detected,
    test_removed_entry_is_detected,
    test_swapped_entries_are_detected,
    test_sync_append_verifies,
)

POSTGRES_ADMIN_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"

pytestmark = pytest.mark.postgres

__all__ = [
    "engine",
    "test_append_does_not_commit",
    "test_async_append_verifies",
    "test_concurrent_async_appends_keep_one_chain",
    "test_concurrent_sync_appends_keep_one_chain",
    "test_edited_actor_is_detected",
    "test_edited_detail_is_detected",
    "test_edited_hash_is_detected",
    "test_empty_log_verifies",
    "test_hash_survives_round_trip",
    "test_rehashed_edit_breaks_the_next_link",
    "test_removed_and_renumbered_entry_is_detected",
    "test_removed_entry_is_detected",
    "test_swapped_entries_are_detected",
    "test_sync_append_verifies",
]


@pytest.fixture
def url() -> Iterator[str]:
    """A migrated, empty database: a fresh database on a real PostgreSQL."""
    admin = create_engine(POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT")
    name = f"kjede_auditlog_{uuid.uuid4().hex[:12]}"
    try:
        with admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
    except Exception as exc:
        admin.dispose()
        pytest.skip(
            f"PostgreSQL audit log tests SKIPPED: cannot create a database on "
            f"{POSTGRES_ADMIN_URL} ({type(exc).__name__}: {exc})"
        )
    url = f"{POSTGRES_ADMIN_URL.rpartition('/')[0]}/{name}"
    try:
        _migrate(url)
        yield url
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
