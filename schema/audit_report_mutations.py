"""Writing audit reports: create, add findings, submit, publish, supersede, withdraw, upload."""

from __future__ import annotations

import datetime as dt
import tempfile
from typing import Any

import anyio.to_thread
import strawberry
from sqlalchemy import delete, select
from strawberry.file_uploads import Upload

from authz.policies import Action, Resource
from authz.redaction import redact_report, shared_texts
from domain import audit_reports as rules
from domain.audit_reports import Clearance, Relation
from domain.enums import (
    AuditReportStatus,
    AuditReportType,
    Classification,
    OrganizationKind,
    Requirement,
    Severity,
    ShareScope,
)
from domain.errors import Conflict, DomainError, Forbidden, InvalidInput
from domain.networks import is_member
from domain.personal_data import describe, find_personal_data
from domain.text import TEXT_LIMIT, optional_text, require_text
from schema.audit_reports import (
    AuditReport,
    Finding,
    fetch_visible,
    get_visible_row,
    report_structure,
)
from schema.context import Info
from schema.documents import Document, download_url, store_renditions, store_upload
from schema.transactions import transactional_mutation
from storage import audit_log, models
from storage.documents import UnsupportedDocument, extract_text, requires_review
from storage.objects import ObjectStore


class PersonalDataDetected(DomainError):
    code = "PERSONAL_DATA_DETECTED"


@strawberry.input
class AuditReportInput:
    title: str
    report_type: AuditReportType
    supplier_id: strawberry.ID
    facility_ids: list[strawberry.ID] | None = None
    auditor_id: strawberry.ID | None = None
    network_id: strawberry.ID | None = None
    focus_area_id: strawberry.ID | None = None
    audit_date: dt.date | None = None
    summary: str | None = None
    commercial_notes: str | None = None
    worker_interviews: str | None = None
    commissioned_by_id: strawberry.ID | None = strawberry.field(
        default=None, description="Required when an auditor firm creates the report."
    )


@strawberry.input
class CorrectiveActionInput:
    description: str
    due_date: dt.date | None = None


@strawberry.input
class FindingInput:
    requirement: Requirement
    severity: Severity
    description: str | None = None
    evidence: str | None = None
    corrective_action: CorrectiveActionInput | None = None


async def organization_of_kind(
    info: Info, organization_id: str, field: str, kinds: set[OrganizationKind]
) -> models.Organization:
    row = await info.context.loaders.organization.load(organization_id)
    if row is None:
        raise InvalidInput(field, f"no organisation with id {organization_id}")
    if row.kind not in kinds:
        names = " or ".join(sorted(kind.value for kind in kinds))
        raise InvalidInput(field, f"must be an organisation of kind {names}, not {row.kind.value}")
    return row


async def party_row(
    info: Info,
    report_id: str,
    action: Action,
    resource: Resource = Resource.AUDIT_REPORT,
    *,
    commissioner_only: bool = False,
) -> models.AuditReport:
    """The report, if the caller's organisation commissioned or authored it and its
    role allows ACTION; NOT_FOUND when the caller cannot see it at all.

    Sharing decisions (publish, supersede, withdraw) are the commissioning body's
    alone: an auditor firm writes and submits, it never shares in a body's name."""
    principal = info.context.viewer()
    row = await get_visible_row(info, report_id, for_update=True)
    parties = (
        (row.commissioned_by_id,)
        if commissioner_only
        else (
            row.commissioned_by_id,
            row.auditor_id,
        )
    )
    if principal.organization_id not in parties:
        who = "commissioning body" if commissioner_only else "commissioning body or its auditor"
        raise Forbidden(f"only the report's {who} may {action.value} it")
    info.context.require(action, resource, principal.organization_id)
    return row


async def presented(info: Info, report_id: str) -> AuditReport:
    reports = await fetch_visible(info, [report_id])
    return reports[0]


