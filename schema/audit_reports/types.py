"""GraphQL types of audit reports, findings, corrective actions and documents,
built only from disclosed values (`authz.disclosure.Disclosed`)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any, Self

import strawberry

from authz.disclosure import Disclosed, Policy
from authz.records import AUDIT_REPORT, CORRECTIVE_ACTION, FINDING
from domain.enums import (
    AuditReportStatus,
    AuditReportType,
    Classification,
    CorrectiveActionStatus,
    Requirement,
    Severity,
    ShareScope,
)
from schema.context import Info, selected_names
from schema.corrective_actions.events import CorrectiveActionEvent
from schema.facilities import Facility
from schema.fields import field
from schema.focus_areas import FocusArea
from schema.networks import Network
from schema.organizations import Organization, load_organization
from services import audit_reports, documents
from services.documents import DocumentView


def classified(policy: Policy, name: str) -> Any:
    """A field whose description is its classification, from the policy itself."""
    return strawberry.field(description=policy.fields[name].level.value)


@strawberry.type
class CorrectiveAction:
    description: str = classified(CORRECTIVE_ACTION, "description")
    due_date: dt.date | None = classified(CORRECTIVE_ACTION, "due_date")
    status: CorrectiveActionStatus = classified(CORRECTIVE_ACTION, "status")
    history: list[CorrectiveActionEvent] = classified(CORRECTIVE_ACTION, "history")

    @classmethod
    def from_disclosed(cls, action: Disclosed) -> Self:
        value: Callable[[str], Any] = action.values.get  # thousands a page: no method call each
        return cls(
            description=value("description"),
            due_date=value("due_date"),
            status=value("status"),
            history=[CorrectiveActionEvent.from_disclosed(e) for e in value("history") or ()],
        )


@strawberry.type
class Finding:
    id: strawberry.ID
    requirement: Requirement
    severity: Severity
    description: str | None = classified(FINDING, "description")
    evidence: str | None = classified(FINDING, "evidence")
    corrective_action: CorrectiveAction | None = classified(FINDING, "corrective_action")

    @classmethod
    def from_disclosed(cls, finding: Disclosed) -> Self:
        value: Callable[[str], Any] = finding.values.get
        action = value("corrective_action")
        return cls(
            id=strawberry.ID(value("id")),
            requirement=value("requirement"),
            severity=value("severity"),
            description=value("description"),
            evidence=value("evidence"),
            corrective_action=CorrectiveAction.from_disclosed(action) if action else None,
        )


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
    def from_view(cls, view: DocumentView) -> Self:
        document = view.document
        return cls(
            id=strawberry.ID(document["id"]),
            filename=document["filename"],
            content_type=document["content_type"],
            size=document["size"],
            sha256=document["sha256"],
            classification=document["classification"],
            is_rendition=document["is_rendition"],
            download_url=view.download_url,
        )


REDACTED_FIELDS = "Paths withheld from this viewer, e.g. workerInterviews, findings.0.evidence."


@strawberry.federation.type(keys=["id"])
class AuditReport:
    id: strawberry.ID
    title: str
    report_type: AuditReportType
    status: AuditReportStatus
    share_scope: ShareScope
    audit_date: dt.date | None
    published_at: dt.datetime | None
    summary: str | None = classified(AUDIT_REPORT, "summary")
    commercial_notes: str | None = classified(AUDIT_REPORT, "commercial_notes")
    worker_interviews: str | None = classified(AUDIT_REPORT, "worker_interviews")
    disclosed: strawberry.Private[Disclosed]

    @classmethod
    def from_disclosed(cls, report: Disclosed) -> Self:
        value: Callable[[str], Any] = report.values.get
        return cls(
            id=strawberry.ID(value("id")),
            title=value("title"),
            report_type=value("report_type"),
            status=value("status"),
            share_scope=value("share_scope"),
            audit_date=value("audit_date"),
            published_at=value("published_at"),
            summary=value("summary"),
            commercial_notes=value("commercial_notes"),
            worker_interviews=value("worker_interviews"),
            disclosed=report,
        )

    @strawberry.field
    def findings(self) -> list[Finding]:
        """Built when asked for: a compiled document that selects only what the
        disclosed values hold reads them directly (schema/audit_reports/batched.py)."""
        return [Finding.from_disclosed(finding) for finding in self.disclosed["findings"] or ()]

    @field(description=REDACTED_FIELDS)
    def redacted_fields(self) -> list[str]:
        """Computed when selected: a listing rarely asks for it, and walking a
        report's findings for their withheld paths costs as much as building it."""
        return self.disclosed.all_withheld()

    @classmethod
    async def resolve_reference(cls, info: Info, id: strawberry.ID) -> AuditReport | None:
        """`_entities` is a second way in: the same row filter, disclosure and read log."""
        return (await cls.resolve_references(info, [str(id)]))[0]

    @classmethod
    async def resolve_references(cls, info: Info, ids: list[str]) -> list[Self | None]:
        """Every `_entities` reference to a report at once (schema/entities.py)."""
        reports = await audit_reports.get_reports(info.context.scope, ids, selected_names(info))
        by_id = {str(report["id"]): cls.from_disclosed(report) for report in reports}
        return [by_id.get(report_id) for report_id in ids]

    @strawberry.field
    async def network(self, info: Info) -> Network | None:
        network_id = self.disclosed["network_id"]
        if network_id is None:
            return None
        return await Network.load(info, network_id)

    @strawberry.field
    async def commissioned_by(self, info: Info) -> Organization:
        return await load_organization(info, self.disclosed["commissioned_by_id"])

    @strawberry.field
    async def auditor(self, info: Info) -> Organization | None:
        auditor_id = self.disclosed["auditor_id"]
        return None if auditor_id is None else await load_organization(info, auditor_id)

    @strawberry.field
    async def supplier(self, info: Info) -> Organization:
        return await load_organization(info, self.disclosed["supplier_id"])

    @strawberry.field
    async def focus_area(self, info: Info) -> FocusArea | None:
        focus_area_id = self.disclosed["focus_area_id"]
        return None if focus_area_id is None else await FocusArea.load(info, focus_area_id)

    @strawberry.field
    async def facilities(self, info: Info) -> list[Facility]:
        return await Facility.of_report(info, str(self.id))

    @strawberry.field
    async def documents(self, info: Info) -> list[Document]:
        views = await documents.documents_of(
            info.context.scope, self.disclosed, selected_names(info)
        )
        return [Document.from_view(view) for view in views]
