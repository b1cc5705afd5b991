"""Object storage for uploaded documents and renditions.

Two kinds of key, both under a tenant prefix, both written once and never
overwritten with other bytes:

- `"{tenant_id}/{sha256}"`, content-addressed (`put`): renditions, and every
  upload stored before uploads got keys of their own. Identical bytes share one
  object, and a read is verified against the key.
- `"{tenant_id}/u-{32 hex}"`, an upload key (`upload_key`): a fresh random name
  per upload, known before the first byte, so the body can stream to its final
  key while it is still being received (`stream_file`). Its sha256 lives in the
  document row, and a read is verified against that (`open(key, sha256=...)`).

Uploads and downloads stream in 1 MiB chunks so memory stays bounded whatever
the file size. Two implementations: a local directory (embedded mode) and any
plain S3 server (MinIO, SeaweedFS, AWS) through the `minio` client.
"""

from __future__ import annotations

import contextlib
import datetime
import hashlib
import io
import json
import os
import re
import secrets
import tempfile
import threading
import urllib.parse
from collections.abc import Generator, Iterator
from concurrent.futures import Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any, BinaryIO, Protocol

import certifi
import urllib3
from minio import Minio
from minio.datatypes import Part
from minio.error import S3Error, ServerError
from minio.helpers import DictType

from storage.private import private_directory

if TYPE_CHECKING:
    from urllib3 import BaseHTTPResponse

    from settings import Settings

__all__ = [
    "CHUNK_SIZE",
    "ChecksumMismatch",
    "LocalObjectStore",
    "ObjectInfo",
    "ObjectNotFound",
    "ObjectStore",
    "ObjectStoreRefused",
    "ObjectTooLarge",
    "S3ObjectStore",
    "StagedObject",
    "StagingCancelled",
    "StoredObject",
    "StreamingUpload",
    "UnfinishedUpload",
    "content_disposition",
    "key_sha256",
    "object_key",
    "object_store_from_settings",
    "parse_object_key",
    "upload_key",
    "validate_tenant_id",
]

CHUNK_SIZE = 1024 * 1024
# S3 sends a file larger than one part as a multipart upload whose parts go out
# side by side (benchmarks/uploads.py measured 8 MiB x 4 against one streamed
# PUT and the minio client's 5 MiB x 3); the object appears only when it is
# completed, so a staged upload is invisible until committed.
PART_SIZE = 8 * 1024 * 1024
PARTS_IN_FLIGHT = 4
_PUT_URL_TTL = datetime.timedelta(minutes=15)
DEFAULT_CONTENT_TYPE = "application/octet-stream"

# A tenant id becomes a directory name (local) or key prefix (S3): allow only
# characters that are inert in both, and no leading dot (no "." / "..").
_TENANT_RE = re.compile(r"[A-Za-z0-9_-][A-Za-z0-9._-]{0,127}")
_SHA256_RE = re.compile(r"[0-9a-f]{64}")
_UPLOAD_RE = re.compile(r"u-[0-9a-f]{32}")
# A direct upload's bytes before they are checked (services/document_uploads.py).
_QUARANTINE_RE = re.compile(r"q-[0-9a-f]{32}")
_SPOOL_PREFIXES = (".upload-", ".tmp-")  # LocalObjectStore's files on their way in


@dataclass(frozen=True)
class StoredObject:
    """`sha256` is "" when `stat` describes an upload key (its row holds the hash)."""

    key: str
    sha256: str
    size: int
    content_type: str


@dataclass(frozen=True)
class ObjectInfo:
    """What a store's listing tells about an object, without reading it: its size and
    when it was last written (aware UTC; an identical re-upload refreshes it)."""

    key: str
    size: int
    modified: datetime.datetime

    @property
    def sha256(self) -> str | None:
        """The sha256 of a content-addressed key; None for an upload key."""
        return key_sha256(self.key)


@dataclass(frozen=True)
class UnfinishedUpload:
    """An upload begun and never completed or aborted: what a process that died while
    staging (`ObjectStore.stage_file`) leaves behind. Never readable as an object.
    `key` is the object it was for (S3) or the spool file's path under its tenant
    (local); `handle` is what discarding it needs."""

    key: str
    started: datetime.datetime
    handle: str


class ChecksumMismatch(Exception):
    """The bytes do not hash to the expected sha256 (bad upload or corrupted storage)."""


class ObjectNotFound(Exception):
    """No object is stored under this key."""


class ObjectStoreRefused(Exception):
    """The object store refused a request (4xx): a configuration error, not an outage."""


class ObjectTooLarge(Exception):
    """The upload exceeded its `max_bytes` limit; nothing was stored."""


class StagingCancelled(Exception):
    """`stage_file` stopped because its caller no longer wants the object; nothing was stored."""


class StagedObject(Protocol):
    """Bytes sent to the store but not readable under their key yet: `commit` makes
    them the object `stored` describes, `abort` discards them. Exactly one of the two
    must be called."""

    @property
    def stored(self) -> StoredObject: ...

    def commit(self) -> StoredObject: ...

    def abort(self) -> None:
        """Discard the staged bytes; never raises (a failure leaves them to the store's
        own expiry of unfinished uploads)."""
        ...


