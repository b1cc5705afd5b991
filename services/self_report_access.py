"""Grants: a supplier lets an organisation beyond its contracted buyers read its
self-reports, for a recorded purpose, until it revokes the grant. Grants are
kept as history; the viewer facts read the unrevoked ones (`authz.viewer`)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import select

from authz.policies import Action, Resource
from authz.principal import Principal
from domain.enums import OrganizationKind
from domain.errors import Forbidden, InvalidInput, NotFound
from domain.text import require_text
from services.organizations import get_organization
from services.pagination import Page, each, fetch_page
from services.scope import Scope
from storage import audit_log, models

PURPOSE_LIMIT = 500


@dataclass(frozen=True)
class GrantView:
    id: str
    organization_id: str
    purpose: str
    granted_at: dt.datetime


def _grantor(scope: Scope) -> Principal:
    principal = scope.require(Action.GRANT, Resource.SELF_REPORT)
    if principal.organization_kind is not OrganizationKind.SUPPLIER:
        raise Forbidden("only a supplier grants access to its self-reports")
    return principal


async def _active(
    scope: Scope, supplier_id: str, organization_id: str
) -> models.SelfReportGrant | None:
    return await scope.session.scalar(
        select(models.SelfReportGrant).where(
            models.SelfReportGrant.supplier_id == supplier_id,
            models.SelfReportGrant.organization_id == organization_id,
            models.SelfReportGrant.revoked_at.is_(None),
        )
    )


async def grant_access(scope: Scope, organization_id: str, purpose: str) -> bool:
    """A new grant (an unrevoked earlier one to the same organisation is revoked
    by it, so each grant keeps its own purpose)."""
    principal = _grantor(scope)
    grantee = await get_organization(scope, organization_id, "organizationId")
    if grantee.id == principal.organization_id:
        raise InvalidInput("organizationId", "your own organisation reads its self-reports already")
    reason = require_text("purpose", purpose, PURPOSE_LIMIT)
    now = dt.datetime.now(dt.UTC)
    previous = await _active(scope, principal.organization_id, grantee.id)
    if previous is not None:
        previous.revoked_at = now
        previous.revoked_by_user_id = principal.user_id
    grant = models.SelfReportGrant(
        supplier_id=principal.organization_id,
        organization_id=grantee.id,
        purpose=reason,
        granted_by_user_id=principal.user_id,
        created_at=now,
    )
    scope.session.add(grant)
    await scope.session.flush()
    await _log(scope, principal, "self_report_access_granted", grant, {"purpose": reason})
    await scope.commit()
    return True


async def revoke_access(scope: Scope, organization_id: str) -> bool:
    """The organisation stops reading the supplier's self-reports at once (unless
    it is a contracted public body, which reads them by contract)."""
    principal = _grantor(scope)
    grant = await _active(scope, principal.organization_id, organization_id)
    if grant is None:
        raise NotFound("your organisation has no unrevoked grant to that organisation")
    grant.revoked_at = dt.datetime.now(dt.UTC)
    grant.revoked_by_user_id = principal.user_id
    await _log(scope, principal, "self_report_access_revoked", grant, {})
    await scope.commit()
    return True


def grant_view(row: models.SelfReportGrant) -> GrantView:
    return GrantView(row.id, row.organization_id, row.purpose, row.created_at)


async def list_grants(scope: Scope, *, first: int | None, after: str | None) -> Page[GrantView]:
    """The caller's supplier's unrevoked grants, oldest first: whom it lets read, and why."""
    principal = _grantor(scope)
    grant = models.SelfReportGrant
    return await fetch_page(
        scope,
        select(grant).where(
            grant.supplier_id == principal.organization_id, grant.revoked_at.is_(None)
        ),
        grant.id,
        first=first,
        after=after,
        to_items=each(grant_view),
        item_id=lambda view: view.id,
    )


async def _log(
    scope: Scope,
    principal: Principal,
    action: str,
    grant: models.SelfReportGrant,
    detail: dict[str, str],
) -> None:
    await audit_log.append(
        scope.session,
        [
            audit_log.AuditEvent(
                action=action,
                subject_type="self_report_grant",
                subject_id=grant.id,
                actor_user_id=principal.user_id,
                actor_org_id=principal.organization_id,
                detail={"organizationId": grant.organization_id, **detail},
            )
        ],
    )
