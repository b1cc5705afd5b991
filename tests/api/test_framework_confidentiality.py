"""Confidentiality of bids and price lists as a property, on random framework
agreements built through the API on the test's clock.

Each example: a lead body and a participant that acceded, a body that was only
invited, an outside body, ranked suppliers and an outside supplier; price lists
for some ranked suppliers; mini-competitions run by the lead or the participant,
bid on by random suppliers, some cancelled; then the clock stands before or
after the deadlines. Every viewer (each organisation's user, and anonymous)
lists the competitions with their bids and the networks with their price lists.
The oracle, written here from the rules in DESIGN.md rather than from
authz/records.py:

1. a bid is read by its bidder, and by the competition's buyer once the deadline
   is reached; by nobody else (its proposal and price canaries appear in no other
   response);
2. a price list is read by its supplier and the agreement's signed participants
   (the lead among them); never by the invited, outsiders, other suppliers or
   anonymous callers;
3. what a viewer may read it reads whole (its canaries are all there).
"""

from __future__ import annotations

import datetime as dt
import re
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from domain.enums import OrganizationKind, Role
from settings import Settings
from storage import db
from tests.conftest import World, gql
from tests.frameworks_world import Clock, ok, timed_client
from tests.migrated import fresh_sqlite

SUP = OrganizationKind.SUPPLIER
CANARY = re.compile(r"(BID|PL)CANARY-(\d+)-(\d+)q")
BODIES = ("lead", "member", "invited", "outsider")

CREATE_NETWORK = "mutation($i: NetworkInput!) { createNetwork(input: $i) { id } }"
ADD_SUPPLIER = """mutation($n: ID!, $s: ID!, $r: Int!) {
  addNetworkSupplier(networkId: $n, supplierId: $s, rank: $r) { id } }"""
ADD_MEMBER = """mutation($n: ID!, $o: ID!) {
  addNetworkMember(networkId: $n, organizationId: $o) { id } }"""
JOIN = "mutation($n: ID!) { joinNetwork(networkId: $n) { id } }"
PRICES = """mutation($n: ID!, $s: ID!, $items: [PriceItemInput!]!) {
  setPriceList(networkId: $n, supplierId: $s, currency: "NOK", items: $items) { id } }"""
CREATE = "mutation($i: MiniCompetitionInput!) { createMiniCompetition(input: $i) { id } }"
PUBLISH = "mutation($id: ID!) { publishMiniCompetition(id: $id) { id } }"
BID = """mutation($m: ID!, $p: Float!, $t: String!) {
  submitBid(miniCompetitionId: $m, price: $p, proposal: $t) { id price proposal } }"""
CANCEL = "mutation($id: ID!, $r: String!) { cancelMiniCompetition(id: $id, reason: $r) { id } }"
READ = """query {
  miniCompetitions(first: 10) { edges { node { id
    bids { id price proposal supplier { id } redactedFields } } } }
  networks(first: 5) { edges { node { id
    priceLists { currency items { item price } supplier { id } } } } }
}"""


@dataclass(frozen=True)
class CompetitionSpec:
    buyer: str  # "lead" or "member"
    bidders: frozenset[int]  # indices of ranked suppliers
    cancelled: bool


@dataclass(frozen=True)
class Spec:
    suppliers: int
    price_lists: frozenset[int]
    competitions: tuple[CompetitionSpec, ...]
    after_deadline: bool


@st.composite
def specs(draw: st.DrawFn) -> Spec:
    suppliers = draw(st.integers(1, 3))
    indices = st.sampled_from(range(suppliers))
    competitions = draw(
        st.lists(
            st.builds(
                CompetitionSpec,
                buyer=st.sampled_from(["lead", "member"]),
                bidders=st.frozensets(indices),
                cancelled=st.booleans(),
            ),
            min_size=1,
            max_size=3,
        )
    )
    return Spec(
        suppliers=suppliers,
        price_lists=draw(st.frozensets(indices)),
        competitions=tuple(competitions),
        after_deadline=draw(st.booleans()),
    )


def bid_canary(competition: int, supplier: int) -> str:
    return f"BIDCANARY-{competition}-{supplier}q"


def bid_price(competition: int, supplier: int) -> float:
    return 500_000.0 + 1000 * competition + supplier


def price_list_canary(supplier: int) -> str:
    return f"PLCANARY-0-{supplier}q"


def allowed(spec: Spec, viewer: str, kind: str, competition: int, supplier: int) -> bool:
    """The oracle: may `viewer` ("lead", …, "s0", "s1", "outside", "anonymous") read it?"""
    me = f"s{supplier}"
    if kind == "PL":
        return viewer in (me, "lead", "member")
    buyer = spec.competitions[competition].buyer
    return viewer == me or (viewer == buyer and spec.after_deadline)


