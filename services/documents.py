"""Documents of audit reports: uploads, shared renditions and who may fetch what."""

from __future__ import annotations

import contextlib
import datetime as dt
import io
import os
import tempfile
import threading
from collections.abc import Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

import anyio.to_thread

from authz.disclosure import Clearance, Disclosed, disclose, row_values
from authz.records import DOCUMENT, document_visible
from domain.enums import Classification
from domain.errors import InvalidInput
from services.content.files import (
    PDF,
    SNIFF_BYTES,
    UnsupportedDocument,
    sniff_content_type,
)
from services.content.renditions import render_json, render_pdf
from services.content.worker import check_upload, cleans
from services.scope import Scope
from storage import models, signed_urls
from storage.following import FollowedFile
from storage.objects import (
    CHUNK_SIZE,
    ObjectStore,
    ObjectTooLarge,
    StagedObject,
    StoredObject,
    StreamingUpload,
)
from storage.spool import UploadSpool


@dataclass(frozen=True)
class Upload:
    """An uploaded file as the API received it (spooled by the server)."""

    file: BinaryIO
    filename: str


@dataclass(frozen=True)
class DocumentView:
    document: Disclosed
    download_url: str | None


async def documents_of(
    scope: Scope, report: Disclosed, selected: frozenset[str]
) -> list[DocumentView]:
    """The documents of a disclosed report this viewer may fetch; handing out a
    download URL for a RESTRICTED or PERSONAL original is a read, and is logged."""
    rows = await scope.loaders.reports.documents.load(str(report["id"]))
    return present_documents(scope, report.clearance, rows, selected)


def present_documents(
    scope: Scope,
    cleared: Clearance,
    rows: Sequence[models.Document],
    selected: frozenset[str],
    *,
    own_upload: bool = False,
) -> list[DocumentView]:
    """`own_upload`: the link goes back to who just sent the bytes, which discloses nothing."""
    if rows and "downloadUrl" in selected:
        scope.not_reusable("download links expire")
    views = []
    for row in rows:
        values = row_values(row)
        if not document_visible(values, cleared):
            continue
        if (
            not own_upload
            and "downloadUrl" in selected
            and row.classification.rank >= (Classification.RESTRICTED.rank)
        ):
            scope.reads.record_read(row.classification, DOCUMENT.record, row.id)
        views.append(DocumentView(disclose(values, DOCUMENT, cleared), download_url(scope, row)))
    return views


def download_url(scope: Scope, document: models.Document) -> str | None:
    """A presigned S3 URL, or a signed app URL for the local store."""
    ttl = scope.settings.download_url_ttl_seconds
    url = scope.objects.presigned_get_url(
        document.object_key, dt.timedelta(seconds=ttl), filename=document.filename
    )
    if url is not None:
        return url
    path = signed_urls.signed_path(scope.url_secret, document.id, ttl)
    return path if scope.base_url is None else scope.base_url + path


async def store_upload(
    objects: ObjectStore, tenant_id: str, upload: Upload, max_bytes: int
) -> StoredObject:
    """Stream an upload into the object store: type by magic bytes, size limited,
    never the whole file in memory. The whole file must open as that type and
    nothing else (no polyglots, no text turning binary), and a PDF is stored
    without metadata or scripts; both are checked in a worker process with CPU,
    memory and time limits (`services.content.worker`).

    A file stored as sent (anything but a PDF) goes to the store under a new
    upload key while the worker checks it, staged so that it is readable only once
    the check passed: a refused file is aborted and leaves nothing behind
    (`ObjectStore.stage_file`). When the API's spool already streamed it to the
    store while the body arrived (`upload_stream`), only the rest is sent. A PDF
    is cleaned into a file first and that file is stored. No upload shares an
    object with another: the row keeps the sha256."""
    source = upload.file
    size = source.seek(0, 2)  # refuse before parsing anything (a PDF is parsed whole)
    if size > max_bytes:
        raise InvalidInput("file", f"is larger than the limit of {max_bytes} bytes")
    source.seek(0)
    head = source.read(SNIFF_BYTES)
    source.seek(0)
    try:
        content_type = sniff_content_type(head, upload.filename)
    except UnsupportedDocument as exc:
        raise InvalidInput("file", str(exc)) from exc

    def put() -> StoredObject:
        with named_spool(source) as spool:
            stream = spool.take_stream()
            if stream is not None and (cleans(content_type) or stream.content_type != content_type):
                stream.abort()  # not what the receiver guessed: store it from the spool
                stream = None
            return store_spool(objects, tenant_id, spool, content_type, max_bytes, stream)

    try:
        return await anyio.to_thread.run_sync(put)
    except UnsupportedDocument as exc:
        raise InvalidInput("file", str(exc)) from exc
    except ObjectTooLarge as exc:
        raise InvalidInput("file", f"is larger than the limit of {max_bytes} bytes") from exc


