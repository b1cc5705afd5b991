"""Organisations (tenants): reference data every signed-in body may read."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import select

from authz.policies import Action, Resource
from domain.enums import OrganizationKind
from domain.errors import NotFound
from services.loaders import OrganizationColumns
from services.pagination import Page, each, fetch_page
from services.scope import Scope
from storage import models


@dataclass(frozen=True)
class OrganizationView:
    id: str
    name: str
    kind: OrganizationKind
    country: str
    org_number: str


def organization_view(row: OrganizationColumns) -> OrganizationView:
    return OrganizationView(
        id=row.id, name=row.name, kind=row.kind, country=row.country, org_number=row.org_number
    )


async def list_organizations(
    scope: Scope, *, kind: OrganizationKind | None, first: int | None, after: str | None
) -> Page[OrganizationView]:
    """Registered organisations, oldest first, optionally of one kind."""
    scope.require(Action.READ, Resource.ORGANIZATION)
    stmt = select(models.Organization)
    if kind is not None:
        stmt = stmt.where(models.Organization.kind == kind)
    return await fetch_page(
        scope,
        stmt,
        models.Organization.id,
        first=first,
        after=after,
        to_items=each(organization_view),
        item_id=lambda organization: organization.id,
    )


async def organization_by_reference(scope: Scope, organization_id: str) -> OrganizationView | None:
    """An organisation by id, with the same check as the list (federation's `_entities`)."""
    scope.require(Action.READ, Resource.ORGANIZATION)
    row = await scope.loaders.organization_columns.load(organization_id)
    return organization_view(row) if row else None


async def load_organizations(
    scope: Scope, organization_ids: Sequence[str]
) -> list[OrganizationView | None]:
    """Organisations a visible record refers to, in one batch, None for unknown ids."""
    rows = await scope.loaders.organization_columns.load_many(list(organization_ids))
    return [organization_view(row) if row else None for row in rows]


async def load_organization(scope: Scope, organization_id: str) -> OrganizationView:
    """The organisation a visible record refers to (a foreign key: it exists)."""
    row = await scope.loaders.organization_columns.load(organization_id)
    if row is None:  # unreachable short of a concurrent delete
        raise LookupError(f"organisation {organization_id} vanished")
    return organization_view(row)


async def get_organization(scope: Scope, organization_id: str, field: str) -> OrganizationView:
    """An organisation named in an input `field`, else NOT_FOUND naming the field."""
    row = await scope.loaders.organization_columns.load(organization_id)
    if row is None:
        raise NotFound(f"no organisation with id {organization_id} ({field})")
    return organization_view(row)