class StreamingUpload(Protocol):
    """An upload sent to its key while the file it comes from is still being written
    (`ObjectStore.stream_file`): `grow` sends every whole part the file holds so far,
    `finish` sends the rest and hands over a `StagedObject` (still unreadable), and
    `abort` drops whatever was sent. After `finish` returned, `abort` does nothing
    (the staged object is the caller's to commit or abort)."""

    @property
    def key(self) -> str: ...

    @property
    def content_type(self) -> str: ...

    def grow(self, path: Path, written: int) -> None:
        """The file at `path` now holds `written` bytes (flushed): send what is whole."""
        ...

    def finish(
        self,
        path: Path,
        *,
        sha256: str,
        size: int,
        cancelled: threading.Event | None = None,
    ) -> StagedObject:
        """Send the rest of the `size` bytes and wait for every part; on any failure
        (or `cancelled`, then `StagingCancelled`) nothing is left and it raises."""
        ...

    def abort(self) -> None:
        """Stop sending and discard what was sent; never raises."""
        ...


class ObjectStore(Protocol):
    """What the application needs from a blob store; see the module docstring."""

    def put(
        self,
        tenant_id: str,
        stream: BinaryIO,
        *,
        content_type: str = DEFAULT_CONTENT_TYPE,
        expected_sha256: str | None = None,
        max_bytes: int | None = None,
    ) -> StoredObject:
        """Store `stream` under `"{tenant_id}/{sha256}"`; nothing is visible unless it verified."""
        ...

    def put_at(
        self,
        key: str,
        stream: BinaryIO,
        *,
        content_type: str = DEFAULT_CONTENT_TYPE,
        expected_sha256: str | None = None,
    ) -> StoredObject:
        """Store `stream` under `key` as it is (a backup's copy): verified against
        `expected_sha256`, else against a content-addressed key."""
        ...

    def put_file(
        self, tenant_id: str, path: Path, *, content_type: str = DEFAULT_CONTENT_TYPE
    ) -> StoredObject:
        """Store the local file at `path` under a new upload key (hashed, then sent
        from the file, not copied)."""
        ...

    def stage_file(
        self,
        tenant_id: str,
        path: Path,
        *,
        sha256: str,
        size: int,
        content_type: str = DEFAULT_CONTENT_TYPE,
        cancelled: threading.Event | None = None,
    ) -> StagedObject:
        """Send the local file at `path`, whose sha256 and size the caller computed,
        under a new upload key without making it readable yet (see `StagedObject`):
        the upload can run while the file is still being checked. Raises
        `StagingCancelled` (having stored nothing) when `cancelled` is set before
        all bytes went out."""
        ...

    def stream_file(self, tenant_id: str, *, content_type: str) -> StreamingUpload | None:
        """An upload to a new upload key that sends a file while it is being written,
        or None when this store gains nothing from that (then `stage_file`). Nothing
        is sent before the first `grow`."""
        ...

    def open(self, key: str, sha256: str | None = None) -> Iterator[bytes]:
        """Stream the object; raises ChecksumMismatch after the last chunk if it does
        not hash to `sha256` (the row's), or to its key when that is content-addressed
        and no `sha256` is given. An upload key needs `sha256`; a quarantine key's
        bytes are unknown until checked, and are streamed as they are."""
        ...

    def stat(self, key: str) -> StoredObject: ...

    def list(self, tenant_id: str) -> Iterator[StoredObject]: ...

    def delete(self, key: str) -> None:
        """Remove the object; deleting a missing key is not an error."""
        ...

    def info(self, key: str) -> ObjectInfo:
        """Size and last-modified time of one object; ObjectNotFound when absent."""
        ...

    def scan(self, tenant_id: str | None = None) -> Iterator[ObjectInfo]:
        """Every object of every tenant (or of one), from the listing alone: no content
        type, no read. Only well-formed keys; upload spools and sidecars are skipped."""
        ...

    def presigned_get_url(
        self, key: str, expires: datetime.timedelta, filename: str | None = None
    ) -> str | None:
        """A URL the client downloads from directly, or None when the app must serve it."""
        ...

    def presigned_put_url(self, key: str, expires: datetime.timedelta) -> str | None:
        """A URL the client PUTs a quarantine key's bytes to directly, or None when
        the app must receive them (api/direct_uploads.py)."""
        ...

    def unfinished(self, before: datetime.datetime) -> Iterator[UnfinishedUpload]:
        """Uploads begun before `before` and neither committed nor aborted."""
        ...

    def discard(self, upload: UnfinishedUpload) -> None:
        """Drop what an unfinished upload had sent; gone already is not an error."""
        ...

    def check(self) -> None:
        """Readiness probe: raise if the store cannot be used."""
        ...


def validate_tenant_id(tenant_id: str) -> str:
    if not isinstance(tenant_id, str) or not _TENANT_RE.fullmatch(tenant_id):
        raise ValueError(f"unsafe tenant id for object storage: {tenant_id!r}")
    return tenant_id


def object_key(tenant_id: str, name: str) -> str:
    """The key of `name` (a sha256, or an upload key's `u-...` name) in a tenant."""
    if not _is_object_name(name):
        raise ValueError(f"malformed object name: {name!r}")
    return f"{validate_tenant_id(tenant_id)}/{name}"


def upload_key(tenant_id: str) -> str:
    """A new key for one upload: random, so known before the content is."""
    return object_key(tenant_id, _upload_name())


def _upload_name() -> str:
    return f"u-{secrets.token_hex(16)}"


def quarantine_key(tenant_id: str) -> str:
    """A new key for a direct upload's bytes before they are checked: nothing but
    the check reads it, and no document row ever names it."""
    return object_key(tenant_id, f"q-{secrets.token_hex(16)}")


