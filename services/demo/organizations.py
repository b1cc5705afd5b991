"""The demo world's organisations and users, registered through the same bootstrap
functions an operator uses (`storage.tenants`), so every organisation number is
validated."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from domain.enums import OrganizationKind, Role
from services.demo.numbering import norwegian_number as _no
from services.demo.numbering import swedish_number as _se
from storage import tenants
from storage.models import Organization, User


@dataclass(frozen=True)
class DemoOrg:
    """One demo organisation; `key` names its part in the story (e.g. "oslo")."""

    key: str
    name: str
    kind: OrganizationKind
    country: str
    number: str


_PB = OrganizationKind.PUBLIC_BODY
_SUP = OrganizationKind.SUPPLIER
_AUD = OrganizationKind.AUDITOR

# Public bodies carry their real numbers (their check digits validate); companies
# are fictitious, with computed (NO, SE) or made-up (elsewhere) numbers.
DEMO_ORGS: tuple[DemoOrg, ...] = (
    DemoOrg("oslo", "Oslo kommune", _PB, "NO", "958935420"),
    DemoOrg("bergen", "Bergen kommune", _PB, "NO", "964338531"),
    DemoOrg("trondheim", "Trondheim kommune", _PB, "NO", "942110464"),
    DemoOrg("stavanger", "Stavanger kommune", _PB, "NO", "964965226"),
    DemoOrg("baerum", "Bærum kommune", _PB, "NO", "935478715"),
    DemoOrg("kristiansand", "Kristiansand kommune", _PB, "NO", "820852982"),
    DemoOrg("stockholm", "Region Stockholm", _PB, "SE", "2321000016"),
    DemoOrg("vgr", "Västra Götalandsregionen", _PB, "SE", "2321000131"),
    DemoOrg("skane", "Region Skåne", _PB, "SE", "2321000255"),
    DemoOrg("uppsala", "Region Uppsala", _PB, "SE", "2321000024"),
    DemoOrg(
        "coordinator",
        "Nationella sekretariatet för hållbar upphandling",
        OrganizationKind.COORDINATOR,
        "SE",
        _se("202100917"),
    ),
    DemoOrg("glove_no", "Nordisk Medisinsk Forsyning AS", _SUP, "NO", _no("99170001")),
    DemoOrg("textile_no", "Arbeidstøy Norge AS", _SUP, "NO", _no("99170002")),
    DemoOrg("ict_no", "Datautstyr Norge AS", _SUP, "NO", _no("99170004")),
    DemoOrg("glove_se", "Svensk Handskhandel AB", _SUP, "SE", _se("559170001")),
    DemoOrg("textile_se", "Nordiska Arbetskläder AB", _SUP, "SE", _se("559170002")),
    DemoOrg("ict_se", "Svenska IT-leveranser AB", _SUP, "SE", _se("559170003")),
    # Sub-suppliers abroad, disclosed by the suppliers above; numbers as registered there.
    DemoOrg("compound_sub", "Kedah Latex Compounds Sdn Bhd", _SUP, "MY", "201901012345"),
    DemoOrg("fabric_sub", "Punjab Twill Fabrics (Pvt) Ltd", _SUP, "PK", "3520281"),
    DemoOrg("odm_sub", "Taoyuan Notebook Manufacturing Co., Ltd.", _SUP, "TW", "24681357"),
    # Parallel consultancies on the framework agreement, in priority order.
    DemoOrg("consult_1", "Samfunnsansvar Rådgivning AS", _SUP, "NO", _no("99170021")),
    DemoOrg("consult_2", "Leverandørkjede Innsikt AS", _SUP, "NO", _no("99170022")),
    DemoOrg("consult_3", "Nordic Supply Chain Advisory AS", _SUP, "NO", _no("99170023")),
    DemoOrg("consult_4", "Bærekraft og Etikk Konsult AS", _SUP, "NO", _no("99170024")),
    DemoOrg("consult_5", "Menneskerettigheter i Praksis AS", _SUP, "NO", _no("99170025")),
    # Firms that audit and inspect.
    DemoOrg("auditor_no", "Etisk Revisjon Norge AS", _AUD, "NO", _no("99170031")),
    DemoOrg("auditor_se", "Hållbarhetsgranskning Norden AB", _AUD, "SE", _se("559170032")),
)

# The framework agreement's consultancies, rank 1 first.
RANKED_CONSULTANCIES = tuple(f"consult_{rank}" for rank in range(1, 6))

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

# Who signs each body's accession declaration, by org key.
SIGNERS: dict[str, str] = {
    "oslo": "innkjop@oslo.kommune.no",
    "bergen": "innkjop@bergen.kommune.no",
    "trondheim": "innkjop@trondheim.kommune.no",
    "stavanger": "innkjop@stavanger.kommune.no",
    "baerum": "innkjop@baerum.kommune.no",
    "kristiansand": "innkjop@kristiansand.kommune.no",
    "coordinator": "samordnare@hallbarupphandling.se",
}


def add_organizations(session: Session) -> dict[str, Organization]:
    """Register every demo organisation (a no-op for those already there), by key."""
    organizations: dict[str, Organization] = {}
    for spec in DEMO_ORGS:
        outcome = tenants.add_organization(
            session, name=spec.name, kind=spec.kind, country=spec.country, org_number=spec.number
        )
        organizations[spec.key] = session.get_one(Organization, outcome.id)
    return organizations


def add_users(session: Session, organizations: dict[str, Organization]) -> dict[str, str]:
    """Grant every demo user its roles; returns the signers' user ids by e-mail."""
    for email, org_key, role in DEMO_USERS:
        tenants.add_user_role(session, email=email, organization=organizations[org_key], role=role)
    signers = session.scalars(select(User).where(User.email.in_(SIGNERS.values())))
    return {user.email: user.id for user in signers}
