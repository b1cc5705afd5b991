"""Contract confidentiality as a property: on random worlds, every organisation sees
exactly the contracts it is a party to, with their price, and every price read is on
the audit log (`authz.records.CONTRACT`, DESIGN.md "Confidentiality").

Each example builds a fresh world through the real API: 2-4 public bodies, 1-3
suppliers and an auditor firm, each with one user of a random role that may read
contracts, and 0-6 contracts between random (body, supplier) pairs (a pair may repeat),
created with `createContract`. Every contract's title and price are canaries unique to
it (some prices are null). Then every organisation, and an anonymous caller, reads the
contracts every way the API offers: the `contracts` list with every field, the same
list narrowed by each organisation's id as `supplierId`, walked page by page, and
federation's `_entities` for EVERY contract id. The expected view comes from an oracle
written here from the rule, independently of `authz.records`:

1. a contract is visible to its buyer and its supplier, and to no one else: lists and
   `totalCount` hold exactly those, `_entities` answers null for every other id;
2. a party reads the exact title, price, buyer and supplier;
3. no response carries the id, title or price of a contract the caller may not see;
4. every answer that selected `value` appended one `read_restricted` event (subject
   type "contract") per contract disclosed, for the caller's organisation; answers
   without `value`, outsiders' and anonymous ones append none; the chain verifies;
5. anonymous callers get UNAUTHENTICATED.
"""

from __future__ import annotations

import json
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from sqlalchemy import select
from starlette.testclient import TestClient

from api.app import Services, create_app
from domain.enums import OrganizationKind, Role
from settings import Settings
from storage import audit_log, db
from storage.models import AuditLogEntry
from tests.conftest import World
from tests.migrated import fresh_sqlite

PB = OrganizationKind.PUBLIC_BODY
SUP = OrganizationKind.SUPPLIER
AUD = OrganizationKind.AUDITOR

# Roles that may read contracts at all (the row filter is what is under test here; a
# role without the grant would be FORBIDDEN before any row is read).
READER_ROLES: dict[OrganizationKind, list[Role]] = {
    PB: [Role.PROCUREMENT_OFFICER, Role.CONTRACT_MANAGER, Role.ADMIN, Role.VIEWER],
    SUP: [Role.SUPPLIER_REPORTER, Role.ADMIN, Role.VIEWER],
    AUD: [Role.VIEWER, Role.CONTRACT_MANAGER, Role.ADMIN],
}

CREATE_CONTRACT = """
mutation($input: ContractInput!) { createContract(input: $input) { %s } }
"""
NODE = "id title value buyer { id } supplier { id }"
CONTRACTS = "{ contracts(first: 100) { edges { node { " + NODE + " } } totalCount } }"
ENTITIES = (
    "query($representations: [_Any!]!) {"
    " _entities(representations: $representations) { ... on Contract { " + NODE + " } } }"
)
PAGE = """
query($after: String) {
  contracts(first: 2, after: $after) {
    edges { node { id } } totalCount pageInfo { hasNextPage endCursor }
  }
}
"""

Event = tuple[str, str, str, str | None]


def price(index: int) -> float:
    """Unique per contract, exact in binary and never an integer, so its JSON text
    (`repr`) is one fixed string with a dot that no id, date or name contains."""
    return 4_242_000.125 + index * 7.25


def title(index: int) -> str:
    return f"ctrTITLE{index}q"


# The world, as plain data -----------------------------------------------------------


@dataclass(frozen=True)
class ContractSpec:
    buyer: int
    supplier: int
    has_value: bool
    echo_value: bool  # `createContract` reads the price back (a logged read, too)


@dataclass(frozen=True)
class WorldSpec:
    kinds: tuple[OrganizationKind, ...]
    roles: tuple[Role, ...]  # the one viewer of each organisation
    contracts: tuple[ContractSpec, ...]

    def value(self, index: int) -> float | None:
        return price(index) if self.contracts[index].has_value else None


def of_kind(kinds: tuple[OrganizationKind, ...], kind: OrganizationKind) -> list[int]:
    return [index for index, each in enumerate(kinds) if each is kind]