def is_quarantine_key(key: str) -> bool:
    return bool(_QUARANTINE_RE.fullmatch(parse_object_key(key)[1]))


def _is_object_name(name: str) -> bool:
    return bool(
        _SHA256_RE.fullmatch(name) or _UPLOAD_RE.fullmatch(name) or _QUARANTINE_RE.fullmatch(name)
    )


def parse_object_key(key: str) -> tuple[str, str]:
    """Split a key of either kind into (tenant_id, name); a malformed key could escape
    the store."""
    tenant_id, sep, name = key.partition("/")
    if not sep or not _is_object_name(name):
        raise ValueError(f"malformed object key: {key!r}")
    return validate_tenant_id(tenant_id), name


def key_sha256(key: str) -> str | None:
    """The sha256 a content-addressed key names; None for an upload key."""
    _, name = parse_object_key(key)
    return name if _SHA256_RE.fullmatch(name) else None


def _expected_sha256(key: str, sha256: str | None) -> str | None:
    """What `open` verifies against: the row's sha256, else a content-addressed key's;
    None for a quarantine key, whose bytes are not known yet."""
    expected = sha256.lower() if sha256 else key_sha256(key)
    if expected is None and not is_quarantine_key(key):
        raise ValueError(f"reading {key} needs the sha256 its document row holds")
    return expected


def content_disposition(filename: str) -> str:
    """An `attachment` header value that survives any filename (RFC 6266 / RFC 5987)."""
    printable = "".join(ch for ch in filename if ch.isprintable())
    fallback = printable.encode("ascii", "replace").decode("ascii")
    fallback = fallback.replace("\\", "_").replace('"', "_") or "download"
    encoded = urllib.parse.quote(printable, safe="")
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{encoded}"


def _spool(
    stream: BinaryIO,
    spool: IO[bytes],
    *,
    expected_sha256: str | None,
    max_bytes: int | None,
) -> tuple[str, int]:
    """Copy `stream` into `spool` chunk by chunk, hashing as it goes; returns (sha256, size)."""
    digest = hashlib.sha256()
    size = 0
    while chunk := stream.read(CHUNK_SIZE):
        size += len(chunk)
        if max_bytes is not None and size > max_bytes:
            raise ObjectTooLarge(f"upload exceeds {max_bytes} bytes")
        digest.update(chunk)
        spool.write(chunk)
    sha256 = digest.hexdigest()
    if expected_sha256 is not None and expected_sha256.lower() != sha256:
        raise ChecksumMismatch(f"expected sha256 {expected_sha256}, got {sha256}")
    return sha256, size


def _hash(file: BinaryIO) -> tuple[str, int]:
    """(sha256, size) of a file, read from its start."""
    file.seek(0)
    digest = hashlib.sha256()
    size = 0
    while chunk := file.read(CHUNK_SIZE):
        size += len(chunk)
        digest.update(chunk)
    return digest.hexdigest(), size


def _atomic_write(path: Path, data: bytes) -> None:
    fd, name = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
    try:
        with os.fdopen(fd, "wb") as file:
            file.write(data)
        os.replace(name, path)
    finally:
        Path(name).unlink(missing_ok=True)


def _verified(chunks: Generator[bytes], key: str, sha256: str | None) -> Iterator[bytes]:
    """Hash what the caller streamed; closing early releases the file/connection at once."""
    if sha256 is None:
        return chunks
    return _hashed(chunks, key, sha256)


def _hashed(chunks: Generator[bytes], key: str, sha256: str) -> Iterator[bytes]:
    digest = hashlib.sha256()
    with contextlib.closing(chunks):
        for chunk in chunks:
            digest.update(chunk)
            yield chunk
    if digest.hexdigest() != sha256:
        raise ChecksumMismatch(f"stored object {key} is corrupted")


class _SpoolingStore:
    """`put` and `put_at` of both stores: each spools, hashes and verifies the
    stream before anything is visible, in its own `_write`."""

    def put(
        self,
        tenant_id: str,
        stream: BinaryIO,
        *,
        content_type: str = DEFAULT_CONTENT_TYPE,
        expected_sha256: str | None = None,
        max_bytes: int | None = None,
    ) -> StoredObject:
        return self._write(
            tenant_id,
            None,
            stream,
            content_type=content_type,
            expected_sha256=expected_sha256,
            max_bytes=max_bytes,
        )

    def put_at(
        self,
        key: str,
        stream: BinaryIO,
        *,
        content_type: str = DEFAULT_CONTENT_TYPE,
        expected_sha256: str | None = None,
    ) -> StoredObject:
        tenant_id, name = parse_object_key(key)
        return self._write(
            tenant_id,
            name,
            stream,
            content_type=content_type,
            expected_sha256=expected_sha256 or key_sha256(key),
            max_bytes=None,
        )

    def _write(
        self,
        tenant_id: str,
        name: str | None,
        stream: BinaryIO,
        *,
        content_type: str,
        expected_sha256: str | None,
        max_bytes: int | None,
    ) -> StoredObject:
        """Store `stream` under `name` (its sha256 when None: content-addressed)."""
        raise NotImplementedError


