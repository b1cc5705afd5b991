"""tests/api/test_audit_log_processes.py on a real PostgreSQL (advisory lock)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from storage import db
from tests.api.test_audit_log import engine, key
from tests.api.test_audit_log_processes import test_appends_from_two_processes_keep_one_chain

pytestmark = pytest.mark.postgres

__all__ = ["engine", "key", "test_appends_from_two_processes_keep_one_chain"]


@pytest.fixture
def url(postgres_url: str) -> Iterator[str]:
    engine = db.make_engine(postgres_url)
    db.upgrade(engine)
    engine.dispose()
    yield postgres_url
