"""The `Facility` entity (a production site)."""

from __future__ import annotations

from typing import Self

import strawberry

from schema.context import Info
from services import facilities
from services.facilities import FacilityView


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
    def from_view(cls, view: FacilityView) -> Self:
        return cls(
            id=strawberry.ID(view.id),
            name=view.name,
            country=view.country,
            address=view.address,
            os_id=view.os_id,
            latitude=view.latitude,
            longitude=view.longitude,
        )

    @classmethod
    async def resolve_reference(cls, info: Info, id: strawberry.ID) -> Self | None:
        view = await facilities.facility_by_reference(info.context.scope, str(id))
        return cls.from_view(view) if view else None

    @classmethod
    async def of_report(cls, info: Info, report_id: str) -> list[Self]:
        """The facilities a visible report covers, batched per request."""
        views = await facilities.facilities_of_report(info.context.scope, report_id)
        return [cls.from_view(view) for view in views]
