"""The publishing tests of tests/api/test_concurrency_publishing.py on PostgreSQL,
with documents on S3 (a real SeaweedFS server): the pool holds no connection while
the store works, and a report withdrawn or given a document meanwhile (its row
locked by neither publish step in the store) is not published."""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest

from settings import Settings
from tests.api.test_concurrency_publishing import (  # the same tests, collected here
    objects,
    test_a_publish_whose_client_hung_up_meanwhile_commits_nothing,
    test_a_report_changed_while_its_renditions_are_written_is_not_published,
    test_publishing_reads_and_writes_the_store_without_a_connection,
)
from tests.integration.test_object_store_s3 import s3_server
from tests.s3server import S3Server

pytestmark = [pytest.mark.postgres, pytest.mark.s3]

__all__ = [
    "objects",
    "s3_server",
    "test_a_publish_whose_client_hung_up_meanwhile_commits_nothing",
    "test_a_report_changed_while_its_renditions_are_written_is_not_published",
    "test_publishing_reads_and_writes_the_store_without_a_connection",
]


@pytest.fixture
def settings(tmp_path: Path, postgres_url: str, s3_server: S3Server) -> Settings:
    """A database of its own, documents in a bucket of their own (a sweep sees the
    whole bucket)."""
    return Settings(
        data_dir=tmp_path / "data",
        database_url=postgres_url,
        object_store_url=s3_server.endpoint_url,
        object_store_access_key=s3_server.access_key,
        object_store_secret_key=s3_server.secret_key,
        object_store_bucket=f"kjede-publish-{uuid.uuid4().hex[:12]}",
        object_store_region=s3_server.region,
    )
