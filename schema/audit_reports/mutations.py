"""Audit report mutations: parse the input, call the use case, wrap the result."""

from __future__ import annotations

import datetime as dt

import strawberry
from strawberry.file_uploads import Upload

from domain.enums import AuditReportType, Classification, Requirement, Severity, ShareScope
from schema.audit_reports.queries import optional_id
from schema.audit_reports.types import AuditReport, Document, Finding
from schema.context import Info, selected_names
from schema.fields import mutation
from services import report_authoring, report_publishing
from services.documents import Upload as UploadedFile


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
        default=None,
        description="Required when an auditor firm creates the report; the body must "
        "have engaged the firm (engageAuditor).",
    )

    def parse(self) -> report_authoring.ReportInput:
        return report_authoring.ReportInput(
            title=self.title,
            report_type=self.report_type,
            supplier_id=str(self.supplier_id),
            facility_ids=[str(facility_id) for facility_id in self.facility_ids or []],
            auditor_id=optional_id(self.auditor_id),
            network_id=optional_id(self.network_id),
            focus_area_id=optional_id(self.focus_area_id),
            audit_date=self.audit_date,
            summary=self.summary,
            commercial_notes=self.commercial_notes,
            worker_interviews=self.worker_interviews,
            commissioned_by_id=optional_id(self.commissioned_by_id),
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

    def parse(self) -> report_authoring.FindingInput:
        action = self.corrective_action
        return report_authoring.FindingInput(
            requirement=self.requirement,
            severity=self.severity,
            description=self.description,
            evidence=self.evidence,
            corrective_action=report_authoring.CorrectiveActionInput(
                description=action.description, due_date=action.due_date
            )
            if action
            else None,
        )


@strawberry.type
class AuditReportMutations:
    @mutation(description="The commissioning body (or its auditor) starts a DRAFT.")
    async def create_audit_report(self, info: Info, input: AuditReportInput) -> AuditReport:
        report = await report_authoring.create_report(
            info.context.scope, input.parse(), selected_names(info)
        )
        return AuditReport.from_disclosed(report)

    @mutation(description="Add a finding (and its corrective action) to a DRAFT.")
    async def add_finding(
        self, info: Info, report_id: strawberry.ID, input: FindingInput
    ) -> Finding:
        finding = await report_authoring.add_finding(
            info.context.scope, str(report_id), input.parse(), selected_names(info)
        )
        return Finding.from_disclosed(finding)

    @mutation(description="DRAFT → SUBMITTED: the text is final.")
    async def submit_audit_report(self, info: Info, id: strawberry.ID) -> AuditReport:
        report = await report_authoring.submit_report(
            info.context.scope, str(id), selected_names(info)
        )
        return AuditReport.from_disclosed(report)

    # Staged: shared originals are read and renditions written before the write opens.
    @mutation(
        description="SUBMITTED → PUBLISHED with a share scope (or re-scope a PUBLISHED "
        "report); PERSONAL_DATA_DETECTED while text or a document that any viewer "
        "outside the parties (the audited supplier included) reads holds personal data.",
        staged=True,
    )
    async def publish_audit_report(
        self,
        info: Info,
        id: strawberry.ID,
        share_scope: ShareScope,
        network_id: strawberry.ID | None = None,
    ) -> AuditReport:
        report = await report_publishing.publish_report(
            info.context.scope, str(id), share_scope, optional_id(network_id), selected_names(info)
        )
        return AuditReport.from_disclosed(report)

    @mutation(description="PUBLISHED → SUPERSEDED by a newer report on the same supplier.")
    async def supersede_audit_report(
        self, info: Info, id: strawberry.ID, superseded_by_id: strawberry.ID
    ) -> AuditReport:
        report = await report_publishing.supersede_report(
            info.context.scope, str(id), str(superseded_by_id), selected_names(info)
        )
        return AuditReport.from_disclosed(report)

    @mutation(description="SUBMITTED or PUBLISHED → WITHDRAWN: no longer shared.")
    async def withdraw_audit_report(
        self, info: Info, id: strawberry.ID, reason: str | None = None
    ) -> AuditReport:
        report = await report_publishing.withdraw_report(
            info.context.scope, str(id), reason, selected_names(info)
        )
        return AuditReport.from_disclosed(report)

    # Staged: the bytes go to the object store before the write transaction opens.
    @mutation(description="Attach a document (streamed to the object store).", staged=True)
    async def upload_document(
        self, info: Info, report_id: strawberry.ID, file: Upload, classification: Classification
    ) -> Document:
        upload = UploadedFile(
            file=file.file,  # type: ignore[attr-defined]
            filename=str(getattr(file, "filename", None) or "upload"),
        )
        view = await report_authoring.upload_document(
            info.context.scope, str(report_id), upload, classification, selected_names(info)
        )
        return Document.from_view(view)
