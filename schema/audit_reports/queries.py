"""Audit report queries: the visible reports, one page at a time, or one by id."""

from __future__ import annotations

import strawberry

from domain.enums import AuditReportStatus, Requirement, Severity
from schema.audit_reports.types import AuditReport
from schema.context import Info, selected_names
from schema.fields import field
from schema.pagination import DEFAULT_PAGE_SIZE, Connection, connection
from services import audit_reports
from services.audit_reports import ReportFilter


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

    def parse(self) -> ReportFilter:
        return ReportFilter(
            supplier_id=optional_id(self.supplier_id),
            facility_id=optional_id(self.facility_id),
            country=self.country,
            requirement=self.requirement,
            severity=self.severity,
            focus_area_id=optional_id(self.focus_area_id),
            status=self.status,
            text=self.text,
        )


def optional_id(value: strawberry.ID | None) -> str | None:
    return None if value is None else str(value)


@strawberry.type
class AuditReportQueries:
    @field(description="Reports the caller may see, oldest first.")
    async def audit_reports(
        self,
        info: Info,
        filter: AuditReportFilter | None = None,
        first: int | None = DEFAULT_PAGE_SIZE,
        after: str | None = None,
    ) -> Connection[AuditReport]:
        page = await audit_reports.list_reports(
            info.context.scope,
            filter.parse() if filter else None,
            first=first,
            after=after,
            selected=selected_names(info),
        )
        return connection(page, AuditReport.from_disclosed)

    @field(description="One report; NOT_FOUND when absent or not visible to the caller.")
    async def audit_report(self, info: Info, id: strawberry.ID) -> AuditReport | None:
        report = await audit_reports.get_report(info.context.scope, str(id), selected_names(info))
        return AuditReport.from_disclosed(report)