def upload_stream(
    objects: ObjectStore, tenant_id: str, head: bytes, filename: str
) -> StreamingUpload | None:
    """An upload that sends a file part to the store while the API receives it, for
    a file stored as sent (its first batch, `head`, shows which), on a store that
    streams; `store_upload` takes it over. The key is under `tenant_id`, the
    organisation sending it (the report's tenant is not known before the body is)."""
    try:
        content_type = sniff_content_type(head[:SNIFF_BYTES], filename)
    except UnsupportedDocument:
        return None
    if cleans(content_type):
        return None
    return objects.stream_file(tenant_id, content_type=content_type)


def stored_as_sent(head: bytes, filename: str) -> bool:
    """Whether an upload starting with `head` would be stored as sent (so its sha256,
    kept in the row, is worth computing while it arrives), not cleaned first or
    refused; a guess from the head alone."""
    try:
        return not cleans(sniff_content_type(head[:SNIFF_BYTES], filename))
    except UnsupportedDocument:
        return False


@contextlib.contextmanager
def named_spool(source: BinaryIO) -> Iterator[UploadSpool]:
    """The upload as a named, hashed file: the API's own spool (api/uploads.py) as it
    is, any other file (the web form's) copied into one, hashed on the way."""
    if isinstance(source, UploadSpool):
        yield source
        return
    with UploadSpool(rollover=0) as spool:
        source.seek(0)
        while chunk := source.read(CHUNK_SIZE):
            spool.write(chunk)
        yield spool


def store_spool(
    objects: ObjectStore,
    tenant_id: str,
    spool: UploadSpool,
    content_type: str,
    max_bytes: int,
    stream: StreamingUpload | None = None,
) -> StoredObject:
    """Check a spooled file of `content_type` and store it: cleaned (a PDF), else
    as sent (finishing `stream` when it began sending). Raises UnsupportedDocument
    for a refused file, ObjectTooLarge for a cleaned copy past `max_bytes`."""
    if cleans(content_type):
        return put_cleaned(objects, tenant_id, spool, content_type, max_bytes)
    return put_while_checking(objects, tenant_id, spool, content_type, stream)


def put_cleaned(
    objects: ObjectStore, tenant_id: str, spool: UploadSpool, content_type: str, max_bytes: int
) -> StoredObject:
    """Check and clean in the worker, which writes the cleaned copy to a file (never
    into memory). On a store that streams, that file goes out while the worker
    writes it (`storage.following`), completed only once the check passed; else,
    or should the worker have written over its own bytes, the finished file is
    sent as it is (`ObjectStore.put_file`)."""
    with tempfile.NamedTemporaryFile(prefix="kjede-cleaned-") as cleaned:
        path = Path(cleaned.name)
        upload = objects.stream_file(tenant_id, content_type=content_type)
        if upload is None:
            check_upload(str(spool.path()), cleaned.name, content_type)
            return _put_cleaned_file(objects, tenant_id, path, content_type, max_bytes)
        try:
            with FollowedFile(path, upload) as followed:
                checked = check_upload(str(spool.path()), cleaned.name, content_type)
                sha256, size = followed.finish()
            if size > max_bytes:
                raise ObjectTooLarge(f"upload exceeds {max_bytes} bytes")
        except BaseException:
            upload.abort()
            raise
        if not checked.in_order:  # a part sent may hold bytes written over since
            upload.abort()
            return _put_cleaned_file(objects, tenant_id, path, content_type, max_bytes)
        staged = upload.finish(path, sha256=sha256, size=size)  # nothing left if it fails
        try:
            return staged.commit()
        except BaseException:
            staged.abort()
            raise


