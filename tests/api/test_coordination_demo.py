"""The demo's national coordination: the coordinator's board over three focus
areas, and a follow-up plan with an overdue step."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Engine
from starlette.testclient import TestClient

from api.tokens import mint_dev_token
from services.demo import seed_demo
from services.demo.coordination import FIRST_AREA_PLANNED_AUDITS, MORE_FOCUS_AREAS
from services.demo.networks import FOCUS_AREA_TITLE
from settings import Settings
from storage import db
from storage.models import Contract
from tests.api.test_demo import publish

TODAY = dt.date(2026, 6, 30)
BOARD = """query($n: ID!) { focusAreas(networkId: $n) { edges { node {
  title responsibleBody { name } overview { auditsPlanned auditsDone } } } } }"""


def test_the_demo_coordinator_sees_its_board_and_buyers_their_plans(
    client: TestClient, engine: Engine, settings: Settings
) -> None:
    factory = db.make_session_factory(engine)
    with db.transaction(factory) as session:
        world = seed_demo(session, today=TODAY)
    publish(settings, world)
    users = {user.email: user for user in world.users}

    def token(email: str) -> str:
        user = users[email]
        return mint_dev_token(settings, email=email, organization_id=user.org_id)

    coordinator = token("samordnare@hallbarupphandling.se")
    body = client.post(
        "/graphql",
        json={"query": BOARD, "variables": {"n": world.national_network_id}},
        headers={"Authorization": f"Bearer {coordinator}"},
    ).json()
    nodes = {edge["node"]["title"]: edge["node"] for edge in body["data"]["focusAreas"]["edges"]}
    assert set(nodes) == {FOCUS_AREA_TITLE, *(area[0] for area in MORE_FOCUS_AREAS)}
    assert nodes[FOCUS_AREA_TITLE]["overview"] == {
        "auditsPlanned": FIRST_AREA_PLANNED_AUDITS,
        "auditsDone": 1,  # the published self-report review under it
    }
    assert nodes["Surgical instruments 2027"]["responsibleBody"] is None
    assert nodes["Workwear and textiles 2027"]["responsibleBody"] == {
        "name": "Västra Götalandsregionen"
    }

    with db.transaction(factory) as session:
        gloves = session.query(Contract).filter_by(title="Medisinske engangshansker").one()
        contract_id, step = gloves.id, gloves.follow_up_step
    assert step == "FOLLOW_UP"
    plan = client.post(
        "/graphql",
        json={
            "query": "query($c: ID!) { followUpPlan(contractId: $c) { step overdue } }",
            "variables": {"c": contract_id},
        },
        headers={"Authorization": f"Bearer {token('innkjop@oslo.kommune.no')}"},
    ).json()["data"]["followUpPlan"]
    assert [s["step"] for s in plan if s["overdue"]] == ["FOLLOW_UP"]
