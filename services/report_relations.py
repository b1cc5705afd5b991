"""Relations of a page of disclosed reports, each in one batch (the compiled
executor's batchers, schema/audit_reports/batched.py): the same loaders, views,
visibility checks and read log as the per-report resolvers, called once per page."""

from __future__ import annotations

from collections.abc import Sequence

from authz.disclosure import Disclosed
from services.documents import DocumentView, present_documents
from services.facilities import FacilityView, facility_view
from services.scope import Scope


async def facilities_of_reports(
    scope: Scope, report_ids: Sequence[str]
) -> list[list[FacilityView]]:
    """`facilities.facilities_of_report` for every id, in order."""
    groups = await scope.loaders.reports.facilities.load_many(list(report_ids))
    return [[facility_view(row) for row in rows] for rows in groups]


async def documents_of_reports(
    scope: Scope, reports: Sequence[Disclosed], selected: frozenset[str]
) -> list[list[DocumentView]]:
    """`documents.documents_of` for every report, in order (reads logged in that order)."""
    groups = await scope.loaders.reports.documents.load_many([str(r["id"]) for r in reports])
    return [
        present_documents(scope, report.clearance, rows, selected)
        for report, rows in zip(reports, groups, strict=True)
    ]
