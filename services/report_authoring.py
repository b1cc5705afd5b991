"""Writing audit reports: create, add findings, submit, upload.

The commissioning body writes its own reports; an auditor firm writes only for
bodies that engaged it (`services.engagements`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import func, select

from authz.disclosure import Disclosed, disclose, row_filter, row_values
from authz.policies import Action, Resource
from authz.records import AUDIT_REPORT, DOCUMENT
from domain import audit_reports as rules
from domain import limits
from domain.enums import (
    PUBLIC_SECTOR,
    AuditReportType,
    Classification,
    OrganizationKind,
    Requirement,
    Severity,
)
from domain.errors import Conflict, Forbidden, InvalidInput, NotFound
from domain.text import TEXT_LIMIT, optional_text, require_text
from services import coordination, engagements, writes
from services.audit_reports import REPORT_COLUMNS, get_report
from services.documents import (
    DocumentView,
    Upload,
    new_document,
    present_documents,
    store_upload,
)
from services.scope import Scope
from storage import models
from storage.objects import StoredObject


@dataclass(frozen=True)
class ReportInput:
    title: str
    report_type: AuditReportType
    supplier_id: str
    facility_ids: Sequence[str] = ()
    auditor_id: str | None = None
    network_id: str | None = None
    focus_area_id: str | None = None
    audit_date: dt.date | None = None
    summary: str | None = None
    commercial_notes: str | None = None
    worker_interviews: str | None = None
    commissioned_by_id: str | None = None


@dataclass(frozen=True)
class CorrectiveActionInput:
    description: str
    due_date: dt.date | None = None


@dataclass(frozen=True)
class FindingInput:
    requirement: Requirement
    severity: Severity
    description: str | None = None
    evidence: str | None = None
    corrective_action: CorrectiveActionInput | None = None


async def organization_of_kind(
    scope: Scope, organization_id: str, field: str, kinds: frozenset[OrganizationKind]
) -> models.Organization:
    row = await scope.loaders.organization.load(organization_id)
    if row is None:
        raise InvalidInput(field, f"no organisation with id {organization_id}")
    if row.kind not in kinds:
        names = " or ".join(sorted(kind.value for kind in kinds))
        raise InvalidInput(field, f"must be an organisation of kind {names}, not {row.kind.value}")
    return row


async def require_network(scope: Scope, network_id: str, field: str) -> models.Network:
    network = await scope.loaders.network.load(network_id)
    if network is None:
        raise InvalidInput(field, f"no network with id {network_id}")
    return network


async def visible_row(
    scope: Scope, report_id: str, *, for_update: bool = False
) -> models.AuditReport:
    """A report the caller may see, else NOT_FOUND (the same answer whether or not
    it exists, so nothing leaks). `for_update` locks the row (PostgreSQL) so two
    lifecycle changes cannot both start from the same status."""
    stmt = select(models.AuditReport).where(
        models.AuditReport.id == report_id,
        row_filter(AUDIT_REPORT, await scope.facts(), REPORT_COLUMNS),
    )
    if for_update:  # and read afresh, not from the session's identity map
        stmt = stmt.with_for_update().execution_options(populate_existing=True)
    row = await scope.session.scalar(stmt)
    if row is None:
        raise NotFound(f"no audit report with id {report_id} that you may see")
    return row


async def party_row(
    scope: Scope,
    report_id: str,
    action: Action,
    resource: Resource = Resource.AUDIT_REPORT,
    *,
    commissioner_only: bool = False,
) -> models.AuditReport:
    """The report, if the caller's organisation commissioned it or is its engaged
    auditor and its role allows ACTION; NOT_FOUND when it cannot see it at all.

    Sharing decisions (publish, supersede, withdraw) are the commissioning body's
    alone: an auditor firm writes and submits, it never shares in a body's name."""
    principal = scope.viewer()
    row = await visible_row(scope, report_id, for_update=True)
    parties = (
        (row.commissioned_by_id,) if commissioner_only else (row.commissioned_by_id, row.auditor_id)
    )
    if principal.organization_id not in parties:
        who = "commissioning body" if commissioner_only else "commissioning body or its auditor"
        raise Forbidden(f"only the report's {who} may {action.value} it")
    scope.require(action, resource, principal.organization_id)
    if principal.organization_id != row.commissioned_by_id:
        await engagements.require_engagement(
            scope, body_id=row.commissioned_by_id, supplier_id=row.supplier_id, report_id=row.id
        )
    return row


