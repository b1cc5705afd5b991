"""Thirty clients at once, through the ASGI app (SQLite file database here; the
same scenarios run on PostgreSQL in tests/integration/test_concurrency_postgres.py):
no INTERNAL_SERVER_ERROR, no lost update, and every report's share-change history
agrees with its final status."""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Callable
from typing import Any

import httpx
from sqlalchemy import select
from starlette.testclient import TestClient

from api.app import Services, create_app
from domain.enums import OrganizationKind
from settings import Settings
from storage import models
from tests.conftest import World, gql, mod11_complete
from tests.reports_world import ReportsWorld, build_reports_world, create_inspection

CLIENTS = 30

PUBLISH = """mutation($id: ID!, $s: ShareScope!) {
  publishAuditReport(id: $id, shareScope: $s) { status shareScope } }"""
WITHDRAW = """mutation($id: ID!) { withdrawAuditReport(id: $id, reason: "recalled") { status } }"""
SUBMIT = "mutation($id: ID!) { submitAuditReport(id: $id) { status } }"
ADD_FINDING = """mutation($r: ID!, $input: FindingInput!) {
  addFinding(reportId: $r, input: $input) { id } }"""
ADD_SUPPLIER = """mutation($n: ID!, $s: ID!, $rank: Int!) {
  addNetworkSupplier(networkId: $n, supplierId: $s, rank: $rank) { id } }"""
ADD_MEMBER = """mutation($n: ID!, $o: ID!) {
  addNetworkMember(networkId: $n, organizationId: $o) { id } }"""

Call = tuple[str, str, dict[str, Any]]  # query, token, variables


async def _send_all(settings: Settings, calls: list[Call]) -> list[dict[str, Any]]:
    services = Services.from_settings(settings)
    app = create_app(settings, services)
    try:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as http:

            async def one(call: Call) -> dict[str, Any]:
                query, token, variables = call
                response = await http.post(
                    "/graphql",
                    json={"query": query, "variables": variables},
                    headers={"Authorization": f"Bearer {token}"},
                )
                body: dict[str, Any] = response.json()
                body["_status"] = response.status_code
                return body

            return list(await asyncio.gather(*(one(call) for call in calls)))
    finally:
        await services.close()


def send_all(settings: Settings, calls: list[Call]) -> list[dict[str, Any]]:
    """The calls at once, each its own request; their decoded bodies in order."""
    return asyncio.run(_send_all(settings, calls))


def codes(bodies: list[dict[str, Any]]) -> Counter[str]:
    """OK, or the code of each answer's error."""
    found: Counter[str] = Counter()
    for body in bodies:
        errors = body.get("errors") or []
        found[errors[0].get("extensions", {}).get("code") if errors else "OK"] += 1
    return found


def check(bodies: list[dict[str, Any]], allowed: set[str]) -> Counter[str]:
    found = codes(bodies)
    assert "INTERNAL_SERVER_ERROR" not in found, bodies
    assert all(body["_status"] < 500 for body in bodies), bodies
    assert set(found) <= allowed, (found, bodies)
    return found


def share_history(world: World, report_id: str) -> list[str]:
    with world.factory() as session:
        return list(
            session.scalars(
                select(models.AuditLogEntry.action)
                .where(
                    models.AuditLogEntry.subject_id == report_id,
                    models.AuditLogEntry.action.in_(("share_changed", "withdrawn", "superseded")),
                )
                .order_by(models.AuditLogEntry.seq)
            )
        )


def report_status(world: World, report_id: str) -> models.AuditReport:
    with world.factory() as session:
        return session.get_one(models.AuditReport, report_id)


def run_publish_against_withdraw(
    client: TestClient, world: World, settings: Settings, w: ReportsWorld
) -> None:
    """A published report, then 15 re-shares and 15 withdrawals at once: exactly
    one withdrawal wins, no re-share is acknowledged after it, and the log says so."""
    report = create_inspection(client, w)
    assert gql(client, SUBMIT, w.tokens["auditor"], {"id": report})["data"], report
    first = gql(client, PUBLISH, w.tokens["oslo"], {"id": report, "s": "ALL_PUBLIC_BODIES"})
    assert first.get("data"), first
    calls: list[Call] = [
        (PUBLISH, w.tokens["oslo"], {"id": report, "s": "PUBLIC" if i % 4 else "PRIVATE"})
        if i % 2
        else (WITHDRAW, w.tokens["oslo"], {"id": report})
        for i in range(CLIENTS)
    ]
    bodies = send_all(settings, calls)
    check(bodies, {"OK", "CONFLICT"})
    withdrawn = [b for (q, _, _), b in zip(calls, bodies, strict=True) if q is WITHDRAW]
    reshared = [b for (q, _, _), b in zip(calls, bodies, strict=True) if q is PUBLISH]
    assert codes(withdrawn)["OK"] == 1, withdrawn  # one acknowledged withdrawal
    row = report_status(world, report)
    assert row.status.value == "WITHDRAWN"  # nothing published it again afterwards
    history = share_history(world, report)
    assert history[-1] == "withdrawn", history
    assert history.count("withdrawn") == 1
    # Every acknowledged change is on the log (none lost), and only those.
    assert history.count("share_changed") == 1 + codes(reshared)["OK"], history


