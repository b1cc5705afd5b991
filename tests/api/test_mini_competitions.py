"""Mini-competitions end to end over HTTP, and every bad input refused with
nothing stored (the app runs on the test's clock; see tests/frameworks_world.py)."""

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

COMPETITION_FIELDS = """
  id title status deadline estimatedHours requirements templateAt clonedFromId
  awardReason cancelReason redactedFields
  buyer { id } winner { id } network { id }
  criteria { name weight environmental price }
  bids { id price proposal score submittedAt supplier { id } redactedFields
         points { criterion points } }
"""
CREATE = f"""mutation($i: MiniCompetitionInput!) {{
  createMiniCompetition(input: $i) {{ {COMPETITION_FIELDS} }} }}"""
PUBLISH = f"mutation($id: ID!) {{ publishMiniCompetition(id: $id) {{ {COMPETITION_FIELDS} }} }}"
BID = """mutation($m: ID!, $p: Float!, $t: String!) {
  submitBid(miniCompetitionId: $m, price: $p, proposal: $t) {
    id price proposal score supplier { id } } }"""
SCORE = """mutation($b: ID!, $s: [CriterionScoreInput!]!) {
  scoreBid(bidId: $b, scores: $s) { id score points { criterion points } supplier { id } } }"""
AWARD = f"""mutation($id: ID!, $s: ID!) {{
  awardMiniCompetition(id: $id, supplierId: $s) {{ {COMPETITION_FIELDS} }} }}"""
CANCEL = f"""mutation($id: ID!, $r: String!) {{
  cancelMiniCompetition(id: $id, reason: $r) {{ {COMPETITION_FIELDS} }} }}"""
CLONE = f"mutation($id: ID!) {{ cloneMiniCompetition(id: $id) {{ {COMPETITION_FIELDS} }} }}"
LIST = f"""query($n: ID) {{ miniCompetitions(networkId: $n) {{
  totalCount edges {{ node {{ {COMPETITION_FIELDS} }} }} }} }}"""

CRITERIA = [
    {"name": "Price", "weight": 0.5, "price": True},
    {"name": "Quality", "weight": 0.2},
    {"name": "Climate", "weight": 0.3, "environmental": True},
]
REQUIREMENTS = "Migrate the case archive to the new system; 300 consultant hours."


@pytest.fixture
def clock() -> Clock:
    return Clock(dt.datetime.now(dt.UTC).replace(microsecond=0))


@pytest.fixture
def client(engine: Engine, settings: Settings, clock: Clock) -> Iterator[TestClient]:
    with timed_client(settings, clock) as test_client:
        yield test_client


@pytest.fixture
def agreement(client: TestClient, world: World, clock: Clock) -> Agreement:
    return build_agreement(client, world, clock, minEnvironmentalWeight=0.3)


def competition_input(agreement: Agreement, **changes: Any) -> dict[str, Any]:
    deadline = agreement.clock.now + dt.timedelta(days=7)
    return {
        "networkId": agreement.network,
        "title": "Arkivmigrering",
        "estimatedHours": 300,
        "deadline": deadline.isoformat(),
        "criteria": CRITERIA,
        "requirements": REQUIREMENTS,
        **changes,
    }


def competitions(agreement: Agreement, token: str | None) -> list[dict[str, Any]]:
    found = ok(agreement.gql(LIST, token, n=agreement.network), "miniCompetitions")
    return [edge["node"] for edge in found["edges"]]


def published(agreement: Agreement) -> dict[str, Any]:
    created = ok(
        agreement.gql(CREATE, agreement.kari, i=competition_input(agreement)),
        "createMiniCompetition",
    )
    assert created["status"] == "DRAFT"
    return ok(agreement.gql(PUBLISH, agreement.kari, id=created["id"]), "publishMiniCompetition")


