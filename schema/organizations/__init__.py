"""Organisations (tenants): the `Organization` entity and the `organizations` list."""

from schema.organizations.loaders import (
    get_organization_row,
    load_organization,
    load_organizations,
)
from schema.organizations.queries import OrganizationQueries
from schema.organizations.types import Organization

__all__ = [
    "Organization",
    "OrganizationQueries",
    "get_organization_row",
    "load_organization",
    "load_organizations",
]
