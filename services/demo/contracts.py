"""The demo world's contracts, and the contract conditions both worlds use."""

from __future__ import annotations

import datetime as dt

from sqlalchemy.orm import Session

from storage.models import Contract

SOCIAL_CONDITIONS = (
    "The supplier shall respect the ILO core conventions, the UN Declaration of Human "
    "Rights and national labour law in the production of the goods, and shall take part "
    "in follow-up (self-report, meetings, audits and inspections) on request."
)
ENVIRONMENTAL_CONDITIONS = (
    "Products shall meet the environmental requirements of the tender documents."
)

# (buyer, supplier, title, product category, value, months before today, network)
DEMO_CONTRACTS: tuple[tuple[str, str, str, str, float, int, str | None], ...] = (
    ("oslo", "glove_no", "Medisinske engangshansker", "medical-gloves", 18_500_000.0, 14, None),
    ("bergen", "glove_no", "Undersøkelseshansker", "medical-gloves", 6_200_000.0, 10, None),
    ("kristiansand", "glove_no", "Engangshansker", "medical-gloves", 2_100_000.0, 8, None),
    ("trondheim", "textile_no", "Arbeidstøy og verneklær", "workwear", 4_800_000.0, 20, None),
    ("baerum", "textile_no", "Arbeidstøy", "workwear", 1_900_000.0, 6, None),
    ("oslo", "ict_no", "Bærbare datamaskiner", "ict-hardware", 42_000_000.0, 12, None),
    ("stavanger", "ict_no", "Bærbare PC-er til skolene", "ict-hardware", 9_700_000.0, 9, None),
    ("stockholm", "glove_se", "Kirurgiska handskar", "medical-gloves", 31_000_000.0, 16, None),
    ("vgr", "glove_se", "Undersökningshandskar", "medical-gloves", 24_000_000.0, 11, None),
    ("skane", "textile_se", "Arbetskläder", "workwear", 7_300_000.0, 18, None),
    ("uppsala", "ict_se", "Bärbara datorer", "ict-hardware", 12_400_000.0, 7, None),
    (
        "oslo",
        "consult_1",
        "Oppfølging av samfunnsansvar, avrop 1",
        "follow-up-services",
        850_000.0,
        5,
        "framework",
    ),
)


def add_contracts(
    session: Session, organization_ids: dict[str, str], network_ids: dict[str, str], today: dt.date
) -> None:
    """Add DEMO_CONTRACTS, each running three years from its start; `network_ids`
    maps the network keys of the table ("framework") to ids."""
    for buyer, supplier, title, category, value, months, network in DEMO_CONTRACTS:
        start = today - dt.timedelta(days=30 * months)
        session.add(
            Contract(
                buyer_id=organization_ids[buyer],
                supplier_id=organization_ids[supplier],
                network_id=network_ids[network] if network else None,
                title=title,
                product_category=category,
                start_date=start,
                end_date=start + dt.timedelta(days=3 * 365),
                value=value,
                social_conditions=SOCIAL_CONDITIONS,
                environmental_conditions=ENVIRONMENTAL_CONDITIONS,
                follow_up_step="EXECUTE",
            )
        )