def test_publish_bid_seal_score_award_and_clone(agreement: Agreement) -> None:
    a = agreement
    # 1. The buyer publishes; two suppliers bid.
    competition = published(a)
    assert competition["status"] == "PUBLISHED"
    assert [c["name"] for c in competition["criteria"]] == ["Price", "Quality", "Climate"]
    acme_bid = ok(a.gql(BID, a.sam, m=competition["id"], p=1000.0, t="ACME-SOLUTION"), "submitBid")
    beta_bid = ok(a.gql(BID, a.bo, m=competition["id"], p=1250.0, t="BETA-SOLUTION"), "submitBid")
    assert acme_bid["price"] == 1000.0 and acme_bid["proposal"] == "ACME-SOLUTION"

    # 2. A third party and a rival cannot see the bids, nor the buyer before the deadline.
    for outsider in (a.tore, a.gus, a.berit, None):
        body = a.gql(LIST, outsider, n=a.network)
        text = str(body)
        assert "ACME-SOLUTION" not in text and "BETA-SOLUTION" not in text and "1250" not in text
    assert competitions(a, a.tore) == [] and competitions(a, a.gus) == []
    assert competitions(a, a.berit) == []  # not a template yet
    (as_acme,) = competitions(a, a.sam)
    assert [(bid["supplier"]["id"], bid["price"]) for bid in as_acme["bids"]] == [(a.acme, 1000.0)]
    (as_beta,) = competitions(a, a.bo)
    assert [bid["proposal"] for bid in as_beta["bids"]] == ["BETA-SOLUTION"]
    assert "ACME" not in str(as_beta)
    (as_buyer,) = competitions(a, a.kari)
    assert as_buyer["status"] == "PUBLISHED" and as_buyer["bids"] == []
    refused(
        a.gql(SCORE, a.kari, b=acme_bid["id"], s=[{"criterion": "Quality", "points": 5}]),
        "NOT_FOUND",
    )
    refused(a.gql(AWARD, a.kari, id=competition["id"], s=a.acme), "CONFLICT")

    # 3. The deadline passes (no job runs): the buyer sees, scores and awards.
    a.clock.advance(days=7)
    (closed,) = competitions(a, a.kari)
    assert closed["status"] == "CLOSED"
    assert {bid["supplier"]["id"]: bid["price"] for bid in closed["bids"]} == {
        a.acme: 1000.0,
        a.beta: 1250.0,
    }
    late = refused(a.gql(BID, a.bo, m=competition["id"], p=900.0, t="late"), "CONFLICT")
    assert "late bids are refused" in late
    refused(
        a.gql(SCORE, a.sam, b=acme_bid["id"], s=[{"criterion": "Quality", "points": 10}]),
        "FORBIDDEN",
    )
    acme_points = [{"criterion": "Quality", "points": 6}, {"criterion": "Climate", "points": 5}]
    scored = ok(a.gql(SCORE, a.kari, b=acme_bid["id"], s=acme_points), "scoreBid")
    # Price 0.5 * 1000/1000 + Quality 0.2 * 0.6 + Climate 0.3 * 0.5
    assert scored["score"] == pytest.approx(0.5 + 0.12 + 0.15)
    partial = ok(
        a.gql(SCORE, a.kari, b=beta_bid["id"], s=[{"criterion": "Quality", "points": 10}]),
        "scoreBid",
    )
    assert partial["score"] is None  # Climate has no points yet
    unscored = refused(a.gql(AWARD, a.kari, id=competition["id"], s=a.acme), "CONFLICT")
    assert "Beta AB" in unscored
    scored = ok(
        a.gql(SCORE, a.kari, b=beta_bid["id"], s=[{"criterion": "Climate", "points": 10}]),
        "scoreBid",
    )
    # Price 0.5 * 1000/1250 + Quality 0.2 * 1.0 + Climate 0.3 * 1.0
    assert scored["score"] == pytest.approx(0.4 + 0.2 + 0.3)
    wrong = refused(a.gql(AWARD, a.kari, id=competition["id"], s=a.acme), "CONFLICT")
    assert "Beta AB has the best total (0.900)" in wrong
    awarded = ok(a.gql(AWARD, a.kari, id=competition["id"], s=a.beta), "awardMiniCompetition")
    assert awarded["status"] == "AWARDED" and awarded["winner"] == {"id": a.beta}
    assert awarded["awardReason"].startswith("best total score of 2 bid(s): Beta AB 0.900")
    assert awarded["templateAt"] is not None

    # The losing bidder reads why, and still only its own bid.
    (as_acme,) = competitions(a, a.sam)
    assert as_acme["awardReason"] == awarded["awardReason"]
    assert [bid["supplier"]["id"] for bid in as_acme["bids"]] == [a.acme]

    # 4. Another participant clones the template and sees no price.
    (template,) = competitions(a, a.berit)
    assert template["requirements"] == REQUIREMENTS
    assert template["criteria"] == competition["criteria"]
    assert template["bids"] == [] and template["awardReason"] is None
    assert "awardReason" in template["redactedFields"]
    cloned = ok(a.gql(CLONE, a.berit, id=competition["id"]), "cloneMiniCompetition")
    assert cloned["status"] == "DRAFT" and cloned["buyer"] == {"id": a.bergen}
    assert cloned["clonedFromId"] == competition["id"] and cloned["bids"] == []
    assert cloned["criteria"] == competition["criteria"] and cloned["winner"] is None
    deadline = dt.datetime.fromisoformat(cloned["deadline"])
    assert deadline - a.clock.now == dt.timedelta(days=7)  # the template's bidding period
    for text in (str(template), str(cloned)):
        for secret in ("1000", "1250", "ACME-SOLUTION", "BETA-SOLUTION", "0.900"):
            assert secret not in text
    # The outsider still sees only the public outline of the decided competition.
    (outline,) = competitions(a, a.tore)
    assert outline["status"] == "AWARDED" and outline["requirements"] is None
    assert outline["criteria"] == [] and outline["bids"] == []
    refused(a.gql(CLONE, a.tore, id=competition["id"]), "NOT_FOUND")


