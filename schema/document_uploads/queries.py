"""Where a direct upload stands."""

from __future__ import annotations

import strawberry

from schema.context import Info, selected_names
from schema.document_uploads.types import DocumentUpload
from schema.fields import field
from services import document_uploads


@strawberry.type
class DocumentUploadQueries:
    @field(
        description="One direct upload of your organisation; NOT_FOUND when absent or "
        "begun by another."
    )
    async def document_upload(self, info: Info, id: strawberry.ID) -> DocumentUpload | None:
        view = await document_uploads.get_upload(info.context.scope, str(id), selected_names(info))
        return DocumentUpload.from_view(view)