@strawberry.type
class AuditReportMutations:
    @transactional_mutation(description="The commissioning body (or its auditor) starts a DRAFT.")
    async def create_audit_report(self, info: Info, input: AuditReportInput) -> AuditReport:
        principal = info.context.require(Action.CREATE, Resource.AUDIT_REPORT)
        public_sector = {OrganizationKind.PUBLIC_BODY, OrganizationKind.COORDINATOR}
        if principal.organization_kind is OrganizationKind.AUDITOR:
            if input.commissioned_by_id is None:
                raise InvalidInput(
                    "commissionedById", "an auditor names the body that commissioned it"
                )
            commissioner = await organization_of_kind(
                info, str(input.commissioned_by_id), "commissionedById", public_sector
            )
            auditor_id: str | None = principal.organization_id
        elif principal.organization_kind in public_sector:
            commissioner = await organization_of_kind(
                info, principal.organization_id, "commissionedById", public_sector
            )
            auditor_id = None
            if input.auditor_id is not None:
                auditor = await organization_of_kind(
                    info, str(input.auditor_id), "auditorId", {OrganizationKind.AUDITOR}
                )
                auditor_id = auditor.id
        else:
            raise Forbidden("audit reports are written by public bodies and their auditors")
        supplier = await organization_of_kind(
            info, str(input.supplier_id), "supplierId", {OrganizationKind.SUPPLIER}
        )
        session = info.context.session
        facility_ids = sorted({str(facility_id) for facility_id in input.facility_ids or []})
        if facility_ids:
            found = set(
                (
                    await session.execute(
                        select(models.Facility.id).where(models.Facility.id.in_(facility_ids))
                    )
                ).scalars()
            )
            missing = [facility_id for facility_id in facility_ids if facility_id not in found]
            if missing:
                raise InvalidInput("facilityIds", f"unknown facility ids: {', '.join(missing)}")
        if input.network_id is not None:
            await require_network(info, str(input.network_id), "networkId")
        if input.focus_area_id is not None and (
            await session.get(models.FocusArea, str(input.focus_area_id)) is None
        ):
            raise InvalidInput("focusAreaId", f"no focus area with id {input.focus_area_id}")
        row = models.AuditReport(
            title=require_text("title", input.title),
            report_type=input.report_type,
            commissioned_by_id=commissioner.id,
            auditor_id=auditor_id,
            supplier_id=supplier.id,
            network_id=str(input.network_id) if input.network_id else None,
            focus_area_id=str(input.focus_area_id) if input.focus_area_id else None,
            audit_date=input.audit_date,
            summary=optional_text("summary", input.summary),
            commercial_notes=optional_text("commercialNotes", input.commercial_notes),
            worker_interviews=optional_text("workerInterviews", input.worker_interviews),
            created_by_user_id=principal.user_id,
        )
        session.add(row)
        await session.flush()
        session.add_all(
            models.AuditReportFacility(report_id=row.id, facility_id=facility_id)
            for facility_id in facility_ids
        )
        await info.context.commit()
        return await presented(info, row.id)

    @transactional_mutation(description="Add a finding (and its corrective action) to a DRAFT.")
    async def add_finding(
        self, info: Info, report_id: strawberry.ID, input: FindingInput
    ) -> Finding:
        row = await party_row(info, str(report_id), Action.CREATE, Resource.FINDING)
        rules.require_editable(row.status)
        session = info.context.session
        position = len(await info.context.loaders.reports.findings.load(row.id))
        finding = models.Finding(
            report_id=row.id,
            position=position,
            requirement=input.requirement,
            severity=input.severity,
            description=optional_text("description", input.description),
            evidence=optional_text("evidence", input.evidence),
        )
        session.add(finding)
        await session.flush()
        if input.corrective_action is not None:
            session.add(
                models.CorrectiveAction(
                    finding_id=finding.id,
                    description=require_text(
                        "correctiveAction.description",
                        input.corrective_action.description,
                        TEXT_LIMIT,
                    ),
                    due_date=input.corrective_action.due_date,
                )
            )
        await info.context.commit()
        report = await presented(info, row.id)
        return next(f for f in report.findings if f.id == finding.id)

    @transactional_mutation(description="DRAFT → SUBMITTED: the text is final.")
    async def submit_audit_report(self, info: Info, id: strawberry.ID) -> AuditReport:
        row = await party_row(info, str(id), Action.SUBMIT)
        row.status = rules.transition(row.status, "submit")
        await info.context.commit()
        return await presented(info, row.id)

    @transactional_mutation(
        description="SUBMITTED → PUBLISHED with a share scope (or re-scope a PUBLISHED "
        "report); PERSONAL_DATA_DETECTED while shared text holds personal data."
    )
    async def publish_audit_report(
        self,
        info: Info,
        id: strawberry.ID,
        share_scope: ShareScope,
        network_id: strawberry.ID | None = None,
    ) -> AuditReport:
        row = await party_row(info, str(id), Action.PUBLISH, commissioner_only=True)
        action = "reshare" if row.status is AuditReportStatus.PUBLISHED else "publish"
        new_status = rules.transition(row.status, action)
        rules.check_share(share_scope, str(network_id) if network_id else None)
        if network_id is not None:
            await require_participant(info, str(network_id), row.commissioned_by_id)
        structure = await full_structure(info, row)
        if share_scope is not ShareScope.PRIVATE:
            await guard_personal_data(info, row, structure)
        previous = (row.share_scope, row.network_id)
        row.status = new_status
        row.share_scope = share_scope
        row.network_id = str(network_id) if network_id else None
        row.published_at = row.published_at or models.utcnow()
        structure.update(status=row.status.value, shareScope=share_scope.value)
        structure["publishedAt"] = row.published_at.isoformat()
        await replace_renditions(info, row, structure)
        await record_share_change(info, row, previous)
        await info.context.commit()
        return await presented(info, row.id)

    @transactional_mutation(
        description="PUBLISHED → SUPERSEDED by a newer report on the same supplier."
    )
    async def supersede_audit_report(
        self, info: Info, id: strawberry.ID, superseded_by_id: strawberry.ID
    ) -> AuditReport:
        row = await party_row(info, str(id), Action.SUPERSEDE, commissioner_only=True)
        newer = await party_row(
            info, str(superseded_by_id), Action.SUPERSEDE, commissioner_only=True
        )
        if newer.id == row.id or newer.supplier_id != row.supplier_id:
            raise InvalidInput("supersededById", "must be another report on the same supplier")
        if newer.status not in (AuditReportStatus.SUBMITTED, AuditReportStatus.PUBLISHED):
            raise InvalidInput("supersededById", "the newer report must be SUBMITTED or PUBLISHED")
        row.status = rules.transition(row.status, "supersede")
        newer.supersedes_id = row.id
        await record_share_change(info, row, (row.share_scope, row.network_id), "superseded")
        await info.context.commit()
        return await presented(info, row.id)

    @transactional_mutation(description="SUBMITTED or PUBLISHED → WITHDRAWN: no longer shared.")
    async def withdraw_audit_report(
        self, info: Info, id: strawberry.ID, reason: str | None = None
    ) -> AuditReport:
        row = await party_row(info, str(id), Action.WITHDRAW, commissioner_only=True)
        row.status = rules.transition(row.status, "withdraw")
        await record_share_change(
            info,
            row,
            (row.share_scope, row.network_id),
            "withdrawn",
            reason=optional_text("reason", reason, limit=2_000),
        )
        await info.context.commit()
        return await presented(info, row.id)

    @transactional_mutation(description="Attach a document (streamed to the object store).")
    async def upload_document(
        self, info: Info, report_id: strawberry.ID, file: Upload, classification: Classification
    ) -> Document:
        row = await party_row(info, str(report_id), Action.UPLOAD, Resource.DOCUMENT)
        if row.status not in (AuditReportStatus.DRAFT, AuditReportStatus.SUBMITTED):
            raise Conflict(f"documents cannot be added to a {row.status.value} report")
        stored, filename = await store_upload(
            info.context.objects,
            row.commissioned_by_id,
            file,
            info.context.settings.max_upload_bytes,
        )
        document = models.Document(
            report_id=row.id,
            owner_id=row.commissioned_by_id,
            filename=filename[:300],
            content_type=stored.content_type,
            size=stored.size,
            sha256=stored.sha256,
            object_key=stored.key,
            classification=classification,
        )
        info.context.session.add(document)
        await info.context.commit()
        return Document.from_model(document, download_url(info, document))


