"""Corrective actions answered once (`domain.corrective_actions`): the audited
supplier uploads evidence and reports progress or completion, the commissioning
body verifies or reopens. Every step is kept as history and read through the
kernel with the report (`authz.records.CORRECTIVE_ACTION_EVENT`): notes at
SHARED, evidence documents RESTRICTED (the supplier reads its own).

Notes are read outside the report's parties (network members, the supplier),
so a note carrying personal data is refused like any shared text.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from authz.disclosure import Disclosed, Relation, disclose, row_values
from authz.policies import Action, Resource
from authz.principal import Principal
from authz.records import AUDIT_REPORT, DOCUMENT
from domain import limits
from domain.corrective_actions import (
    NOTE_LIMIT,
    evidence_since_opened,
    respond,
    verify,
)
from domain.enums import AuditReportStatus, Classification, CorrectiveActionStep
from domain.errors import Conflict, Forbidden, NotFound
from domain.personal_data import find_personal_data, refusal
from domain.text import optional_text, require_text
from services import writes
from services.audit_reports import get_report
from services.documents import DocumentView, Upload, store_upload
from services.report_authoring import visible_row
from services.scope import Scope
from storage import models

# Where the supplier may answer: the report is out (its corrective actions are live).
ANSWERABLE = frozenset({AuditReportStatus.PUBLISHED})


async def _located(
    scope: Scope, finding_id: str
) -> tuple[models.AuditReport, models.CorrectiveAction]:
    """The visible report holding the finding, locked, and its corrective action;
    NOT_FOUND alike whether the finding is missing or invisible."""
    report_id = await scope.session.scalar(
        select(models.Finding.report_id).where(models.Finding.id == finding_id)
    )
    missing = NotFound(f"no finding with id {finding_id} that you may see")
    if report_id is None:
        raise missing
    try:
        report = await visible_row(scope, report_id, for_update=True)
    except NotFound:
        raise missing from None
    action = await scope.session.scalar(
        select(models.CorrectiveAction)
        .where(models.CorrectiveAction.finding_id == finding_id)
        .execution_options(populate_existing=True)
    )
    if action is None:
        raise NotFound(f"finding {finding_id} has no corrective action to answer")
    return report, action


async def _as_supplier(
    scope: Scope, finding_id: str
) -> tuple[Principal, models.AuditReport, models.CorrectiveAction]:
    principal = scope.viewer()
    report, action = await _located(scope, finding_id)
    if AUDIT_REPORT.relation(report, await scope.facts()) is not Relation.SUPPLIER:
        raise Forbidden("only the audited supplier answers a report's corrective actions")
    scope.require(Action.RESPOND, Resource.FINDING, principal.organization_id)
    if report.status not in ANSWERABLE:
        raise Conflict(f"the report is {report.status.value}: its actions are no longer answered")
    return principal, report, action


def _shareable(field: str, text: str | None) -> str | None:
    if text:
        hits = find_personal_data(text)
        if hits:
            raise refusal(field, hits)
    return text


async def _steps(scope: Scope, action_id: str) -> list[tuple[CorrectiveActionStep, list[str]]]:
    event = models.CorrectiveActionEvent
    rows = await scope.session.execute(
        select(event.step, event.evidence_document_ids)
        .where(event.corrective_action_id == action_id)
        .order_by(event.created_at, event.id)
    )
    steps = [(step, list(documents or ())) for step, documents in rows]
    limits.check_room(
        "history entries", "corrective action", len(steps), limits.MAX_CORRECTIVE_ACTION_STEPS
    )
    return steps


def _event(
    principal: Principal,
    action: models.CorrectiveAction,
    step: CorrectiveActionStep,
    note: str | None,
    evidence: list[str],
) -> models.CorrectiveActionEvent:
    return models.CorrectiveActionEvent(
        corrective_action_id=action.id,
        step=step,
        status=action.status,
        note=note,
        evidence_document_ids=evidence,
        organization_id=principal.organization_id,
        user_id=principal.user_id,
        created_at=dt.datetime.now(dt.UTC),
    )


async def respond_to_action(
    scope: Scope, finding_id: str, note: str, done: bool, selected: frozenset[str]
) -> Disclosed:
    """The audited supplier's progress note, or done with the evidence it uploaded."""
    principal, report, action = await _as_supplier(scope, finding_id)
    text = _shareable("note", require_text("note", note, NOTE_LIMIT))
    pending = evidence_since_opened(await _steps(scope, action.id))
    step, action.status = respond(action.status, done=done, has_new_evidence=bool(pending))
    evidence = pending if step is CorrectiveActionStep.DONE else []
    scope.session.add(_event(principal, action, step, text, evidence))
    await scope.commit()
    return await _action_of(scope, report.id, finding_id, selected)


