"""The demo world's factories abroad and the supply edges that chain them, three to
four tiers below each supplier."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from graph.supply import FACILITY, ORGANIZATION
from storage.models import Facility, SupplyEdge


def facility_dedup_key(country: str, name: str, address: str) -> str:
    """The key that makes a facility unique: one site per country, name and address."""
    return f"{country}|{name.lower()}|{address.lower()}"


@dataclass(frozen=True)
class DemoSite:
    """One demo facility; `key` names its part in the story (e.g. "my_gloves")."""

    key: str
    name: str
    country: str
    address: str
    latitude: float
    longitude: float
    os_id: str | None = None

    @property
    def dedup_key(self) -> str:
        return facility_dedup_key(self.country, self.name, self.address)


DEMO_FACILITIES: tuple[DemoSite, ...] = (
    DemoSite(
        "my_gloves",
        "Perak Nitrile Gloves Sdn Bhd, Plant 2",
        "MY",
        "Lot 12, Kamunting Industrial Estate, 34600 Kamunting, Perak, Malaysia",
        4.9046,
        100.7234,
        "MY2024123ABCDEF",
    ),
    DemoSite(
        "my_compound",
        "Kedah Latex Compounding Works",
        "MY",
        "Jalan Industri 3, Kulim Hi-Tech Park, 09000 Kulim, Kedah, Malaysia",
        5.4235,
        100.5793,
        "MY2023087KLCW01",
    ),
    DemoSite(
        "th_nbr",
        "Map Ta Phut Synthetic Rubber Plant",
        "TH",
        "Map Ta Phut Industrial Estate, Rayong 21150, Thailand",
        12.6833,
        101.1500,
        "TH2022311MTPSR1",
    ),
    DemoSite(
        "th_gloves",
        "Songkhla Medical Gloves Co., Ltd.",
        "TH",
        "88 Moo 4, Kanchanavanich Road, Hat Yai, Songkhla 90110, Thailand",
        6.9965,
        100.4682,
    ),
    DemoSite(
        "vn_gloves",
        "Binh Duong Glove Manufacturing JSC",
        "VN",
        "VSIP II, Thu Dau Mot, Binh Duong Province, Vietnam",
        11.0667,
        106.6833,
        "VN2024045BDGM01",
    ),
    DemoSite(
        "pk_garments",
        "Faisalabad Workwear Garments (Pvt) Ltd",
        "PK",
        "Plot 45, M-3 Industrial City, Sahianwala, Faisalabad, Pakistan",
        31.5497,
        73.2102,
        "PK2023150FWG001",
    ),
    DemoSite(
        "pk_weaving",
        "Punjab Twill Weaving Mill",
        "PK",
        "Sheikhupura Road, Faisalabad, Punjab, Pakistan",
        31.4504,
        73.1350,
    ),
    DemoSite(
        "pk_spinning",
        "Multan Cotton Spinning Mills",
        "PK",
        "Vehari Road, Multan, Punjab, Pakistan",
        30.1575,
        71.5249,
    ),
    DemoSite(
        "cn_garments",
        "Ningbo Protective Clothing Co., Ltd.",
        "CN",
        "No. 18 Xingye Road, Beilun District, Ningbo, Zhejiang, China",
        29.8880,
        121.8450,
        "CN2022199NPC001",
    ),
    DemoSite(
        "vn_garments",
        "Hai Phong Workwear Factory",
        "VN",
        "Trang Due Industrial Park, An Duong, Hai Phong, Vietnam",
        20.8650,
        106.5960,
    ),
    DemoSite(
        "cn_assembly",
        "Chongqing Notebook Assembly Plant",
        "CN",
        "Xiyong Microelectronics Industrial Park, Shapingba, Chongqing, China",
        29.6060,
        106.3000,
        "CN2024201CNA001",
    ),
    DemoSite(
        "cn_battery",
        "Dongguan Lithium Cell Works",
        "CN",
        "Songshan Lake Hi-tech Zone, Dongguan, Guangdong, China",
        22.9300,
        113.8900,
    ),
    DemoSite(
        "tw_mainboard",
        "Taoyuan Mainboard Fabrication",
        "TW",
        "Guishan Industrial Zone, Taoyuan City, Taiwan",
        25.0330,
        121.3800,
        "TW2023077TMF001",
    ),
)

# (source, target, product category, disclosed by): "source supplies target".
# Keys name organisations or facilities; three to four tiers below each supplier.
DEMO_EDGES: tuple[tuple[str, str, str, str], ...] = (
    # Gloves, Norway: factory -> supplier, compounder -> factory, raw material -> compounder.
    ("my_gloves", "glove_no", "medical-gloves", "glove_no"),
    ("compound_sub", "my_gloves", "nitrile-compound", "glove_no"),
    ("my_compound", "compound_sub", "nitrile-compound", "glove_no"),
    ("th_nbr", "my_compound", "synthetic-rubber", "glove_no"),
    # Gloves, Sweden.
    ("th_gloves", "glove_se", "medical-gloves", "glove_se"),
    ("vn_gloves", "glove_se", "medical-gloves", "glove_se"),
    ("th_nbr", "th_gloves", "synthetic-rubber", "glove_se"),
    # Workwear, Norway: garment factory, fabric mill company, its weaving and spinning mills.
    ("pk_garments", "textile_no", "workwear", "textile_no"),
    ("fabric_sub", "pk_garments", "fabric", "textile_no"),
    ("pk_weaving", "fabric_sub", "fabric", "textile_no"),
    ("pk_spinning", "pk_weaving", "cotton-yarn", "textile_no"),
    # Workwear, Sweden.
    ("cn_garments", "textile_se", "workwear", "textile_se"),
    ("vn_garments", "textile_se", "workwear", "textile_se"),
    ("fabric_sub", "vn_garments", "fabric", "textile_se"),
    # Laptops: a shared contract manufacturer, its assembly plant and component makers.
    ("odm_sub", "ict_no", "ict-hardware", "ict_no"),
    ("odm_sub", "ict_se", "ict-hardware", "ict_se"),
    ("cn_assembly", "odm_sub", "ict-hardware", "ict_no"),
    ("cn_battery", "cn_assembly", "battery-cells", "ict_no"),
    ("tw_mainboard", "cn_assembly", "electronic-components", "ict_no"),
)


def add_facilities(session: Session) -> dict[str, str]:
    """Register every demo facility, or find it by its dedup key; ids by demo key."""
    ids: dict[str, str] = {}
    for site in DEMO_FACILITIES:
        found = session.scalar(select(Facility.id).where(Facility.dedup_key == site.dedup_key))
        if found is None:
            facility = Facility(
                name=site.name,
                country=site.country,
                address=site.address,
                latitude=site.latitude,
                longitude=site.longitude,
                os_id=site.os_id,
                dedup_key=site.dedup_key,
            )
            session.add(facility)
            session.flush()
            found = facility.id
        ids[site.key] = found
    return ids


def add_supply_edges(
    session: Session, organization_ids: dict[str, str], facility_ids: dict[str, str]
) -> None:
    """Add the disclosed supply edges of DEMO_EDGES between organisations and facilities."""
    nodes = {**organization_ids, **facility_ids}
    for source, target, category, discloser in DEMO_EDGES:
        session.add(
            SupplyEdge(
                source_id=nodes[source],
                source_kind=FACILITY if source in facility_ids else ORGANIZATION,
                target_id=nodes[target],
                target_kind=FACILITY if target in facility_ids else ORGANIZATION,
                product_category=category,
                disclosed_by_id=organization_ids[discloser],
            )
        )