async def require_network(info: Info, network_id: str, field: str) -> models.Network:
    network = await info.context.loaders.network.load(network_id)
    if network is None:
        raise InvalidInput(field, f"no network with id {network_id}")
    return network


async def require_participant(info: Info, network_id: str, organization_id: str) -> None:
    network = await require_network(info, network_id, "networkId")
    participants = await info.context.loaders.network_participants.load(network.id)
    members = {p.organization_id for p in participants if is_member(network.kind, p.signed_at)} | {
        network.lead_id
    }
    if organization_id not in members:
        raise InvalidInput("networkId", "the commissioning body is not a member of that network")


async def full_structure(info: Info, row: models.AuditReport) -> dict[str, Any]:
    """The unredacted report with names of related organisations and facilities,
    as the renditions print it."""
    loaders = info.context.loaders
    findings = await loaders.reports.findings.load(row.id)
    groups = await loaders.reports.corrective_action.load_many([f.id for f in findings])
    actions = {action.finding_id: action for group in groups for action in group}
    structure = report_structure(row, findings, actions)
    names = await loaders.organization.load_many(
        [row.commissioned_by_id, row.supplier_id, row.auditor_id or row.supplier_id]
    )
    structure["commissionedBy"] = {"name": names[0].name if names[0] else ""}
    structure["supplier"] = {"name": names[1].name if names[1] else ""}
    structure["auditor"] = {"name": names[2].name} if row.auditor_id and names[2] else None
    facilities = await loaders.reports.facilities.load(row.id)
    structure["facilities"] = [
        {"name": f.name, "country": f.country, "address": f.address} for f in facilities
    ]
    return structure