async def verify_action(
    scope: Scope, finding_id: str, accepted: bool, note: str | None, selected: frozenset[str]
) -> Disclosed:
    """The commissioning body verifies a DONE action, or reopens it with a note."""
    principal = scope.viewer()
    report, action = await _located(scope, finding_id)
    if principal.organization_id != report.commissioned_by_id:
        raise Forbidden("only the report's commissioning body verifies its corrective actions")
    scope.require(Action.VERIFY, Resource.FINDING, principal.organization_id)
    text = _shareable("note", optional_text("note", note, NOTE_LIMIT))
    await _steps(scope, action.id)  # room for one more entry
    step, action.status = verify(action.status, accepted=accepted, note=text)
    action.verified_at = dt.datetime.now(dt.UTC) if accepted else None
    scope.session.add(_event(principal, action, step, text, []))
    await scope.commit()
    return await _action_of(scope, report.id, finding_id, selected)


async def _action_of(
    scope: Scope, report_id: str, finding_id: str, selected: frozenset[str]
) -> Disclosed:
    """The corrective action as the caller reads it, through the report's disclosure."""
    report = await get_report(scope, report_id, selected)
    for finding in report["findings"] or ():
        if finding["id"] == finding_id and isinstance(finding["corrective_action"], Disclosed):
            action: Disclosed = finding["corrective_action"]
            return action
    raise NotFound(f"finding {finding_id} has no corrective action you may read")


async def upload_evidence(
    scope: Scope, finding_id: str, upload: Upload, selected: frozenset[str]
) -> DocumentView:
    """The supplier's evidence for one corrective action: a RESTRICTED document under
    the report (the commissioning body reads it; network members never do), and an
    EVIDENCE step naming it. Bytes first, outside the transaction, as every upload."""
    _, report, action = await _as_supplier(scope, finding_id)
    await _room(scope, report.id)
    tenant_id = report.supplier_id
    async with scope.without_connection():
        stored = await store_upload(
            scope.objects, tenant_id, upload, scope.settings.max_upload_bytes
        )
    async with writes.mutation(scope):
        principal, report, action = await _as_supplier(scope, finding_id)
        await _room(scope, report.id)
        respond(action.status, done=False, has_new_evidence=False)  # still answerable
        await _steps(scope, action.id)  # room for one more entry
        if not await scope.still_wanted():
            raise Conflict("the client hung up before the document was attached")
        document = models.Document(
            report_id=report.id,
            owner_id=report.supplier_id,
            filename=upload.filename[:300],
            content_type=stored.content_type,
            size=stored.size,
            sha256=stored.sha256,
            object_key=stored.key,
            classification=Classification.RESTRICTED,
        )
        scope.session.add(document)
        await scope.session.flush()
        scope.session.add(
            _event(principal, action, CorrectiveActionStep.EVIDENCE, None, [document.id])
        )
        await scope.commit()
        cleared = AUDIT_REPORT.clearance(report, await scope.facts())
    if cleared is None:  # pragma: no cover - _as_supplier found the row visible
        raise NotFound(f"no finding with id {finding_id} that you may see")
    # RESTRICTED: the supplier may know its upload landed, not fetch it back here.
    return DocumentView(disclose(row_values(document), DOCUMENT, cleared), None)


async def _room(scope: Scope, report_id: str) -> None:
    originals = [
        d for d in await scope.loaders.reports.documents.load(report_id) if not d.is_rendition
    ]
    limits.check_room("documents", "report", len(originals), limits.MAX_ORIGINALS_PER_REPORT)
