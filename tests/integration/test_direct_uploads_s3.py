"""tests/api/test_direct_uploads.py on S3 (a real SeaweedFS server): the upload URL
is a presigned PUT straight to the bucket's quarantine key, which the API never
receives; the check reads the bytes back, stores them under a key of its own and
deletes the quarantine object."""

from __future__ import annotations

import datetime as dt
import uuid
from pathlib import Path

import httpx
import pytest

from settings import Settings
from storage.objects import object_store_from_settings, quarantine_key
from tests.api.test_direct_uploads import (  # collected again here with the S3 backend
    test_a_check_whose_process_died_is_taken_up_again,
    test_a_file_put_to_the_upload_url_is_checked_and_becomes_a_document,
    test_a_pdf_is_stored_cleaned,
    test_a_refused_file_says_why_and_leaves_nothing,
    test_a_report_that_no_longer_takes_documents_refuses_the_upload,
    test_finish_wants_the_declared_bytes_at_the_url,
    test_the_sweep_keeps_what_is_being_checked_and_forgets_what_is_done,
)
from tests.integration.test_object_store_s3 import s3_server
from tests.s3server import S3Server

pytestmark = pytest.mark.s3

__all__ = [
    "s3_server",
    "test_a_check_whose_process_died_is_taken_up_again",
    "test_a_file_put_to_the_upload_url_is_checked_and_becomes_a_document",
    "test_a_pdf_is_stored_cleaned",
    "test_a_refused_file_says_why_and_leaves_nothing",
    "test_a_report_that_no_longer_takes_documents_refuses_the_upload",
    "test_finish_wants_the_declared_bytes_at_the_url",
    "test_the_sweep_keeps_what_is_being_checked_and_forgets_what_is_done",
]


@pytest.fixture
def settings(tmp_path: Path, s3_server: S3Server) -> Settings:
    """The embedded database, documents in a bucket of their own."""
    return Settings(
        data_dir=tmp_path / "data",
        object_store_url=s3_server.endpoint_url,
        object_store_access_key=s3_server.access_key,
        object_store_secret_key=s3_server.secret_key,
        object_store_bucket=f"kjede-direct-{uuid.uuid4().hex[:12]}",
        object_store_region=s3_server.region,
    )


def test_the_upload_url_is_the_s3_server_s_own(settings: Settings, s3_server: S3Server) -> None:
    store = object_store_from_settings(settings)
    url = store.presigned_put_url(quarantine_key("tenant-1"), dt.timedelta(minutes=5))
    assert url is not None and url.startswith(s3_server.endpoint_url + "/")
    assert "X-Amz-Signature=" in url
    with pytest.raises(ValueError, match="quarantine"):
        store.presigned_put_url("tenant-1/u-" + "0" * 32, dt.timedelta(minutes=5))


def test_urls_handed_to_clients_are_signed_for_the_public_host(
    settings: Settings, s3_server: S3Server
) -> None:
    """The store talks to 127.0.0.1 and clients reach it as localhost (as the compose
    stack's replicas talk to minio:9000 and the host's clients to localhost:9000):
    both URLs carry the public host, and the store takes and serves bytes through them."""
    public = s3_server.endpoint_url.replace("127.0.0.1", "localhost")
    assert public != s3_server.endpoint_url
    store = object_store_from_settings(
        settings.model_copy(update={"object_store_public_url": public})
    )
    key = quarantine_key("tenant-1")
    put_url = store.presigned_put_url(key, dt.timedelta(minutes=5))
    assert put_url is not None and put_url.startswith(public + "/")
    assert httpx.put(put_url, content=b"sent to the public host").status_code == 200
    assert b"".join(store.open(key)) == b"sent to the public host"
    get_url = store.presigned_get_url(key, dt.timedelta(minutes=5))
    assert get_url is not None and get_url.startswith(public + "/")
    assert httpx.get(get_url).content == b"sent to the public host"
