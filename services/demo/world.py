"""Demo and benchmark worlds.

`seed_demo` builds a small, realistic world from DESIGN.md (Oslo's framework
agreement for follow-up services, the Swedish regions' national network, glove,
workwear and laptop suppliers with factories abroad, published inspection
reports) through the same bootstrap functions an operator uses, so every
organisation number is validated. `seed_scale` builds a synthetic national-scale
world for benchmarks with bulk inserts: it computes valid numbers itself and
never queries per row.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import random
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.orm import Session, sessionmaker

from domain.enums import (
    AuditReportStatus,
    AuditReportType,
    CorrectiveActionStatus,
    NetworkKind,
    OrganizationKind,
    Requirement,
    Role,
    Severity,
    ShareScope,
)
from domain.orgnumbers import NORWAY, SWEDEN, luhn_check_digit, mod11_check_digit
from storage import tenants
from storage.db import transaction
from storage.ids import new_id
from storage.models import (
    AuditReport,
    AuditReportFacility,
    Base,
    Contract,
    CorrectiveAction,
    Facility,
    Finding,
    FocusArea,
    Membership,
    Network,
    NetworkParticipant,
    NetworkSupplier,
    Organization,
    SupplyEdge,
    User,
    utcnow,
)

ORGANIZATION = "organization"
FACILITY = "facility"

FRAMEWORK_NAME = "Oppfølging av samfunnsansvar i leverandørkjeder"
NATIONAL_NETWORK_NAME = "Hållbar upphandling \u2013 nationell samordning"
FOCUS_AREA_TITLE = "Surgical gloves 2026"


# -- organisation numbers -----------------------------------------------------------


def org_numbers(country: str, prefix: str, taken: frozenset[str] = frozenset()) -> Iterator[str]:
    """Valid organisation numbers beginning with `prefix`, in increasing order, skipping
    those in `taken`: pure arithmetic, so a million cost no queries. Norway: 9 digits
    (mod-11), Sweden: 10 digits (Luhn), elsewhere 10 digits without a check digit."""
    width = {NORWAY: 8, SWEDEN: 9}.get(country, 10) - len(prefix)
    for n in range(10**width):
        number = f"{prefix}{n:0{width}d}"
        if country == NORWAY:
            check = mod11_check_digit(number)
            if check is None:
                continue
            number += str(check)
        elif country == SWEDEN:
            number += str(luhn_check_digit(number))
        if number not in taken:
            yield number


# -- the demo world -----------------------------------------------------------------


@dataclass(frozen=True)
class DemoUser:
    """One role of one demo user; a user with two roles appears twice."""

    email: str
    org_number: str
    org_name: str
    role: Role
    org_id: str
    country: str


@dataclass(frozen=True)
class DemoWorld:
    """What the demo holds, by its part in the story: the CLI mints tokens for
    `users`, tests and walkthroughs find records without searching by name."""

    users: list[DemoUser]
    organizations: dict[str, str]  # demo key (e.g. "oslo", "glove_no") -> id
    facilities: dict[str, str]  # demo key (e.g. "my_gloves") -> id
    reports: dict[str, str]  # demo key (e.g. "inspection") -> id
    oslo_id: str
    coordinator_id: str
    region_stockholm_id: str
    glove_supplier_id: str
    textile_supplier_id: str
    ict_supplier_id: str
    auditor_id: str
    ranked_supplier_ids: list[str]  # rank 1 first
    framework_agreement_id: str
    national_network_id: str
    focus_area_id: str


@dataclass(frozen=True)
class _Org:
    key: str
    name: str
    kind: OrganizationKind
    country: str
    number: str


def _no(base8: str) -> str:
    check = mod11_check_digit(base8)
    assert check is not None, base8
    return f"{base8}{check}"


def _se(base9: str) -> str:
    return f"{base9}{luhn_check_digit(base9)}"


_PB = OrganizationKind.PUBLIC_BODY
_SUP = OrganizationKind.SUPPLIER
_AUD = OrganizationKind.AUDITOR

# Public bodies carry their real numbers (their check digits validate); companies
# are fictitious, with computed (NO, SE) or made-up (elsewhere) numbers.
DEMO_ORGS: tuple[_Org, ...] = (
    _Org("oslo", "Oslo kommune", _PB, "NO", "958935420"),
    _Org("bergen", "Bergen kommune", _PB, "NO", "964338531"),
    _Org("trondheim", "Trondheim kommune", _PB, "NO", "942110464"),
    _Org("stavanger", "Stavanger kommune", _PB, "NO", "964965226"),
    _Org("baerum", "Bærum kommune", _PB, "NO", "935478715"),
    _Org("kristiansand", "Kristiansand kommune", _PB, "NO", "820852982"),
    _Org("stockholm", "Region Stockholm", _PB, "SE", "2321000016"),
    _Org("vgr", "Västra Götalandsregionen", _PB, "SE", "2321000131"),
    _Org("skane", "Region Skåne", _PB, "SE", "2321000255"),
    _Org("uppsala", "Region Uppsala", _PB, "SE", "2321000024"),
    _Org(
        "coordinator",
        "Nationella sekretariatet för hållbar upphandling",
        OrganizationKind.COORDINATOR,
        "SE",
        _se("202100917"),
    ),
    _Org("glove_no", "Nordisk Medisinsk Forsyning AS", _SUP, "NO", _no("99170001")),
    _Org("textile_no", "Arbeidstøy Norge AS", _SUP, "NO", _no("99170002")),
    _Org("ict_no", "Datautstyr Norge AS", _SUP, "NO", _no("99170004")),
    _Org("glove_se", "Svensk Handskhandel AB", _SUP, "SE", _se("559170001")),
    _Org("textile_se", "Nordiska Arbetskläder AB", _SUP, "SE", _se("559170002")),
    _Org("ict_se", "Svenska IT-leveranser AB", _SUP, "SE", _se("559170003")),
    # Sub-suppliers abroad, disclosed by the suppliers above; numbers as registered there.
    _Org("compound_sub", "Kedah Latex Compounds Sdn Bhd", _SUP, "MY", "201901012345"),
    _Org("fabric_sub", "Punjab Twill Fabrics (Pvt) Ltd", _SUP, "PK", "3520281"),
    _Org("odm_sub", "Taoyuan Notebook Manufacturing Co., Ltd.", _SUP, "TW", "24681357"),
    # Parallel consultancies on the framework agreement, in priority order.
    _Org("consult_1", "Samfunnsansvar Rådgivning AS", _SUP, "NO", _no("99170021")),
    _Org("consult_2", "Leverandørkjede Innsikt AS", _SUP, "NO", _no("99170022")),
    _Org("consult_3", "Nordic Supply Chain Advisory AS", _SUP, "NO", _no("99170023")),
    _Org("consult_4", "Bærekraft og Etikk Konsult AS", _SUP, "NO", _no("99170024")),
    _Org("consult_5", "Menneskerettigheter i Praksis AS", _SUP, "NO", _no("99170025")),
    # Firms that audit and inspect.
    _Org("auditor_no", "Etisk Revisjon Norge AS", _AUD, "NO", _no("99170031")),
    _Org("auditor_se", "Hållbarhetsgranskning Norden AB", _AUD, "SE", _se("559170032")),
)

_FRAMEWORK_MEMBERS = ("oslo", "bergen", "trondheim", "stavanger", "baerum", "kristiansand")
_NATIONAL_MEMBERS = ("coordinator", "stockholm", "vgr", "skane", "uppsala")

# (email, org key, role); the procurement officers sign the accession declarations.
DEMO_USERS: tuple[tuple[str, str, Role], ...] = (
    ("innkjop@oslo.kommune.no", "oslo", Role.PROCUREMENT_OFFICER),
    ("innkjop@oslo.kommune.no", "oslo", Role.ADMIN),
    ("kontrakt@bergen.kommune.no", "bergen", Role.CONTRACT_MANAGER),
    ("innkjop@bergen.kommune.no", "bergen", Role.PROCUREMENT_OFFICER),
    ("innkjop@trondheim.kommune.no", "trondheim", Role.PROCUREMENT_OFFICER),
    ("innsyn@trondheim.kommune.no", "trondheim", Role.VIEWER),
    ("innkjop@stavanger.kommune.no", "stavanger", Role.PROCUREMENT_OFFICER),
    ("innkjop@baerum.kommune.no", "baerum", Role.PROCUREMENT_OFFICER),
    ("innkjop@kristiansand.kommune.no", "kristiansand", Role.PROCUREMENT_OFFICER),
    ("upphandling@regionstockholm.se", "stockholm", Role.PROCUREMENT_OFFICER),
    ("upphandling@vgregion.se", "vgr", Role.PROCUREMENT_OFFICER),
    ("samordnare@hallbarupphandling.se", "coordinator", Role.COORDINATOR),
    ("samordnare@hallbarupphandling.se", "coordinator", Role.ADMIN),
    ("revisor@etiskrevisjon.no", "auditor_no", Role.AUDITOR),
    ("revisor@hallbarhetsgranskning.se", "auditor_se", Role.AUDITOR),
    ("rapportering@nordiskmedisinsk.no", "glove_no", Role.SUPPLIER_REPORTER),
    ("rapportering@arbeidstoy.no", "textile_no", Role.SUPPLIER_REPORTER),
    ("rapportering@datautstyr.no", "ict_no", Role.SUPPLIER_REPORTER),
    ("rapportering@svenskhandske.se", "glove_se", Role.SUPPLIER_REPORTER),
    ("radgiver@samfunnsansvar-radgivning.no", "consult_1", Role.SUPPLIER_REPORTER),
)

_SIGNERS = {
    "oslo": "innkjop@oslo.kommune.no",
    "bergen": "innkjop@bergen.kommune.no",
    "trondheim": "innkjop@trondheim.kommune.no",
    "stavanger": "innkjop@stavanger.kommune.no",
    "baerum": "innkjop@baerum.kommune.no",
    "kristiansand": "innkjop@kristiansand.kommune.no",
    "coordinator": "samordnare@hallbarupphandling.se",
}


@dataclass(frozen=True)
class _Site:
    key: str
    name: str
    country: str
    address: str
    latitude: float
    longitude: float
    os_id: str | None = None

    @property
    def dedup_key(self) -> str:
        return f"{self.country}|{self.name.lower()}|{self.address.lower()}"


DEMO_FACILITIES: tuple[_Site, ...] = (
    _Site(
        "my_gloves",
        "Perak Nitrile Gloves Sdn Bhd, Plant 2",
        "MY",
        "Lot 12, Kamunting Industrial Estate, 34600 Kamunting, Perak, Malaysia",
        4.9046,
        100.7234,
        "MY2024123ABCDEF",
    ),
    _Site(
        "my_compound",
        "Kedah Latex Compounding Works",
        "MY",
        "Jalan Industri 3, Kulim Hi-Tech Park, 09000 Kulim, Kedah, Malaysia",
        5.4235,
        100.5793,
        "MY2023087KLCW01",
    ),
    _Site(
        "th_nbr",
        "Map Ta Phut Synthetic Rubber Plant",
        "TH",
        "Map Ta Phut Industrial Estate, Rayong 21150, Thailand",
        12.6833,
        101.1500,
        "TH2022311MTPSR1",
    ),
    _Site(
        "th_gloves",
        "Songkhla Medical Gloves Co., Ltd.",
        "TH",
        "88 Moo 4, Kanchanavanich Road, Hat Yai, Songkhla 90110, Thailand",
        6.9965,
        100.4682,
        None,
    ),
    _Site(
        "vn_gloves",
        "Binh Duong Glove Manufacturing JSC",
        "VN",
        "VSIP II, Thu Dau Mot, Binh Duong Province, Vietnam",
        11.0667,
        106.6833,
        "VN2024045BDGM01",
    ),
    _Site(
        "pk_garments",
        "Faisalabad Workwear Garments (Pvt) Ltd",
        "PK",
        "Plot 45, M-3 Industrial City, Sahianwala, Faisalabad, Pakistan",
        31.5497,
        73.2102,
        "PK2023150FWG001",
    ),
    _Site(
        "pk_weaving",
        "Punjab Twill Weaving Mill",
        "PK",
        "Sheikhupura Road, Faisalabad, Punjab, Pakistan",
        31.4504,
        73.1350,
        None,
    ),
    _Site(
        "pk_spinning",
        "Multan Cotton Spinning Mills",
        "PK",
        "Vehari Road, Multan, Punjab, Pakistan",
        30.1575,
        71.5249,
        None,
    ),
    _Site(
        "cn_garments",
        "Ningbo Protective Clothing Co., Ltd.",
        "CN",
        "No. 18 Xingye Road, Beilun District, Ningbo, Zhejiang, China",
        29.8880,
        121.8450,
        "CN2022199NPC001",
    ),
    _Site(
        "vn_garments",
        "Hai Phong Workwear Factory",
        "VN",
        "Trang Due Industrial Park, An Duong, Hai Phong, Vietnam",
        20.8650,
        106.5960,
        None,
    ),
    _Site(
        "cn_assembly",
        "Chongqing Notebook Assembly Plant",
        "CN",
        "Xiyong Microelectronics Industrial Park, Shapingba, Chongqing, China",
        29.6060,
        106.3000,
        "CN2024201CNA001",
    ),
    _Site(
        "cn_battery",
        "Dongguan Lithium Cell Works",
        "CN",
        "Songshan Lake Hi-tech Zone, Dongguan, Guangdong, China",
        22.9300,
        113.8900,
        None,
    ),
    _Site(
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

_SOCIAL = (
    "The supplier shall respect the ILO core conventions, the UN Declaration of Human "
    "Rights and national labour law in the production of the goods, and shall take part "
    "in follow-up (self-report, meetings, audits and inspections) on request."
)
_ENVIRONMENTAL = "Products shall meet the environmental requirements of the tender documents."

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


def seed_demo(session: Session, *, today: dt.date | None = None) -> DemoWorld:
    """Create the demo world, or return the one already there: the framework
    agreement led by Oslo marks a seeded database."""
    existing = _load_demo(session)
    if existing is not None:
        return existing
    today = today or dt.date.today()
    now = dt.datetime.combine(today, dt.time(9, 0), tzinfo=dt.UTC)

    orgs: dict[str, Organization] = {}
    for spec in DEMO_ORGS:
        outcome = tenants.add_organization(
            session, name=spec.name, kind=spec.kind, country=spec.country, org_number=spec.number
        )
        orgs[spec.key] = session.get_one(Organization, outcome.id)
    user_ids: dict[str, str] = {}
    for email, org_key, role in DEMO_USERS:
        tenants.add_user_role(session, email=email, organization=orgs[org_key], role=role)
    for user in session.scalars(select(User).where(User.email.in_(_SIGNERS.values()))):
        user_ids[user.email] = user.id
    org_ids = {key: org.id for key, org in orgs.items()}

    facility_ids = _add_facilities(session)
    framework_id, national_id = _add_networks(session, org_ids, user_ids, today)
    nodes = {**org_ids, **facility_ids}
    for source, target, category, discloser in DEMO_EDGES:
        session.add(
            SupplyEdge(
                source_id=nodes[source],
                source_kind=FACILITY if source in facility_ids else ORGANIZATION,
                target_id=nodes[target],
                target_kind=FACILITY if target in facility_ids else ORGANIZATION,
                product_category=category,
                disclosed_by_id=org_ids[discloser],
            )
        )
    networks = {"framework": framework_id}
    for buyer, supplier, title, category, value, months, network in DEMO_CONTRACTS:
        start = today - dt.timedelta(days=30 * months)
        session.add(
            Contract(
                buyer_id=org_ids[buyer],
                supplier_id=org_ids[supplier],
                network_id=networks[network] if network else None,
                title=title,
                product_category=category,
                start_date=start,
                end_date=start + dt.timedelta(days=3 * 365),
                value=value,
                social_conditions=_SOCIAL,
                environmental_conditions=_ENVIRONMENTAL,
                follow_up_step="EXECUTE",
            )
        )
    focus_area = FocusArea(
        network_id=national_id,
        title=FOCUS_AREA_TITLE,
        product_category="medical-gloves",
        description=(
            "Follow-up of surgical and examination gloves: recruitment fees and forced "
            "labour indicators among migrant workers at glove factories in Malaysia and "
            "Thailand, and working hours in peak demand."
        ),
        responsible_body_id=org_ids["stockholm"],
        period_start=dt.date(2026, 1, 1),
        period_end=dt.date(2026, 12, 31),
        created_by_id=org_ids["coordinator"],
    )
    session.add(focus_area)
    session.flush()
    _add_reports(session, org_ids, facility_ids, framework_id, national_id, focus_area.id, now)
    session.flush()
    world = _load_demo(session)
    assert world is not None
    return world


def _add_facilities(session: Session) -> dict[str, str]:
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


def _add_networks(
    session: Session, org_ids: dict[str, str], user_ids: dict[str, str], today: dt.date
) -> tuple[str, str]:
    start = dt.date(today.year - 1, 9, 1)
    framework = Network(
        name=FRAMEWORK_NAME,
        kind=NetworkKind.FRAMEWORK_AGREEMENT,
        lead_id=org_ids["oslo"],
        join_deadline=start + dt.timedelta(days=60),
        period_start=start,
        period_end=start.replace(year=start.year + 2) - dt.timedelta(days=1),
        options="1+1",
        areas=["self-report", "supplier-meetings", "system-audits", "inspections"],
        call_off_threshold_hours=250,
        max_subcontractor_tiers=2,
        min_environmental_weight=0.3,
    )
    national = Network(
        name=NATIONAL_NETWORK_NAME,
        kind=NetworkKind.NATIONAL_NETWORK,
        lead_id=org_ids["coordinator"],
        period_start=dt.date(today.year, 1, 1),
        areas=[
            "gloves",
            "textiles",
            "instruments",
            "surgical-items",
            "dressings",
            "ict",
            "pharmaceuticals",
            "food",
            "medtech",
        ],
    )
    session.add_all([framework, national])
    session.flush()
    for weeks, key in enumerate(_FRAMEWORK_MEMBERS):
        session.add(
            NetworkParticipant(
                network_id=framework.id,
                organization_id=org_ids[key],
                signed_by_user_id=user_ids[_SIGNERS[key]],
                signed_at=dt.datetime.combine(
                    start + dt.timedelta(weeks=weeks), dt.time(10, 0), tzinfo=dt.UTC
                ),
            )
        )
    for key in _NATIONAL_MEMBERS:
        signer = _SIGNERS.get(key)
        session.add(
            NetworkParticipant(
                network_id=national.id,
                organization_id=org_ids[key],
                signed_by_user_id=user_ids[signer] if signer else None,
                signed_at=(
                    dt.datetime.combine(national.period_start, dt.time(10, 0), tzinfo=dt.UTC)
                    if signer and national.period_start
                    else None
                ),
            )
        )
    for rank in range(1, 6):
        session.add(
            NetworkSupplier(
                network_id=framework.id, supplier_id=org_ids[f"consult_{rank}"], rank=rank
            )
        )
    session.flush()
    return framework.id, national.id


_INSPECTION_TITLE = "Inspection of the nitrile glove factory in Perak, Malaysia"
_SYSTEM_AUDIT_TITLE = "System audit of Arbeidstøy Norge AS"
_MEETING_TITLE = "Supplier meeting with Datautstyr Norge AS on laptop supply chains"
_FOCUS_REVIEW_TITLE = "Self-report review: surgical gloves from Thailand and Vietnam"

_REPORT_TITLES = {
    "inspection": _INSPECTION_TITLE,
    "system_audit": _SYSTEM_AUDIT_TITLE,
    "supplier_meeting": _MEETING_TITLE,
    "focus_review": _FOCUS_REVIEW_TITLE,
}

# (requirement, severity, description [SHARED], evidence [RESTRICTED],
#  corrective action, days until due, action status)
_FindingSpec = tuple[Requirement, Severity, str, str, str, int, CorrectiveActionStatus]


def _add_reports(
    session: Session,
    org: dict[str, str],
    facilities: dict[str, str],
    framework_id: str,
    national_id: str,
    focus_area_id: str,
    now: dt.datetime,
) -> None:
    today = now.date()
    _add_report(
        session,
        AuditReport(
            title=_INSPECTION_TITLE,
            report_type=AuditReportType.INSPECTION_ABROAD,
            status=AuditReportStatus.PUBLISHED,
            share_scope=ShareScope.NETWORK,
            network_id=framework_id,
            commissioned_by_id=org["oslo"],
            auditor_id=org["auditor_no"],
            supplier_id=org["glove_no"],
            audit_date=today - dt.timedelta(days=45),
            published_at=now - dt.timedelta(days=10),
            summary=(
                "Unannounced two-day inspection of the glove factory that produces nitrile "
                "examination gloves for Nordisk Medisinsk Forsyning AS. The factory employs "
                "about 1,100 workers, most of them migrant workers. Management cooperated and "
                "gave access to payroll, time records and dormitories. The inspection found "
                "recruitment fees paid by migrant workers (forced labour indicator), excessive "
                "working hours in peak months and shortcomings in chemical handling."
            ),
            commercial_notes=(
                "The supplier shared its unit prices and margin per box of gloves under the "
                "agreement; these are business secrets and exempt from public access."
            ),
            worker_interviews=(
                "Twelve workers were interviewed off-site without management present: eight "
                "migrant workers from Nepal and Bangladesh and four Malaysian workers. Seven "
                "migrant workers said they had paid recruitment fees of several months' wages "
                "to agents at home; two said the dormitory manager kept their passports."
            ),
        ),
        [facilities["my_gloves"]],
        [
            (
                Requirement.ILO_C29,
                Severity.CRITICAL,
                "Migrant workers had paid recruitment fees to agents in their countries of "
                "origin and were repaying debts through wage deductions. Debt bondage is an "
                "indicator of forced labour (ILO C29).",
                "Payslips for fourteen workers over three months show deductions labelled as "
                "agent loans; contracts with two recruitment agencies were reviewed.",
                "Reimburse recruitment fees paid by current workers under a remediation plan "
                "agreed with the buyer, adopt an employer-pays policy and audit the agencies.",
                90,
                CorrectiveActionStatus.OPEN,
            ),
            (
                Requirement.WORKING_HOURS,
                Severity.MAJOR,
                "Time records show weekly working hours above 72 on the packing lines in peak "
                "months, and fewer than one rest day in seven.",
                "Time records for the packing lines over the last six months.",
                "Cap overtime within the legal limit, guarantee one rest day in seven and "
                "report monthly working hours to the buyer.",
                120,
                CorrectiveActionStatus.IN_PROGRESS,
            ),
            (
                Requirement.HEALTH_AND_SAFETY,
                Severity.MINOR,
                "Chemicals used as accelerators were stored without secondary containment, "
                "and safety data sheets were not available in the workers' languages.",
                "Photographs of the chemical store and the safety data sheet folder.",
                "Install secondary containment and translate safety data sheets into Nepali "
                "and Bengali; train the workers who handle the chemicals.",
                60,
                CorrectiveActionStatus.OPEN,
            ),
        ],
        today,
    )
    _add_report(
        session,
        AuditReport(
            title=_SYSTEM_AUDIT_TITLE,
            report_type=AuditReportType.SYSTEM_AUDIT,
            status=AuditReportStatus.DRAFT,
            share_scope=ShareScope.PRIVATE,
            commissioned_by_id=org["trondheim"],
            auditor_id=org["auditor_no"],
            supplier_id=org["textile_no"],
            audit_date=today - dt.timedelta(days=7),
            summary=(
                "Audit of the supplier's due diligence system for workwear: risk assessment, "
                "supplier code of conduct, follow-up of the garment factory in Pakistan and "
                "traceability to weaving and spinning mills."
            ),
            commercial_notes="Draft: price list annex not reviewed.",
        ),
        [],
        [
            (
                Requirement.OTHER,
                Severity.MAJOR,
                "The risk assessment covers the garment factory but not the weaving and "
                "spinning mills that supply it.",
                "Risk assessment document reviewed on site.",
                "Extend the risk assessment to the fabric and yarn stages and map the mills.",
                120,
                CorrectiveActionStatus.OPEN,
            ),
            (
                Requirement.ILO_C87,
                Severity.MINOR,
                "No grievance channel is available to workers at the garment factory in a "
                "language they understand.",
                "Interview with the supplier's sustainability manager.",
                "Set up a grievance channel in Urdu and Punjabi and report its use quarterly.",
                180,
                CorrectiveActionStatus.OPEN,
            ),
        ],
        today,
    )
    _add_report(
        session,
        AuditReport(
            title=_MEETING_TITLE,
            report_type=AuditReportType.SUPPLIER_MEETING,
            status=AuditReportStatus.PUBLISHED,
            share_scope=ShareScope.ALL_PUBLIC_BODIES,
            commissioned_by_id=org["oslo"],
            auditor_id=org["auditor_no"],
            supplier_id=org["ict_no"],
            audit_date=today - dt.timedelta(days=80),
            published_at=now - dt.timedelta(days=60),
            summary=(
                "Follow-up meeting on the supply chain of laptops delivered to schools and "
                "administration. The supplier has mapped final assembly in China and the "
                "mainboard plant in Taiwan, but not the battery cell production. Student "
                "workers at the assembly plant were discussed."
            ),
        ),
        [facilities["cn_assembly"]],
        [
            (
                Requirement.WORKING_HOURS,
                Severity.OBSERVATION,
                "Student interns at the final assembly plant may work overtime in peak "
                "season; the supplier will obtain records from the brand owner.",
                "Meeting minutes, agreed with the supplier.",
                "Obtain and share working-hour records for interns for the last peak season.",
                60,
                CorrectiveActionStatus.VERIFIED,
            ),
            (
                Requirement.ENVIRONMENT,
                Severity.MINOR,
                "The supplier could not document the origin of cobalt in the battery cells.",
                "Supplier's responsible minerals report, version of last year.",
                "Map the smelters and refiners for cobalt and report against the OECD guidance.",
                150,
                CorrectiveActionStatus.OPEN,
            ),
        ],
        today,
    )
    _add_report(
        session,
        AuditReport(
            title=_FOCUS_REVIEW_TITLE,
            report_type=AuditReportType.SELF_REPORT_REVIEW,
            status=AuditReportStatus.PUBLISHED,
            share_scope=ShareScope.NETWORK,
            network_id=national_id,
            commissioned_by_id=org["stockholm"],
            auditor_id=org["auditor_se"],
            supplier_id=org["glove_se"],
            focus_area_id=focus_area_id,
            audit_date=today - dt.timedelta(days=30),
            published_at=now - dt.timedelta(days=20),
            summary=(
                "Review of the supplier's self-report for surgical gloves made in Thailand and "
                "Vietnam, within the national focus area on gloves. Production sites and the "
                "synthetic rubber supplier are disclosed; recruitment practices at the Thai "
                "factory call for an on-site audit."
            ),
        ),
        [facilities["th_gloves"], facilities["vn_gloves"]],
        [
            (
                Requirement.ILO_C29,
                Severity.MAJOR,
                "The self-report does not show how the Thai factory ensures that migrant "
                "workers pay no recruitment fees.",
                "Self-report answers on recruitment, version 1.",
                "Document the recruitment process and fees for migrant workers; an on-site "
                "audit will follow.",
                60,
                CorrectiveActionStatus.IN_PROGRESS,
            ),
        ],
        today,
    )


def _add_report(
    session: Session,
    report: AuditReport,
    facility_ids: Sequence[str],
    findings: Sequence[_FindingSpec],
    today: dt.date,
) -> None:
    session.add(report)
    session.flush()
    for facility_id in facility_ids:
        session.add(AuditReportFacility(report_id=report.id, facility_id=facility_id))
    for position, (requirement, severity, description, evidence, action, due, status) in enumerate(
        findings
    ):
        finding = Finding(
            report_id=report.id,
            position=position,
            requirement=requirement,
            severity=severity,
            description=description,
            evidence=evidence,
        )
        session.add(finding)
        session.flush()
        session.add(
            CorrectiveAction(
                finding_id=finding.id,
                description=action,
                due_date=today + dt.timedelta(days=due),
                status=status,
                verified_at=(
                    dt.datetime.combine(today, dt.time(12, 0), tzinfo=dt.UTC)
                    if status is CorrectiveActionStatus.VERIFIED
                    else None
                ),
            )
        )


def _load_demo(session: Session) -> DemoWorld | None:
    """The demo world as stored, or None when it was never seeded."""
    specs = {spec.key: spec for spec in DEMO_ORGS}
    oslo = specs["oslo"]
    lead_id = session.scalar(
        select(Organization.id).where(
            Organization.country == oslo.country, Organization.org_number == oslo.number
        )
    )
    if lead_id is None:
        return None
    framework_id = session.scalar(
        select(Network.id).where(Network.lead_id == lead_id, Network.name == FRAMEWORK_NAME)
    )
    if framework_id is None:
        return None
    by_number = {
        (country, number): org_id
        for org_id, country, number in session.execute(
            select(Organization.id, Organization.country, Organization.org_number).where(
                Organization.org_number.in_([spec.number for spec in DEMO_ORGS])
            )
        )
    }
    org_ids = {key: by_number[(spec.country, spec.number)] for key, spec in specs.items()}
    national_id = session.scalar(
        select(Network.id).where(
            Network.lead_id == org_ids["coordinator"], Network.name == NATIONAL_NETWORK_NAME
        )
    )
    focus_area_id = session.scalar(
        select(FocusArea.id).where(
            FocusArea.network_id == national_id, FocusArea.title == FOCUS_AREA_TITLE
        )
    )
    sites = {site.dedup_key: site.key for site in DEMO_FACILITIES}
    facility_ids = {
        sites[key]: facility_id
        for facility_id, key in session.execute(
            select(Facility.id, Facility.dedup_key).where(Facility.dedup_key.in_(sites))
        )
    }
    titles = {title: key for key, title in _REPORT_TITLES.items()}
    report_ids = {
        titles[title]: report_id
        for report_id, title in session.execute(
            select(AuditReport.id, AuditReport.title).where(
                AuditReport.title.in_(titles),
                AuditReport.commissioned_by_id.in_(org_ids.values()),
            )
        )
    }
    assert national_id is not None and focus_area_id is not None
    users = [
        DemoUser(
            email=email,
            org_number=specs[key].number,
            org_name=specs[key].name,
            role=role,
            org_id=org_ids[key],
            country=specs[key].country,
        )
        for email, key, role in DEMO_USERS
    ]
    return DemoWorld(
        users=users,
        organizations=org_ids,
        facilities=facility_ids,
        reports=report_ids,
        oslo_id=org_ids["oslo"],
        coordinator_id=org_ids["coordinator"],
        region_stockholm_id=org_ids["stockholm"],
        glove_supplier_id=org_ids["glove_no"],
        textile_supplier_id=org_ids["textile_no"],
        ict_supplier_id=org_ids["ict_no"],
        auditor_id=org_ids["auditor_no"],
        ranked_supplier_ids=[org_ids[f"consult_{rank}"] for rank in range(1, 6)],
        framework_agreement_id=framework_id,
        national_network_id=national_id,
        focus_area_id=focus_area_id,
    )


# -- the national-scale world ---------------------------------------------------------


@dataclass(frozen=True)
class ScaleStats:
    """Rows inserted per table, and how long it took."""

    organizations: int
    users: int
    memberships: int
    networks: int
    network_participants: int
    network_suppliers: int
    contracts: int
    facilities: int
    supply_edges: int
    audit_reports: int
    audit_report_facilities: int
    findings: int
    corrective_actions: int
    seconds: float

    def counts(self) -> dict[str, int]:
        """Counts keyed by table name."""
        return {
            field.name: getattr(self, field.name)
            for field in dataclasses.fields(self)
            if field.name != "seconds"
        }

    @property
    def total_rows(self) -> int:
        return sum(self.counts().values())


# (category, countries of its factories, countries of raw material)
_CATEGORIES: tuple[tuple[str, tuple[str, ...], tuple[str, ...]], ...] = (
    ("medical-gloves", ("MY", "TH", "VN", "CN"), ("TH", "MY", "ID")),
    ("workwear", ("PK", "BD", "CN", "VN", "TR", "IN"), ("PK", "IN", "UZ", "CN")),
    ("ict-hardware", ("CN", "TW", "VN", "MY"), ("CD", "CN", "ID", "CL")),
    ("surgical-instruments", ("PK", "DE", "MY"), ("CN", "IN")),
    ("dressings", ("CN", "IN", "EG"), ("IN", "UZ")),
    ("furniture", ("PL", "VN", "CN", "LT"), ("BR", "ID", "RU")),
    ("food", ("TH", "BR", "ES", "VN"), ("BR", "CI", "GH")),
    ("cleaning-chemicals", ("DE", "CN", "IN"), ("CN", "SA")),
)

_COORDS: dict[str, tuple[float, float]] = {
    "MY": (3.1, 101.6), "TH": (13.7, 100.5), "VN": (10.8, 106.6), "CN": (31.2, 121.4),
    "PK": (31.5, 73.1), "BD": (23.8, 90.4), "TR": (41.0, 28.9), "IN": (19.0, 72.8),
    "TW": (25.0, 121.5), "DE": (51.2, 7.0), "EG": (30.0, 31.2), "PL": (52.2, 21.0),
    "LT": (54.7, 25.3), "BR": (-23.5, -46.6), "ES": (40.4, -3.7), "ID": (-6.2, 106.8),
    "UZ": (41.3, 69.2), "CD": (-10.7, 25.5), "CL": (-33.4, -70.6), "RU": (55.8, 37.6),
    "CI": (5.3, -4.0), "GH": (5.6, -0.2), "SA": (26.4, 50.1),
}  # fmt: skip

_SUPPLIER_WORDS = (
    "Nordic", "Polar", "Fjord", "Aurora", "Boreal", "Viking", "Skandia", "Granitt",
    "Lyng", "Birk", "Furu", "Havbris", "Midnatt", "Tinde", "Elv", "Solberg",
)  # fmt: skip
_SUPPLIER_NOUNS = (
    "Supply",
    "Trading",
    "Partner",
    "Handel",
    "Import",
    "Logistikk",
    "Group",
    "Solutions",
)

_SUB_SUPPLIER_WORDS = (
    "Golden", "Eastern", "Pacific", "Delta", "Lotus", "Jade", "Harbour", "Summit",
)  # fmt: skip
_LEGAL_FORMS = {
    "MY": "Sdn Bhd", "PK": "(Pvt) Ltd", "IN": "Pvt Ltd", "VN": "JSC", "DE": "GmbH",
    "PL": "Sp. z o.o.", "LT": "UAB", "TR": "A.S.", "BR": "Ltda", "ES": "S.L.", "EG": "S.A.E.",
}  # fmt: skip

_FINDING_TEXT: dict[Requirement, str] = {
    Requirement.ILO_C29: "Workers paid recruitment fees and repay them through wage deductions.",
    Requirement.ILO_C105: "Overtime is presented as compulsory, with penalties for refusal.",
    Requirement.ILO_C87: "Workers are not free to form or join a trade union of their choice.",
    Requirement.ILO_C98: "No collective bargaining takes place despite requests from workers.",
    Requirement.ILO_C100: "Women are paid less than men for work of equal value.",
    Requirement.ILO_C111: "Job adverts state gender and age requirements.",
    Requirement.ILO_C138: "Workers below the minimum age for employment were found.",
    Requirement.ILO_C182: "Young workers perform hazardous work at night.",
    Requirement.ILO_C155: "Machine guards are missing on several production lines.",
    Requirement.ILO_C187: "There is no occupational safety and health management system.",
    Requirement.WAGES: "Wages for piece work fall below the legal minimum wage.",
    Requirement.WORKING_HOURS: "Weekly working hours exceed 60 in peak season.",
    Requirement.HEALTH_AND_SAFETY: "Emergency exits were blocked and fire drills not held.",
    Requirement.ENVIRONMENT: "Wastewater is discharged without treatment.",
    Requirement.ANTI_CORRUPTION: "No policy against facilitation payments to officials.",
    Requirement.OTHER: "The supplier could not trace the product to its raw material.",
}

_STATUS_WEIGHTS = (
    (AuditReportStatus.PUBLISHED, 50),
    (AuditReportStatus.DRAFT, 20),
    (AuditReportStatus.SUBMITTED, 15),
    (AuditReportStatus.SUPERSEDED, 10),
    (AuditReportStatus.WITHDRAWN, 5),
)
_SCOPE_WEIGHTS = (
    (ShareScope.PRIVATE, 20),
    (ShareScope.NETWORK, 35),
    (ShareScope.ALL_PUBLIC_BODIES, 35),
    (ShareScope.PUBLIC, 10),
)
_SEVERITY_WEIGHTS = (
    (Severity.CRITICAL, 10),
    (Severity.MAJOR, 30),
    (Severity.MINOR, 40),
    (Severity.OBSERVATION, 20),
)
_ACTION_WEIGHTS = (
    (CorrectiveActionStatus.OPEN, 40),
    (CorrectiveActionStatus.IN_PROGRESS, 25),
    (CorrectiveActionStatus.VERIFIED, 25),
    (CorrectiveActionStatus.OVERDUE, 10),
)

_INSERT_ORDER: tuple[type[Base], ...] = (
    Organization,
    User,
    Membership,
    Network,
    NetworkParticipant,
    NetworkSupplier,
    Contract,
    Facility,
    SupplyEdge,
    AuditReport,
    AuditReportFacility,
    Finding,
    CorrectiveAction,
)

_CHUNK = 5_000
_SCALE_EPOCH = dt.date(2025, 1, 1)  # dates are fixed so a seed always gives the same world


def seed_scale(
    session_factory: sessionmaker[Session],
    bodies: int,
    *,
    suppliers_per_body: int = 50,
    progress: Callable[[int, int], None] | None = None,
    seed: int = 0,
) -> ScaleStats:
    """Bulk-insert a synthetic national-scale world: `bodies` public bodies (NO and SE
    alternating), each with `suppliers_per_body` contracts drawn from a shared supplier
    pool, multi-tier chains, two networks and about two audit reports per supplier.

    Everything is generated in memory first (deterministic for a seed), then inserted
    in chunks with one commit each, so progress is real and a failure loses one chunk.
    """
    if bodies < 1:
        raise ValueError("bodies must be at least 1")
    if suppliers_per_body < 1:
        raise ValueError("suppliers_per_body must be at least 1")
    started = time.perf_counter()
    with transaction(session_factory) as session:
        taken = _Taken.load(session)
    rows = _ScaleBuilder(random.Random(seed), seed, taken).build(bodies, suppliers_per_body)
    total = sum(len(rows[model]) for model in _INSERT_ORDER)
    done = 0
    for model in _INSERT_ORDER:
        table_rows = rows[model]
        for start in range(0, len(table_rows), _CHUNK):
            chunk = table_rows[start : start + _CHUNK]
            with transaction(session_factory) as session:
                session.execute(insert(model), chunk)
            done += len(chunk)
            if progress is not None:
                progress(done, total)
    counts = {model.__tablename__: len(rows[model]) for model in _INSERT_ORDER}
    return ScaleStats(**counts, seconds=time.perf_counter() - started)


@dataclass(frozen=True)
class _Taken:
    """Unique values already in the database, read once so generated rows avoid them."""

    numbers: dict[str, frozenset[str]]
    emails: frozenset[str]
    dedup_keys: frozenset[str]
    os_ids: frozenset[str]

    @classmethod
    def load(cls, session: Session) -> _Taken:
        numbers: dict[str, set[str]] = {}
        for country, number in session.execute(
            select(Organization.country, Organization.org_number)
        ):
            numbers.setdefault(country, set()).add(number)
        return cls(
            numbers={country: frozenset(values) for country, values in numbers.items()},
            emails=frozenset(session.scalars(select(User.email))),
            dedup_keys=frozenset(session.scalars(select(Facility.dedup_key))),
            os_ids=frozenset(os_id for os_id in session.scalars(select(Facility.os_id)) if os_id),
        )


class _ScaleBuilder:
    """Generates the rows of the scale world as plain dicts, per model."""

    def __init__(self, rng: random.Random, seed: int, taken: _Taken) -> None:
        self.rng = rng
        self.taken = taken
        self.now = utcnow()
        self.rows: dict[type[Base], list[dict[str, Any]]] = {m: [] for m in _INSERT_ORDER}
        self._digit = str(seed % 10)
        self._numbers: dict[tuple[str, bool], Iterator[str]] = {}
        self._edges: set[tuple[str, str, str]] = set()
        self._facility_count = 0

    # - helpers -

    def _add(self, model: type[Base], **values: Any) -> str:
        values.setdefault("id", new_id())
        if "created_at" in model.__table__.columns:
            values.setdefault("created_at", self.now)
        self.rows[model].append(values)
        return str(values["id"])

    def _org(self, name: str, kind: OrganizationKind, country: str) -> tuple[str, str]:
        public = kind in (_PB, OrganizationKind.COORDINATOR)
        numbers = self._numbers.get((country, public))
        if numbers is None:
            # One number range per seed, country and sector, so worlds of different
            # seeds look alike but never collide.
            d = self._digit
            prefix = {
                (NORWAY, True): f"8{d}0",
                (NORWAY, False): f"8{d}5",
                (SWEDEN, True): f"212{d}",
                (SWEDEN, False): f"559{d}",
            }.get((country, public), f"7{d}")
            numbers = org_numbers(country, prefix, self.taken.numbers.get(country, frozenset()))
            self._numbers[(country, public)] = numbers
        number = next(numbers)
        return self._add(
            Organization, name=name, kind=kind, country=country, org_number=number
        ), number

    def _user(self, local: str, number: str, org_id: str, *roles: Role) -> None:
        email = f"{local}@{number}.bench.kjede.example"
        if email in self.taken.emails:
            return
        user_id = self._add(User, email=email, name=None)
        for role in roles:
            self._add(Membership, user_id=user_id, organization_id=org_id, role=role)

    def _facility(self, name: str, country: str) -> str:
        self._facility_count += 1
        lat, lon = _COORDS.get(country, (0.0, 0.0))
        address = f"Industrial zone {self.rng.randint(1, 40)}, plot {self._facility_count}"
        dedup_key = f"{country}|{name.lower()}|{address.lower()}"
        while dedup_key in self.taken.dedup_keys:
            address += " B"
            dedup_key = f"{country}|{name.lower()}|{address.lower()}"
        os_id: str | None = None
        if self.rng.random() < 0.6:
            os_id = f"{country}{2019 + self.rng.randint(0, 6)}{self._facility_count:07d}X"
            if os_id in self.taken.os_ids:
                os_id = None
        return self._add(
            Facility,
            name=name,
            country=country,
            address=address,
            latitude=round(lat + self.rng.uniform(-1.5, 1.5), 5),
            longitude=round(lon + self.rng.uniform(-1.5, 1.5), 5),
            os_id=os_id,
            dedup_key=dedup_key,
        )

    def _edge(
        self, source: str, source_kind: str, target: str, target_kind: str, category: str, by: str
    ) -> None:
        if (source, target, category) in self._edges:
            return
        self._edges.add((source, target, category))
        self._add(
            SupplyEdge,
            source_id=source,
            source_kind=source_kind,
            target_id=target,
            target_kind=target_kind,
            product_category=category,
            disclosed_by_id=by,
            self_report_id=None,
        )

    def _weighted(self, weights: Sequence[tuple[Any, int]]) -> Any:
        return self.rng.choices([v for v, _ in weights], [w for _, w in weights])[0]

    def _date(self, spread_days: int) -> dt.date:
        return _SCALE_EPOCH + dt.timedelta(days=self.rng.randint(-spread_days, spread_days))

    # - the world -

    def build(self, bodies: int, suppliers_per_body: int) -> dict[type[Base], list[dict[str, Any]]]:
        rng = self.rng
        body_ids: list[str] = []
        body_country: dict[str, str] = {}
        for index in range(bodies):
            country = "NO" if index % 2 == 0 else "SE"
            name = (
                f"Syntetisk kommune {index + 1:04d}"
                if country == "NO"
                else f"Syntetisk region {index + 1:04d}"
            )
            org_id, number = self._org(name, _PB, country)
            self._user("innkjop", number, org_id, Role.PROCUREMENT_OFFICER, Role.ADMIN)
            body_ids.append(org_id)
            body_country[org_id] = country
        coordinator_id, number = self._org(
            "Syntetiskt samordningsorgan", OrganizationKind.COORDINATOR, "SE"
        )
        self._user("samordnare", number, coordinator_id, Role.COORDINATOR)

        auditor_ids: list[str] = []
        for index in range(10):
            country = "NO" if index % 2 == 0 else "SE"
            suffix = "AS" if country == "NO" else "AB"
            name = f"Revisjon og Inspeksjon {index + 1:02d} {suffix}"
            org_id, number = self._org(name, _AUD, country)
            self._user("revisor", number, org_id, Role.AUDITOR)
            auditor_ids.append(org_id)

        pool_size = max(5, round(bodies * suppliers_per_body / 3))
        suppliers: list[tuple[str, str, str]] = []  # (id, name, category)
        for index in range(pool_size):
            country = rng.choice(("NO", "SE"))
            suffix = "AS" if country == "NO" else "AB"
            name = (
                f"{rng.choice(_SUPPLIER_WORDS)} {rng.choice(_SUPPLIER_NOUNS)} "
                f"{index + 1:05d} {suffix}"
            )
            category = rng.choice(_CATEGORIES)[0]
            org_id, number = self._org(name, _SUP, country)
            self._user("rapportering", number, org_id, Role.SUPPLIER_REPORTER)
            suppliers.append((org_id, name, category))

        categories = {category: (sites, raw) for category, sites, raw in _CATEGORIES}
        supplier_sites = self._chains(suppliers, categories)
        buyers = self._contracts(body_ids, suppliers, suppliers_per_body)
        memberships = self._networks(body_ids, body_country, coordinator_id, suppliers)
        self._reports(suppliers, supplier_sites, buyers, body_ids, auditor_ids, memberships)
        return self.rows

    def _chains(
        self,
        suppliers: list[tuple[str, str, str]],
        categories: dict[str, tuple[tuple[str, ...], tuple[str, ...]]],
    ) -> dict[str, list[str]]:
        """Tier 1 factories and sub-suppliers, tier 2 sub-supplier plants, tier 3 raw
        material, sometimes a tier 4 source; sub-suppliers are shared between suppliers."""
        rng = self.rng
        sub_pool: dict[str, list[tuple[str, list[str]]]] = {}
        sites: dict[str, list[str]] = {}
        for supplier_id, name, category in suppliers:
            site_countries, raw_countries = categories[category]
            sites[supplier_id] = []
            for n in range(rng.randint(1, 3)):
                country = rng.choice(site_countries)
                facility_id = self._facility(f"{name} factory {n + 1}", country)
                sites[supplier_id].append(facility_id)
                self._edge(facility_id, FACILITY, supplier_id, ORGANIZATION, category, supplier_id)
            pool = sub_pool.setdefault(category, [])
            for _ in range(rng.randint(1, 2)):
                if pool and rng.random() < 0.6:
                    sub_id, sub_sites = rng.choice(pool)
                else:
                    sub_id, sub_sites = self._sub_supplier(category, site_countries, raw_countries)
                    pool.append((sub_id, sub_sites))
                self._edge(sub_id, ORGANIZATION, supplier_id, ORGANIZATION, category, supplier_id)
                for sub_site in sub_sites:
                    self._edge(sub_site, FACILITY, sub_id, ORGANIZATION, category, supplier_id)
        return sites

    def _sub_supplier(
        self, category: str, site_countries: tuple[str, ...], raw_countries: tuple[str, ...]
    ) -> tuple[str, list[str]]:
        rng = self.rng
        country = rng.choice(site_countries)
        serial = len(self.rows[Organization])
        name = (
            f"{rng.choice(_SUB_SUPPLIER_WORDS)} {category.split('-')[-1].title()} "
            f"{serial:05d} {_LEGAL_FORMS.get(country, 'Ltd')}"
        )
        sub_id, _number = self._org(name, _SUP, country)
        plants: list[str] = []
        for n in range(rng.randint(1, 2)):
            plant = self._facility(f"{name} plant {n + 1}", rng.choice(site_countries))
            plants.append(plant)
            raw = self._facility(f"{name} raw material {n + 1}", rng.choice(raw_countries))
            self._edge(raw, FACILITY, plant, FACILITY, f"{category}-raw", sub_id)
            if rng.random() < 0.4:
                source = self._facility(f"{name} extraction {n + 1}", rng.choice(raw_countries))
                self._edge(source, FACILITY, raw, FACILITY, f"{category}-raw", sub_id)
        return sub_id, plants

    def _contracts(
        self, body_ids: list[str], suppliers: list[tuple[str, str, str]], per_body: int
    ) -> dict[str, list[str]]:
        rng = self.rng
        buyers: dict[str, list[str]] = {}
        for body_id in body_ids:
            chosen = rng.sample(suppliers, min(per_body, len(suppliers)))
            for supplier_id, _name, category in chosen:
                start = self._date(700)
                self._add(
                    Contract,
                    buyer_id=body_id,
                    supplier_id=supplier_id,
                    network_id=None,
                    title=f"Rammeavtale {category}",
                    product_category=category,
                    start_date=start,
                    end_date=start + dt.timedelta(days=365 * rng.randint(2, 4)),
                    value=float(rng.randrange(100_000, 50_000_000, 50_000)),
                    social_conditions=_SOCIAL,
                    environmental_conditions=_ENVIRONMENTAL,
                    follow_up_step=rng.choice(("PLAN", "EXECUTE", "FOLLOW_UP", "REPORT")),
                )
                buyers.setdefault(supplier_id, []).append(body_id)
        return buyers

    def _networks(
        self,
        body_ids: list[str],
        body_country: dict[str, str],
        coordinator_id: str,
        suppliers: list[tuple[str, str, str]],
    ) -> dict[str, str]:
        """A Norwegian framework agreement and a Swedish national network; returns
        each body's network."""
        rng = self.rng
        member_of: dict[str, str] = {}
        norwegian = [b for b in body_ids if body_country[b] == "NO"]
        swedish = [b for b in body_ids if body_country[b] == "SE"]
        framework_id = self._add(
            Network,
            name="Syntetisk rammeavtale for oppfølging",
            kind=NetworkKind.FRAMEWORK_AGREEMENT,
            lead_id=norwegian[0],
            join_deadline=_SCALE_EPOCH,
            period_start=_SCALE_EPOCH,
            period_end=_SCALE_EPOCH + dt.timedelta(days=729),
            options="1+1",
            areas=["self-report", "supplier-meetings", "system-audits", "inspections"],
            call_off_threshold_hours=250,
            max_subcontractor_tiers=None,
            min_environmental_weight=None,
        )
        for index, body_id in enumerate(norwegian):
            self._add(
                NetworkParticipant,
                network_id=framework_id,
                organization_id=body_id,
                signed_by_user_id=None,
                signed_at=dt.datetime.combine(
                    _SCALE_EPOCH - dt.timedelta(days=index % 60), dt.time(10), tzinfo=dt.UTC
                ),
            )
            member_of[body_id] = framework_id
        for rank, (supplier_id, _name, _category) in enumerate(
            rng.sample(suppliers, min(5, len(suppliers))), start=1
        ):
            self._add(NetworkSupplier, network_id=framework_id, supplier_id=supplier_id, rank=rank)
        national_id = self._add(
            Network,
            name="Syntetiskt nationellt nätverk",
            kind=NetworkKind.NATIONAL_NETWORK,
            lead_id=coordinator_id,
            join_deadline=None,
            period_start=_SCALE_EPOCH,
            period_end=None,
            options=None,
            areas=[category for category, _sites, _raw in _CATEGORIES],
            call_off_threshold_hours=250,
            max_subcontractor_tiers=None,
            min_environmental_weight=None,
        )
        for body_id in [coordinator_id, *swedish]:
            self._add(
                NetworkParticipant,
                network_id=national_id,
                organization_id=body_id,
                signed_by_user_id=None,
                signed_at=None,
            )
            member_of[body_id] = national_id
        return member_of

    def _reports(
        self,
        suppliers: list[tuple[str, str, str]],
        sites: dict[str, list[str]],
        buyers: dict[str, list[str]],
        body_ids: list[str],
        auditor_ids: list[str],
        member_of: dict[str, str],
    ) -> None:
        rng = self.rng
        requirements = list(Requirement)
        for supplier_id, name, category in suppliers:
            statuses = [self._weighted(_STATUS_WEIGHTS) for _ in range(rng.choice((1, 2, 2, 3)))]
            previous: str | None = None
            previous_date = _SCALE_EPOCH
            for index, status in enumerate(statuses):
                # A superseded report is always followed by the published one replacing it.
                if status is AuditReportStatus.SUPERSEDED and index == len(statuses) - 1:
                    status = AuditReportStatus.PUBLISHED
                supersedes_id = None
                if index and statuses[index - 1] is AuditReportStatus.SUPERSEDED:
                    status, supersedes_id = AuditReportStatus.PUBLISHED, previous
                statuses[index] = status
                body_id = rng.choice(buyers.get(supplier_id) or body_ids)
                report_type = rng.choice(list(AuditReportType))
                scope = self._weighted(_SCOPE_WEIGHTS)
                network_id = member_of.get(body_id) if scope is ShareScope.NETWORK else None
                if scope is ShareScope.NETWORK and network_id is None:
                    scope = ShareScope.ALL_PUBLIC_BODIES
                audit_date = (
                    previous_date + dt.timedelta(days=rng.randint(30, 200))
                    if supersedes_id
                    else self._date(500)
                )
                published = status in (AuditReportStatus.PUBLISHED, AuditReportStatus.SUPERSEDED)
                report_id = self._add(
                    AuditReport,
                    title=f"{report_type.value.replace('_', ' ').title()}: {name}",
                    report_type=report_type,
                    status=status,
                    share_scope=scope,
                    network_id=network_id,
                    commissioned_by_id=body_id,
                    auditor_id=rng.choice(auditor_ids),
                    supplier_id=supplier_id,
                    focus_area_id=None,
                    supersedes_id=supersedes_id,
                    audit_date=audit_date,
                    published_at=(
                        dt.datetime.combine(
                            audit_date + dt.timedelta(days=rng.randint(7, 60)),
                            dt.time(12),
                            tzinfo=dt.UTC,
                        )
                        if published
                        else None
                    ),
                    summary=f"Follow-up of {category} from {name}; findings and actions below.",
                    commercial_notes="Prices and volumes discussed; exempt from public access.",
                    worker_interviews=(
                        f"{rng.randint(4, 30)} workers interviewed off-site."
                        if report_type
                        in (AuditReportType.INSPECTION_ABROAD, AuditReportType.INSPECTION_NORWAY)
                        else None
                    ),
                    created_by_user_id=None,
                    updated_at=self.now,
                )
                previous, previous_date = report_id, audit_date
                if report_type is AuditReportType.INSPECTION_ABROAD:
                    self._add(
                        AuditReportFacility,
                        report_id=report_id,
                        facility_id=rng.choice(sites[supplier_id]),
                    )
                for position in range(rng.randint(1, 4)):
                    requirement = rng.choice(requirements)
                    finding_id = self._add(
                        Finding,
                        report_id=report_id,
                        position=position,
                        requirement=requirement,
                        severity=self._weighted(_SEVERITY_WEIGHTS),
                        description=_FINDING_TEXT[requirement],
                        evidence="Documents and observations on site.",
                    )
                    action = self._weighted(_ACTION_WEIGHTS)
                    due = audit_date + dt.timedelta(days=rng.choice((30, 60, 90, 180)))
                    self._add(
                        CorrectiveAction,
                        finding_id=finding_id,
                        description="Remedy the finding and document it to the buyer.",
                        due_date=due,
                        status=action,
                        verified_at=(
                            dt.datetime.combine(due, dt.time(12), tzinfo=dt.UTC)
                            if action is CorrectiveActionStatus.VERIFIED
                            else None
                        ),
                    )
