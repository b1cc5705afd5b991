"""Publishes the demo world's reports the way a user does: `publish_report` on a
`Scope` for the commissioning body's procurement officer. The personal-data guard
reads every text that leaves the parties, the shared renditions are written and
the share change goes on the audit log, exactly as for a `publishAuditReport`.

`seed_demo` (sync, one transaction) leaves these reports SUBMITTED; `publish_demo`
(async, one commit per report, like one request each) publishes those still
SUBMITTED, so running both again changes nothing."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from authz.enforcer import Authorizer
from authz.principal import Principal
from domain.enums import AuditReportStatus, Role
from services.demo.audit_report_specs import DEMO_REPORTS
from services.demo.organizations import DEMO_USERS
from services.demo.world import DemoWorld
from services.report_publishing import publish_report
from services.scope import Scope
from settings import Settings
from storage import audit_log
from storage.models import AuditReport, Membership, Organization, User
from storage.objects import ObjectStore


@dataclass(frozen=True)
class Publisher:
    """What a `Scope` holds besides its session and principal: the API's services
    (`api.app.Services`), or a test's."""

    sessions: async_sessionmaker[AsyncSession]
    authorizer: Authorizer
    objects: ObjectStore
    settings: Settings
    url_secret: bytes


async def publish_demo(publisher: Publisher, world: DemoWorld) -> list[str]:
    """Publish every demo report the story has PUBLISHED that is still SUBMITTED,
    in story order; returns the keys of the reports it published."""
    networks = {"framework": world.framework_agreement_id, "national": world.national_network_id}
    published: list[str] = []
    for spec in DEMO_REPORTS:
        if spec.status is not AuditReportStatus.PUBLISHED:
            continue
        report_id = world.reports[spec.key]
        async with publisher.sessions() as session:
            status = await session.scalar(
                select(AuditReport.status).where(AuditReport.id == report_id)
            )
            if status is not AuditReportStatus.SUBMITTED:
                continue
            scope = Scope(
                session=session,
                principal=await officer_of(session, world.organizations[spec.commissioned_by]),
                authorizer=publisher.authorizer,
                objects=publisher.objects,
                settings=publisher.settings,
                url_secret=publisher.url_secret,
            )
            network_id = networks[spec.network] if spec.network else None
            await publish_report(scope, report_id, spec.share_scope, network_id, frozenset())
            if scope.reads.events:  # as the API does after each request
                await audit_log.append(session, scope.reads.events)
                await session.commit()
        published.append(spec.key)
    return published


async def officer_of(session: AsyncSession, organization_id: str) -> Principal:
    """The body's demo procurement officer, with the roles held there now (as
    `api.auth` builds a principal from a token)."""
    organization = await session.get_one(Organization, organization_id)
    row = await session.execute(
        select(User.id, User.email, Membership.role)
        .join(Membership, Membership.user_id == User.id)
        .where(
            Membership.organization_id == organization_id,
            User.email.in_(
                [email for email, _, role in DEMO_USERS if role is Role.PROCUREMENT_OFFICER]
            ),
        )
        .order_by(User.email)
    )
    held = row.all()
    if not held:
        raise LookupError(f"{organization.name} has no demo procurement officer")
    user_id, email = held[0].id, held[0].email
    return Principal(
        user_id=user_id,
        email=email,
        organization_id=organization.id,
        organization_kind=organization.kind,
        roles=frozenset(Role(r.role) for r in held if r.id == user_id),
    )