async def guard_personal_data(
    info: Info, row: models.AuditReport, structure: dict[str, Any]
) -> None:
    for path, text in shared_texts(structure):
        hits = find_personal_data(text)
        if hits:
            raise PersonalDataDetected(f"{path} {describe(hits)}", field=path)
    documents = await info.context.loaders.reports.documents.load(row.id)
    for index, document in enumerate(documents):
        if document.is_rendition or document.classification.rank > Classification.SHARED.rank:
            continue
        unreadable, text = await anyio.to_thread.run_sync(
            scan_document, info.context.objects, document
        )
        hits = find_personal_data(text)
        if unreadable or hits:
            reason = unreadable or f"{describe(hits)}; reclassify it as RESTRICTED or clean it"
            raise PersonalDataDetected(
                f"document {document.filename}: {reason}", field=f"documents.{index}"
            )


def scan_document(objects: ObjectStore, document: models.Document) -> tuple[str | None, str]:
    """The text of a shared document, and why it cannot be checked when it cannot
    (an image, a scanned PDF): such a document is never shared unchecked."""
    with tempfile.SpooledTemporaryFile(max_size=8 * 1024 * 1024) as copy:
        for chunk in objects.open(document.object_key):
            copy.write(chunk)
        copy.seek(0)
        try:
            text = extract_text(document.content_type, copy)  # type: ignore[arg-type]
        except UnsupportedDocument as exc:
            return str(exc), ""
    return requires_review(document.content_type, text), text


async def replace_renditions(
    info: Info, row: models.AuditReport, structure: dict[str, Any]
) -> None:
    """Regenerate the shared renditions from the redacted structure of each level."""
    levels = {
        Classification.SHARED: Clearance(Classification.SHARED, Relation.SCOPE_MEMBER),
        Classification.PUBLIC: Clearance(Classification.PUBLIC, Relation.PUBLIC),
    }
    redacted = {level: redact_report(structure, cleared).data for level, cleared in levels.items()}
    session = info.context.session
    await session.execute(
        delete(models.Document).where(
            models.Document.report_id == row.id, models.Document.is_rendition.is_(True)
        )
    )
    session.add_all(await store_renditions(info.context.objects, row, redacted))


async def record_share_change(
    info: Info,
    row: models.AuditReport,
    previous: tuple[ShareScope, str | None],
    action: str = "share_changed",
    **extra: Any,
) -> None:
    principal = info.context.viewer()
    detail: dict[str, Any] = {
        "from": {"scope": previous[0].value, "networkId": previous[1]},
        "to": {"scope": row.share_scope.value, "networkId": row.network_id},
        "status": row.status.value,
        **{key: value for key, value in extra.items() if value is not None},
    }
    await audit_log.append(
        info.context.session,
        [
            audit_log.AuditEvent(
                action=action,
                subject_type="audit_report",
                subject_id=row.id,
                actor_user_id=principal.user_id,
                actor_org_id=principal.organization_id,
                detail=detail,
            )
        ],
    )
