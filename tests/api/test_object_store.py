"""One contract, two object stores: every contract test runs here on the local directory
store, and in tests/integration/test_object_store_s3.py on S3 (a real SeaweedFS server),
so the embedded mode cannot drift from prod."""

from __future__ import annotations

import datetime
import hashlib
import io
import random
import threading
import tracemalloc
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from settings import Settings
from storage.objects import (
    CHUNK_SIZE,
    ChecksumMismatch,
    LocalObjectStore,
    ObjectNotFound,
    ObjectStore,
    ObjectTooLarge,
    S3ObjectStore,
    StagingCancelled,
    content_disposition,
    key_sha256,
    object_store_from_settings,
    parse_object_key,
    validate_tenant_id,
)

MiB = 1024 * 1024
BUCKET = "kjede-objects-test"


@dataclass
class Backend:
    store: ObjectStore
    corrupt: Callable[[str, bytes], None]  # overwrite stored bytes behind the store's back
    raw_names: Callable[[str], list[str]]  # everything physically stored for a tenant
    # Uploads begun and neither completed nor aborted (S3 multipart uploads).
    unfinished: Callable[[str], list[str]] = field(default=lambda tenant_id: [])
    # Sends an upload while it is received (`ObjectStore.stream_file`): S3.
    streams: bool = False


def local_backend(root: Path) -> Backend:
    def corrupt(key: str, data: bytes) -> None:
        (root / key).write_bytes(data)

    def raw_names(tenant_id: str) -> list[str]:
        directory = root / tenant_id
        return sorted(p.name for p in directory.iterdir()) if directory.exists() else []

    return Backend(LocalObjectStore(root), corrupt, raw_names)


@pytest.fixture
def backend(tmp_path: Path) -> Backend:
    """The local directory store (S3 in tests/integration/test_object_store_s3.py)."""
    return local_backend(tmp_path / "objects")


@pytest.fixture
def store(backend: Backend) -> ObjectStore:
    return backend.store


@pytest.fixture
def tenant() -> str:
    """Unique per test: the S3 bucket is shared by the whole session."""
    return f"tenant-{uuid.uuid4().hex[:12]}"


def payload(size: int, seed: int = 0) -> bytes:
    return random.Random(seed).randbytes(size)


def read_all(store: ObjectStore, key: str, sha256: str | None = None) -> bytes:
    return b"".join(store.open(key, sha256))


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


class PseudoRandomStream(io.RawIOBase):
    """`size` deterministic bytes made on demand and hashed as they are read, so a
    huge upload never exists in memory, not even in the test."""

    def __init__(self, size: int, seed: int = 0) -> None:
        # An odd block length keeps consecutive 1 MiB chunks different.
        self._block = random.Random(seed).randbytes(MiB - 3)
        self._remaining = size
        self._offset = 0
        self.sha256 = hashlib.sha256()

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: bytearray | memoryview) -> int:  # type: ignore[override]
        view = memoryview(buffer).cast("B")
        count = min(len(view), self._remaining)
        written = 0
        while written < count:
            start = self._offset % len(self._block)
            piece = self._block[start : start + count - written]
            view[written : written + len(piece)] = piece
            written += len(piece)
            self._offset += len(piece)
        self.sha256.update(view[:count])
        self._remaining -= count
        return count


# --- the contract -----------------------------------------------------------


def test_put_then_open_round_trips(store: ObjectStore, tenant: str) -> None:
    data = payload(3 * MiB + 123)

    stored = store.put(tenant, io.BytesIO(data), content_type="application/pdf")

    assert stored.sha256 == sha256(data)
    assert stored.key == f"{tenant}/{stored.sha256}"
    assert stored.size == len(data)
    assert stored.content_type == "application/pdf"
    assert read_all(store, stored.key) == data


def test_stat_describes_the_object(store: ObjectStore, tenant: str) -> None:
    stored = store.put(tenant, io.BytesIO(b"hello"), content_type="text/plain")

    assert store.stat(stored.key) == stored


def test_default_content_type(store: ObjectStore, tenant: str) -> None:
    stored = store.put(tenant, io.BytesIO(b"bytes"))

    assert store.stat(stored.key).content_type == "application/octet-stream"


def test_empty_object(store: ObjectStore, tenant: str) -> None:
    stored = store.put(tenant, io.BytesIO(b""))

    assert stored.size == 0
    assert read_all(store, stored.key) == b""


def test_missing_object_is_not_found(store: ObjectStore, tenant: str) -> None:
    key = f"{tenant}/{sha256(b'never stored')}"

    with pytest.raises(ObjectNotFound):
        store.stat(key)
    with pytest.raises(ObjectNotFound):
        store.open(key)  # at call time, before any iteration