class LocalObjectStore(_SpoolingStore):
    """Files at `root/tenant/sha256`, content type in a `sha256.meta.json` sidecar;
    directories it creates are 0700 and files 0600 (storage/private.py).

    Uploads are spooled to a dot-file in the target directory and renamed into
    place, so a file under its final name is always complete and verified.
    """

    def __init__(self, root: Path) -> None:
        self.root = Path(root)

    def _path(self, key: str) -> Path:
        tenant_id, name = parse_object_key(key)
        return self.root / tenant_id / name

    @staticmethod
    def _meta_path(path: Path) -> Path:
        return path.with_name(path.name + ".meta.json")

    def _write(
        self,
        tenant_id: str,
        name: str | None,
        stream: BinaryIO,
        *,
        content_type: str,
        expected_sha256: str | None,
        max_bytes: int | None,
    ) -> StoredObject:
        """Spool, hash and verify into a dot-file, then rename it to `name` (the
        sha256 when None: content-addressed)."""
        directory = private_directory(self.root / validate_tenant_id(tenant_id))
        # mkstemp creates 0600, and the renames below keep the mode.
        fd, spooled = tempfile.mkstemp(dir=directory, prefix=".upload-")
        tmp = Path(spooled)
        try:
            with os.fdopen(fd, "wb") as spool:
                sha256, size = _spool(
                    stream, spool, expected_sha256=expected_sha256, max_bytes=max_bytes
                )
                spool.flush()
                os.fsync(spool.fileno())
            key = object_key(tenant_id, name or sha256)
            path = directory / (name or sha256)
            # Last put wins for the content type, as an S3 overwrite would.
            meta = json.dumps({"content_type": content_type}).encode()
            _atomic_write(self._meta_path(path), meta)
            os.replace(tmp, path)
        finally:
            tmp.unlink(missing_ok=True)
        return StoredObject(key, sha256, size, content_type)

    def put_file(
        self, tenant_id: str, path: Path, *, content_type: str = DEFAULT_CONTENT_TYPE
    ) -> StoredObject:
        with open(path, "rb") as stream:
            return self._write(
                tenant_id,
                _upload_name(),
                stream,
                content_type=content_type,
                expected_sha256=None,
                max_bytes=None,
            )

    def stage_file(
        self,
        tenant_id: str,
        path: Path,
        *,
        sha256: str,
        size: int,
        content_type: str = DEFAULT_CONTENT_TYPE,
        cancelled: threading.Event | None = None,
    ) -> StagedObject:
        """A copy in a dot-file of the tenant's directory (verified against `sha256`),
        renamed to a new upload key on commit."""
        key = upload_key(tenant_id)
        directory = private_directory(self.root / validate_tenant_id(tenant_id))
        fd, name = tempfile.mkstemp(dir=directory, prefix=".upload-")
        tmp = Path(name)
        try:
            with os.fdopen(fd, "wb") as spool, open(path, "rb") as source:
                _spool(source, spool, expected_sha256=sha256, max_bytes=None)
                spool.flush()
                os.fsync(spool.fileno())
            if cancelled is not None and cancelled.is_set():
                raise StagingCancelled(f"staging {key} was cancelled")
        except BaseException:
            tmp.unlink(missing_ok=True)
            raise
        return _LocalStaged(self, tmp, StoredObject(key, sha256, size, content_type))

    def stream_file(self, tenant_id: str, *, content_type: str) -> StreamingUpload | None:
        """None: a local copy made while receiving would gain nothing over the spool
        the receiver already writes (`stage_file` copies it once checked)."""
        validate_tenant_id(tenant_id)
        return None

    def _content_type(self, path: Path) -> str:
        try:
            meta = json.loads(self._meta_path(path).read_text(encoding="utf-8"))
        except (FileNotFoundError, ValueError):
            return DEFAULT_CONTENT_TYPE
        content_type = meta.get("content_type") if isinstance(meta, dict) else None
        return content_type if isinstance(content_type, str) else DEFAULT_CONTENT_TYPE

    def open(self, key: str, sha256: str | None = None) -> Iterator[bytes]:
        expected = _expected_sha256(key, sha256)
        path = self._path(key)
        try:
            file = path.open("rb")
        except FileNotFoundError:
            raise ObjectNotFound(key) from None
        return _verified(self._read(file), key, expected)

    @staticmethod
    def _read(file: BinaryIO) -> Generator[bytes]:
        with file:
            while chunk := file.read(CHUNK_SIZE):
                yield chunk

    def stat(self, key: str) -> StoredObject:
        path = self._path(key)
        try:
            size = path.stat().st_size
        except FileNotFoundError:
            raise ObjectNotFound(key) from None
        return StoredObject(key, key_sha256(key) or "", size, self._content_type(path))

    def list(self, tenant_id: str) -> Iterator[StoredObject]:
        directory = self.root / validate_tenant_id(tenant_id)
        try:
            names = sorted(entry.name for entry in os.scandir(directory))
        except FileNotFoundError:
            return
        for name in names:
            if _is_object_name(name):
                try:
                    yield self.stat(object_key(tenant_id, name))
                except ObjectNotFound:
                    continue  # deleted while listing

    def delete(self, key: str) -> None:
        path = self._path(key)
        path.unlink(missing_ok=True)
        self._meta_path(path).unlink(missing_ok=True)

    def info(self, key: str) -> ObjectInfo:
        try:
            status = self._path(key).stat()
        except FileNotFoundError:
            raise ObjectNotFound(key) from None
        return ObjectInfo(key, status.st_size, _from_timestamp(status.st_mtime))

    def scan(self, tenant_id: str | None = None) -> Iterator[ObjectInfo]:
        if tenant_id is not None:
            tenants = [validate_tenant_id(tenant_id)]
        else:
            try:
                tenants = sorted(
                    entry.name
                    for entry in os.scandir(self.root)
                    if entry.is_dir() and _TENANT_RE.fullmatch(entry.name)
                )
            except FileNotFoundError:
                return
        for tenant in tenants:
            try:
                names = sorted(entry.name for entry in os.scandir(self.root / tenant))
            except FileNotFoundError:
                continue
            for name in names:
                if _is_object_name(name):
                    try:
                        yield self.info(object_key(tenant, name))
                    except ObjectNotFound:
                        continue  # deleted while listing

    def presigned_get_url(
        self, key: str, expires: datetime.timedelta, filename: str | None = None
    ) -> str | None:
        """None: the app signs its own download URLs for the local store."""
        parse_object_key(key)
        return None

    def presigned_put_url(self, key: str, expires: datetime.timedelta) -> str | None:
        """None: the app receives direct uploads for the local store."""
        parse_object_key(key)
        return None

    def unfinished(self, before: datetime.datetime) -> Iterator[UnfinishedUpload]:
        """Spool files (`.upload-*`, `.tmp-*`) last written before `before`."""
        try:
            tenants = sorted(
                entry.name
                for entry in os.scandir(self.root)
                if entry.is_dir() and _TENANT_RE.fullmatch(entry.name)
            )
        except FileNotFoundError:
            return
        for tenant in tenants:
            try:
                entries = sorted(os.scandir(self.root / tenant), key=lambda entry: entry.name)
            except FileNotFoundError:
                continue
            for entry in entries:
                if not entry.name.startswith(_SPOOL_PREFIXES):
                    continue
                try:
                    started = _from_timestamp(entry.stat().st_mtime)
                except FileNotFoundError:
                    continue
                if started < before:
                    name = f"{tenant}/{entry.name}"
                    yield UnfinishedUpload(name, started, name)

    def discard(self, upload: UnfinishedUpload) -> None:
        tenant, _, name = upload.handle.partition("/")
        if not name.startswith(_SPOOL_PREFIXES) or "/" in name:
            raise ValueError(f"not a spool file: {upload.handle!r}")
        (self.root / validate_tenant_id(tenant) / name).unlink(missing_ok=True)

    def check(self) -> None:
        private_directory(self.root)
        with tempfile.TemporaryFile(dir=self.root, prefix=".probe-") as probe:
            probe.write(b"ok")