def test_cancelled_competitions_are_templates_too(agreement: Agreement) -> None:
    a = agreement
    competition = published(a)
    ok(a.gql(BID, a.sam, m=competition["id"], p=10.0, t="ACME-SOLUTION"), "submitBid")
    refused(a.gql(CANCEL, a.berit, id=competition["id"], r="no"), "NOT_FOUND")
    cancelled = ok(
        a.gql(CANCEL, a.kari, id=competition["id"], r="Budget withdrawn"), "cancelMiniCompetition"
    )
    assert cancelled["status"] == "CANCELLED" and cancelled["cancelReason"] == "Budget withdrawn"
    refused(a.gql(CANCEL, a.kari, id=competition["id"], r="again"), "CONFLICT")
    refused(a.gql(BID, a.bo, m=competition["id"], p=5.0, t="after cancel"), "CONFLICT")
    (template,) = competitions(a, a.berit)
    assert template["cancelReason"] == "Budget withdrawn" and template["bids"] == []
    assert "ACME-SOLUTION" not in str(template)


def test_a_supplier_may_replace_its_bid_before_the_deadline(agreement: Agreement) -> None:
    a = agreement
    competition = published(a)
    first = ok(a.gql(BID, a.sam, m=competition["id"], p=10.0, t="first"), "submitBid")
    again = ok(a.gql(BID, a.sam, m=competition["id"], p=9.0, t="second"), "submitBid")
    assert again["id"] == first["id"] and again["price"] == 9.0
    (as_acme,) = competitions(a, a.sam)
    assert [(bid["price"], bid["proposal"]) for bid in as_acme["bids"]] == [(9.0, "second")]


# --- bad input: a clear error, nothing stored -------------------------------------------