def test_list_only_shows_the_tenants_objects(store: ObjectStore, tenant: str) -> None:
    other = f"{tenant}-other"
    a = store.put(tenant, io.BytesIO(b"a"), content_type="text/plain")
    b = store.put(tenant, io.BytesIO(b"b"))
    c = store.put(other, io.BytesIO(b"c"))

    assert sorted(store.list(tenant), key=lambda o: o.key) == sorted([a, b], key=lambda o: o.key)
    assert list(store.list(other)) == [c]
    assert list(store.list(f"{tenant}-nobody")) == []


def test_delete_is_idempotent(backend: Backend, tenant: str) -> None:
    store = backend.store
    stored = store.put(tenant, io.BytesIO(b"to delete"))

    store.delete(stored.key)
    store.delete(stored.key)
    store.delete(f"{tenant}/{sha256(b'never stored')}")

    with pytest.raises(ObjectNotFound):
        store.stat(stored.key)
    assert list(store.list(tenant)) == []
    assert backend.raw_names(tenant) == []


def test_same_content_gets_same_key(store: ObjectStore, tenant: str) -> None:
    first = store.put(tenant, io.BytesIO(b"same bytes"))
    second = store.put(tenant, io.BytesIO(b"same bytes"))

    assert first.key == second.key
    assert [o.key for o in store.list(tenant)] == [first.key]


def test_same_content_other_tenant_gets_own_object(store: ObjectStore, tenant: str) -> None:
    mine = store.put(tenant, io.BytesIO(b"shared"))
    theirs = store.put(f"{tenant}-2", io.BytesIO(b"shared"))

    assert mine.sha256 == theirs.sha256
    assert mine.key != theirs.key
    store.delete(theirs.key)
    assert read_all(store, mine.key) == b"shared"


