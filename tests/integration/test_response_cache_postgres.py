"""tests/api/test_response_cache.py on a real PostgreSQL: two app instances on one
database, a write through one and the next read through the other misses; a
direct write through another engine; viewers never share answers; reads logged
on hits."""

from __future__ import annotations

from pathlib import Path

import pytest

from settings import Settings
from tests.api.test_response_cache import (  # the same tests, collected here on PostgreSQL
    second,
    test_a_commit_through_another_app_instance_is_seen_by_the_next_request,
    test_a_direct_write_through_another_engine_is_seen_by_the_next_request,
    test_a_hit_logs_the_same_reads_as_the_first_answer,
    test_a_repeat_gets_the_same_bytes_without_running_the_query,
    test_a_revoked_role_is_not_answered_from_the_cache,
    test_viewers_never_share_an_answer,
    uncached,
)

pytestmark = pytest.mark.postgres

__all__ = [
    "second",
    "test_a_commit_through_another_app_instance_is_seen_by_the_next_request",
    "test_a_direct_write_through_another_engine_is_seen_by_the_next_request",
    "test_a_hit_logs_the_same_reads_as_the_first_answer",
    "test_a_repeat_gets_the_same_bytes_without_running_the_query",
    "test_a_revoked_role_is_not_answered_from_the_cache",
    "test_viewers_never_share_an_answer",
    "uncached",
]


@pytest.fixture
def settings(tmp_path: Path, postgres_url: str) -> Settings:
    return Settings(data_dir=tmp_path / "data", database_url=postgres_url)
