"""Contracts and networks of the synthetic national-scale world: each body's
contracts with suppliers from the pool, a Norwegian framework agreement and a
Swedish national network."""

from __future__ import annotations

import datetime as dt

from domain.enums import NetworkKind
from services.demo.contracts import ENVIRONMENTAL_CONDITIONS, SOCIAL_CONDITIONS
from services.demo.dates import utc_at
from services.demo.networks import FRAMEWORK_AREAS
from services.demo.scale_parties import ScaleParties, Supplier
from services.demo.scale_rows import SCALE_EPOCH, ScaleRows
from services.demo.scale_tables import CATEGORIES
from storage.models import Contract, Network, NetworkParticipant, NetworkSupplier

_FOLLOW_UP_STEPS = ("PLAN", "EXECUTE", "FOLLOW_UP", "REPORT")


def add_contracts(
    rows: ScaleRows, body_ids: list[str], suppliers: list[Supplier], per_body: int
) -> dict[str, list[str]]:
    """Give every body `per_body` contracts with distinct suppliers; returns each
    supplier's buyers."""
    rng = rows.rng
    buyers: dict[str, list[str]] = {}
    for body_id in body_ids:
        chosen = rng.sample(suppliers, min(per_body, len(suppliers)))
        for supplier_id, _name, category in chosen:
            start = rows.date(700)
            rows.add(
                Contract,
                buyer_id=body_id,
                supplier_id=supplier_id,
                network_id=None,
                title=f"Rammeavtale {category}",
                product_category=category,
                start_date=start,
                end_date=start + dt.timedelta(days=365 * rng.randint(2, 4)),
                value=float(rng.randrange(100_000, 50_000_000, 50_000)),
                social_conditions=SOCIAL_CONDITIONS,
                environmental_conditions=ENVIRONMENTAL_CONDITIONS,
                follow_up_step=rng.choice(_FOLLOW_UP_STEPS),
            )
            buyers.setdefault(supplier_id, []).append(body_id)
    return buyers


def add_networks(rows: ScaleRows, parties: ScaleParties) -> dict[str, str]:
    """The Norwegian bodies join a framework agreement with five ranked suppliers,
    the Swedish ones and the coordinator a national network; returns each body's
    network."""
    rng = rows.rng
    member_of: dict[str, str] = {}
    norwegian = [b for b in parties.body_ids if parties.body_country[b] == "NO"]
    swedish = [b for b in parties.body_ids if parties.body_country[b] == "SE"]
    framework_id = rows.add(
        Network,
        name="Syntetisk rammeavtale for oppfølging",
        kind=NetworkKind.FRAMEWORK_AGREEMENT,
        lead_id=norwegian[0],
        join_deadline=SCALE_EPOCH,
        period_start=SCALE_EPOCH,
        period_end=SCALE_EPOCH + dt.timedelta(days=729),
        options="1+1",
        areas=list(FRAMEWORK_AREAS),
        call_off_threshold_hours=250,
        max_subcontractor_tiers=None,
        min_environmental_weight=None,
    )
    for index, body_id in enumerate(norwegian):
        rows.add(
            NetworkParticipant,
            network_id=framework_id,
            organization_id=body_id,
            signed_by_user_id=None,
            signed_at=utc_at(SCALE_EPOCH - dt.timedelta(days=index % 60), 10),
        )
        member_of[body_id] = framework_id
    ranked = rng.sample(parties.suppliers, min(5, len(parties.suppliers)))
    for rank, supplier in enumerate(ranked, start=1):
        rows.add(NetworkSupplier, network_id=framework_id, supplier_id=supplier.id, rank=rank)
    national_id = rows.add(
        Network,
        name="Syntetiskt nationellt nätverk",
        kind=NetworkKind.NATIONAL_NETWORK,
        lead_id=parties.coordinator_id,
        join_deadline=None,
        period_start=SCALE_EPOCH,
        period_end=None,
        options=None,
        areas=[category for category, _sites, _raw in CATEGORIES],
        call_off_threshold_hours=250,
        max_subcontractor_tiers=None,
        min_environmental_weight=None,
    )
    for body_id in [parties.coordinator_id, *swedish]:
        rows.add(
            NetworkParticipant,
            network_id=national_id,
            organization_id=body_id,
            signed_by_user_id=None,
            signed_at=None,
        )
        member_of[body_id] = national_id
    return member_of
