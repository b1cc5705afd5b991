"""Auditor engagements: a public body engages an auditor firm (for one report,
one contract, or all its contracts), and an auditor firm writes audit reports
only for the bodies that engaged it. The rule is `domain.engagements`; this
module loads its facts, records engagements and logs them."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import or_, select

from authz.policies import Action, Resource
from authz.principal import Principal
from domain import engagements as rules
from domain.errors import NotFound
from services.scope import Scope
from storage import audit_log, models


@dataclass(frozen=True)
class EngagementView:
    id: str
    body_id: str
    auditor_id: str
    report_id: str | None
    contract_id: str | None
    created_by_user_id: str | None
    created_at: dt.datetime
    ended_at: dt.datetime | None

    @classmethod
    def of(cls, row: models.AuditorEngagement) -> EngagementView:
        return cls(
            id=row.id,
            body_id=row.body_id,
            auditor_id=row.auditor_id,
            report_id=row.report_id,
            contract_id=row.contract_id,
            created_by_user_id=row.created_by_user_id,
            created_at=as_utc(row.created_at),
            ended_at=as_utc(row.ended_at) if row.ended_at else None,
        )

    @property
    def active(self) -> bool:
        return self.ended_at is None


def as_utc(at: dt.datetime) -> dt.datetime:
    """SQLite returns stored times without their zone; they were stored in UTC."""
    return at.replace(tzinfo=dt.UTC) if at.tzinfo is None else at.astimezone(dt.UTC)


async def engage_auditor(
    scope: Scope, auditor_id: str, report_id: str | None = None, contract_id: str | None = None
) -> EngagementView:
    """The caller's body engages an auditor firm; an identical active engagement
    is returned as it is, not duplicated."""
    principal = scope.require(Action.ENGAGE, Resource.AUDIT_REPORT)
    session = scope.session
    body_id = principal.organization_id
    # Serialise engagements of one body, so two identical requests make one row.
    await session.execute(
        select(models.Organization.id).where(models.Organization.id == body_id).with_for_update()
    )
    auditor = await session.get(models.Organization, auditor_id)
    report = await session.get(models.AuditReport, report_id) if report_id else None
    contract = await session.get(models.Contract, contract_id) if contract_id else None
    rules.check_engagement(
        body_id=body_id,
        body_kind=principal.organization_kind,
        auditor_id=auditor_id,
        auditor_kind=auditor.kind if auditor else None,
        report_id=report_id,
        report=rules.ReportFacts(report.commissioned_by_id, report.auditor_id) if report else None,
        contract_id=contract_id,
        contract_buyer_id=contract.buyer_id if contract else None,
    )
    active = await active_rows(scope, body_id=body_id, auditor_id=auditor_id)
    existing = rules.identical(
        active,
        body_id=body_id,
        auditor_id=auditor_id,
        report_id=report_id,
        contract_id=contract_id,
    )
    if existing is not None:
        return EngagementView.of(active[existing])
    view = await record_engagement(
        scope, principal, auditor_id=auditor_id, report_id=report_id, contract_id=contract_id
    )
    await scope.commit()
    return view


async def engage_for_report(scope: Scope, *, auditor_id: str, report_id: str) -> EngagementView:
    """A body that creates a report naming its auditor firm engages the firm for
    that report; part of the caller's transaction (the caller commits)."""
    return await record_engagement(
        scope, scope.viewer(), auditor_id=auditor_id, report_id=report_id, contract_id=None
    )


async def end_engagement(scope: Scope, engagement_id: str) -> EngagementView:
    """The engaging body ends an engagement; ending an ended one changes nothing."""
    principal = scope.require(Action.ENGAGE, Resource.AUDIT_REPORT)
    row = await scope.session.get(models.AuditorEngagement, engagement_id, with_for_update=True)
    if row is None:
        raise NotFound("no auditor engagement with that id")
    rules.check_can_end(principal.organization_id, body_id=row.body_id, auditor_id=row.auditor_id)
    if row.ended_at is not None:
        return EngagementView.of(row)
    row.ended_at = models.utcnow()
    await log(scope, principal, "auditor_engagement_ended", row)
    await scope.commit()
    return EngagementView.of(row)


async def list_engagements(scope: Scope) -> list[EngagementView]:
    """The engagements the caller's organisation made or (an auditor firm) was
    named in, ended ones too, oldest first."""
    organization_id = scope.viewer().organization_id
    table = models.AuditorEngagement
    rows = await scope.session.execute(
        select(table)
        .where(or_(table.body_id == organization_id, table.auditor_id == organization_id))
        .order_by(table.created_at, table.id)
    )
    return [EngagementView.of(row) for row in rows.scalars()]


async def require_engagement(
    scope: Scope, *, body_id: str, supplier_id: str, report_id: str | None
) -> None:
    """FORBIDDEN unless the body engaged the caller's auditor firm for this write:
    a new report on the supplier (`report_id` None) or a write to that report."""
    auditor_id = scope.viewer().organization_id
    engagements = list(await active_rows(scope, body_id=body_id, auditor_id=auditor_id))
    under_contract: set[str] = set()
    if any(e.scope is rules.EngagementScope.GENERAL for e in engagements):
        contract = await scope.session.execute(
            select(models.Contract.id)
            .where(models.Contract.buyer_id == body_id, models.Contract.supplier_id == supplier_id)
            .limit(1)
        )
        if contract.first() is not None:
            under_contract.add(supplier_id)
    write = rules.AuditorWrite(body_id, auditor_id, supplier_id, report_id)
    rules.require_engaged(engagements, write, under_contract)


async def active_rows(
    scope: Scope, *, body_id: str, auditor_id: str
) -> dict[rules.Engagement, models.AuditorEngagement]:
    """The body's active engagements of the firm, as the rule sees them (with each
    named contract's supplier), and their rows."""
    table = models.AuditorEngagement
    result = await scope.session.execute(
        select(table, models.Contract.supplier_id)
        .outerjoin(models.Contract, models.Contract.id == table.contract_id)
        .where(table.body_id == body_id, table.auditor_id == auditor_id, table.ended_at.is_(None))
        .order_by(table.created_at, table.id)
    )
    return {
        rules.Engagement(
            id=row.id,
            body_id=row.body_id,
            auditor_id=row.auditor_id,
            report_id=row.report_id,
            contract_id=row.contract_id,
            contract_supplier_id=supplier_id,
        ): row
        for row, supplier_id in result
    }


async def record_engagement(
    scope: Scope,
    principal: Principal,
    *,
    auditor_id: str,
    report_id: str | None,
    contract_id: str | None,
) -> EngagementView:
    row = models.AuditorEngagement(
        body_id=principal.organization_id,
        auditor_id=auditor_id,
        report_id=report_id,
        contract_id=contract_id,
        created_by_user_id=principal.user_id,
    )
    scope.session.add(row)
    await scope.session.flush()
    await log(scope, principal, "auditor_engaged", row)
    return EngagementView.of(row)


async def log(
    scope: Scope, principal: Principal, action: str, row: models.AuditorEngagement
) -> None:
    await audit_log.append(
        scope.session,
        [
            audit_log.AuditEvent(
                action=action,
                subject_type="auditor_engagement",
                subject_id=row.id,
                actor_user_id=principal.user_id,
                actor_org_id=principal.organization_id,
                detail={
                    "bodyId": row.body_id,
                    "auditorId": row.auditor_id,
                    "reportId": row.report_id,
                    "contractId": row.contract_id,
                },
            )
        ],
    )
