"""Organisations a visible record refers to, batched per request."""

from __future__ import annotations

from schema.context import Info
from schema.organizations.types import Organization
from services import organizations
from services.organizations import OrganizationView


async def load_organization(info: Info, organization_id: str) -> Organization:
    """Resolve a relation to an organisation through the request's DataLoader."""
    view = await organizations.load_organization(info.context.scope, organization_id)
    return Organization.from_view(view)


async def load_organizations(info: Info, organization_ids: list[str]) -> list[Organization]:
    """Resolve many organisations in one batch (awaiting `load` in a loop would not batch)."""
    views = await organizations.load_organizations(info.context.scope, organization_ids)
    return [Organization.from_view(view) for view in views if view is not None]


async def get_organization_row(info: Info, organization_id: str, field: str) -> OrganizationView:
    """An organisation named in an input `field`, else NOT_FOUND naming the field.
    (Kept under its old name; it returns plain values now, not an ORM row.)"""
    return await organizations.get_organization(info.context.scope, organization_id, field)