@st.composite
def worlds(draw: st.DrawFn) -> WorldSpec:
    kinds = tuple([PB] * draw(st.integers(2, 4)) + [SUP] * draw(st.integers(1, 3)) + [AUD])
    roles = tuple(draw(st.sampled_from(READER_ROLES[kind])) for kind in kinds)
    contract = st.builds(
        ContractSpec,
        buyer=st.sampled_from(of_kind(kinds, PB)),
        supplier=st.sampled_from(of_kind(kinds, SUP)),
        has_value=st.integers(0, 3).map(bool),  # mostly priced, sometimes null
        echo_value=st.booleans(),
    )
    return WorldSpec(kinds, roles, tuple(draw(st.lists(contract, max_size=6))))


# The oracle ---------------------------------------------------------------------------


def visible(spec: WorldSpec, org: int | None) -> list[int]:
    """Contracts `org` may see: those it is the buyer or the supplier of."""
    if org is None:
        return []
    return [
        index
        for index, contract in enumerate(spec.contracts)
        if org in (contract.buyer, contract.supplier)
    ]


def expected_node(spec: WorldSpec, ids: list[str], org_ids: list[str], index: int) -> Any:
    contract = spec.contracts[index]
    return {
        "id": ids[index],
        "title": title(index),
        "value": spec.value(index),
        "buyer": {"id": org_ids[contract.buyer]},
        "supplier": {"id": org_ids[contract.supplier]},
    }


def secrets(spec: WorldSpec, ids: list[str], index: int) -> list[str]:
    """What of contract `index` may not appear in an answer to an outsider."""
    value = spec.value(index)
    return [ids[index], title(index)] + ([repr(value)] if value is not None else [])


# The world, as built ------------------------------------------------------------------


@dataclass
class Built:
    spec: WorldSpec
    org_ids: list[str]
    tokens: list[str]
    ids: list[str]


def post(
    client: TestClient, query: str, token: str | None, variables: dict[str, Any] | None = None
) -> tuple[dict[str, Any], str]:
    """The decoded answer and its raw text (scanned for leaks)."""
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    response = client.post(
        "/graphql", json={"query": query, "variables": variables or {}}, headers=headers
    )
    body: dict[str, Any] = json.loads(response.text)
    return body, response.text


def codes(body: dict[str, Any]) -> list[str]:
    return [error.get("extensions", {}).get("code") for error in body.get("errors") or []]


def events(world: World) -> list[Event]:
    """The whole audit log, oldest first."""
    with db.transaction(world.factory) as session:
        return [
            (entry.action, entry.subject_type, entry.subject_id, entry.actor_org_id)
            for entry in session.scalars(select(AuditLogEntry).order_by(AuditLogEntry.seq))
        ]


def reads(built: Built, org: int, indexes: list[int]) -> list[Event]:
    """One `read_restricted` event per contract whose price `org` was handed."""
    return sorted(
        ("read_restricted", "contract", built.ids[index], built.org_ids[org]) for index in indexes
    )


class Logged:
    """The audit events each request appends."""

    def __init__(self, world: World) -> None:
        self.world = world
        self.seen = len(events(world))

    def new(self) -> list[Event]:
        now = events(self.world)
        appended, self.seen = now[self.seen :], len(now)
        return sorted(appended)


def build(client: TestClient, world: World, spec: WorldSpec) -> Built:
    names = {PB: "Kommune", SUP: "Supplier AS", AUD: "Revisjon AS"}
    org_ids = [world.org(f"{names[kind]} {n}", kind) for n, kind in enumerate(spec.kinds)]
    tokens = [
        world.user(f"viewer{n}@org{n}.test", org_id, role)
        for n, (org_id, role) in enumerate(zip(org_ids, spec.roles, strict=True))
    ]
    clerks = {
        body: world.user(f"clerk{body}@org{body}.test", org_ids[body], Role.PROCUREMENT_OFFICER)
        for body in {contract.buyer for contract in spec.contracts}
    }
    built = Built(spec, org_ids, tokens, [])
    log = Logged(world)
    for index, contract in enumerate(spec.contracts):
        fields = "id title value" if contract.echo_value else "id"
        contract_input = {
            "supplierId": org_ids[contract.supplier],
            "title": title(index),
            "productCategory": "gloves",
            "startDate": "2025-01-01",
            "value": spec.value(index),
        }
        body, _ = post(
            client, CREATE_CONTRACT % fields, clerks[contract.buyer], {"input": contract_input}
        )
        assert not body.get("errors"), body["errors"]
        created = body["data"]["createContract"]
        built.ids.append(created["id"])
        if contract.echo_value:  # the buyer reads its own price back, and that is logged
            assert created == {
                "id": created["id"],
                "title": title(index),
                "value": spec.value(index),
            }
            assert log.new() == reads(built, contract.buyer, [index]), f"create {index}"
        else:
            assert log.new() == [], f"create {index} without the price logged a read"
    assert len(set(built.ids)) == len(built.ids)
    return built


