"""The demo world's two networks (Oslo's framework agreement for follow-up services
and the Swedish regions' national network), their participants, the framework's
ranked consultancies and the national focus area on gloves."""

from __future__ import annotations

import datetime as dt

from sqlalchemy.orm import Session

from domain.enums import NetworkKind
from services.demo.dates import utc_at
from services.demo.organizations import RANKED_CONSULTANCIES, SIGNERS
from storage.models import FocusArea, Network, NetworkParticipant, NetworkSupplier

# The names that mark a seeded database (see `services.demo.world.load_demo`).
FRAMEWORK_NAME = "Oppfølging av samfunnsansvar i leverandørkjeder"
NATIONAL_NETWORK_NAME = "Hållbar upphandling \u2013 nationell samordning"
FOCUS_AREA_TITLE = "Surgical gloves 2026"

FRAMEWORK_MEMBERS = ("oslo", "bergen", "trondheim", "stavanger", "baerum", "kristiansand")
NATIONAL_MEMBERS = ("coordinator", "stockholm", "vgr", "skane", "uppsala")

# The follow-up areas a framework agreement covers, in the demo and the scale world.
FRAMEWORK_AREAS = ("self-report", "supplier-meetings", "system-audits", "inspections")
_NATIONAL_AREAS = (
    "gloves",
    "textiles",
    "instruments",
    "surgical-items",
    "dressings",
    "ict",
    "pharmaceuticals",
    "food",
    "medtech",
)


def add_networks(
    session: Session,
    organization_ids: dict[str, str],
    signer_ids: dict[str, str],
    today: dt.date,
) -> tuple[str, str]:
    """Add the framework agreement and the national network with their members;
    returns (framework agreement id, national network id)."""
    start = dt.date(today.year - 1, 9, 1)
    framework = Network(
        name=FRAMEWORK_NAME,
        kind=NetworkKind.FRAMEWORK_AGREEMENT,
        lead_id=organization_ids["oslo"],
        join_deadline=start + dt.timedelta(days=60),
        period_start=start,
        period_end=start.replace(year=start.year + 2) - dt.timedelta(days=1),
        options="1+1",
        areas=list(FRAMEWORK_AREAS),
        call_off_threshold_hours=250,
        max_subcontractor_tiers=2,
        min_environmental_weight=0.3,
    )
    national = Network(
        name=NATIONAL_NETWORK_NAME,
        kind=NetworkKind.NATIONAL_NETWORK,
        lead_id=organization_ids["coordinator"],
        period_start=dt.date(today.year, 1, 1),
        areas=list(_NATIONAL_AREAS),
    )
    session.add_all([framework, national])
    session.flush()
    for weeks, key in enumerate(FRAMEWORK_MEMBERS):
        session.add(
            NetworkParticipant(
                network_id=framework.id,
                organization_id=organization_ids[key],
                signed_by_user_id=signer_ids[SIGNERS[key]],
                signed_at=utc_at(start + dt.timedelta(weeks=weeks), 10),
            )
        )
    for key in NATIONAL_MEMBERS:
        signer = SIGNERS.get(key)
        session.add(
            NetworkParticipant(
                network_id=national.id,
                organization_id=organization_ids[key],
                signed_by_user_id=signer_ids[signer] if signer else None,
                signed_at=(
                    utc_at(national.period_start, 10) if signer and national.period_start else None
                ),
            )
        )
    for rank, key in enumerate(RANKED_CONSULTANCIES, start=1):
        session.add(
            NetworkSupplier(network_id=framework.id, supplier_id=organization_ids[key], rank=rank)
        )
    session.flush()
    return framework.id, national.id


def add_focus_area(session: Session, organization_ids: dict[str, str], national_id: str) -> str:
    """Add the national network's focus area on surgical gloves; returns its id."""
    focus_area = FocusArea(
        network_id=national_id,
        title=FOCUS_AREA_TITLE,
        product_category="medical-gloves",
        description=(
            "Follow-up of surgical and examination gloves: recruitment fees and forced "
            "labour indicators among migrant workers at glove factories in Malaysia and "
            "Thailand, and working hours in peak demand."
        ),
        responsible_body_id=organization_ids["stockholm"],
        period_start=dt.date(2026, 1, 1),
        period_end=dt.date(2026, 12, 31),
        created_by_id=organization_ids["coordinator"],
    )
    session.add(focus_area)
    session.flush()
    return focus_area.id
