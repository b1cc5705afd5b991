"""The viewer facts read with the authentication statement (`fact_pairs_column`,
`facts_from_pairs`) are the facts `load_viewer_facts` reads on its own, for every
organisation of the demo world (networks led and joined, contracts, grants,
framework places), and a request uses them without a statement of its own."""

from __future__ import annotations

import asyncio
import datetime as dt
from pathlib import Path

from sqlalchemy import select
from starlette.testclient import TestClient

from authz.enforcer import Authorizer
from authz.principal import Principal
from authz.viewer import ViewerFacts, fact_pairs_column, facts_from_pairs, load_viewer_facts
from domain.enums import Role
from services.demo.world import seed_demo
from storage import db
from storage.models import Organization
from tests.api.test_query_counts import counted
from tests.conftest import World, gql

TODAY = dt.date(2026, 12, 2)
NOW = dt.datetime(2026, 12, 2, 12, tzinfo=dt.UTC)


def test_facts_read_with_another_statement_are_the_facts_read_alone(tmp_path: Path) -> None:
    check_facts_read_along(f"sqlite:///{tmp_path / 'facts.db'}")


def check_facts_read_along(url: str) -> None:
    """On an empty database at `url` (PostgreSQL: tests/integration)."""
    engine = db.make_engine(url)
    db.upgrade(engine)
    with db.transaction(db.make_session_factory(engine)) as session:
        seed_demo(session, today=TODAY)
        organizations = [(row.id, row.kind) for row in session.scalars(select(Organization))]
    authorizer = Authorizer(engine)
    authorizer.seed_default_policies()

    async def compare() -> list[ViewerFacts]:
        async_engine = db.make_async_engine(url)
        compared: list[ViewerFacts] = []
        try:
            async with db.make_async_session_factory(async_engine)() as session:
                for organization_id, kind in organizations:
                    principal = Principal(
                        "u", "u@x.no", organization_id, kind, frozenset({Role.VIEWER})
                    )
                    alone = await load_viewer_facts(session, principal, authorizer, now=NOW)
                    pairs = (
                        await session.execute(
                            select(fact_pairs_column()),
                            {"organization_id": organization_id, "today": TODAY},
                        )
                    ).scalar()
                    along = facts_from_pairs(principal, authorizer, pairs or (), NOW)
                    assert along == alone, organization_id
                    compared.append(along)
        finally:
            await async_engine.dispose()
        return compared

    compared = asyncio.run(compare())
    engine.dispose()
    assert len(compared) == len(organizations) > 10
    # The demo holds every kind of fact, so each kind was compared non-empty.
    for name in ("network_ids", "contracted_suppliers", "granted_suppliers"):
        assert any(getattr(facts, name) for facts in compared), name


def test_a_listing_reads_the_viewers_facts_with_its_authentication(
    client: TestClient, world: World
) -> None:
    oslo = world.org("Oslo kommune")
    token = world.user("kontrakt@oslo.no", oslo, Role.CONTRACT_MANAGER)
    with counted(client) as statements:
        body = gql(client, "{ auditReports(first: 5) { edges { node { id } } } }", token)
    assert body["data"]["auditReports"]["edges"] == []
    reading_networks = [s for s in statements if "network_participants" in s]
    assert len(reading_networks) == 1 and "memberships" in reading_networks[0], statements
