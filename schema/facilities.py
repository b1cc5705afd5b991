"""Facilities (production sites), shared reference data for every signed-in body."""

from __future__ import annotations

from typing import Self

import strawberry
from sqlalchemy import select

from authz.policies import Action, Resource
from domain.orgnumbers import normalize_country
from schema.context import Info
from schema.pagination import DEFAULT_PAGE_SIZE, Connection, each, paginate
from storage import models


@strawberry.federation.type(keys=["id"])
class Facility:
    id: strawberry.ID
    name: str
    country: str
    address: str | None
    os_id: str | None = strawberry.field(description="Open Supply Hub OS ID, when known.")
    latitude: float | None
    longitude: float | None

    @classmethod
    def from_model(cls, row: models.Facility) -> Self:
        return cls(
            id=strawberry.ID(row.id),
            name=row.name,
            country=row.country,
            address=row.address,
            os_id=row.os_id,
            latitude=row.latitude,
            longitude=row.longitude,
        )

    @classmethod
    async def resolve_reference(cls, info: Info, id: strawberry.ID) -> Self | None:
        info.context.require(Action.READ, Resource.FACILITY)
        row = await info.context.loaders.facility.load(str(id))
        return cls.from_model(row) if row else None


@strawberry.type
class FacilityQueries:
    @strawberry.field(description="Production sites, optionally in one country.")
    async def facilities(
        self,
        info: Info,
        country: str | None = None,
        first: int | None = DEFAULT_PAGE_SIZE,
        after: str | None = None,
    ) -> Connection[Facility]:
        info.context.require(Action.READ, Resource.FACILITY)
        stmt = select(models.Facility)
        if country is not None:
            stmt = stmt.where(models.Facility.country == normalize_country(country))
        return await paginate(
            info.context,
            stmt,
            models.Facility.id,
            first=first,
            after=after,
            to_nodes=each(Facility.from_model),
        )
