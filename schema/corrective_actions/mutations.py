"""Answering and verifying corrective actions."""

from __future__ import annotations

import strawberry
from strawberry.file_uploads import Upload

from schema.audit_reports import CorrectiveAction, Document
from schema.context import Info, selected_names
from schema.fields import mutation
from services import corrective_actions
from services.documents import Upload as UploadedFile


@strawberry.type
class CorrectiveActionMutations:
    @mutation(
        description="The audited supplier answers a corrective action of a published "
        "report: a progress note, or done (with evidence uploaded first by "
        "uploadCorrectiveActionEvidence). Read by every body that sees the report."
    )
    async def respond_to_corrective_action(
        self, info: Info, finding_id: strawberry.ID, note: str, done: bool
    ) -> CorrectiveAction:
        action = await corrective_actions.respond_to_action(
            info.context.scope, str(finding_id), note, done, selected_names(info)
        )
        return CorrectiveAction.from_disclosed(action)

    @mutation(
        description="The commissioning body verifies a DONE corrective action "
        "(accepted: VERIFIED) or reopens it with a note saying what is missing."
    )
    async def verify_corrective_action(
        self, info: Info, finding_id: strawberry.ID, accepted: bool, note: str | None = None
    ) -> CorrectiveAction:
        action = await corrective_actions.verify_action(
            info.context.scope, str(finding_id), accepted, note, selected_names(info)
        )
        return CorrectiveAction.from_disclosed(action)

    @mutation(
        description="The audited supplier uploads evidence for a corrective action: "
        "stored RESTRICTED under the report (the commissioning body reads it, network "
        "members never do).",
        staged=True,
    )
    async def upload_corrective_action_evidence(
        self, info: Info, finding_id: strawberry.ID, file: Upload
    ) -> Document:
        upload = UploadedFile(
            file=file.file,  # type: ignore[attr-defined]
            filename=str(getattr(file, "filename", None) or "upload"),
        )
        view = await corrective_actions.upload_evidence(
            info.context.scope, str(finding_id), upload, selected_names(info)
        )
        return Document.from_view(view)
