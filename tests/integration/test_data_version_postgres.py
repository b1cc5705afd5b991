"""tests/api/test_data_version.py on a real PostgreSQL: there the triggers are
deferred to COMMIT and advance the version once per transaction."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import Engine, text

from settings import Settings
from storage import db
from tests.api.test_data_version import (  # the same tests, collected here on PostgreSQL
    keyed,
    test_a_committed_write_advances_the_version_in_its_transaction,
    test_a_policy_change_advances_the_version,
    test_a_rolled_back_write_leaves_the_version,
    test_every_table_but_the_audit_log_has_the_triggers,
    test_reads_and_audit_log_appends_leave_the_version,
    version,
)

pytestmark = pytest.mark.postgres

__all__ = [
    "keyed",
    "test_a_committed_write_advances_the_version_in_its_transaction",
    "test_a_policy_change_advances_the_version",
    "test_a_rolled_back_write_leaves_the_version",
    "test_every_table_but_the_audit_log_has_the_triggers",
    "test_reads_and_audit_log_appends_leave_the_version",
]


@pytest.fixture
def settings(tmp_path: Path, postgres_url: str) -> Settings:
    return Settings(data_dir=tmp_path / "data", database_url=postgres_url)


def test_a_transaction_advances_the_version_once_however_many_rows_it_writes(
    engine: Engine,
) -> None:
    before = version(engine)
    with db.transaction(db.make_session_factory(engine)) as session:
        for number in range(5):
            session.execute(
                text(
                    "INSERT INTO facilities (id, name, country, dedup_key, created_at)"
                    " VALUES (:id, :name, 'NO', :key, now())"
                ),
                {"id": f"f-{number}", "name": f"Site {number}", "key": f"no|{number}"},
            )
        session.execute(text("UPDATE facilities SET address = 'Moved'"))
    assert version(engine) == before + 1


def test_truncate_advances_the_version(engine: Engine) -> None:
    before = version(engine)
    with db.transaction(db.make_session_factory(engine)) as session:
        session.execute(text("TRUNCATE reference_files"))
    assert version(engine) == before + 1