def _put_cleaned_file(
    objects: ObjectStore, tenant_id: str, path: Path, content_type: str, max_bytes: int
) -> StoredObject:
    if path.stat().st_size > max_bytes:
        raise ObjectTooLarge(f"upload exceeds {max_bytes} bytes")
    return objects.put_file(tenant_id, path, content_type=content_type)


def put_while_checking(
    objects: ObjectStore,
    tenant_id: str,
    spool: UploadSpool,
    content_type: str,
    stream: StreamingUpload | None = None,
) -> StoredObject:
    """Stage the bytes in the store while the worker checks them (what `stream` has
    not sent yet, or all of them); commit only when the check passed, else abort
    (nothing refused is ever readable, nothing is left)."""
    path = spool.path()
    refused = threading.Event()
    with ThreadPoolExecutor(1, thread_name_prefix="kjede-stage") as pool:
        if stream is not None:
            staging = pool.submit(
                stream.finish, path, sha256=spool.sha256(), size=spool.size, cancelled=refused
            )
        else:
            staging = pool.submit(
                objects.stage_file,
                tenant_id,
                path,
                sha256=spool.sha256(),
                size=spool.size,
                content_type=content_type,
                cancelled=refused,
            )
        try:
            # Stored as sent: the worker writes no cleaned copy (`cleans` is False).
            check_upload(str(path), os.devnull, content_type)
        except BaseException:
            refused.set()
            if stream is not None:
                stream.abort()  # the parts sent while receiving, and any still going
            with contextlib.suppress(Exception):
                staging.result().abort()
            raise
        staged: StagedObject = staging.result()
    try:
        return staged.commit()
    except BaseException:
        staged.abort()
        raise


def new_document(
    report: models.AuditReport, filename: str, stored: StoredObject, classification: Classification
) -> models.Document:
    """The row of an uploaded original stored as `stored`, not yet added to a session."""
    return models.Document(
        report_id=report.id,
        owner_id=report.commissioned_by_id,
        filename=filename[:300],
        content_type=stored.content_type,
        size=stored.size,
        sha256=stored.sha256,
        object_key=stored.key,
        classification=classification,
    )


async def store_renditions(
    objects: ObjectStore,
    report_id: str,
    owner_id: str,
    structures: Mapping[Classification, Mapping[str, Any]],
) -> list[models.Document]:
    """Write the JSON and PDF renditions of each disclosed structure in the owner's
    tenant; return their rows, not yet added to any session."""

    def put_all() -> list[models.Document]:
        documents = []
        for level, structure in structures.items():
            for suffix, content_type, payload in (
                ("json", "application/json", render_json(structure)),
                ("pdf", PDF, render_pdf(structure)),
            ):
                stored = objects.put(owner_id, io.BytesIO(payload), content_type=content_type)
                documents.append(
                    models.Document(
                        report_id=report_id,
                        owner_id=owner_id,
                        filename=f"audit-report-{report_id}-{level.value.lower()}.{suffix}",
                        content_type=content_type,
                        size=stored.size,
                        sha256=stored.sha256,
                        object_key=stored.key,
                        classification=level,
                        is_rendition=True,
                        rendition_clearance=level,
                    )
                )
        return documents

    return await anyio.to_thread.run_sync(put_all)
