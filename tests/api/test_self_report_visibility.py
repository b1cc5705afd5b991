"""The viewer facts behind the self-report rule, loaded from the database: active
contracts of public bodies, unrevoked grants, in one statement."""

from __future__ import annotations

import asyncio
import datetime as dt

from sqlalchemy import Engine

from authz.enforcer import Authorizer
from authz.principal import Principal
from authz.viewer import ViewerFacts, load_viewer_facts
from domain.enums import OrganizationKind as K
from settings import Settings
from storage import db
from storage.models import Contract, SelfReportGrant
from tests.conftest import World

TODAY = dt.date(2026, 12, 1)


def facts_of(
    engine: Engine, settings: Settings, org: str, kind: K, today: dt.date = TODAY
) -> ViewerFacts:
    async def load() -> ViewerFacts:
        async_engine = db.make_async_engine(settings.resolved_database_url)
        try:
            factory = db.make_async_session_factory(async_engine)
            async with factory() as session:
                principal = Principal("u", "u@example.org", org, kind, frozenset())
                return await load_viewer_facts(session, principal, Authorizer(engine), today)
        finally:
            await async_engine.dispose()

    return asyncio.run(load())


def test_facts_name_active_contracts_and_unrevoked_grants(
    engine: Engine, settings: Settings, world: World
) -> None:
    body = world.org("Kommune")
    auditor = world.org("Revisjon AS", kind=K.AUDITOR)
    current, ended, future, granted, revoked = (
        world.org(f"Leverandør {n} AS", kind=K.SUPPLIER) for n in range(5)
    )
    with db.transaction(world.factory) as session:
        for supplier, start, end in (
            (current, dt.date(2025, 1, 1), None),
            (ended, dt.date(2025, 1, 1), dt.date(2026, 11, 30)),
            (future, dt.date(2026, 12, 2), None),
        ):
            session.add(
                Contract(
                    buyer_id=body,
                    supplier_id=supplier,
                    title="Hansker",
                    product_category="gloves",
                    start_date=start,
                    end_date=end,
                )
            )
        for supplier, revoked_at in ((granted, None), (revoked, dt.datetime(2026, 11, 1))):
            for grantee in (body, auditor):
                session.add(
                    SelfReportGrant(
                        supplier_id=supplier,
                        organization_id=grantee,
                        purpose="Risk assessment",
                        revoked_at=revoked_at,
                    )
                )
    facts = facts_of(engine, settings, body, K.PUBLIC_BODY)
    assert facts.contracted_suppliers == {current}
    assert facts.granted_suppliers == {granted}
    assert facts.self_report_suppliers == {body, current, granted}
    auditor_facts = facts_of(engine, settings, auditor, K.AUDITOR)
    assert auditor_facts.contracted_suppliers == frozenset()
    assert auditor_facts.self_report_suppliers == {auditor, granted}
