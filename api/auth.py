"""From a bearer token to a `Principal`, with roles read from the database each time."""

from __future__ import annotations

import anyio.to_thread
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from api.tokens import AuthenticationError, TokenClaims, TokenVerifier
from authz.principal import Principal
from domain.enums import Role
from storage.models import Membership, Organization, User


def bearer_token(authorization: str | None) -> str | None:
    """The token of an `Authorization: Bearer ...` header; None when there is no header."""
    if not authorization:
        return None
    scheme, _, token = authorization.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise AuthenticationError("use 'Authorization: Bearer <token>'")
    return token.strip()


async def principal_from_claims(session: AsyncSession, claims: TokenClaims) -> Principal:
    """Look the user, organisation and current roles up; a revoked role is gone at once."""
    organization = await session.get(Organization, claims.organization_id)
    if organization is None:
        raise AuthenticationError("token names an organisation that is not registered")
    user = (
        await session.execute(select(User).where(User.email == claims.email))
    ).scalar_one_or_none()
    if user is None:
        raise AuthenticationError(f"user {claims.email} is not registered")
    held = (
        await session.execute(
            select(Membership.role).where(
                Membership.user_id == user.id,
                Membership.organization_id == organization.id,
            )
        )
    ).scalars()
    roles = frozenset(Role(role) for role in held)
    if not roles:
        raise AuthenticationError(f"user {claims.email} is not a member of {organization.name}")
    if claims.roles is not None:
        roles = frozenset(role for role in roles if role.value in claims.roles)
    return Principal(
        user_id=user.id,
        email=user.email,
        organization_id=organization.id,
        organization_kind=organization.kind,
        roles=roles,
    )


async def authenticate(
    session: AsyncSession, verifier: TokenVerifier, authorization: str | None
) -> Principal | None:
    """None for an anonymous request; AuthenticationError for a token that fails."""
    token = bearer_token(authorization)
    if token is None:
        return None
    # A JWKS refresh is blocking HTTP: keep it off the event loop.
    claims = await anyio.to_thread.run_sync(verifier.verify, token)
    return await principal_from_claims(session, claims)
