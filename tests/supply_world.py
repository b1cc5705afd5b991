"""A small supply-chain world for API tests: bodies B1 and B2 buy from supplier
S; S is supplied by T (CN), T by facility F (CN, with coordinates); U is an
unrelated supplier with a facility G. Each supplier discloses its own edges."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from domain.enums import NetworkKind, OrganizationKind, Role
from storage import db
from storage.models import (
    Contract,
    Facility,
    Network,
    NetworkSupplier,
    SelfReportGrant,
    SupplyEdge,
)
from tests.conftest import World


@dataclass
class SupplyWorld:
    ids: dict[str, str] = field(default_factory=dict)
    tokens: dict[str, str] = field(default_factory=dict)
    disclosed: dict[tuple[str, str], str] = field(default_factory=dict)  # edge -> discloser
    contracts: set[tuple[str, str]] = field(default_factory=set)  # (supplier, buyer)
    grants: dict[str, set[str]] = field(default_factory=dict)  # grantee -> suppliers


def facility(world: World, name: str, country: str, lat: float | None = None) -> str:
    with db.transaction(world.factory) as session:
        row = Facility(
            name=name,
            country=country,
            latitude=lat,
            longitude=None if lat is None else lat + 100,
            dedup_key=f"{country}|{name}",
        )
        session.add(row)
        session.flush()
        return row.id


def edge(world: World, built: SupplyWorld, source: str, target: str, by: str) -> None:
    ids = built.ids
    kinds = {key: "facility" if key in ("F", "G") else "organization" for key in ids}
    with db.transaction(world.factory) as session:
        session.add(
            SupplyEdge(
                source_id=ids[source],
                source_kind=kinds[source],
                target_id=ids[target],
                target_kind=kinds[target],
                product_category="medical-gloves",
                disclosed_by_id=ids[by],
            )
        )
    built.disclosed[(ids[source], ids[target])] = ids[by]


def grant(world: World, built: SupplyWorld, supplier: str, grantee: str) -> None:
    """`supplier` lets `grantee` read its self-reports (and so its supply edges)."""
    with db.transaction(world.factory) as session:
        session.add(
            SelfReportGrant(
                supplier_id=built.ids[supplier],
                organization_id=built.ids[grantee],
                purpose="Shared audit planning",
            )
        )
    built.grants.setdefault(built.ids[grantee], set()).add(built.ids[supplier])


def contract(world: World, buyer: str, supplier: str, network: str | None = None) -> None:
    with db.transaction(world.factory) as session:
        session.add(
            Contract(
                buyer_id=buyer,
                supplier_id=supplier,
                network_id=network,
                title="Hansker",
                product_category="medical-gloves",
                start_date=dt.date.today() - dt.timedelta(days=30),
                end_date=None,
            )
        )


def build_supply_world(world: World) -> SupplyWorld:
    built = SupplyWorld()
    ids = built.ids
    for key in ("B1", "B2"):
        ids[key] = world.org(f"Kommune {key}")
    for key, country in (("S", "NO"), ("T", "CN"), ("U", "NO")):
        ids[key] = world.org(f"Leverandør {key}", OrganizationKind.SUPPLIER, country)
    ids["F"] = facility(world, "Glove plant", "CN", 31.0)
    ids["G"] = facility(world, "Other plant", "NO")
    for key in ("B1", "B2", "S", "T", "U"):
        role = Role.SUPPLIER_REPORTER if key in ("S", "T", "U") else Role.PROCUREMENT_OFFICER
        built.tokens[key] = world.user(f"{key.lower()}@example.org", ids[key], role)
    edge(world, built, "T", "S", "T")  # T discloses that it supplies S ...
    edge(world, built, "F", "T", "T")  # ... from plant F
    edge(world, built, "G", "U", "U")
    with db.transaction(world.factory) as session:
        network = Network(
            name="Hansker", kind=NetworkKind.FRAMEWORK_AGREEMENT, lead_id=ids["B1"],
            max_subcontractor_tiers=1,
        )  # fmt: skip
        session.add(network)
        session.flush()
        ids["N"] = network.id
        session.add(NetworkSupplier(network_id=network.id, supplier_id=ids["S"], rank=1))
    contract(world, ids["B1"], ids["S"], ids["N"])
    contract(world, ids["B2"], ids["S"])
    built.contracts |= {(ids["S"], ids["B1"]), (ids["S"], ids["B2"])}
    return built
