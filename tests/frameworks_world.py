"""A framework agreement over HTTP, for the mini-competition and call-off tests:
Oslo kommune leads it, Bergen kommune accedes, Acme (rank 1) and Beta (rank 2)
are its suppliers; Trondheim kommune and Gamma AS stand outside. The app's clock
is the test's (`Clock`), so a deadline passes without waiting."""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Engine, func, select
from starlette.testclient import TestClient

from api.app import Services, create_app
from domain.enums import OrganizationKind, Role
from settings import Settings
from storage import models
from tests.conftest import World, error_codes, gql

START = dt.datetime(2026, 12, 1, 9, 0, tzinfo=dt.UTC)


class Clock:
    """What the app takes as now; `advance` moves it."""

    def __init__(self, now: dt.datetime = START) -> None:
        self.now = now

    def __call__(self) -> dt.datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += dt.timedelta(**delta)


@contextlib.contextmanager
def timed_client(settings: Settings, clock: Clock) -> Iterator[TestClient]:
    """The in-process app over HTTP, on the test's clock."""
    services = Services.from_settings(settings)
    services.clock = clock
    with TestClient(create_app(settings, services)) as test_client:
        yield test_client


def ok(body: dict[str, Any], field: str) -> Any:
    assert body.get("errors") is None, body["errors"]
    return body["data"][field]


def refused(body: dict[str, Any], code: str) -> str:
    assert error_codes(body) == [code], body
    assert body.get("data") is None
    message: str = body["errors"][0]["message"]
    return message


CREATE_NETWORK = "mutation($i: NetworkInput!) { createNetwork(input: $i) { id } }"
ADD_SUPPLIER = """mutation($n: ID!, $s: ID!, $r: Int!) {
  addNetworkSupplier(networkId: $n, supplierId: $s, rank: $r) { id } }"""
ADD_MEMBER = """mutation($n: ID!, $o: ID!) { addNetworkMember(networkId: $n, organizationId: $o) {
  id } }"""
JOIN = "mutation($n: ID!) { joinNetwork(networkId: $n) { id } }"


@dataclass
class Agreement:
    client: TestClient
    clock: Clock
    network: str
    oslo: str
    bergen: str
    trondheim: str
    acme: str
    beta: str
    gamma: str
    kari: str  # Oslo, procurement officer (the lead, and a buyer)
    berit: str  # Bergen, procurement officer (a participant)
    tore: str  # Trondheim, procurement officer (outside)
    sam: str  # Acme, supplier reporter
    bo: str  # Beta, supplier reporter
    gus: str  # Gamma, supplier reporter (outside)

    def gql(self, query: str, token: str | None, **variables: Any) -> dict[str, Any]:
        return gql(self.client, query, token, variables)


def build_agreement(client: TestClient, world: World, clock: Clock, **terms: Any) -> Agreement:
    oslo, bergen, trondheim = (world.org(name) for name in ("Oslo", "Bergen", "Trondheim"))
    acme, beta, gamma = (
        world.org(name, OrganizationKind.SUPPLIER) for name in ("Acme AS", "Beta AB", "Gamma AS")
    )
    buyer, reporter = Role.PROCUREMENT_OFFICER, Role.SUPPLIER_REPORTER
    agreement = Agreement(
        client=client,
        clock=clock,
        network="",
        oslo=oslo,
        bergen=bergen,
        trondheim=trondheim,
        acme=acme,
        beta=beta,
        gamma=gamma,
        kari=world.user("kari@oslo.no", oslo, buyer),
        berit=world.user("berit@bergen.no", bergen, buyer),
        tore=world.user("tore@trondheim.no", trondheim, buyer),
        sam=world.user("sam@acme.no", acme, reporter),
        bo=world.user("bo@beta.se", beta, reporter),
        gus=world.user("gus@gamma.no", gamma, reporter),
    )
    network_input = {"name": "Konsulenttjenester", "kind": "FRAMEWORK_AGREEMENT", **terms}
    network = ok(gql(client, CREATE_NETWORK, agreement.kari, {"i": network_input}), "createNetwork")
    agreement.network = network["id"]
    for supplier, rank in ((acme, 1), (beta, 2)):
        ok(
            gql(
                client, ADD_SUPPLIER, agreement.kari, {"n": network["id"], "s": supplier, "r": rank}
            ),
            "addNetworkSupplier",
        )
    ok(
        gql(client, ADD_MEMBER, agreement.kari, {"n": network["id"], "o": bergen}),
        "addNetworkMember",
    )
    ok(gql(client, JOIN, agreement.berit, {"n": network["id"]}), "joinNetwork")
    return agreement


def row_counts(engine: Engine) -> dict[str, int]:
    """Rows of every table this capability writes: a refused input changes none."""
    tables = (
        models.MiniCompetition,
        models.Bid,
        models.CallOff,
        models.CallOffDecline,
        models.PriceList,
    )
    with engine.connect() as connection:
        return {
            table.__tablename__: int(
                connection.execute(select(func.count()).select_from(table)).scalar_one()
            )
            for table in tables
        }