def test_open_streams_in_bounded_chunks(store: ObjectStore, tenant: str) -> None:
    data = payload(5 * MiB // 2)
    stored = store.put(tenant, io.BytesIO(data))

    chunks = list(store.open(stored.key))

    assert len(chunks) >= 3
    assert max(len(c) for c in chunks) <= CHUNK_SIZE
    assert b"".join(chunks) == data


def test_expected_sha256_accepted(store: ObjectStore, tenant: str) -> None:
    data = b"checked upload"

    stored = store.put(tenant, io.BytesIO(data), expected_sha256=sha256(data).upper())

    assert stored.sha256 == sha256(data)


def test_checksum_mismatch_on_put_stores_nothing(backend: Backend, tenant: str) -> None:
    data = payload(2 * MiB)

    with pytest.raises(ChecksumMismatch):
        backend.store.put(tenant, io.BytesIO(data), expected_sha256=sha256(b"other"))

    with pytest.raises(ObjectNotFound):
        backend.store.stat(f"{tenant}/{sha256(data)}")
    assert list(backend.store.list(tenant)) == []
    assert backend.raw_names(tenant) == []  # no temp files left behind either


@pytest.mark.parametrize("tampered", ["flipped byte", "truncated", "replaced"])
def test_corrupted_object_detected_on_open(backend: Backend, tenant: str, tampered: str) -> None:
    data = payload(2 * MiB + 7)
    stored = backend.store.put(tenant, io.BytesIO(data))
    bad = {
        "flipped byte": data[:MiB] + bytes([data[MiB] ^ 1]) + data[MiB + 1 :],
        "truncated": data[:-1],
        "replaced": b"evil",
    }[tampered]
    backend.corrupt(stored.key, bad)

    with pytest.raises(ChecksumMismatch):
        read_all(backend.store, stored.key)


def test_max_bytes_exceeded_stores_nothing(backend: Backend, tenant: str) -> None:
    data = payload(3 * MiB)

    with pytest.raises(ObjectTooLarge):
        backend.store.put(tenant, io.BytesIO(data), max_bytes=2 * MiB)

    assert list(backend.store.list(tenant)) == []
    assert backend.raw_names(tenant) == []


def test_max_bytes_is_inclusive(store: ObjectStore, tenant: str) -> None:
    data = payload(MiB + 1)

    stored = store.put(tenant, io.BytesIO(data), max_bytes=len(data))

    assert stored.size == len(data)


BAD_TENANTS = ["", ".", "..", "../x", "a/b", "/", "/abs", "a\\b", ".hidden", "x\x00", "t\n", "é"]


@pytest.mark.parametrize("bad", BAD_TENANTS)
def test_unsafe_tenant_ids_rejected(backend: Backend, bad: str) -> None:
    with pytest.raises(ValueError):
        backend.store.put(bad, io.BytesIO(b"data"))
    with pytest.raises(ValueError):
        list(backend.store.list(bad))


@pytest.mark.parametrize(
    "key",
    [
        "",
        "no-slash",
        f"../{'a' * 64}",
        "t/../../etc/passwd",
        "t/not-a-sha",
        f"t/{'A' * 64}",
        f"t/{'a' * 64}/extra",
        f"t/{'a' * 64}.meta.json",
        "t/u-abc",
        f"t/u-{'A' * 32}",
        f"t/u-{'a' * 32}.meta.json",
        f"t/.upload-{'a' * 32}",
    ],
)
def test_malformed_keys_rejected(store: ObjectStore, key: str) -> None:
    for call in (store.stat, store.open, store.delete):
        with pytest.raises(ValueError):
            call(key)
    with pytest.raises(ValueError):
        store.presigned_get_url(key, datetime.timedelta(minutes=1))


def test_check_passes(store: ObjectStore) -> None:
    store.check()


def test_large_object_streams_with_bounded_memory(store: ObjectStore, tenant: str) -> None:
    """100 MB in and out while Python never holds more than a few chunks (CI-sized)."""
    size = 100 * 1000 * 1000
    source = PseudoRandomStream(size)
    tracemalloc.start()
    try:
        stored = store.put(tenant, io.BufferedReader(source, CHUNK_SIZE))
        digest = hashlib.sha256()
        streamed = 0
        for chunk in store.open(stored.key):
            digest.update(chunk)
            streamed += len(chunk)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()

    assert stored.size == streamed == size
    assert stored.sha256 == digest.hexdigest() == source.sha256.hexdigest()
    assert peak < 20 * MiB, f"peak traced memory {peak / MiB:.1f} MiB"


# --- implementation specifics -----------------------------------------------


def test_local_presigned_url_is_none(tmp_path: Path) -> None:
    store = LocalObjectStore(tmp_path)
    stored = store.put("t", io.BytesIO(b"x"))

    assert store.presigned_get_url(stored.key, datetime.timedelta(minutes=5), "a.pdf") is None


def test_local_check_fails_when_root_unusable(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_bytes(b"not a directory")

    with pytest.raises(OSError):
        LocalObjectStore(blocker / "objects").check()


@pytest.mark.parametrize("url", ["ftp://host", "http://", "host:9000", "http://host/path"])
def test_s3_rejects_bad_endpoint_urls(url: str) -> None:
    with pytest.raises(ValueError):
        S3ObjectStore(url, "key", "secret", "bucket")


def test_store_from_settings(tmp_path: Path) -> None:
    local = object_store_from_settings(Settings(data_dir=tmp_path, object_store_url=""))
    assert isinstance(local, LocalObjectStore)
    assert local.root == tmp_path / "objects"

    s3 = object_store_from_settings(
        Settings(
            data_dir=tmp_path,
            object_store_url="https://s3.example.com",
            object_store_access_key="key",
            object_store_secret_key="secret",
            object_store_bucket="docs",
        )
    )
    assert isinstance(s3, S3ObjectStore)
    assert s3.bucket == "docs"


@given(st.text(max_size=40))
def test_accepted_tenant_ids_are_one_inert_path_segment(tenant_id: str) -> None:
    try:
        validate_tenant_id(tenant_id)
    except ValueError:
        return
    root = Path("/srv/objects")
    assert (root / tenant_id).parent == root
    assert not tenant_id.startswith(".")
    assert tenant_id.isascii() and tenant_id.isprintable()


@given(st.text(max_size=60))
def test_content_disposition_is_a_safe_header(filename: str) -> None:
    value = content_disposition(filename)

    assert value.isascii() and value.isprintable()
    assert value.count('"') == 2


# --- staging: bytes sent, readable only once committed ----------------------


def staged_file(tmp_path: Path, data: bytes) -> Path:
    path = tmp_path / f"spool-{uuid.uuid4().hex}"
    path.write_bytes(data)
    return path


# One part, and several parts of S3's multipart upload (storage.objects.PART_SIZE).
STAGED_SIZES = [MiB + 1, 2 * 8 * MiB + 3]


@pytest.mark.parametrize("size", STAGED_SIZES)
def test_a_staged_object_is_readable_only_once_committed(
    backend: Backend, tenant: str, tmp_path: Path, size: int
) -> None:
    data = payload(size, seed=size)
    path = staged_file(tmp_path, data)
    store = backend.store

    staged = store.stage_file(
        tenant, path, sha256=sha256(data), size=size, content_type="text/plain"
    )

    key = staged.stored.key
    assert key.startswith(f"{tenant}/u-") and key_sha256(key) is None  # an upload key
    with pytest.raises(ObjectNotFound):
        store.stat(key)
    assert list(store.list(tenant)) == []
    if size > 8 * MiB:  # sent already, where no reader looks
        spools = [name for name in backend.raw_names(tenant) if name.startswith(".")]
        assert spools or backend.unfinished(tenant) == [key]
    stored = staged.commit()
    assert (stored.key, stored.sha256, stored.size) == (key, sha256(data), size)
    assert read_all(store, stored.key, stored.sha256) == data
    assert store.stat(stored.key).content_type == "text/plain"
    assert not [name for name in backend.raw_names(tenant) if name.startswith(".")]  # no spool
    assert backend.unfinished(tenant) == []


@pytest.mark.parametrize("size", STAGED_SIZES)
def test_an_aborted_staging_leaves_nothing(
    backend: Backend, tenant: str, tmp_path: Path, size: int
) -> None:
    data = payload(size, seed=size)
    path = staged_file(tmp_path, data)

    staged = backend.store.stage_file(tenant, path, sha256=sha256(data), size=size)
    staged.abort()

    assert backend.raw_names(tenant) == []
    assert backend.unfinished(tenant) == []


def test_a_cancelled_staging_stores_nothing(backend: Backend, tenant: str, tmp_path: Path) -> None:
    data = payload(STAGED_SIZES[-1])
    path = staged_file(tmp_path, data)
    cancelled = threading.Event()
    cancelled.set()

    with pytest.raises(StagingCancelled):
        backend.store.stage_file(
            tenant, path, sha256=sha256(data), size=len(data), cancelled=cancelled
        ).commit()

    assert backend.raw_names(tenant) == []
    assert backend.unfinished(tenant) == []


# --- upload keys: not derived from the content, verified against the row's sha256 ----


def test_every_upload_gets_its_own_key(backend: Backend, tenant: str, tmp_path: Path) -> None:
    """No deduplication of uploads: the same bytes twice are two objects, each
    removable on its own (the sweep deletes by key)."""
    data = payload(MiB + 7, seed=3)
    path = staged_file(tmp_path, data)

    first = backend.store.put_file(tenant, path, content_type="text/csv")
    second = backend.store.put_file(tenant, path, content_type="text/csv")

    assert first.key != second.key
    assert first.sha256 == second.sha256 == sha256(data)
    assert {parse_object_key(first.key)[0], parse_object_key(second.key)[0]} == {tenant}
    assert sorted(info.key for info in backend.store.scan(tenant)) == sorted(
        [first.key, second.key]
    )
    assert {info.sha256 for info in backend.store.scan(tenant)} == {None}  # not in the key
    backend.store.delete(first.key)
    assert read_all(backend.store, second.key, second.sha256) == data


def test_an_upload_key_is_read_against_the_sha256_it_is_given(
    backend: Backend, tenant: str, tmp_path: Path
) -> None:
    data = payload(MiB + 9, seed=4)
    stored = backend.store.put_file(tenant, staged_file(tmp_path, data))

    assert read_all(backend.store, stored.key, stored.sha256) == data
    with pytest.raises(ValueError, match="needs the sha256"):
        read_all(backend.store, stored.key)  # nothing to verify against
    with pytest.raises(ChecksumMismatch):
        read_all(backend.store, stored.key, sha256(b"other bytes"))
    backend.corrupt(stored.key, data[:-1] + b"\x00")
    with pytest.raises(ChecksumMismatch):
        read_all(backend.store, stored.key, stored.sha256)


def test_put_at_keeps_the_key_and_verifies(backend: Backend, tenant: str) -> None:
    """What a backup copies with: any key as it is, verified against the row's hash."""
    key = f"{tenant}/u-{'ab' * 16}"
    data = b"copied from a backup"

    with pytest.raises(ChecksumMismatch):
        backend.store.put_at(key, io.BytesIO(data), expected_sha256=sha256(b"not this"))
    assert backend.raw_names(tenant) == []
    stored = backend.store.put_at(
        key, io.BytesIO(data), content_type="text/plain", expected_sha256=sha256(data)
    )

    assert (stored.key, stored.sha256) == (key, sha256(data))
    assert read_all(backend.store, key, sha256(data)) == data
    assert backend.store.stat(key).content_type == "text/plain"


def test_the_local_store_does_not_stream(tmp_path: Path) -> None:
    """Its `stage_file` copies the checked spool once; S3 streams (test_object_store_s3)."""
    assert LocalObjectStore(tmp_path).stream_file("t", content_type="text/plain") is None
