"""Reading self-reports: every visible version, and what arrived since."""

from __future__ import annotations

import datetime as dt

import strawberry

from schema.context import Info, selected_names
from schema.fields import field
from schema.pagination import DEFAULT_PAGE_SIZE, Connection, connection
from schema.self_reports.types import SelfReport, SelfReportGrant
from services import self_report_access, self_reports


@strawberry.type
class SelfReportQueries:
    @field(
        description="Self-report versions the caller may read, oldest first: its own "
        "organisation's, those of suppliers it holds an active contract with (public "
        "bodies), and those of suppliers that granted it access."
    )
    async def self_reports(
        self,
        info: Info,
        supplier_id: strawberry.ID | None = None,
        first: int | None = DEFAULT_PAGE_SIZE,
        after: str | None = None,
    ) -> Connection[SelfReport]:
        page = await self_reports.list_self_reports(
            info.context.scope,
            supplier_id=str(supplier_id) if supplier_id is not None else None,
            first=first,
            after=after,
            selected=selected_names(info),
        )
        return connection(page, SelfReport.from_disclosed)

    @field(
        description="Versions the caller may read that arrived after `since`, oldest "
        "first, for clients that poll: pass the last submittedAt you saw."
    )
    async def self_report_changes(self, info: Info, since: dt.datetime) -> list[SelfReport]:
        found = await self_reports.self_report_changes(
            info.context.scope, since, selected_names(info)
        )
        return [SelfReport.from_disclosed(report) for report in found]

    @field(
        description="The organisations the caller's supplier lets read its self-reports "
        "beyond its contracted buyers (unrevoked grants), oldest first."
    )
    async def self_report_grants(
        self, info: Info, first: int | None = DEFAULT_PAGE_SIZE, after: str | None = None
    ) -> Connection[SelfReportGrant]:
        page = await self_report_access.list_grants(info.context.scope, first=first, after=after)
        return connection(page, SelfReportGrant.of)
