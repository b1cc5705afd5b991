"""The supply chains of the synthetic national-scale world: tier 1 factories and
sub-suppliers, tier 2 sub-supplier plants, tier 3 raw material, sometimes a tier 4
source; sub-suppliers are shared between suppliers of the same category."""

from __future__ import annotations

from domain.enums import OrganizationKind
from graph.supply import FACILITY, ORGANIZATION
from services.demo.scale_parties import Supplier
from services.demo.scale_rows import ScaleRows
from services.demo.scale_tables import CATEGORIES, LEGAL_FORMS, SUB_SUPPLIER_WORDS
from storage.models import Organization

# category -> (countries of its factories, countries of raw material)
_COUNTRIES = {category: (sites, raw) for category, sites, raw in CATEGORIES}


def add_chains(rows: ScaleRows, suppliers: list[Supplier]) -> dict[str, list[str]]:
    """Add every supplier's chain; returns each supplier's own factories."""
    rng = rows.rng
    sub_pool: dict[str, list[tuple[str, list[str]]]] = {}
    sites: dict[str, list[str]] = {}
    for supplier_id, name, category in suppliers:
        site_countries, _raw_countries = _COUNTRIES[category]
        sites[supplier_id] = []
        for n in range(rng.randint(1, 3)):
            country = rng.choice(site_countries)
            facility_id = rows.facility(f"{name} factory {n + 1}", country)
            sites[supplier_id].append(facility_id)
            rows.edge(facility_id, FACILITY, supplier_id, ORGANIZATION, category, supplier_id)
        pool = sub_pool.setdefault(category, [])
        for _ in range(rng.randint(1, 2)):
            if pool and rng.random() < 0.6:
                sub_id, sub_sites = rng.choice(pool)
            else:
                sub_id, sub_sites = _add_sub_supplier(rows, category)
                pool.append((sub_id, sub_sites))
            rows.edge(sub_id, ORGANIZATION, supplier_id, ORGANIZATION, category, supplier_id)
            for sub_site in sub_sites:
                rows.edge(sub_site, FACILITY, sub_id, ORGANIZATION, category, supplier_id)
    return sites


def _add_sub_supplier(rows: ScaleRows, category: str) -> tuple[str, list[str]]:
    """A sub-supplier abroad with one or two plants and their raw material chains;
    (its id, its plants)."""
    rng = rows.rng
    site_countries, raw_countries = _COUNTRIES[category]
    country = rng.choice(site_countries)
    serial = len(rows.rows[Organization])
    name = (
        f"{rng.choice(SUB_SUPPLIER_WORDS)} {category.split('-')[-1].title()} "
        f"{serial:05d} {LEGAL_FORMS.get(country, 'Ltd')}"
    )
    sub_id, _number = rows.organization(name, OrganizationKind.SUPPLIER, country)
    plants: list[str] = []
    for n in range(rng.randint(1, 2)):
        plant = rows.facility(f"{name} plant {n + 1}", rng.choice(site_countries))
        plants.append(plant)
        raw = rows.facility(f"{name} raw material {n + 1}", rng.choice(raw_countries))
        rows.edge(raw, FACILITY, plant, FACILITY, f"{category}-raw", sub_id)
        if rng.random() < 0.4:
            source = rows.facility(f"{name} extraction {n + 1}", rng.choice(raw_countries))
            rows.edge(source, FACILITY, raw, FACILITY, f"{category}-raw", sub_id)
    return sub_id, plants
