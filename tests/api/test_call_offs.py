"""Call-offs and price lists over HTTP: the route at the threshold, the exception
the lead reads, declines passing the call-off down the ranks, who reads a price
list, and refusals with nothing stored."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import Engine
from starlette.testclient import TestClient

from settings import Settings
from tests.conftest import World
from tests.frameworks_world import (
    Agreement,
    Clock,
    build_agreement,
    ok,
    refused,
    row_counts,
    timed_client,
)

PLAN = """mutation($n: ID!, $h: Int!, $j: String, $m: Boolean) {
  planCallOff(networkId: $n, estimatedHours: $h, exceptionJustification: $j,
              miniCompetition: $m) {
    id route reason estimatedHours exceptionJustification exceptionGround redactedFields
    supplier { id } buyer { id }
    declines { reason supplier { id } } } }"""
DECLINE = "mutation($n: ID!, $r: String!) { declineCallOff(networkId: $n, reason: $r) }"
CALL_OFFS = """query($n: ID) { callOffs(networkId: $n) { totalCount edges { node {
  id route reason exceptionJustification exceptionGround redactedFields supplier { id }
  buyer { id } declines { reason supplier { id } } } } } }"""
SET_PRICES = """mutation($n: ID!, $s: ID!, $c: String!, $items: [PriceItemInput!]!) {
  setPriceList(networkId: $n, supplierId: $s, currency: $c, items: $items) {
    id currency items { item unit price } supplier { id } redactedFields } }"""
PRICE_LISTS = """query { networks(first: 5) { edges { node { id
  priceLists { id currency items { item unit price } supplier { id } } } } } }"""
JUSTIFICATION = "Unforeseen intrusion in the hospital network: security response needed now"


@pytest.fixture
def clock() -> Clock:
    return Clock(dt.datetime.now(dt.UTC).replace(microsecond=0))


@pytest.fixture
def client(engine: Engine, settings: Settings, clock: Clock) -> Iterator[TestClient]:
    with timed_client(settings, clock) as test_client:
        yield test_client


@pytest.fixture
def agreement(client: TestClient, world: World, clock: Clock) -> Agreement:
    return build_agreement(client, world, clock)


def plan(a: Agreement, token: str, hours: int, **extra: Any) -> dict[str, Any]:
    decided: dict[str, Any] = ok(a.gql(PLAN, token, n=a.network, h=hours, **extra), "planCallOff")
    return decided


def call_offs(a: Agreement, token: str) -> list[dict[str, Any]]:
    found = ok(a.gql(CALL_OFFS, token, n=a.network), "callOffs")
    return [edge["node"] for edge in found["edges"]]


def test_the_route_at_the_threshold(agreement: Agreement) -> None:
    a = agreement
    routes = {hours: plan(a, a.berit, hours) for hours in (249, 250, 251)}
    assert routes[249]["route"] == routes[250]["route"] == "DIRECT"
    assert routes[249]["supplier"] == routes[250]["supplier"] == {"id": a.acme}
    assert routes[251]["route"] == "MINI_COMPETITION" and routes[251]["supplier"] is None
    assert "mandatory" in routes[251]["reason"]
    chosen = plan(a, a.berit, 10, m=True)
    assert chosen["route"] == "MINI_COMPETITION"


def test_an_exception_is_recorded_and_the_lead_reads_it(agreement: Agreement) -> None:
    a = agreement
    excepted = plan(a, a.berit, 400, j=JUSTIFICATION)
    assert excepted["route"] == "DIRECT" and excepted["supplier"] == {"id": a.acme}
    assert excepted["exceptionGround"] == "SECURITY"
    assert excepted["exceptionJustification"] == JUSTIFICATION
    (as_lead,) = call_offs(a, a.kari)
    assert as_lead["id"] == excepted["id"] and as_lead["buyer"] == {"id": a.bergen}
    assert as_lead["exceptionJustification"] == JUSTIFICATION
    # The supplier asked reads the route and reason, not the justification.
    (as_acme,) = call_offs(a, a.sam)
    assert as_acme["exceptionJustification"] is None
    assert "exceptionJustification" in as_acme["redactedFields"]
    assert call_offs(a, a.bo) == [] and call_offs(a, a.tore) == []


def test_declines_pass_the_call_off_down_the_ranks(agreement: Agreement) -> None:
    a = agreement
    planned = plan(a, a.berit, 100)
    assert planned["supplier"] == {"id": a.acme}
    refused(a.gql(DECLINE, a.bo, n=a.network, r="not asked"), "CONFLICT")
    assert ok(a.gql(DECLINE, a.sam, n=a.network, r="No capacity in March"), "declineCallOff")
    (after_acme,) = call_offs(a, a.berit)
    assert after_acme["route"] == "DIRECT" and after_acme["supplier"] == {"id": a.beta}
    assert after_acme["declines"] == [
        {"reason": "No capacity in March", "supplier": {"id": a.acme}}
    ]
    assert "not declined" in after_acme["reason"]
    assert ok(a.gql(DECLINE, a.bo, n=a.network, r="Fully booked"), "declineCallOff")
    (after_both,) = call_offs(a, a.berit)
    assert after_both["route"] == "MINI_COMPETITION" and after_both["supplier"] is None
    assert "every ranked supplier (2) has declined" in after_both["reason"]
    # Acme no longer sees the call-off: it is addressed to nobody now.
    assert call_offs(a, a.sam) == []


def test_only_participants_call_off_and_nothing_is_stored(
    agreement: Agreement, engine: Engine
) -> None:
    a = agreement
    before = row_counts(engine)
    cases = [
        (a.tore, {"h": 10}, "FORBIDDEN", "participants"),
        (a.sam, {"h": 10}, "FORBIDDEN", "call_off:plan"),
        (a.berit, {"h": 0}, "BAD_USER_INPUT", "estimatedHours"),
        (a.berit, {"h": 100, "j": JUSTIFICATION}, "BAD_USER_INPUT", "not needed"),
        (
            a.berit,
            {"h": 400, "j": "Because the project needs more capacity now."},
            "BAD_USER_INPUT",
            "security",
        ),
    ]
    for token, variables, code, says in cases:
        message = refused(a.gql(PLAN, token, n=a.network, **variables), code)
        assert says in message, (says, message)
        assert row_counts(engine) == before


def test_price_lists_are_read_by_participants_and_the_supplier_only(
    agreement: Agreement, engine: Engine
) -> None:
    a = agreement
    items = [{"item": "Senior consultant", "unit": "hour", "price": 1450.0}]
    saved = ok(
        a.gql(SET_PRICES, a.kari, n=a.network, s=a.acme, c="NOK", items=items), "setPriceList"
    )
    assert saved["items"] == items and saved["currency"] == "NOK"
    before = row_counts(engine)
    refused(a.gql(SET_PRICES, a.berit, n=a.network, s=a.acme, c="NOK", items=items), "FORBIDDEN")
    refused(
        a.gql(SET_PRICES, a.kari, n=a.network, s=a.gamma, c="NOK", items=items), "BAD_USER_INPUT"
    )
    refused(a.gql(SET_PRICES, a.kari, n=a.network, s=a.acme, c="kr", items=items), "BAD_USER_INPUT")
    assert row_counts(engine) == before

    def seen(token: str | None) -> list[Any]:
        body = a.gql(PRICE_LISTS, token)
        if token is None:
            return [str(body)]
        edges = ok(body, "networks")["edges"]
        return [price_list for edge in edges for price_list in edge["node"]["priceLists"]]

    for reader in (a.kari, a.berit, a.sam):
        (price_list,) = seen(reader)
        assert price_list["items"] == items, reader
    for outsider in (a.tore, a.bo, a.gus):
        assert seen(outsider) == []
    assert "1450" not in seen(None)[0]