@dataclass
class _LocalStaged:
    store: LocalObjectStore
    tmp: Path
    stored: StoredObject

    def commit(self) -> StoredObject:
        path = self.store._path(self.stored.key)
        try:
            meta = json.dumps({"content_type": self.stored.content_type}).encode()
            _atomic_write(self.store._meta_path(path), meta)
            os.replace(self.tmp, path)
        finally:
            self.tmp.unlink(missing_ok=True)
        return self.stored

    def abort(self) -> None:
        self.tmp.unlink(missing_ok=True)


class S3ObjectStore(_SpoolingStore):
    """Any plain S3 server through `minio`; content type is the object's Content-Type.

    `put` spools to a local temp file first: the sha256 (and so the key) is known,
    and verified, before a single byte reaches the bucket. An upload key needs no
    hash up front: `stream_file` sends a file while it is still being received.
    """

    def __init__(
        self,
        endpoint_url: str,
        access_key: str,
        secret_key: str,
        bucket: str,
        region: str = "us-east-1",
        *,
        connect_timeout: float = 3.0,
        read_timeout: float = 15.0,
        retries: int = 2,
        backoff: float = 0.2,
        public_url: str = "",
    ) -> None:
        self.bucket = bucket
        # An explicit region spares minio a GetBucketLocation round trip.
        self._http = _http_client(connect_timeout, read_timeout, retries, backoff)

        def client(endpoint: str) -> Minio:
            url = urllib.parse.urlsplit(endpoint)
            if url.scheme not in ("http", "https") or not url.netloc or url.path not in ("", "/"):
                raise ValueError(f"object store URL must be http(s)://host[:port]: {endpoint!r}")
            return Minio(
                url.netloc,
                access_key=access_key,
                secret_key=secret_key,
                secure=url.scheme == "https",
                region=region,
                http_client=self._http,
            )

        self._client = client(endpoint_url)
        # URLs handed to clients are signed for the host they reach the store at
        # (presigning with a known region needs no request).
        self._presigner = client(public_url) if public_url else self._client
        self._bucket_ready = False
        # Parts of every upload of this store share these threads (and so a bounded
        # number of connections); a part never waits on another task.
        self._parts = ThreadPoolExecutor(PARTS_IN_FLIGHT * 2, thread_name_prefix="kjede-s3-part")

    def ensure_bucket(self) -> None:
        """Create the bucket if missing; safe to race with other processes."""
        if not self._client.bucket_exists(self.bucket):
            try:
                self._client.make_bucket(self.bucket)
            except S3Error as exc:
                if exc.code not in ("BucketAlreadyOwnedByYou", "BucketAlreadyExists"):
                    raise
        self._bucket_ready = True

    def _bucket_before_writing(self) -> None:
        """Make the bucket if missing, the first time this store writes."""
        if not self._bucket_ready:
            self.ensure_bucket()

    def put_file(
        self, tenant_id: str, path: Path, *, content_type: str = DEFAULT_CONTENT_TYPE
    ) -> StoredObject:
        validate_tenant_id(tenant_id)
        with open(path, "rb") as file:
            sha256, size = _hash(file)
        staged = self.stage_file(
            tenant_id, path, sha256=sha256, size=size, content_type=content_type
        )
        try:
            return staged.commit()
        except BaseException:
            staged.abort()
            raise

    def _write(
        self,
        tenant_id: str,
        name: str | None,
        stream: BinaryIO,
        *,
        content_type: str,
        expected_sha256: str | None,
        max_bytes: int | None,
    ) -> StoredObject:
        """Spool, hash and verify to a local temp file, then send it under `name` (the
        sha256 when None: content-addressed)."""
        validate_tenant_id(tenant_id)
        with tempfile.TemporaryFile(prefix="kjede-upload-") as spool:
            sha256, size = _spool(
                stream, spool, expected_sha256=expected_sha256, max_bytes=max_bytes
            )
            key = object_key(tenant_id, name or sha256)
            self._send(key, spool, size, content_type)
        return StoredObject(key, sha256, size, content_type)

    def stage_file(
        self,
        tenant_id: str,
        path: Path,
        *,
        sha256: str,
        size: int,
        content_type: str = DEFAULT_CONTENT_TYPE,
        cancelled: threading.Event | None = None,
    ) -> StagedObject:
        """Up to one part: nothing is sent before `commit`, which PUTs the file. Larger:
        a multipart upload whose parts are sent now, PARTS_IN_FLIGHT at a time, each
        streamed from its range of the file; `commit` completes it (the object appears
        whole, at once), `abort` aborts it (the parts are dropped)."""
        upload = _S3Stream(self, upload_key(tenant_id), content_type)
        return upload.finish(path, sha256=sha256, size=size, cancelled=cancelled)

    def stream_file(self, tenant_id: str, *, content_type: str) -> StreamingUpload | None:
        """A multipart upload begun when the file holds its first whole part; each
        part goes out (PARTS_IN_FLIGHT at a time, streamed from its range of the
        file) as soon as the file holds it. Completed only by the staged object's
        `commit`: until then nothing is readable."""
        return _S3Stream(self, upload_key(tenant_id), content_type)

    def _send_part(
        self,
        key: str,
        upload_id: str,
        number: int,
        path: Path,
        start: int,
        length: int,
        stops: tuple[threading.Event, threading.Event | None],
    ) -> Part:
        if any(stop is not None and stop.is_set() for stop in stops):
            raise StagingCancelled(f"staging {key} was cancelled")
        url = self._client.get_presigned_url(
            "PUT",
            self.bucket,
            key,
            expires=_PUT_URL_TTL,
            extra_query_params={"uploadId": upload_id, "partNumber": str(number)},
        )
        with open(path, "rb") as file:
            body = _FileRange(file, start, length)
            response = self._http.request(
                "PUT", url, body=body, headers={"Content-Length": str(length)}, preload_content=True
            )
        _raise_for_put(response, key)
        etag = response.headers.get("ETag", "").strip('"')
        if not etag:
            raise ObjectStoreRefused(f"object store gave no ETag for part {number} of {key}")
        return Part(number, etag)

    def _send(self, key: str, file: BinaryIO, size: int, content_type: str) -> None:
        """One PUT streamed from `file` (rewound on a retry): memory stays at a few
        socket buffers whatever the size, and there is no multipart round trip.
        minio's put_object reads each part into memory (its parallel uploader
        queues them without bound); a presigned URL lets us stream instead."""
        self._bucket_before_writing()
        file.seek(0)
        url = self._client.presigned_put_object(self.bucket, key, expires=_PUT_URL_TTL)
        response = self._http.request(
            "PUT",
            url,
            body=file,
            headers={"Content-Length": str(size), "Content-Type": content_type},
            preload_content=True,
        )
        _raise_for_put(response, key)

    def open(self, key: str, sha256: str | None = None) -> Iterator[bytes]:
        expected = _expected_sha256(key, sha256)
        try:
            response = self._client.get_object(self.bucket, key)
        except S3Error as exc:
            raise _not_found(exc, key) from exc
        return _verified(self._read(response), key, expected)

    @staticmethod
    def _read(response: BaseHTTPResponse) -> Generator[bytes]:
        try:
            yield from response.stream(CHUNK_SIZE)
        finally:
            response.close()
            response.release_conn()

    def stat(self, key: str) -> StoredObject:
        sha256 = key_sha256(key) or ""
        try:
            info = self._client.stat_object(self.bucket, key)
        except S3Error as exc:
            raise _not_found(exc, key) from exc
        return StoredObject(key, sha256, info.size or 0, info.content_type or DEFAULT_CONTENT_TYPE)

    def list(self, tenant_id: str) -> Iterator[StoredObject]:
        """One HEAD per object: plain S3 listings carry no content type."""
        for item in self.scan(tenant_id):  # well-formed keys; no bucket holds nothing
            try:
                yield self.stat(item.key)
            except ObjectNotFound:
                continue  # deleted while listing

    def delete(self, key: str) -> None:
        parse_object_key(key)
        self._client.remove_object(self.bucket, key)

    def info(self, key: str) -> ObjectInfo:
        parse_object_key(key)
        try:
            stat = self._client.stat_object(self.bucket, key)
        except S3Error as exc:
            raise _not_found(exc, key) from exc
        return ObjectInfo(key, stat.size or 0, _utc(stat.last_modified))

    def scan(self, tenant_id: str | None = None) -> Iterator[ObjectInfo]:
        prefix = None if tenant_id is None else f"{validate_tenant_id(tenant_id)}/"
        try:
            for item in self._client.list_objects(self.bucket, prefix=prefix, recursive=True):
                name = item.object_name or ""
                try:
                    parse_object_key(name)
                except ValueError:
                    continue
                yield ObjectInfo(name, item.size or 0, _utc(item.last_modified))
        except S3Error as exc:
            if exc.code != "NoSuchBucket":
                raise

    def presigned_get_url(
        self, key: str, expires: datetime.timedelta, filename: str | None = None
    ) -> str | None:
        parse_object_key(key)
        # Caches must not keep what only this viewer may read.
        headers: DictType = {"response-cache-control": "no-store"}
        if filename:
            headers["response-content-disposition"] = content_disposition(filename)
        return self._presigner.presigned_get_object(
            self.bucket, key, expires=expires, response_headers=headers
        )

    def presigned_put_url(self, key: str, expires: datetime.timedelta) -> str | None:
        if not is_quarantine_key(key):
            raise ValueError(f"only a quarantine key takes bytes from a client: {key!r}")
        self._bucket_before_writing()
        return self._presigner.presigned_put_object(self.bucket, key, expires=expires)

    def check(self) -> None:
        """Reach the server with our credentials; creating a missing bucket here lets a
        fresh deployment become ready without waiting for a first upload."""
        self.ensure_bucket()

    def unfinished(self, before: datetime.datetime) -> Iterator[UnfinishedUpload]:
        """Multipart uploads initiated before `before` (S3 keeps their parts until they
        are completed or aborted; no listing of objects shows them)."""
        key_marker: str | None = None
        upload_marker: str | None = None
        while True:
            try:
                listed = self._client._list_multipart_uploads(
                    self.bucket, key_marker=key_marker, upload_id_marker=upload_marker
                )
            except S3Error as exc:
                if exc.code == "NoSuchBucket":
                    return
                raise
            for upload in listed.uploads:
                started = _utc(upload.initiated_time)
                if upload.upload_id and started < before:
                    yield UnfinishedUpload(upload.object_name, started, upload.upload_id)
            if not listed.is_truncated:
                return
            key_marker, upload_marker = listed.next_key_marker, listed.next_upload_id_marker

    def discard(self, upload: UnfinishedUpload) -> None:
        try:
            self._client._abort_multipart_upload(self.bucket, upload.key, upload.handle)
        except S3Error as exc:
            if exc.code != "NoSuchUpload":
                raise


