"""Bootstrapping tenants as an operator does: organisations, users and their roles.

Every function is idempotent: running the same command twice changes nothing
the second time and says so.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from domain.enums import OrganizationKind, Role
from domain.errors import Conflict, InvalidInput, NotFound
from domain.orgnumbers import normalize_country, normalize_org_number
from storage.models import Membership, Organization, User


@dataclass(frozen=True)
class Outcome:
    id: str
    created: bool


def add_organization(
    session: Session, *, name: str, kind: OrganizationKind, country: str, org_number: str
) -> Outcome:
    """Register an organisation; the same (country, number) again is a no-op,
    a different name or kind for it a CONFLICT."""
    cleaned_name = name.strip()
    if not cleaned_name:
        raise InvalidInput("name", "must not be empty")
    country_code = normalize_country(country)
    number = normalize_org_number(country_code, org_number)
    existing = session.scalar(
        select(Organization).where(
            Organization.country == country_code, Organization.org_number == number
        )
    )
    if existing is not None:
        if existing.name != cleaned_name or existing.kind != kind:
            raise Conflict(
                f"{country_code} {number} is already registered as "
                f"{existing.name} ({existing.kind.value})"
            )
        return Outcome(existing.id, created=False)
    organization = Organization(
        name=cleaned_name, kind=kind, country=country_code, org_number=number
    )
    session.add(organization)
    session.flush()
    return Outcome(organization.id, created=True)


def find_organization(
    session: Session, org_number: str, country: str | None = None
) -> Organization:
    """Find by organisation number (any country unless given), spelt as `org add`
    accepts it; NOT_FOUND says how to add it."""
    countries = [normalize_country(country)] if country else ["NO", "SE", ""]
    spellings = {stored_form(code, org_number) for code in countries} - {None}
    stmt = select(Organization).where(Organization.org_number.in_(spellings))
    if country:
        stmt = stmt.where(Organization.country == countries[0])
    matches = list(session.scalars(stmt))
    if not matches:
        raise NotFound(f"no organisation with number {org_number}; add it with `kjede org add`")
    if len(matches) > 1:
        raise Conflict(f"organisation number {org_number} exists in several countries; give one")
    return matches[0]


def stored_form(country: str, org_number: str) -> str | None:
    """The number as `add_organization` stores it for `country` ("" = any other
    country), or None when it is not valid there."""
    try:
        return normalize_org_number(country or "XX", org_number)
    except InvalidInput:
        return None


def add_user_role(
    session: Session, *, email: str, organization: Organization, role: Role, name: str | None = None
) -> Outcome:
    """Create the user if needed and grant it a role in the organisation."""
    address = email.strip().lower()
    if "@" not in address or address.startswith("@") or address.endswith("@"):
        raise InvalidInput("email", f"{email!r} is not an e-mail address")
    user = session.scalar(select(User).where(User.email == address))
    if user is None:
        user = User(email=address, name=name)
        session.add(user)
        session.flush()
    membership = session.scalar(
        select(Membership).where(
            Membership.user_id == user.id,
            Membership.organization_id == organization.id,
            Membership.role == role,
        )
    )
    if membership is not None:
        return Outcome(membership.id, created=False)
    membership = Membership(user_id=user.id, organization_id=organization.id, role=role)
    session.add(membership)
    session.flush()
    return Outcome(membership.id, created=True)


def revoke_user_role(
    session: Session, *, email: str, organization: Organization, role: Role
) -> bool:
    """Remove a role; effective on the user's next request. False if it was not held."""
    user = session.scalar(select(User).where(User.email == email.strip().lower()))
    if user is None:
        return False
    membership = session.scalar(
        select(Membership).where(
            Membership.user_id == user.id,
            Membership.organization_id == organization.id,
            Membership.role == role,
        )
    )
    if membership is None:
        return False
    session.delete(membership)
    return True


def user_roles(session: Session, email: str, organization_id: str) -> list[Role]:
    rows = session.scalars(
        select(Membership.role)
        .join(User, User.id == Membership.user_id)
        .where(User.email == email.strip().lower(), Membership.organization_id == organization_id)
    )
    return sorted(rows, key=list(Role).index)
