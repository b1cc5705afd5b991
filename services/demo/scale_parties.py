"""The organisations of the synthetic national-scale world and their users: public
bodies (NO and SE alternating), a coordinator, ten audit firms and a shared pool of
suppliers, each supplying one product category."""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

from domain.enums import OrganizationKind, Role
from services.demo.scale_rows import ScaleRows
from services.demo.scale_tables import CATEGORIES, SUPPLIER_NOUNS, SUPPLIER_WORDS

AUDIT_FIRMS = 10


class Supplier(NamedTuple):
    id: str
    name: str
    category: str


@dataclass(frozen=True)
class ScaleParties:
    body_ids: list[str]
    body_country: dict[str, str]
    coordinator_id: str
    auditor_ids: list[str]
    suppliers: list[Supplier]


def _nordic(index: int) -> tuple[str, str]:
    """Norway for even indexes, Sweden for odd: (country, company suffix)."""
    return ("NO", "AS") if index % 2 == 0 else ("SE", "AB")


def add_parties(rows: ScaleRows, bodies: int, suppliers_per_body: int) -> ScaleParties:
    """Add the organisations and their users; the supplier pool holds a third of
    the contracts' count, so suppliers serve several bodies."""
    body_ids: list[str] = []
    body_country: dict[str, str] = {}
    for index in range(bodies):
        country, _suffix = _nordic(index)
        name = (
            f"Syntetisk kommune {index + 1:04d}"
            if country == "NO"
            else f"Syntetisk region {index + 1:04d}"
        )
        org_id, number = rows.organization(name, OrganizationKind.PUBLIC_BODY, country)
        rows.user("innkjop", number, org_id, Role.PROCUREMENT_OFFICER, Role.ADMIN)
        body_ids.append(org_id)
        body_country[org_id] = country
    coordinator_id, number = rows.organization(
        "Syntetiskt samordningsorgan", OrganizationKind.COORDINATOR, "SE"
    )
    rows.user("samordnare", number, coordinator_id, Role.COORDINATOR)

    auditor_ids: list[str] = []
    for index in range(AUDIT_FIRMS):
        country, suffix = _nordic(index)
        name = f"Revisjon og Inspeksjon {index + 1:02d} {suffix}"
        org_id, number = rows.organization(name, OrganizationKind.AUDITOR, country)
        rows.user("revisor", number, org_id, Role.AUDITOR)
        auditor_ids.append(org_id)

    rng = rows.rng
    pool_size = max(5, round(bodies * suppliers_per_body / 3))
    suppliers: list[Supplier] = []
    for index in range(pool_size):
        country = rng.choice(("NO", "SE"))
        suffix = "AS" if country == "NO" else "AB"
        name = f"{rng.choice(SUPPLIER_WORDS)} {rng.choice(SUPPLIER_NOUNS)} {index + 1:05d} {suffix}"
        category = rng.choice(CATEGORIES)[0]
        org_id, number = rows.organization(name, OrganizationKind.SUPPLIER, country)
        rows.user("rapportering", number, org_id, Role.SUPPLIER_REPORTER)
        suppliers.append(Supplier(org_id, name, category))
    return ScaleParties(body_ids, body_country, coordinator_id, auditor_ids, suppliers)