class _S3Stream:
    """A multipart upload fed from a file that grows (see `StreamingUpload`). Its
    parts are read from the file when sent, so memory does not grow with the file
    however far the sending lags behind. `grow` never waits on the network (the
    receiver calls it): the upload is begun, and every part sent, on the store's
    part threads; a failure there surfaces in `finish`."""

    def __init__(self, store: S3ObjectStore, key: str, content_type: str) -> None:
        self.store = store
        self.key = key
        self.content_type = content_type
        # The multipart upload's id, once begun. Queued ahead of its parts on the
        # same FIFO pool, so a part that waits for it waits for a running task.
        self._begun: Future[str] | None = None
        self._futures: list[Future[Part]] = []
        self._sent = 0  # bytes handed to part uploads
        self._stop = threading.Event()
        self._cancelled: threading.Event | None = None
        self._handed_over = False
        self._lock = threading.Lock()

    def grow(self, path: Path, written: int) -> None:
        with self._lock:
            if self._stop.is_set() or self._handed_over:
                return
            while written - self._sent >= PART_SIZE:
                self._submit(path, PART_SIZE)

    def _submit(self, path: Path, length: int) -> None:
        """Send the next `length` bytes as the next part (the lock is held)."""
        store = self.store
        if self._begun is None:
            self._begun = store._parts.submit(self._begin)
        number = len(self._futures) + 1
        self._futures.append(
            store._parts.submit(self._send_part, number, path, self._sent, length, self._cancelled)
        )
        self._sent += length

    def _begin(self) -> str:
        store = self.store
        if self._stop.is_set():
            raise StagingCancelled(f"the upload to {self.key} was aborted")
        store._bucket_before_writing()
        return store._client._create_multipart_upload(
            store.bucket, self.key, {"Content-Type": self.content_type}
        )

    def _send_part(
        self, number: int, path: Path, start: int, length: int, cancelled: threading.Event | None
    ) -> Part:
        assert self._begun is not None  # submitted before any part
        upload_id = self._begun.result()
        return self.store._send_part(
            self.key, upload_id, number, path, start, length, (self._stop, cancelled)
        )

    def finish(
        self,
        path: Path,
        *,
        sha256: str,
        size: int,
        cancelled: threading.Event | None = None,
    ) -> StagedObject:
        stored = StoredObject(self.key, sha256, size, self.content_type)
        try:
            with self._lock:
                if self._stop.is_set():
                    raise StagingCancelled(f"the upload to {self.key} was aborted")
                self._cancelled = cancelled
                if self._begun is None and size <= PART_SIZE:
                    self._handed_over = True
                    return _S3DeferredPut(self.store, path, stored)
                while self._sent < size:
                    self._submit(path, min(PART_SIZE, size - self._sent))
                begun, futures = self._begun, list(self._futures)
                assert begun is not None  # size > 0 bytes were submitted
            parts = [future.result() for future in futures]
            upload_id = begun.result()
            if cancelled is not None and cancelled.is_set():
                raise StagingCancelled(f"staging {self.key} was cancelled")
        except BaseException:
            self.abort()
            raise
        with self._lock:
            if self._stop.is_set():  # aborted meanwhile (the request was closed)
                raise StagingCancelled(f"the upload to {self.key} was aborted")
            self._handed_over = True
        return _S3Multipart(self.store, upload_id, stored, parts)

    def abort(self) -> None:
        with self._lock:
            if self._handed_over:
                return
            self._stop.set()
            begun, futures = self._begun, list(self._futures)
        wait(futures)
        if begun is None:
            return
        try:
            upload_id = begun.result()
        except BaseException:
            return  # never begun
        store = self.store
        with contextlib.suppress(Exception):
            store._client._abort_multipart_upload(store.bucket, self.key, upload_id)


