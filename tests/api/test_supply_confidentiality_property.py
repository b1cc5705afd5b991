"""Property: over random worlds of suppliers, bodies, supply edges, contracts
(active or ended) and self-report grants (some revoked), no viewer ever gets a
supply edge it may not see through supplyChain, exposure lists only bodies
it may know about and counts exactly the others, and supplies disclosed under
a grant are seen by the grantee only while the grant stands.

The rule, written out here independently of the kernel: a supply edge is seen
by members of its disclosing supplier, by a public body with an active
contract with that supplier, and by an organisation holding an unrevoked grant
from it; a contract edge by its two parties. (The self-report part of the
confidentiality property lives in test_confidentiality_property.py.)"""

from __future__ import annotations

import asyncio
import datetime as dt
import itertools
from dataclasses import dataclass, field
from typing import Any

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from starlette.testclient import TestClient

from domain.enums import OrganizationKind, Role
from settings import Settings
from storage import db
from storage.models import Contract, Facility, SelfReportGrant, SupplyEdge
from tests.api.test_supply_chain_api import refresh
from tests.conftest import World, gql, mod11_complete

SUPPLIERS = 3
BODIES = 2
SITES = 2
COUNTER = itertools.count()

CHAIN = """query($id: ID!) { supplyChain(supplierId: $id, maxDepth: 10) {
  nodes { id } edges { source target } } }"""
EXPOSURE = """query($id: ID!) { exposure(facilityId: $id) {
  suppliers { id } bodies { id } hiddenBodyCount } }"""


@dataclass(frozen=True)
class Spec:
    # (source, target, discloser): nodes are "s0".."s2" and "f0".."f1"; disclosers "s*".
    edges: frozenset[tuple[str, str, str]]
    contracts: frozenset[tuple[str, str, bool]]  # (supplier, body, active)
    grants: frozenset[tuple[str, str, bool]]  # (supplier, grantee, revoked)


@st.composite
def specs(draw: st.DrawFn) -> Spec:
    suppliers = [f"s{n}" for n in range(SUPPLIERS)]
    nodes = suppliers + [f"f{n}" for n in range(SITES)]
    bodies = [f"b{n}" for n in range(BODIES)]
    edges = draw(
        st.frozensets(
            st.tuples(
                st.sampled_from(nodes), st.sampled_from(suppliers), st.sampled_from(suppliers)
            ).filter(lambda e: e[0] != e[1]),
            min_size=1,
            max_size=7,
        )
    )
    contracts = draw(
        st.frozensets(
            st.tuples(st.sampled_from(suppliers), st.sampled_from(bodies), st.booleans()),
            max_size=4,
        ).map(lambda found: frozenset({(s, b): (s, b, a) for s, b, a in found}.values()))
    )
    grants = draw(
        st.frozensets(
            st.tuples(
                st.sampled_from(suppliers), st.sampled_from(suppliers + bodies), st.booleans()
            ).filter(lambda g: g[0] != g[1]),
            max_size=3,
        ).map(lambda found: frozenset({(s, o): (s, o, r) for s, o, r in found}.values()))
    )
    return Spec(edges, contracts, grants)


@dataclass
class Built:
    ids: dict[str, str] = field(default_factory=dict)
    tokens: dict[str, str] = field(default_factory=dict)