def run_add_finding(client: TestClient, world: World, settings: Settings, w: ReportsWorld) -> None:
    report = create_inspection(client, w)  # one finding already
    finding = {"requirement": "ILO_C87", "severity": "MINOR", "description": "Union notice."}
    bodies = send_all(
        settings, [(ADD_FINDING, w.tokens["auditor"], {"r": report, "input": finding})] * CLIENTS
    )
    assert check(bodies, {"OK"})["OK"] == CLIENTS
    with world.factory() as session:
        positions = sorted(
            session.scalars(
                select(models.Finding.position).where(models.Finding.report_id == report)
            )
        )
    assert positions == list(range(CLIENTS + 1))


def run_rank_clashes(client: TestClient, world: World, settings: Settings, w: ReportsWorld) -> None:
    """15 suppliers for rank 1 at once (one wins, the rest CONFLICT), and one
    supplier moved to 15 ranks at once (each move is OK; it ends at one rank)."""
    suppliers = [
        world.org(
            f"Leverandør {i}",
            kind=OrganizationKind.SUPPLIER,
            org_number=mod11_complete(f"{80_000_000 + 100 * i:08d}"),
        )
        for i in range(CLIENTS // 2)
    ]
    mover = world.org(
        "Flytter AS", kind=OrganizationKind.SUPPLIER, org_number=mod11_complete("81000000")
    )
    token = w.tokens["oslo"]
    calls: list[Call] = [
        (ADD_SUPPLIER, token, {"n": w.network, "s": supplier, "rank": 1}) for supplier in suppliers
    ] + [(ADD_SUPPLIER, token, {"n": w.network, "s": mover, "rank": 2 + i}) for i in range(15)]
    bodies = send_all(settings, calls)
    check(bodies, {"OK", "CONFLICT"})
    first_rank, moves = bodies[:15], bodies[15:]
    assert codes(first_rank)["OK"] == 1, first_rank
    for body in first_rank:
        for error in body.get("errors") or []:
            assert "rank" in error["message"], error
    assert codes(moves)["OK"] == 15, moves
    with world.factory() as session:
        ranked = session.execute(
            select(models.NetworkSupplier.supplier_id, models.NetworkSupplier.rank).where(
                models.NetworkSupplier.network_id == w.network
            )
        ).all()
    by_supplier = Counter(supplier for supplier, _ in ranked)
    assert by_supplier[mover] == 1 and max(by_supplier.values()) == 1, ranked
    assert sorted(rank for _, rank in ranked if rank == 1) == [1]


def run_repeated_add_member(
    client: TestClient, world: World, settings: Settings, w: ReportsWorld
) -> None:
    bodies = send_all(
        settings, [(ADD_MEMBER, w.tokens["oslo"], {"n": w.network, "o": w.trondheim})] * CLIENTS
    )
    assert check(bodies, {"OK"})["OK"] == CLIENTS
    with world.factory() as session:
        rows = session.scalars(
            select(models.NetworkParticipant).where(
                models.NetworkParticipant.network_id == w.network,
                models.NetworkParticipant.organization_id == w.trondheim,
            )
        ).all()
    assert len(rows) == 1


SCENARIOS: dict[str, Callable[[TestClient, World, Settings, ReportsWorld], None]] = {
    "publish_against_withdraw": run_publish_against_withdraw,
    "add_finding": run_add_finding,
    "rank_clashes": run_rank_clashes,
    "repeated_add_member": run_repeated_add_member,
}


def run(name: str, client: TestClient, world: World, settings: Settings) -> None:
    # Correctness under contention, not capacity: thirty requests may wait for the
    # pool's twenty connections longer than production's 3 s on a busy machine.
    patient = settings.model_copy(update={"db_pool_timeout_seconds": 60.0})
    SCENARIOS[name](client, world, patient, build_reports_world(client, world))


def test_publish_against_withdraw(client: TestClient, world: World, settings: Settings) -> None:
    run("publish_against_withdraw", client, world, settings)


def test_add_finding_positions(client: TestClient, world: World, settings: Settings) -> None:
    run("add_finding", client, world, settings)


def test_rank_clashes(client: TestClient, world: World, settings: Settings) -> None:
    run("rank_clashes", client, world, settings)


def test_repeated_add_member(client: TestClient, world: World, settings: Settings) -> None:
    run("repeated_add_member", client, world, settings)
