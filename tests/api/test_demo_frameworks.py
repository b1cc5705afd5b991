"""The demo's framework agreement at work, read through the API: the awarded
mini-competition and its sealed bids, the open one, the template, call-offs with
an exception the lead reads, price lists; and its OCDS export is valid."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import Engine
from starlette.testclient import TestClient

from services.demo import seed_demo
from services.demo.frameworks import AWARDED_TITLE, OPEN_TITLE
from services.ocds import release_package
from storage import db
from tests.api.test_ocds_export import validator
from tests.conftest import World, gql

READ = """query { miniCompetitions(first: 10) { edges { node {
  title status buyer { id } winner { id } awardReason
  bids { price supplier { id } } } } } }"""
CALL_OFFS = """query { callOffs(first: 10) { edges { node {
  route estimatedHours exceptionGround exceptionJustification supplier { id }
  declines { reason } } } } }"""


def nodes(body: dict[str, Any], field: str) -> list[dict[str, Any]]:
    assert body.get("errors") is None, body["errors"]
    return [edge["node"] for edge in body["data"][field]["edges"]]


def test_the_demo_framework_agreement(client: TestClient, world: World, engine: Engine) -> None:
    with db.transaction(db.make_session_factory(engine)) as session:
        demo = seed_demo(session, today=dt.datetime.now(dt.UTC).date())
    orgs = demo.organizations
    oslo = world.token("innkjop@oslo.kommune.no", orgs["oslo"])
    bergen = world.token("innkjop@bergen.kommune.no", orgs["bergen"])
    consult = world.token("radgiver@samfunnsansvar-radgivning.no", orgs["consult_1"])

    (awarded,) = nodes(gql(client, READ, oslo), "miniCompetitions")
    assert awarded["title"] == AWARDED_TITLE and awarded["status"] == "AWARDED"
    assert len(awarded["bids"]) == 3 and awarded["awardReason"].startswith("best total")
    as_bergen = {c["title"]: c for c in nodes(gql(client, READ, bergen), "miniCompetitions")}
    assert as_bergen[OPEN_TITLE]["status"] == "PUBLISHED"
    assert as_bergen[OPEN_TITLE]["bids"] == []  # sealed until the deadline
    assert as_bergen[AWARDED_TITLE]["bids"] == []  # a template: no bids, no prices
    as_consult = nodes(gql(client, READ, consult), "miniCompetitions")
    for competition in as_consult:
        assert {bid["supplier"]["id"] for bid in competition["bids"]} <= {orgs["consult_1"]}

    call_offs = nodes(gql(client, CALL_OFFS, oslo), "callOffs")
    assert {c["exceptionGround"] for c in call_offs} == {None, "LIFE_OR_HEALTH"}
    declined = next(c for c in call_offs if c["declines"])
    assert declined["supplier"] == {"id": orgs["consult_2"]}

    with db.transaction(db.make_session_factory(engine)) as session:
        package = release_package(session, demo.framework_agreement_id)
    assert list(validator().iter_errors(package)) == []
    assert len(package["releases"]) == 2  # the agreement and the awarded competition
