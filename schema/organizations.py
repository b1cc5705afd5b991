"""Organisations (tenants): the `Organization` entity and the `organizations` list."""

from __future__ import annotations

from typing import Self

import strawberry
from sqlalchemy import select

from authz.policies import Action, Resource
from domain.enums import OrganizationKind
from schema.context import Info
from schema.pagination import DEFAULT_PAGE_SIZE, Connection, each, paginate
from storage import models


@strawberry.federation.type(keys=["id"])
class Organization:
    id: strawberry.ID
    name: str
    kind: OrganizationKind
    country: str
    org_number: str

    @classmethod
    def from_model(cls, row: models.Organization) -> Self:
        return cls(
            id=strawberry.ID(row.id),
            name=row.name,
            kind=row.kind,
            country=row.country,
            org_number=row.org_number,
        )

    @classmethod
    async def resolve_reference(cls, info: Info, id: strawberry.ID) -> Self | None:
        """`_entities` is a second way in: same check as the root field."""
        info.context.require(Action.READ, Resource.ORGANIZATION)
        row = await info.context.loaders.organization.load(str(id))
        return cls.from_model(row) if row else None


async def load_organization(info: Info, organization_id: str) -> Organization:
    """Resolve a relation to an organisation through the request's DataLoader."""
    row = await info.context.loaders.organization.load(organization_id)
    if row is None:  # foreign keys make this unreachable short of a concurrent delete
        raise LookupError(f"organisation {organization_id} vanished")
    return Organization.from_model(row)


async def load_organizations(info: Info, organization_ids: list[str]) -> list[Organization]:
    """Resolve many organisations in one batch (awaiting `load` in a loop would not batch)."""
    rows = await info.context.loaders.organization.load_many(organization_ids)
    return [Organization.from_model(row) for row in rows if row is not None]


@strawberry.type
class OrganizationQueries:
    @strawberry.field(description="Registered organisations, oldest first.")
    async def organizations(
        self,
        info: Info,
        kind: OrganizationKind | None = None,
        first: int | None = DEFAULT_PAGE_SIZE,
        after: str | None = None,
    ) -> Connection[Organization]:
        info.context.require(Action.READ, Resource.ORGANIZATION)
        stmt = select(models.Organization)
        if kind is not None:
            stmt = stmt.where(models.Organization.kind == kind)
        return await paginate(
            info.context,
            stmt,
            models.Organization.id,
            first=first,
            after=after,
            to_nodes=each(Organization.from_model),
        )
