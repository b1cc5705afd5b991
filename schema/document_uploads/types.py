"""The `DocumentUpload` type: an upload's disclosed fields and where it stands."""

from __future__ import annotations

import datetime as dt
from typing import Self

import strawberry

from domain.enums import Classification, DocumentUploadStatus
from schema.audit_reports import Document
from services.document_uploads import UploadView


@strawberry.type(
    description="A document on its way: PUT the file to uploadUrl, call "
    "finishDocumentUpload, then read it again until it is STORED (its document) or "
    "REFUSED (refusal says why). Seen only by the organisation that began it."
)
class DocumentUpload:
    id: strawberry.ID
    report_id: strawberry.ID
    filename: str
    size: int = strawberry.field(description="Declared in bytes; the file sent must match.")
    classification: Classification
    status: DocumentUploadStatus
    upload_url: str | None = strawberry.field(
        description="PUT the file's bytes here, with Content-Length: size, until "
        "expiresAt; null once it takes no more bytes."
    )
    expires_at: dt.datetime
    refusal: str | None = strawberry.field(description="Why a REFUSED upload was not stored.")
    document: Document | None = strawberry.field(
        description="The stored document, once STORED (null if above your clearance)."
    )

    @classmethod
    def from_view(cls, view: UploadView) -> Self:
        upload = view.upload
        return cls(
            id=strawberry.ID(upload["id"]),
            report_id=strawberry.ID(upload["report_id"]),
            filename=upload["filename"],
            size=upload["size"],
            classification=upload["classification"],
            status=upload["status"],
            upload_url=view.upload_url,
            expires_at=upload["expires_at"],
            refusal=upload["refusal"],
            document=None if view.document is None else Document.from_view(view.document),
        )
