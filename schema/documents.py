"""Documents of audit reports: uploads, shared renditions and who may fetch what."""

from __future__ import annotations

import datetime as dt
import io
import tempfile
from collections.abc import Sequence
from typing import IO, Any, Self

import anyio.to_thread
import strawberry
from strawberry.file_uploads import Upload

from authz.redaction import document_visible
from domain.audit_reports import Clearance
from domain.enums import Classification
from domain.errors import InvalidInput
from schema.context import Info, selected_names
from storage import models, signed_urls
from storage.documents import (
    PDF,
    SNIFF_BYTES,
    UnsupportedDocument,
    sniff_content_type,
    strip_pdf_metadata,
)
from storage.objects import ObjectStore, ObjectTooLarge, StoredObject
from storage.renditions import render_json, render_pdf

RENDITION_LEVELS = (Classification.SHARED, Classification.PUBLIC)


@strawberry.type
class Document:
    id: strawberry.ID
    filename: str
    content_type: str
    size: int
    sha256: str
    classification: Classification
    is_rendition: bool
    download_url: str | None = strawberry.field(
        description="What this viewer may fetch (a redacted rendition where needed)."
    )

    @classmethod
    def from_model(cls, row: models.Document, download_url: str | None) -> Self:
        return cls(
            id=strawberry.ID(row.id),
            filename=row.filename,
            content_type=row.content_type,
            size=row.size,
            sha256=row.sha256,
            classification=row.classification,
            is_rendition=row.is_rendition,
            download_url=download_url,
        )


def visible_documents(
    info: Info, cleared: Clearance, rows: Sequence[models.Document]
) -> list[Document]:
    """The documents this viewer may fetch; handing out a download URL for a
    RESTRICTED or PERSONAL original is a read, and goes to the audit log."""
    visible = [row for row in rows if document_visible(row, cleared)]
    if "downloadUrl" in selected_names(info):
        for row in visible:
            if row.classification.rank >= Classification.RESTRICTED.rank:
                info.context.record_read(row.classification, "document", row.id)
    return [Document.from_model(row, download_url(info, row)) for row in visible]


def download_url(info: Info, document: models.Document) -> str | None:
    """A presigned S3 URL, or a signed app URL for the local store."""
    context = info.context
    ttl = context.settings.download_url_ttl_seconds
    url = context.objects.presigned_get_url(
        document.object_key, dt.timedelta(seconds=ttl), filename=document.filename
    )
    if url is not None:
        return url
    path = signed_urls.signed_path(context.url_secret, document.id, ttl)
    if context.request is None:
        return path
    return str(context.request.base_url).rstrip("/") + path


async def store_upload(
    objects: ObjectStore, tenant_id: str, upload: Upload, max_bytes: int
) -> tuple[StoredObject, str]:
    """Stream an upload into the object store: type by magic bytes, PDF metadata
    stripped, size limited, never the whole file in memory."""
    source: IO[bytes] = upload.file  # type: ignore[attr-defined]
    filename = str(getattr(upload, "filename", None) or "upload")
    size = source.seek(0, 2)  # refuse before parsing anything (a PDF is parsed whole)
    if size > max_bytes:
        raise InvalidInput("file", f"is larger than the limit of {max_bytes} bytes")
    source.seek(0)
    head = source.read(SNIFF_BYTES)
    source.seek(0)
    try:
        content_type = sniff_content_type(head, filename)
    except UnsupportedDocument as exc:
        raise InvalidInput("file", str(exc)) from exc

    def put() -> StoredObject:
        if content_type == PDF:
            with tempfile.TemporaryFile() as cleaned:
                strip_pdf_metadata(source, cleaned)  # type: ignore[arg-type]
                cleaned.seek(0)
                return objects.put(
                    tenant_id, cleaned, content_type=content_type, max_bytes=max_bytes
                )
        return objects.put(tenant_id, source, content_type=content_type, max_bytes=max_bytes)  # type: ignore[arg-type]

    try:
        stored = await anyio.to_thread.run_sync(put)
    except UnsupportedDocument as exc:
        raise InvalidInput("file", str(exc)) from exc
    except ObjectTooLarge as exc:
        raise InvalidInput("file", f"is larger than the limit of {max_bytes} bytes") from exc
    return stored, filename


async def store_renditions(
    objects: ObjectStore,
    report: models.AuditReport,
    structures: dict[Classification, dict[str, Any]],
) -> list[models.Document]:
    """Write the JSON and PDF renditions of each redacted structure; return their rows."""

    def put_all() -> list[models.Document]:
        documents = []
        for level, structure in structures.items():
            for suffix, content_type, payload in (
                ("json", "application/json", render_json(structure)),
                ("pdf", PDF, render_pdf(structure)),
            ):
                stored = objects.put(
                    report.commissioned_by_id, io.BytesIO(payload), content_type=content_type
                )
                documents.append(
                    models.Document(
                        report_id=report.id,
                        owner_id=report.commissioned_by_id,
                        filename=f"audit-report-{report.id}-{level.value.lower()}.{suffix}",
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