@dataclass
class _S3DeferredPut:
    """A file of one part: sent by one PUT when committed (nothing to abort before)."""

    store: S3ObjectStore
    path: Path
    stored: StoredObject

    def commit(self) -> StoredObject:
        with open(self.path, "rb") as file:
            self.store._send(self.stored.key, file, self.stored.size, self.stored.content_type)
        return self.stored

    def abort(self) -> None:
        return None


@dataclass
class _S3Multipart:
    store: S3ObjectStore
    upload_id: str
    stored: StoredObject
    parts: list[Part] = field(default_factory=list)

    def commit(self) -> StoredObject:
        store = self.store
        store._client._complete_multipart_upload(
            store.bucket, self.stored.key, self.upload_id, self.parts
        )
        return self.stored

    def abort(self) -> None:
        store = self.store
        with contextlib.suppress(Exception):
            store._client._abort_multipart_upload(store.bucket, self.stored.key, self.upload_id)


class _FileRange(io.RawIOBase):
    """`length` bytes of `file` from `start`, as a body urllib3 streams (and rewinds
    through tell/seek on a retry)."""

    def __init__(self, file: BinaryIO, start: int, length: int) -> None:
        super().__init__()
        self._file = file
        self._start = start
        self._length = length
        self._position = 0

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def tell(self) -> int:
        return self._position

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        base = {io.SEEK_SET: 0, io.SEEK_CUR: self._position, io.SEEK_END: self._length}[whence]
        self._position = max(0, min(self._length, base + offset))
        return self._position

    def readinto(self, buffer: Any) -> int:
        view = memoryview(buffer).cast("B")
        wanted = min(len(view), self._length - self._position)
        if wanted <= 0:
            return 0
        self._file.seek(self._start + self._position)
        count = self._file.readinto(view[:wanted])  # type: ignore[attr-defined]
        self._position += count
        return int(count)


