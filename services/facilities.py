"""Facilities (production sites). A facility is listed to a viewer who may see a
self-report disclosing it (`authz.records.SELF_REPORT`) or an audit report
covering it (`authz.records.AUDIT_REPORT`): the row filter is those two rules."""

from __future__ import annotations

from dataclasses import dataclass
from typing import cast

from sqlalchemy import ColumnElement, exists, or_, select
from strawberry.dataloader import DataLoader

from authz.disclosure import row_filter
from authz.policies import Action, Resource
from authz.records import AUDIT_REPORT, SELF_REPORT
from authz.sql import model_columns
from domain.orgnumbers import normalize_country
from services.pagination import Page, each, fetch_page
from services.scope import Scope
from storage import models

_BY_REFERENCE = "facilities.by_reference"


@dataclass(frozen=True)
class FacilityView:
    id: str
    name: str
    country: str  # ISO 3166-1 alpha-2
    address: str | None
    os_id: str | None  # Open Supply Hub OS ID, when known
    latitude: float | None
    longitude: float | None


def facility_view(row: models.Facility) -> FacilityView:
    return FacilityView(
        id=row.id,
        name=row.name,
        country=row.country,
        address=row.address,
        os_id=row.os_id,
        latitude=row.latitude,
        longitude=row.longitude,
    )


async def visible(scope: Scope) -> ColumnElement[bool]:
    """SQL: a self-report the viewer may see discloses the facility, or an audit
    report it may see covers it."""
    facts = await scope.facts()
    facility = models.Facility
    site, self_report = models.SelfReportSite, models.SelfReport
    link, report = models.AuditReportFacility, models.AuditReport
    disclosed = exists(
        select(site.id)
        .join(self_report, self_report.id == site.self_report_id)
        .where(
            site.facility_id == facility.id,
            row_filter(SELF_REPORT, facts, model_columns(self_report)),
        )
    )
    audited = exists(
        select(link.id)
        .join(report, report.id == link.report_id)
        .where(
            link.facility_id == facility.id, row_filter(AUDIT_REPORT, facts, model_columns(report))
        )
    )
    return or_(disclosed, audited)


async def list_facilities(
    scope: Scope, *, country: str | None, first: int | None, after: str | None
) -> Page[FacilityView]:
    """Production sites the viewer may know of, oldest first, optionally in one country."""
    scope.require(Action.READ, Resource.FACILITY)
    stmt = select(models.Facility).where(await visible(scope))
    if country is not None:
        stmt = stmt.where(models.Facility.country == normalize_country(country))
    return await fetch_page(
        scope,
        stmt,
        models.Facility.id,
        first=first,
        after=after,
        to_items=each(facility_view),
        item_id=lambda facility: facility.id,
    )


async def facilities_of_report(scope: Scope, report_id: str) -> list[FacilityView]:
    """The facilities a visible report covers, by name (one statement per request level)."""
    rows = await scope.loaders.reports.facilities.load(report_id)
    return [facility_view(row) for row in rows]


async def facility_by_reference(scope: Scope, facility_id: str) -> FacilityView | None:
    """A facility by id, with the same check as the list (federation's `_entities`);
    every reference asked for in one turn of the event loop is one statement."""
    scope.require(Action.READ, Resource.FACILITY)
    loader = scope.loaders.batches.get(_BY_REFERENCE)
    if loader is None:

        async def load(ids: list[str]) -> list[FacilityView | None]:
            rows = await scope.session.scalars(
                select(models.Facility).where(models.Facility.id.in_(ids), await visible(scope))
            )
            found = {row.id: facility_view(row) for row in rows}
            return [found.get(facility_id) for facility_id in ids]

        loader = scope.loaders.batches[_BY_REFERENCE] = DataLoader(load_fn=load)
    return cast("FacilityView | None", await loader.load(facility_id))
