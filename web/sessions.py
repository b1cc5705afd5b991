"""Server-side sessions: the cookie holds a random token; the `web_sessions` row
holds its SHA-256, the user and the organisation acted for. Signing out deletes
the row, so the cookie is worthless from then on, wherever a copy of it is."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from dataclasses import dataclass

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from domain.enums import Role
from storage.db import write_transaction
from storage.models import Membership, Organization, User, WebSession


@dataclass(frozen=True)
class SignedIn:
    token: str
    user_id: str
    organization_id: str


@dataclass(frozen=True)
class MembershipChoice:
    """An organisation the user holds a role in, for the organisation switcher."""

    organization_id: str
    organization_name: str
    roles: tuple[Role, ...]


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "surrogateescape")).hexdigest()


def now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


async def create(
    session: AsyncSession, user_id: str, organization_id: str, ttl_seconds: int
) -> str:
    """A new session (a new token every sign-in: no fixation); returns the token."""
    token = secrets.token_urlsafe(32)
    async with write_transaction(session):
        # Expired sessions go when anyone signs in: the table holds live ones only.
        await session.execute(delete(WebSession).where(WebSession.expires_at <= now()))
        session.add(
            WebSession(
                id=token_hash(token),
                user_id=user_id,
                organization_id=organization_id,
                created_at=now(),
                expires_at=now() + dt.timedelta(seconds=ttl_seconds),
            )
        )
        await session.commit()
    return token


async def load(session: AsyncSession, token: str | None) -> SignedIn | None:
    """The live session of TOKEN, or None (unknown, signed out or expired)."""
    if not token or len(token) > 128:
        return None
    row = await session.get(WebSession, token_hash(token))
    if row is None:
        return None
    expires = row.expires_at if row.expires_at.tzinfo else row.expires_at.replace(tzinfo=dt.UTC)
    if expires <= now():
        return None
    return SignedIn(token=token, user_id=row.user_id, organization_id=row.organization_id)


async def end(session: AsyncSession, token: str) -> None:
    """Sign out: the row goes, and with it every use of the cookie."""
    async with write_transaction(session):
        await session.execute(delete(WebSession).where(WebSession.id == token_hash(token)))
        await session.commit()


async def switch(session: AsyncSession, signed_in: SignedIn, organization_id: str) -> bool:
    """Act for another organisation the user holds a role in; False if it holds none."""
    if organization_id not in {
        choice.organization_id for choice in await memberships(session, signed_in.user_id)
    }:
        return False
    async with write_transaction(session):
        row = await session.get(WebSession, token_hash(signed_in.token))
        if row is None:
            return False
        row.organization_id = organization_id
        await session.commit()
    return True


async def memberships(session: AsyncSession, user_id: str) -> list[MembershipChoice]:
    """The user's organisations and roles there, by organisation name."""
    rows = (
        await session.execute(
            select(Organization.id, Organization.name, Membership.role)
            .join(Membership, Membership.organization_id == Organization.id)
            .where(Membership.user_id == user_id)
            .order_by(Organization.name)
        )
    ).all()
    grouped: dict[str, tuple[str, list[Role]]] = {}
    for organization_id, name, role in rows:
        grouped.setdefault(organization_id, (name, []))[1].append(Role(role))
    return [
        MembershipChoice(org_id, name, tuple(sorted(roles, key=list(Role).index)))
        for org_id, (name, roles) in grouped.items()
    ]


@dataclass(frozen=True)
class DevUser:
    user_id: str
    email: str
    memberships: tuple[MembershipChoice, ...]


async def dev_users(session: AsyncSession) -> list[DevUser]:
    """Every user with a role somewhere (the dev sign-in page; never in prod)."""
    users = (await session.execute(select(User.id, User.email).order_by(User.email))).all()
    listed = [DevUser(uid, email, tuple(await memberships(session, uid))) for uid, email in users]
    return [user for user in listed if user.memberships]


async def user_id_by_email(session: AsyncSession, email: str) -> str | None:
    found = (
        await session.execute(select(User.id).where(User.email == email.strip().lower()))
    ).scalar_one_or_none()
    return found