def build(world: World, spec: Spec) -> Built:
    built = Built()
    run = next(COUNTER)
    for n in range(BODIES):
        number = mod11_complete(f"8{run:03d}{n * 100:04d}")
        built.ids[f"b{n}"] = world.org(f"Kommune {run}-{n}", org_number=number)
    for n in range(SUPPLIERS):
        built.ids[f"s{n}"] = world.org(
            f"Leverandør {run}-{n}", OrganizationKind.SUPPLIER, "CN", f"77{run:04d}{n:03d}"
        )
    for key, organization in list(built.ids.items()):
        role = Role.PROCUREMENT_OFFICER if key.startswith("b") else Role.SUPPLIER_REPORTER
        built.tokens[key] = world.user(f"{key}-{run}@example.org", organization, role)
    today = dt.date.today()
    with db.transaction(world.factory) as session:
        for n in range(SITES):
            site = Facility(name=f"Site {run}-{n}", country="CN", dedup_key=f"CN|site {run}-{n}")
            session.add(site)
            session.flush()
            built.ids[f"f{n}"] = site.id
        ids = built.ids
        for source, target, by in spec.edges:
            session.add(
                SupplyEdge(
                    source_id=ids[source],
                    source_kind="facility" if source.startswith("f") else "organization",
                    target_id=ids[target],
                    target_kind="organization",
                    product_category="medical-gloves",
                    disclosed_by_id=ids[by],
                )
            )
        for supplier, body, active in spec.contracts:
            session.add(
                Contract(
                    buyer_id=ids[body],
                    supplier_id=ids[supplier],
                    title="Hansker",
                    product_category="medical-gloves",
                    start_date=today - dt.timedelta(days=400),
                    end_date=None if active else today - dt.timedelta(days=1),
                )
            )
        for supplier, grantee, revoked in spec.grants:
            session.add(
                SelfReportGrant(
                    supplier_id=ids[supplier],
                    organization_id=ids[grantee],
                    purpose="Audit planning",
                    revoked_at=dt.datetime.now(dt.UTC) if revoked else None,
                )
            )
    return built


def readable(spec: Spec, viewer: str) -> set[str]:
    """Suppliers whose disclosures `viewer` sees, by the rule in the docstring."""
    found = {viewer}
    if viewer.startswith("b"):
        found |= {s for s, b, active in spec.contracts if b == viewer and active}
    found |= {s for s, o, revoked in spec.grants if o == viewer and not revoked}
    return found


def visible_edges(spec: Spec, viewer: str) -> set[tuple[str, str]]:
    seen = readable(spec, viewer)
    edges = {(s, t) for s, t, by in spec.edges if by in seen}
    edges |= {(s, b) for s, b, active in spec.contracts if active and viewer in (s, b)}
    return edges


def reached(edges: set[tuple[str, str]], start: str) -> set[str]:
    found: set[str] = set()
    frontier = {start}
    while frontier:
        frontier = {t for s, t in edges if s in frontier} - found
        found |= frontier
    return found


def keys(built: Built, ids: list[dict[str, Any]]) -> set[str]:
    back = {value: key for key, value in built.ids.items()}
    return {back[item["id"]] for item in ids}


@settings(
    max_examples=6,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@example(  # under a grant: b1 sees s0's edges; the revoked grant shows b0 nothing of s1's
    spec=Spec(
        edges=frozenset({("f0", "s1", "s1"), ("s1", "s0", "s0"), ("f1", "s0", "s0")}),
        contracts=frozenset({("s0", "b0", True), ("s1", "b1", False), ("s0", "b1", False)}),
        grants=frozenset({("s0", "b1", False), ("s1", "b0", True)}),
    )
)
@given(spec=specs())
def test_supply_edges_reach_only_those_who_may_see_them(
    client: TestClient, world: World, settings: Settings, spec: Spec
) -> None:
    built = build(world, spec)
    asyncio.run(refresh(settings))
    back = {value: key for key, value in built.ids.items()}
    active = {(s, b) for s, b, a in spec.contracts if a}
    for viewer in [f"b{n}" for n in range(BODIES)] + [f"s{n}" for n in range(SUPPLIERS)]:
        allowed = visible_edges(spec, viewer)
        token = built.tokens[viewer]
        for root in [f"s{n}" for n in range(SUPPLIERS)]:
            body = gql(client, CHAIN, token, {"id": built.ids[root]})
            got = {
                (back[e["source"]], back[e["target"]]) for e in body["data"]["supplyChain"]["edges"]
            }
            assert got <= allowed, (viewer, root, got - allowed, spec)
        for site in [f"f{n}" for n in range(SITES)]:
            found = gql(client, EXPOSURE, token, {"id": built.ids[site]})["data"]["exposure"]
            downstream = reached(allowed, site)
            suppliers = {n for n in downstream if n.startswith("s")}
            assert keys(built, found["suppliers"]) == suppliers, (viewer, site, spec)
            listed = keys(built, found["bodies"])
            assert listed == {n for n in downstream if n.startswith("b")}
            assert listed <= {viewer} | {b for s, b in active if s == viewer}
            every = {b for s, b in active if s in suppliers}
            assert found["hiddenBodyCount"] == len(every - listed), (viewer, site, spec)
