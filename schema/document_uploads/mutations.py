"""Beginning and finishing a direct upload."""

from __future__ import annotations

import strawberry

from domain.enums import Classification
from schema.context import Info, selected_names
from schema.document_uploads.types import DocumentUpload
from schema.fields import mutation
from services import document_uploads


@strawberry.type
class DocumentUploadMutations:
    @mutation(
        description="Begin attaching a document whose bytes go straight to the object "
        "store (large files: no second hop through the API). Answers an uploadUrl to PUT "
        "the file to; then call finishDocumentUpload.",
        staged=True,
    )
    async def begin_document_upload(
        self,
        info: Info,
        report_id: strawberry.ID,
        filename: str,
        size: int,
        classification: Classification,
    ) -> DocumentUpload:
        view = await document_uploads.begin_upload(
            info.context.scope,
            str(report_id),
            filename,
            size,
            classification,
            selected_names(info),
        )
        return DocumentUpload.from_view(view)

    @mutation(
        description="The file is at the uploadUrl: it is checked (a PDF cleaned) and "
        "attached in the background. Answers at once, CHECKING; read documentUpload "
        "until it is STORED or REFUSED.",
        staged=True,
    )
    async def finish_document_upload(self, info: Info, id: strawberry.ID) -> DocumentUpload:
        view = await document_uploads.finish_upload(
            info.context.scope, str(id), selected_names(info)
        )
        return DocumentUpload.from_view(view)
