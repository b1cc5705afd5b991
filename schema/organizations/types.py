"""The `Organization` entity."""

from __future__ import annotations

from typing import Self

import strawberry

from domain.enums import OrganizationKind
from schema.context import Info
from services import organizations
from services.organizations import OrganizationView


@strawberry.federation.type(keys=["id"])
class Organization:
    id: strawberry.ID
    name: str
    kind: OrganizationKind
    country: str
    org_number: str

    @classmethod
    def from_view(cls, view: OrganizationView) -> Self:
        return cls(
            id=strawberry.ID(view.id),
            name=view.name,
            kind=view.kind,
            country=view.country,
            org_number=view.org_number,
        )

    @classmethod
    async def resolve_reference(cls, info: Info, id: strawberry.ID) -> Self | None:
        """`_entities` is a second way in: same check as the root field."""
        view = await organizations.organization_by_reference(info.context.scope, str(id))
        return cls.from_view(view) if view else None
