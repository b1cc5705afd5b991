"""Facilities (production sites): shared reference data for every signed-in body."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from authz.policies import Action, Resource
from domain.orgnumbers import normalize_country
from services.pagination import Page, each, fetch_page
from services.scope import Scope
from storage import models


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


async def list_facilities(
    scope: Scope, *, country: str | None, first: int | None, after: str | None
) -> Page[FacilityView]:
    """Production sites, oldest first, optionally in one country."""
    scope.require(Action.READ, Resource.FACILITY)
    stmt = select(models.Facility)
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
    """A facility by id, with the same check as the list (federation's `_entities`)."""
    scope.require(Action.READ, Resource.FACILITY)
    row = await scope.loaders.facility.load(facility_id)
    return facility_view(row) if row else None
