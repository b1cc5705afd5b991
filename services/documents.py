"""Documents of audit reports: uploads, shared renditions and who may fetch what."""

from __future__ import annotations

import datetime as dt
import io
import shutil
import tempfile
from collections.abc import Mapping, Sequence
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
from services.content.worker import check_upload
from services.scope import Scope
from storage import models, signed_urls
from storage.objects import CHUNK_SIZE, ObjectStore, ObjectTooLarge, StoredObject


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
    memory and time limits (`services.content.worker`)."""
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
        # The worker reads the upload by name (the server's spool has none) and a
        # PDF's cleaned copy is written to a file, never held in memory; the store
        # then sends that file as it is (`ObjectStore.put_file`), without a copy.
        with (
            tempfile.NamedTemporaryFile(prefix="kjede-upload-") as copy,
            tempfile.NamedTemporaryFile(prefix="kjede-cleaned-") as cleaned,
        ):
            shutil.copyfileobj(source, copy, CHUNK_SIZE)
            copy.flush()
            written = check_upload(copy.name, cleaned.name, content_type)
            stored = Path(cleaned.name if written else copy.name)
            if stored.stat().st_size > max_bytes:
                raise ObjectTooLarge(f"upload exceeds {max_bytes} bytes")
            return objects.put_file(tenant_id, stored, content_type=content_type)

    try:
        return await anyio.to_thread.run_sync(put)
    except UnsupportedDocument as exc:
        raise InvalidInput("file", str(exc)) from exc
    except ObjectTooLarge as exc:
        raise InvalidInput("file", f"is larger than the limit of {max_bytes} bytes") from exc


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
