"""How the API builds a caller's `Scope` and ends its unit of work: once per HTTP
request (api/app.py), once per poll or event of a subscription (api/streams.py)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from typing import TYPE_CHECKING

from sqlalchemy.ext.asyncio import AsyncSession

from api.auth import Authenticated
from authz.principal import Principal
from services.scope import Scope
from storage import audit_log, signed_urls
from storage.audit_log import AuditEvent
from storage.db import RequestConnection, write_transaction

if TYPE_CHECKING:
    from api.app import Services


def caller_scope(
    services: Services,
    session: AsyncSession,
    signed_in: Authenticated | None,
    *,
    principal: Principal | None,
    base_url: str,
    connection: RequestConnection,
    still_wanted: Callable[[], Awaitable[bool]] | None = None,
) -> Scope:
    """The caller's scope on `session`; the user and organisation authentication
    read are primed in its loaders, so `me` does not read them again."""
    scope = Scope(
        session=session,
        principal=principal,
        authorizer=services.authorizer,
        objects=services.objects,
        settings=services.settings,
        # Download URLs signed in this unit are bound to its viewer.
        url_secret=signed_urls.ViewerKey(services.url_secret, url_viewer(principal)),
        base_url=base_url.rstrip("/"),
        connection=connection,
        clock=services.clock,
        upload_checks=services.upload_checks.submit,
    )
    if still_wanted is not None:
        scope.still_wanted = still_wanted
    if signed_in is not None:
        scope.loaders.user.prime(signed_in.user.id, signed_in.user)
        scope.loaders.organization.prime(signed_in.organization.id, signed_in.organization)
        scope.loaders.organization_columns.prime(signed_in.organization.id, signed_in.organization)
        if signed_in.day is not None:
            scope.knows_facts(signed_in.fact_pairs, signed_in.day)
    return scope


async def log_reads(session: AsyncSession, events: Sequence[AuditEvent]) -> None:
    """Append a unit's reads of RESTRICTED or PERSONAL fields (`scope.reads.events`,
    or those a cached answer carries) to the audit log: sensitive data leaves
    only once they are there."""
    if events:
        async with write_transaction(session):
            await audit_log.append(session, events)
            await session.commit()


def url_viewer(principal: Principal | None) -> signed_urls.Viewer:
    if principal is None:
        return signed_urls.ANONYMOUS
    roles = tuple(sorted(role.value for role in principal.roles))
    return signed_urls.Viewer(principal.user_id, principal.organization_id, roles)
