"""Audit reports: each viewer sees exactly what its relation to the report allows.

Rows are filtered in SQL (`authz.visibility`); every report leaves through
`present_reports`, which computes the viewer's clearance and redacts through
`authz.redaction.redact_report`, the one redaction path.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any, Self

import strawberry
from sqlalchemy import and_, exists, select

from authz import visibility
from authz.redaction import Redacted, reads_sensitive, redact_report
from domain.audit_reports import Clearance, ReportAccess, clearance
from domain.enums import (
    AuditReportStatus,
    AuditReportType,
    CorrectiveActionStatus,
    Requirement,
    Severity,
    ShareScope,
)
from domain.errors import InvalidInput, NotFound
from domain.orgnumbers import normalize_country
from schema.context import Info, selected_names
from schema.facilities import Facility
from schema.focus_areas import FocusArea
from schema.networks import Network
from schema.organizations import Organization, load_organization
from schema.pagination import DEFAULT_PAGE_SIZE, Connection, paginate
from storage import models

MAX_SEARCH_LENGTH = 200


@strawberry.type
class CorrectiveAction:
    description: str
    due_date: dt.date | None
    status: CorrectiveActionStatus


@strawberry.type
class Finding:
    id: strawberry.ID
    requirement: Requirement
    severity: Severity
    description: str | None = strawberry.field(description="SHARED")
    evidence: str | None = strawberry.field(description="RESTRICTED")
    corrective_action: CorrectiveAction | None

    @classmethod
    def from_redacted(cls, data: dict[str, Any]) -> Self:
        action = data["correctiveAction"]
        return cls(
            id=strawberry.ID(data["id"]),
            requirement=Requirement(data["requirement"]),
            severity=Severity(data["severity"]),
            description=data["description"],
            evidence=data["evidence"],
            corrective_action=CorrectiveAction(
                description=action["description"],
                due_date=dt.date.fromisoformat(action["dueDate"]) if action["dueDate"] else None,
                status=CorrectiveActionStatus(action["status"]),
            )
            if action
            else None,
        )


@strawberry.federation.type(keys=["id"])
class AuditReport:
    id: strawberry.ID
    title: str
    report_type: AuditReportType
    status: AuditReportStatus
    share_scope: ShareScope
    audit_date: dt.date | None
    published_at: dt.datetime | None
    summary: str | None = strawberry.field(description="SHARED")
    commercial_notes: str | None = strawberry.field(description="RESTRICTED")
    worker_interviews: str | None = strawberry.field(description="PERSONAL")
    findings: list[Finding]
    redacted_fields: list[str] = strawberry.field(
        description="Paths withheld from this viewer, e.g. workerInterviews, findings.0.evidence."
    )
    row: strawberry.Private[models.AuditReport]
    clearance: strawberry.Private[Clearance]

    @classmethod
    def from_redacted(cls, row: models.AuditReport, cleared: Clearance, redacted: Redacted) -> Self:
        data = redacted.data
        return cls(
            id=strawberry.ID(row.id),
            title=row.title,
            report_type=row.report_type,
            status=row.status,
            share_scope=row.share_scope,
            audit_date=row.audit_date,
            published_at=row.published_at,
            summary=data["summary"],
            commercial_notes=data["commercialNotes"],
            worker_interviews=data["workerInterviews"],
            findings=[Finding.from_redacted(finding) for finding in data["findings"]],
            redacted_fields=redacted.withheld,
            row=row,
            clearance=cleared,
        )

    @classmethod
    async def resolve_reference(cls, info: Info, id: strawberry.ID) -> AuditReport | None:
        """`_entities` is a second way in: the same row filter and redaction."""
        reports = await fetch_visible(info, [str(id)])
        return reports[0] if reports else None

    @strawberry.field
    async def network(self, info: Info) -> Network | None:
        if self.row.network_id is None:
            return None
        row = await info.context.loaders.network.load(self.row.network_id)
        return Network.from_model(row) if row else None

    @strawberry.field
    async def commissioned_by(self, info: Info) -> Organization:
        return await load_organization(info, self.row.commissioned_by_id)

    @strawberry.field
    async def auditor(self, info: Info) -> Organization | None:
        if self.row.auditor_id is None:
            return None
        return await load_organization(info, self.row.auditor_id)

    @strawberry.field
    async def supplier(self, info: Info) -> Organization:
        return await load_organization(info, self.row.supplier_id)

    @strawberry.field
    async def focus_area(self, info: Info) -> FocusArea | None:
        if self.row.focus_area_id is None:
            return None
        row = await info.context.loaders.reports.focus_area.load(self.row.focus_area_id)
        return FocusArea.from_model(row) if row else None

    @strawberry.field
    async def facilities(self, info: Info) -> list[Facility]:
        rows = await info.context.loaders.reports.facilities.load(self.row.id)
        return [Facility.from_model(row) for row in rows]

    @strawberry.field
    async def documents(self, info: Info) -> list[Document]:
        rows = await info.context.loaders.reports.documents.load(self.row.id)
        return visible_documents(info, self.clearance, rows)


def access_of(row: models.AuditReport) -> ReportAccess:
    return ReportAccess(
        status=row.status,
        share_scope=row.share_scope,
        commissioned_by_id=row.commissioned_by_id,
        auditor_id=row.auditor_id,
        supplier_id=row.supplier_id,
        network_id=row.network_id,
    )


def report_structure(
    row: models.AuditReport,
    findings: Sequence[models.Finding],
    actions: dict[str, models.CorrectiveAction],
) -> dict[str, Any]:
    """The full, unredacted report as plain data (GraphQL names); only ever passed
    to `redact_report`."""
    return {
        "id": row.id,
        "title": row.title,
        "reportType": row.report_type.value,
        "status": row.status.value,
        "shareScope": row.share_scope.value,
        "auditDate": row.audit_date.isoformat() if row.audit_date else None,
        "publishedAt": row.published_at.isoformat() if row.published_at else None,
        "summary": row.summary,
        "commercialNotes": row.commercial_notes,
        "workerInterviews": row.worker_interviews,
        "findings": [
            {
                "id": finding.id,
                "requirement": finding.requirement.value,
                "severity": finding.severity.value,
                "description": finding.description,
                "evidence": finding.evidence,
                "correctiveAction": action_structure(actions.get(finding.id)),
            }
            for finding in findings
        ],
    }


def action_structure(action: models.CorrectiveAction | None) -> dict[str, Any] | None:
    if action is None:
        return None
    return {
        "description": action.description,
        "dueDate": action.due_date.isoformat() if action.due_date else None,
        "status": action.status.value,
    }


async def present_reports(info: Info, rows: Sequence[models.AuditReport]) -> list[AuditReport]:
    """Clearance, redaction and the audit log for a batch of visible rows."""
    context = info.context
    facts = await context.viewer_facts()
    loaders = context.loaders.reports
    findings_per_report = await loaders.findings.load_many([row.id for row in rows])
    finding_ids = [finding.id for findings in findings_per_report for finding in findings]
    actions = {
        action.finding_id: action
        for group in await loaders.corrective_action.load_many(finding_ids)
        for action in group
    }
    reports: list[AuditReport] = []
    for row, findings in zip(rows, findings_per_report, strict=True):
        cleared = clearance(access_of(row), facts)
        if cleared is None:  # the SQL filter already excludes these; never trust one layer
            continue
        redacted = redact_report(report_structure(row, findings, actions), cleared)
        reports.append(AuditReport.from_redacted(row, cleared, redacted))
    selected = selected_names(info)
    for report in reports:
        level = reads_sensitive(selected, report.clearance)
        if level is not None:
            info.context.record_read(level, "audit_report", report.row.id)
    return reports


async def fetch_visible(info: Info, report_ids: Sequence[str]) -> list[AuditReport]:
    facts = await info.context.viewer_facts()
    stmt = select(models.AuditReport).where(
        models.AuditReport.id.in_(report_ids), visibility.visible_reports(facts)
    )
    rows = list((await info.context.session.execute(stmt)).scalars())
    return await present_reports(info, rows)


async def get_visible_row(
    info: Info, report_id: str, *, for_update: bool = False
) -> models.AuditReport:
    """A report the caller may see, else NOT_FOUND (the same answer whether or not
    it exists, so nothing leaks). `for_update` locks the row (PostgreSQL) so two
    lifecycle changes cannot both start from the same status."""
    facts = await info.context.viewer_facts()
    stmt = select(models.AuditReport).where(
        models.AuditReport.id == report_id, visibility.visible_reports(facts)
    )
    row = await info.context.session.scalar(stmt.with_for_update() if for_update else stmt)
    if row is None:
        raise NotFound(f"no audit report with id {report_id} that you may see")
    return row


@strawberry.input
class AuditReportFilter:
    supplier_id: strawberry.ID | None = None
    facility_id: strawberry.ID | None = None
    country: str | None = None
    requirement: Requirement | None = None
    severity: Severity | None = None
    focus_area_id: strawberry.ID | None = None
    status: AuditReportStatus | None = None
    text: str | None = None


async def report_query(info: Info, filter: AuditReportFilter | None) -> Any:
    """The visible reports matching `filter`, as one SQL statement."""
    facts = await info.context.viewer_facts()
    report = models.AuditReport
    stmt = select(report).where(visibility.visible_reports(facts))
    if filter is None:
        return stmt
    if filter.supplier_id is not None:
        stmt = stmt.where(report.supplier_id == str(filter.supplier_id))
    if filter.status is not None:
        stmt = stmt.where(report.status == filter.status)
    if filter.focus_area_id is not None:
        stmt = stmt.where(report.focus_area_id == str(filter.focus_area_id))
    if filter.facility_id is not None or filter.country is not None:
        link, facility = models.AuditReportFacility, models.Facility
        conditions = [link.report_id == report.id]
        if filter.facility_id is not None:
            conditions.append(link.facility_id == str(filter.facility_id))
        if filter.country is not None:
            conditions += [
                facility.id == link.facility_id,
                facility.country == normalize_country(filter.country),
            ]
        stmt = stmt.where(exists(select(link.id).where(and_(*conditions))))
    if filter.requirement is not None or filter.severity is not None:
        finding = models.Finding
        conditions = [finding.report_id == report.id]
        if filter.requirement is not None:
            conditions.append(finding.requirement == filter.requirement)
        if filter.severity is not None:
            conditions.append(finding.severity == filter.severity)
        stmt = stmt.where(exists(select(finding.id).where(and_(*conditions))))
    if filter.text is not None and filter.text.strip():
        if len(filter.text) > MAX_SEARCH_LENGTH:
            raise InvalidInput("filter.text", f"must be at most {MAX_SEARCH_LENGTH} characters")
        stmt = stmt.where(visibility.text_matches(facts, filter.text))
    return stmt


@strawberry.type
class AuditReportQueries:
    @strawberry.field(description="Reports the caller may see, oldest first.")
    async def audit_reports(
        self,
        info: Info,
        filter: AuditReportFilter | None = None,
        first: int | None = DEFAULT_PAGE_SIZE,
        after: str | None = None,
    ) -> Connection[AuditReport]:
        stmt = await report_query(info, filter)

        async def to_nodes(rows: list[models.AuditReport]) -> list[AuditReport]:
            return await present_reports(info, rows)

        return await paginate(
            info.context, stmt, models.AuditReport.id, first=first, after=after, to_nodes=to_nodes
        )

    @strawberry.field(description="One report; NOT_FOUND when absent or not visible to the caller.")
    async def audit_report(self, info: Info, id: strawberry.ID) -> AuditReport | None:
        reports = await fetch_visible(info, [str(id)])
        if not reports:
            raise NotFound(f"no audit report with id {id} that you may see")
        return reports[0]


from schema.documents import Document, visible_documents  # noqa: E402  (mutual reference)