@settings(
    max_examples=6,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(specs())
def test_bids_and_price_lists_reach_exactly_who_may_read_them(spec: Spec) -> None:
    with tempfile.TemporaryDirectory() as directory:
        app_settings = Settings(data_dir=Path(directory) / "data")
        fresh_sqlite(app_settings.resolved_database_url)
        engine = db.make_engine(app_settings.resolved_database_url)
        try:
            clock = Clock(dt.datetime.now(dt.UTC).replace(microsecond=0))
            with timed_client(app_settings, clock) as client:
                world = World(engine, app_settings)
                tokens = build(client, world, clock, spec)
                if spec.after_deadline:
                    clock.advance(days=2)
                for viewer, token in tokens.items():
                    check(spec, viewer, gql(client, READ, token))
        finally:
            engine.dispose()


def build(client: Any, world: World, clock: Clock, spec: Spec) -> dict[str, str | None]:
    orgs = {name: world.org(f"Body {name}") for name in BODIES}
    orgs |= {f"s{i}": world.org(f"Supplier {i}", SUP) for i in range(spec.suppliers)}
    orgs["outside"] = world.org("Outside supplier", SUP)
    tokens: dict[str, str | None] = {
        name: world.user(
            f"{name}@example.no",
            org,
            Role.SUPPLIER_REPORTER
            if name.startswith(("s", "outside"))
            else Role.PROCUREMENT_OFFICER,
        )
        for name, org in orgs.items()
    }
    tokens["anonymous"] = None
    lead = tokens["lead"]
    network = ok(
        gql(client, CREATE_NETWORK, lead, {"i": {"name": "FA", "kind": "FRAMEWORK_AGREEMENT"}}),
        "createNetwork",
    )["id"]
    for i in range(spec.suppliers):
        ok(
            gql(client, ADD_SUPPLIER, lead, {"n": network, "s": orgs[f"s{i}"], "r": i + 1}),
            "addNetworkSupplier",
        )
    for body in ("member", "invited"):
        ok(gql(client, ADD_MEMBER, lead, {"n": network, "o": orgs[body]}), "addNetworkMember")
    ok(gql(client, JOIN, tokens["member"], {"n": network}), "joinNetwork")
    for i in sorted(spec.price_lists):
        items = [{"item": price_list_canary(i), "unit": "hour", "price": 1000.0 + i}]
        ok(
            gql(client, PRICES, lead, {"n": network, "s": orgs[f"s{i}"], "items": items}),
            "setPriceList",
        )
    deadline = (clock.now + dt.timedelta(days=1)).isoformat()
    for number, competition in enumerate(spec.competitions):
        buyer = tokens[competition.buyer]
        made = ok(
            gql(
                client,
                CREATE,
                buyer,
                {
                    "i": {
                        "networkId": network,
                        "title": f"Competition {number}",
                        "deadline": deadline,
                        "criteria": [{"name": "Price", "weight": 1.0, "price": True}],
                    }
                },
            ),
            "createMiniCompetition",
        )
        ok(gql(client, PUBLISH, buyer, {"id": made["id"]}), "publishMiniCompetition")
        for i in sorted(competition.bidders):
            bid = ok(
                gql(
                    client,
                    BID,
                    tokens[f"s{i}"],
                    {"m": made["id"], "p": bid_price(number, i), "t": bid_canary(number, i)},
                ),
                "submitBid",
            )
            assert bid["proposal"] == bid_canary(number, i)  # the bidder reads its own
        if competition.cancelled:
            ok(
                gql(client, CANCEL, buyer, {"id": made["id"], "r": "cancelled"}),
                "cancelMiniCompetition",
            )
    return tokens


def check(spec: Spec, viewer: str, body: dict[str, Any]) -> None:
    text = str(body)
    seen = {(kind, int(c), int(s)) for kind, c, s in CANARY.findall(text)}
    for kind, competition, supplier in seen:
        assert allowed(spec, viewer, kind, competition, supplier), (
            viewer,
            kind,
            competition,
            supplier,
        )
    for number, competition in enumerate(spec.competitions):
        for i in competition.bidders:
            price = f"{bid_price(number, i)}"
            if allowed(spec, viewer, "BID", number, i):
                assert ("BID", number, i) in seen, (viewer, number, i)
                assert price in text
            else:
                assert price not in text, (viewer, number, i)
    for i in spec.price_lists:
        assert (("PL", 0, i) in seen) == allowed(spec, viewer, "PL", 0, i), (viewer, i)
    if viewer == "anonymous":
        assert body.get("data") is None or not seen
