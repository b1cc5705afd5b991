"""The MAC-chained audit log tests of tests/api/test_audit_log.py that touch the
database, on a real PostgreSQL."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest
from sqlalchemy import create_engine, text

from tests.api.test_audit_log import (  # the same tests, collected here on PostgreSQL
    _migrate,
    engine,
    key,
    test_a_chain_recomputed_without_the_key_is_detected,
    test_a_cut_tail_is_detected_with_the_kept_head,
    test_an_edit_re_maced_with_the_key_still_breaks_the_next_link,
    test_an_older_head_still_verifies_as_the_log_grows,
    test_an_unkeyed_log_from_before_the_key_is_reported_then_sealed,
    test_another_key_does_not_verify,
    test_append_does_not_commit,
    test_async_append_verifies,
    test_concurrent_async_appends_keep_one_chain,
    test_concurrent_sync_appends_keep_one_chain,
    test_edited_actor_is_detected,
    test_edited_detail_is_detected,
    test_edited_hash_is_detected,
    test_empty_log_verifies,
    test_hash_survives_round_trip,
    test_head_refuses_a_last_entry_not_under_the_key,
    test_rekey_refuses_an_unkeyed_entry_after_keyed_ones,
    test_rekey_seals_nothing_when_the_unkeyed_chain_is_broken,
    test_removed_and_renumbered_entry_is_detected,
    test_removed_entry_is_detected,
    test_swapped_entries_are_detected,
    test_sync_append_verifies,
)

POSTGRES_ADMIN_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"

pytestmark = pytest.mark.postgres

__all__ = [
    "engine",
    "key",
    "test_a_chain_recomputed_without_the_key_is_detected",
    "test_a_cut_tail_is_detected_with_the_kept_head",
    "test_an_edit_re_maced_with_the_key_still_breaks_the_next_link",
    "test_an_older_head_still_verifies_as_the_log_grows",
    "test_an_unkeyed_log_from_before_the_key_is_reported_then_sealed",
    "test_another_key_does_not_verify",
    "test_append_does_not_commit",
    "test_async_append_verifies",
    "test_concurrent_async_appends_keep_one_chain",
    "test_concurrent_sync_appends_keep_one_chain",
    "test_edited_actor_is_detected",
    "test_edited_detail_is_detected",
    "test_edited_hash_is_detected",
    "test_empty_log_verifies",
    "test_hash_survives_round_trip",
    "test_head_refuses_a_last_entry_not_under_the_key",
    "test_rekey_refuses_an_unkeyed_entry_after_keyed_ones",
    "test_rekey_seals_nothing_when_the_unkeyed_chain_is_broken",
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
