"""The sweep tests of tests/api/test_sweep.py with documents on S3 (a real SeaweedFS
server): its listing's sizes and last-modified times, deletes, and the CLI on S3."""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest

from settings import Settings
from tests.api.test_sweep import (  # the same tests, collected here on S3
    objects,
    test_an_object_shared_by_several_rows_stays_while_one_names_it,
    test_an_orphan_uploaded_again_during_the_sweep_is_kept,
    test_an_upload_staged_by_a_process_that_died_is_discarded,
    test_an_upload_whose_row_is_not_committed_yet_survives,
    test_cli_dry_run_prints_orphans_and_bytes_and_apply_removes_them,
    test_dry_run_lists_an_old_orphan_and_apply_removes_only_it,
    test_objects_of_a_failed_publish_are_orphans,
    test_renditions_of_withdrawn_and_superseded_reports_are_released,
    test_renditions_replaced_on_resharing_become_orphans,
    test_rewriting_an_object_makes_it_young_again,
    test_scan_and_info_describe_every_object,
    test_the_same_file_uploaded_twice_is_two_objects_each_kept_by_its_own_row,
)
from tests.integration.test_object_store_s3 import s3_server
from tests.s3server import S3Server

pytestmark = pytest.mark.s3

__all__ = [
    "objects",
    "s3_server",
    "test_an_object_shared_by_several_rows_stays_while_one_names_it",
    "test_an_orphan_uploaded_again_during_the_sweep_is_kept",
    "test_an_upload_staged_by_a_process_that_died_is_discarded",
    "test_an_upload_whose_row_is_not_committed_yet_survives",
    "test_cli_dry_run_prints_orphans_and_bytes_and_apply_removes_them",
    "test_dry_run_lists_an_old_orphan_and_apply_removes_only_it",
    "test_objects_of_a_failed_publish_are_orphans",
    "test_renditions_of_withdrawn_and_superseded_reports_are_released",
    "test_renditions_replaced_on_resharing_become_orphans",
    "test_rewriting_an_object_makes_it_young_again",
    "test_scan_and_info_describe_every_object",
    "test_the_same_file_uploaded_twice_is_two_objects_each_kept_by_its_own_row",
]


@pytest.fixture
def settings(tmp_path: Path, s3_server: S3Server) -> Settings:
    """The embedded database, documents in a bucket of their own (a sweep sees the
    whole bucket)."""
    return Settings(
        data_dir=tmp_path / "data",
        object_store_url=s3_server.endpoint_url,
        object_store_access_key=s3_server.access_key,
        object_store_secret_key=s3_server.secret_key,
        object_store_bucket=f"kjede-sweep-{uuid.uuid4().hex[:12]}",
        object_store_region=s3_server.region,
    )


def test_a_missing_bucket_holds_nothing_to_sweep(settings: Settings) -> None:
    from storage.objects import object_store_from_settings

    assert list(object_store_from_settings(settings).scan()) == []
