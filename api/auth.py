"""From a bearer token to a `Principal`, with roles read from the database each time."""

from __future__ import annotations

import datetime as dt
import hmac
from dataclasses import dataclass

import anyio.to_thread
from sqlalchemy import bindparam, select
from sqlalchemy.ext.asyncio import AsyncSession

from api.tokens import AuthenticationError, TokenClaims, TokenVerifier
from authz.principal import Principal
from authz.viewer import FactPairs, fact_pairs_column
from domain.enums import Role
from storage import data_version
from storage.models import Membership, Organization, User


def bearer_token(authorization: str | None) -> str | None:
    """The token of an `Authorization: Bearer ...` header; None when there is no header."""
    if not authorization:
        return None
    scheme, _, token = authorization.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise AuthenticationError("use 'Authorization: Bearer <token>'")
    return token.strip()


NOT_A_MEMBER = (
    "the token names a user or organisation that is not registered, "
    "or a user who holds no role there"
)
"""One answer for all three, naming neither: a caller learns nothing about who
exists or belongs where."""


@dataclass(frozen=True)
class Authenticated:
    """The principal, and the user and organisation rows read to build it (for the
    request's loaders, so `me` does not read them again), the data version read by
    the same statement (for the response cache, api/response_cache.py), and the
    organisation's viewer facts on `day` (`authz.viewer.facts_from_pairs`), which
    the request's scope then needs no statement for."""

    principal: Principal
    user: User
    organization: Organization
    data_version: int
    fact_pairs: FactPairs = ()
    day: dt.date | None = None


# Built once: every request runs the same statement with its own parameters.
_MEMBER_ROWS = (
    select(User, Organization, Membership.role, data_version.CURRENT, fact_pairs_column())
    .select_from(Membership)
    .join(User, User.id == Membership.user_id)
    .join(Organization, Organization.id == Membership.organization_id)
    .where(User.email == bindparam("email"), Organization.id == bindparam("organization_id"))
)


async def authenticated_from_claims(
    session: AsyncSession, claims: TokenClaims, today: dt.date | None = None
) -> Authenticated:
    """The user, the organisation and the roles held there now (and the data
    version and the viewer facts on `today`), in one statement; a revoked role is
    gone at once."""
    day = today or dt.datetime.now(dt.UTC).date()
    parameters = {"email": claims.email, "organization_id": claims.organization_id, "today": day}
    rows = (await session.execute(_MEMBER_ROWS, parameters)).all()
    if not rows:
        raise AuthenticationError(NOT_A_MEMBER)
    user, organization = rows[0][0], rows[0][1]
    roles = frozenset(Role(row[2]) for row in rows)
    if claims.roles is not None:
        roles = frozenset(role for role in roles if role.value in claims.roles)
    principal = Principal(
        user_id=user.id,
        email=user.email,
        organization_id=organization.id,
        organization_kind=organization.kind,
        roles=roles,
    )
    return Authenticated(principal, user, organization, int(rows[0][3]), rows[0][4] or (), day)


async def principal_from_claims(session: AsyncSession, claims: TokenClaims) -> Principal:
    """Look the user, organisation and current roles up; a revoked role is gone at once."""
    return (await authenticated_from_claims(session, claims)).principal


async def principal_by_id(
    session: AsyncSession, user_id: str, organization_id: str, roles: frozenset[str] | None
) -> Principal | None:
    """The principal as it stands now, or None when the user, the organisation or
    every role the user held there is gone (a signed download URL asks this)."""
    organization = await session.get(Organization, organization_id)
    user = await session.get(User, user_id)
    return await member(session, user, organization, roles)


async def member(
    session: AsyncSession,
    user: User | None,
    organization: Organization | None,
    narrowed: frozenset[str] | None,
) -> Principal | None:
    """`user` acting for `organization` with the roles held there now (narrowed to
    `narrowed` when given); None when either is missing or no role is held."""
    if user is None or organization is None:
        return None
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
        return None
    if narrowed is not None:
        roles = frozenset(role for role in roles if role.value in narrowed)
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
    found = await authenticate_request(session, verifier, authorization)
    return found.principal if found is not None else None


async def authenticate_request(
    session: AsyncSession,
    verifier: TokenVerifier,
    authorization: str | None,
    today: dt.date | None = None,
) -> Authenticated | None:
    """`authenticate`, keeping the rows it read (the viewer facts on `today`)."""
    token = bearer_token(authorization)
    if token is None:
        return None
    claims = verifier.kept(token)
    if claims is None and verifier.may_block:
        # A JWKS refresh is blocking HTTP: keep it off the event loop.
        claims = await anyio.to_thread.run_sync(verifier.verify, token)
    elif claims is None:  # a local key: a signature check, cheaper than the hop to a thread
        claims = verifier.verify(token)
    return await authenticated_from_claims(session, claims, today)


GATEWAY_SECRET_HEADER = "x-kjede-gateway-secret"


def shared_secret_ok(configured: str, presented: str | None, *, dev: bool) -> bool:
    """Does the request carry the gateway's or monitoring's shared secret? Without a
    configured secret: yes in dev, no in prod (closed until someone sets one)."""
    if not configured:
        return dev
    if presented is None:
        return False
    return hmac.compare_digest(configured.encode(), presented.encode("utf-8", "surrogateescape"))


def presented_bearer(authorization: str | None) -> str | None:
    """The credential of `Authorization: Bearer ...`, or None."""
    try:
        return bearer_token(authorization)
    except AuthenticationError:
        return None