def _raise_for_put(response: BaseHTTPResponse, key: str) -> None:
    if response.status >= 500:
        raise ServerError(f"object store answered {response.status} to PUT {key}", response.status)
    if response.status != 200:
        raise ObjectStoreRefused(
            f"object store refused PUT {key}: {response.status} {response.data[:300]!r}"
        )


SEND_BLOCK = 256 * 1024
"""Bytes a request body is sent in per `sendall` (urllib3's default is 16 KiB: an
8 MiB part took 512 trips through Python)."""


def _http_client(
    connect_timeout: float, read_timeout: float, retries: int, backoff: float
) -> urllib3.PoolManager:
    """minio's own client waits 5 minutes per call and retries 5 times; ours gives up
    within seconds when the server is unreachable or stops answering."""
    return urllib3.PoolManager(
        timeout=urllib3.Timeout(connect=connect_timeout, read=read_timeout),
        maxsize=10,
        blocksize=SEND_BLOCK,
        cert_reqs="CERT_REQUIRED",
        ca_certs=os.environ.get("SSL_CERT_FILE") or certifi.where(),
        retries=urllib3.Retry(
            total=retries,
            backoff_factor=backoff,
            status_forcelist=[500, 502, 503, 504],
        ),
    )


def _from_timestamp(timestamp: float) -> datetime.datetime:
    return datetime.datetime.fromtimestamp(timestamp, datetime.UTC)


def _utc(moment: datetime.datetime | None) -> datetime.datetime:
    """S3 listings give aware datetimes; a server that gives none counts as written now."""
    if moment is None:
        return datetime.datetime.now(datetime.UTC)
    return moment.replace(tzinfo=datetime.UTC) if moment.tzinfo is None else moment


def _not_found(exc: S3Error, key: str) -> Exception:
    return ObjectNotFound(key) if exc.code in ("NoSuchKey", "NoSuchObject") else exc


def object_store_from_settings(settings: Settings) -> ObjectStore:
    """S3 when an endpoint is configured, else a directory under data_dir (embedded mode)."""
    if settings.object_store_url:
        return S3ObjectStore(
            settings.object_store_url,
            access_key=settings.object_store_access_key,
            secret_key=settings.object_store_secret_key,
            bucket=settings.object_store_bucket,
            region=settings.object_store_region,
            connect_timeout=settings.object_store_connect_timeout_seconds,
            read_timeout=settings.object_store_read_timeout_seconds,
            retries=settings.object_store_retries,
            backoff=settings.object_store_retry_backoff_seconds,
            public_url=settings.object_store_public_url,
        )
    return LocalObjectStore(settings.object_dir)
