"""Relations of a page of disclosed reports, each in one statement (the compiled
executor's batchers, schema/audit_reports/batched.py): the same views, visibility
checks and read log as the per-report resolvers, without a DataLoader future per
key and, for facilities, without ORM objects."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from typing import Any

from sqlalchemy import select

from authz.disclosure import Disclosed
from services.documents import DocumentView, present_documents
from services.facilities import FacilityView
from services.scope import Scope
from storage import models
from storage.db import core_rows
from storage.keys import KeysNamed, among

FACILITY_SELECT = (
    select(
        models.AuditReportFacility.report_id.label("report_id"),
        *(
            getattr(models.Facility, name).label(name)
            for name in ("id", "name", "country", "address", "os_id", "latitude", "longitude")
        ),
    )
    .join(models.Facility, models.Facility.id == models.AuditReportFacility.facility_id)
    .order_by(models.Facility.name, models.Facility.id)
)


FACILITIES_OF_REPORTS = FACILITY_SELECT.where(
    among(models.AuditReportFacility.report_id, KeysNamed("report_ids"))
)
DOCUMENTS_OF_REPORTS = (
    select(models.Document)
    .where(among(models.Document.report_id, KeysNamed("report_ids")))
    .order_by(models.Document.id)
)


async def facilities_of_reports(
    scope: Scope, report_ids: Sequence[str]
) -> list[list[FacilityView]]:
    """`facilities.facilities_of_report` for every id, in order (each by name; the
    same `FacilityView` as `facility_view`, from a Core row)."""
    if not report_ids:
        return []
    wanted = {"report_ids": sorted(set(report_ids))}
    groups: dict[str, list[FacilityView]] = defaultdict(list)
    for row in await core_rows(scope.session, FACILITIES_OF_REPORTS, wanted):
        groups[row.report_id].append(
            FacilityView(
                id=row.id,
                name=row.name,
                country=row.country,
                address=row.address,
                os_id=row.os_id,
                latitude=row.latitude,
                longitude=row.longitude,
            )
        )
    return [groups.get(report_id, []) for report_id in report_ids]


async def documents_of_reports(
    scope: Scope, reports: Sequence[Disclosed], selected: frozenset[str]
) -> list[list[DocumentView]]:
    """`documents.documents_of` for every report, in order (reads logged in that order)."""
    report_ids = [str(report["id"]) for report in reports]
    if not report_ids:
        return []
    groups: dict[str, list[Any]] = defaultdict(list)
    found = await scope.session.execute(DOCUMENTS_OF_REPORTS, {"report_ids": report_ids})
    for document in found.scalars():
        groups[str(document.report_id)].append(document)
    return [
        present_documents(scope, report.clearance, groups.get(report_id, []), selected)
        for report, report_id in zip(reports, report_ids, strict=True)
    ]