# The checks ---------------------------------------------------------------------------


def check_no_leak(built: Built, org: int | None, text: str, where: str) -> None:
    allowed = set(visible(built.spec, org))
    for index in range(len(built.spec.contracts)):
        if index in allowed:
            continue
        for secret in secrets(built.spec, built.ids, index):
            assert secret not in text, f"{where}: contract {index}'s {secret!r} leaked: {text}"


def check_organization(client: TestClient, built: Built, log: Logged, org: int) -> None:
    spec, ids, org_ids = built.spec, built.ids, built.org_ids
    token = built.tokens[org]
    mine = visible(spec, org)
    who = f"org {org} ({spec.kinds[org].value}, {spec.roles[org].value})"

    # The list, with the price: exactly the party's contracts, each read logged once.
    body, text = post(client, CONTRACTS, token)
    assert not body.get("errors"), f"{who}: {body['errors']}"
    check_no_leak(built, org, text, f"contracts for {who}")
    listed = body["data"]["contracts"]
    nodes = [edge["node"] for edge in listed["edges"]]
    got_ids = [node["id"] for node in nodes]
    assert len(got_ids) == len(set(got_ids)), f"{who}: duplicates in {got_ids}"
    assert set(got_ids) == {ids[index] for index in mine}, f"contracts for {who}"
    assert listed["totalCount"] == len(mine), f"totalCount for {who}"
    by_id = {node["id"]: node for node in nodes}
    for index in mine:
        assert by_id[ids[index]] == expected_node(spec, ids, org_ids, index), who
    assert log.new() == reads(built, org, mine), f"read log of contracts for {who}"

    # `_entities` for every contract: the party's own, null for every other one.
    if ids:
        representations = [{"__typename": "Contract", "id": contract_id} for contract_id in ids]
        body, text = post(client, ENTITIES, token, {"representations": representations})
        assert not body.get("errors"), f"{who}: {body['errors']}"
        check_no_leak(built, org, text, f"_entities for {who}")
        found = body["data"]["_entities"]
        assert len(found) == len(ids), who
        for index, node in enumerate(found):
            want = expected_node(spec, ids, org_ids, index) if index in mine else None
            assert node == want, f"_entities of contract {index} for {who}"
        assert log.new() == reads(built, org, mine), f"read log of _entities for {who}"

    # Narrowed by each organisation as `supplierId`: never widens, never reads a price.
    narrowed = " ".join(
        f'n{n}: contracts(supplierId: "{org_id}") {{ edges {{ node {{ id title }} }} totalCount }}'
        for n, org_id in enumerate(org_ids)
    )
    body, text = post(client, "{ " + narrowed + " }", token)
    assert not body.get("errors"), f"{who}: {body['errors']}"
    check_no_leak(built, org, text, f"contracts(supplierId) for {who}")
    for n in range(len(org_ids)):
        want = {ids[index] for index in mine if spec.contracts[index].supplier == n}
        page = body["data"][f"n{n}"]
        assert {edge["node"]["id"] for edge in page["edges"]} == want, f"{who}, supplier {n}"
        assert page["totalCount"] == len(want), f"{who}, supplier {n}"
    assert log.new() == [], f"{who}: a read without the price was logged"

    # Page by page: the pages partition the party's contracts.
    walked: list[str] = []
    after: str | None = None
    for _ in range(len(mine) // 2 + 2):
        body, text = post(client, PAGE, token, {"after": after})
        assert not body.get("errors"), f"{who}: {body['errors']}"
        check_no_leak(built, org, text, f"contracts page for {who}")
        page = body["data"]["contracts"]
        assert page["totalCount"] == len(mine), who
        walked += [edge["node"]["id"] for edge in page["edges"]]
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    else:
        raise AssertionError(f"{who}: paging does not end")
    assert sorted(walked) == sorted(ids[index] for index in mine), f"pages for {who}"
    assert log.new() == [], f"{who}: paging without the price was logged"


def check_anonymous(client: TestClient, built: Built, log: Logged) -> None:
    body, text = post(client, CONTRACTS, None)
    assert codes(body) == ["UNAUTHENTICATED"], body
    check_no_leak(built, None, text, "contracts for anonymous")
    representations = [{"__typename": "Contract", "id": contract_id} for contract_id in built.ids]
    body, text = post(client, ENTITIES, None, {"representations": representations})
    assert codes(body) == ["UNAUTHENTICATED"] * len(built.ids), body  # one per reference
    check_no_leak(built, None, text, "_entities for anonymous")
    assert not any((body.get("data") or {}).get("_entities") or []), body
    assert log.new() == [], "anonymous reads were logged"


def check_world(spec: WorldSpec) -> None:
    with tempfile.TemporaryDirectory() as directory:
        app_settings = Settings(data_dir=Path(directory) / "data")
        fresh_sqlite(app_settings.resolved_database_url)
        engine = db.make_engine(app_settings.resolved_database_url)
        try:
            services = Services.from_settings(app_settings)
            with TestClient(create_app(app_settings, services)) as client:
                world = World(engine, app_settings)
                built = build(client, world, spec)
                log = Logged(world)
                for org in range(len(spec.kinds)):
                    check_organization(client, built, log, org)
                check_anonymous(client, built, log)
                with db.transaction(world.factory) as session:
                    assert audit_log.verify(session).ok
        finally:
            engine.dispose()


# The property -----------------------------------------------------------------------

# Always run: two contracts on one pair, one unpriced, a supplier with two buyers, a
# body and a supplier with none, and the auditor firm.
RICH_WORLD = WorldSpec(
    kinds=(PB, PB, PB, SUP, SUP, SUP, AUD),
    roles=(
        Role.PROCUREMENT_OFFICER,
        Role.VIEWER,
        Role.ADMIN,
        Role.SUPPLIER_REPORTER,
        Role.SUPPLIER_REPORTER,
        Role.VIEWER,
        Role.ADMIN,
    ),
    contracts=(
        ContractSpec(0, 3, True, True),
        ContractSpec(0, 3, False, True),
        ContractSpec(1, 3, True, False),
        ContractSpec(1, 4, True, True),
        ContractSpec(0, 4, True, False),
    ),
)


@settings(
    max_examples=15,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
@given(worlds())
@example(RICH_WORLD)
def test_every_organisation_sees_exactly_its_own_contracts(spec: WorldSpec) -> None:
    check_world(spec)


def test_oracle_matches_the_rule_on_a_fixed_world() -> None:
    """The oracle itself, on hand-picked cases (so a wrong oracle cannot pass silently)."""
    spec = RICH_WORLD
    assert visible(spec, 0) == [0, 1, 4]  # the buyer of three
    assert visible(spec, 1) == [2, 3]
    assert visible(spec, 2) == []  # a body with no contract
    assert visible(spec, 3) == [0, 1, 2]  # the supplier, to two buyers
    assert visible(spec, 4) == [3, 4]
    assert visible(spec, 5) == []  # a supplier with no contract
    assert visible(spec, 6) == []  # the auditor firm
    assert visible(spec, None) == []
    assert spec.value(0) == 4_242_000.125
    assert spec.value(1) is None
    assert repr(spec.value(2)) == "4242014.625"
    ids = [f"id{n}" for n in range(5)]
    org_ids = [f"org{n}" for n in range(7)]
    assert expected_node(spec, ids, org_ids, 3) == {
        "id": "id3",
        "title": "ctrTITLE3q",
        "value": 4_242_021.875,
        "buyer": {"id": "org1"},
        "supplier": {"id": "org4"},
    }
    assert secrets(spec, ids, 1) == ["id1", "ctrTITLE1q"]  # no price to leak
    built = Built(spec, org_ids, [], ids)
    assert reads(built, 4, visible(spec, 4)) == [
        ("read_restricted", "contract", "id3", "org4"),
        ("read_restricted", "contract", "id4", "org4"),
    ]
    # Canaries are pairwise distinct and none is inside another.
    texts = [text for index in range(len(spec.contracts)) for text in secrets(spec, ids, index)]
    assert len(set(texts)) == len(texts)
    assert not any(a in b for a in texts for b in texts if a != b)
    # The scan catches a price (or title) in an outsider's answer, and lets a party's pass.
    check_no_leak(built, 0, json.dumps({"value": spec.value(0)}), "party")
    for text in (json.dumps({"value": spec.value(0)}), '{"title": "ctrTITLE3q"}'):
        try:
            check_no_leak(built, 6, text, "outsider")
        except AssertionError:
            continue
        raise AssertionError(f"the scan missed a leak in {text}")