def test_bad_input_is_refused_with_nothing_stored(agreement: Agreement, engine: Engine) -> None:
    a = agreement
    competition = published(a)
    ok(a.gql(BID, a.sam, m=competition["id"], p=100.0, t="on time"), "submitBid")
    before = row_counts(engine)
    past = (a.clock.now - dt.timedelta(minutes=1)).isoformat()
    cases: list[tuple[str, dict[str, Any], str | None, str, str]] = [
        (CREATE, {"i": competition_input(a, deadline=past)}, a.kari, "BAD_USER_INPUT", "deadline"),
        (
            CREATE,
            {
                "i": competition_input(
                    a,
                    criteria=[
                        {"name": "Price", "weight": 0.5, "price": True},
                        {"name": "Climate", "weight": 0.4, "environmental": True},
                    ],
                )
            },
            a.kari,
            "BAD_USER_INPUT",
            "weights sum to 0.9",
        ),
        (
            CREATE,
            {
                "i": competition_input(
                    a,
                    criteria=[
                        {"name": "Price", "weight": 0.8, "price": True},
                        {"name": "Climate", "weight": 0.2, "environmental": True},
                    ],
                )
            },
            a.kari,
            "BAD_USER_INPUT",
            "requires at least 0.3",
        ),
        (CREATE, {"i": competition_input(a)}, a.tore, "FORBIDDEN", "participants"),
        (
            BID,
            {"m": competition["id"], "p": 50.0, "t": "outsider"},
            a.gus,
            "NOT_FOUND",
            "suppliers bid",
        ),
        (
            BID,
            {"m": competition["id"], "p": 50.0, "t": "a body"},
            a.berit,
            "FORBIDDEN",
            "bid:submit",
        ),
        (
            BID,
            {"m": competition["id"], "p": -1.0, "t": "negative"},
            a.bo,
            "BAD_USER_INPUT",
            "price",
        ),
    ]
    for query, variables, token, code, says in cases:
        message = refused(a.gql(query, token, **variables), code)
        assert says in message, (says, message)
        assert row_counts(engine) == before, (says, row_counts(engine))
    a.clock.advance(days=7, seconds=1)
    late = refused(a.gql(BID, a.bo, m=competition["id"], p=50.0, t="late"), "CONFLICT")
    assert "late bids are refused" in late
    assert row_counts(engine) == before


ONE = f"query($id: ID!) {{ miniCompetition(id: $id) {{ {COMPETITION_FIELDS} }} }}"


def test_one_competition_by_id_is_what_the_list_shows_each_viewer(agreement: Agreement) -> None:
    competition = published(agreement)
    ok(
        agreement.gql(BID, agreement.sam, m=competition["id"], p=1000.0, t="We migrate it."),
        "submitBid",
    )
    for token in (agreement.kari, agreement.sam, agreement.bo, agreement.gus, agreement.tore):
        listed = [c for c in competitions(agreement, token) if c["id"] == competition["id"]]
        one = agreement.gql(ONE, token, id=competition["id"])
        assert "errors" not in one, one
        assert one["data"]["miniCompetition"] == (listed[0] if listed else None), token
    # Seen by the buyer and by the agreement's suppliers; a sealed bid only by its bidder.
    sam_bids = agreement.gql(ONE, agreement.sam, id=competition["id"])["data"]["miniCompetition"]
    assert len(sam_bids["bids"]) == 1
    bo_view = agreement.gql(ONE, agreement.bo, id=competition["id"])["data"]["miniCompetition"]
    assert bo_view["bids"] == []
    assert (
        agreement.gql(ONE, agreement.gus, id=competition["id"])["data"]["miniCompetition"] is None
    )
    assert agreement.gql(ONE, agreement.kari, id="no-such-id")["data"]["miniCompetition"] is None
    anonymous = agreement.gql(ONE, None, id=competition["id"])
    assert [e["extensions"]["code"] for e in anonymous["errors"]] == ["UNAUTHENTICATED"]