async def create_report(scope: Scope, data: ReportInput, selected: frozenset[str]) -> Disclosed:
    """The commissioning body (or an auditor firm it engaged) starts a DRAFT."""
    principal = scope.require(Action.CREATE, Resource.AUDIT_REPORT)
    supplier = await organization_of_kind(
        scope, data.supplier_id, "supplierId", frozenset({OrganizationKind.SUPPLIER})
    )
    if principal.organization_kind is OrganizationKind.AUDITOR:
        if data.commissioned_by_id is None:
            raise InvalidInput("commissionedById", "an auditor names the body that commissioned it")
        commissioner = await organization_of_kind(
            scope, data.commissioned_by_id, "commissionedById", PUBLIC_SECTOR
        )
        await engagements.require_engagement(
            scope, body_id=commissioner.id, supplier_id=supplier.id, report_id=None
        )
        auditor_id: str | None = principal.organization_id
    elif principal.organization_kind in PUBLIC_SECTOR:
        commissioner = await organization_of_kind(
            scope, principal.organization_id, "commissionedById", PUBLIC_SECTOR
        )
        auditor_id = None
        if data.auditor_id is not None:
            auditor = await organization_of_kind(
                scope, data.auditor_id, "auditorId", frozenset({OrganizationKind.AUDITOR})
            )
            auditor_id = auditor.id
    else:
        raise Forbidden("audit reports are written by public bodies and their auditors")
    session = scope.session
    facility_ids = sorted(set(data.facility_ids))
    limits.check_at_most(
        "facilityIds", "facilities", len(facility_ids), limits.MAX_FACILITIES_PER_REPORT
    )
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
    if data.network_id is not None:
        await require_network(scope, data.network_id, "networkId")
    if data.focus_area_id is not None:  # only its responsible body commissions under it
        await coordination.check_commission(scope, data.focus_area_id, commissioner.id)
    row = models.AuditReport(
        title=require_text("title", data.title),
        report_type=data.report_type,
        commissioned_by_id=commissioner.id,
        auditor_id=auditor_id,
        supplier_id=supplier.id,
        network_id=data.network_id,
        focus_area_id=data.focus_area_id,
        audit_date=data.audit_date,
        summary=optional_text("summary", data.summary),
        commercial_notes=optional_text("commercialNotes", data.commercial_notes),
        worker_interviews=optional_text("workerInterviews", data.worker_interviews),
        created_by_user_id=principal.user_id,
    )
    session.add(row)
    await session.flush()
    session.add_all(
        models.AuditReportFacility(report_id=row.id, facility_id=facility_id)
        for facility_id in facility_ids
    )
    if auditor_id is not None and principal.organization_kind in PUBLIC_SECTOR:
        await engagements.engage_for_report(scope, auditor_id=auditor_id, report_id=row.id)
    await scope.commit()
    return await get_report(scope, row.id, selected)


async def add_finding(
    scope: Scope, report_id: str, data: FindingInput, selected: frozenset[str]
) -> Disclosed:
    """Add a finding (and its corrective action) to a DRAFT; returns the finding."""
    row = await party_row(scope, report_id, Action.CREATE, Resource.FINDING)
    rules.require_editable(row.status)
    session = scope.session
    # The next number, read under the report's row lock (PostgreSQL) or the write
    # lock (SQLite); ux_findings_report_position catches anything that slips by.
    last = await session.scalar(
        select(func.max(models.Finding.position)).where(models.Finding.report_id == row.id)
    )
    position = 0 if last is None else last + 1
    limits.check_room("findings", "report", position, limits.MAX_FINDINGS_PER_REPORT)
    finding = models.Finding(
        report_id=row.id,
        position=position,
        requirement=data.requirement,
        severity=data.severity,
        description=optional_text("description", data.description),
        evidence=optional_text("evidence", data.evidence),
    )
    session.add(finding)
    await session.flush()
    if data.corrective_action is not None:
        session.add(
            models.CorrectiveAction(
                finding_id=finding.id,
                description=require_text(
                    "correctiveAction.description", data.corrective_action.description, TEXT_LIMIT
                ),
                due_date=data.corrective_action.due_date,
            )
        )
    finding_id = finding.id
    await scope.commit()
    report = await get_report(scope, row.id, selected)
    findings: tuple[Disclosed, ...] = report["findings"] or ()
    return next(found for found in findings if found["id"] == finding_id)


async def submit_report(scope: Scope, report_id: str, selected: frozenset[str]) -> Disclosed:
    """DRAFT → SUBMITTED: the text is final."""
    row = await party_row(scope, report_id, Action.SUBMIT)
    row.status = rules.transition(row.status, "submit")
    await scope.commit()
    return await get_report(scope, row.id, selected)


async def upload_document(
    scope: Scope,
    report_id: str,
    upload: Upload,
    classification: Classification,
    selected: frozenset[str],
) -> DocumentView:
    """Attach a document, in two steps. The bytes go to the object store (in the
    body's tenant) first, while the request holds no database connection; then
    one write checks everything again and commits the row. A row therefore never
    names a missing object; an object whose row does not commit (a refusal, an
    outage, a client that hung up) is an orphan for `kjede objects sweep`."""
    row = await writable_for_upload(scope, report_id)  # refuse early, before any byte moves
    tenant_id = row.commissioned_by_id
    async with scope.without_connection():
        stored = await store_upload(
            scope.objects, tenant_id, upload, scope.settings.max_upload_bytes
        )
    async with writes.mutation(scope):
        row = await writable_for_upload(scope, report_id)
        cleared = AUDIT_REPORT.clearance(row, await scope.facts())
        if not await scope.still_wanted():
            raise Conflict("the client hung up before the document was attached")
        document = await attach_document(scope, row, upload, stored, classification)
    if cleared is None:  # pragma: no cover - party_row found the row visible
        raise NotFound(f"no audit report with id {report_id} that you may see")
    views = present_documents(scope, cleared, [document], selected, own_upload=True)
    if views:
        return views[0]
    # Above the uploader's own clearance (PERSONAL without the role): it may know
    # the upload landed, not fetch it back.
    return DocumentView(disclose(row_values(document), DOCUMENT, cleared), None)


async def writable_for_upload(scope: Scope, report_id: str) -> models.AuditReport:
    row = await party_row(scope, report_id, Action.UPLOAD, Resource.DOCUMENT)
    originals = [
        d for d in await scope.loaders.reports.documents.load(row.id) if not d.is_rendition
    ]
    rules.require_attachable(row.status, len(originals))
    return row


async def attach_document(
    scope: Scope,
    row: models.AuditReport,
    upload: Upload,
    stored: StoredObject,
    classification: Classification,
) -> models.Document:
    document = new_document(row, upload.filename, stored, classification)
    scope.session.add(document)
    await scope.commit()
    return document
