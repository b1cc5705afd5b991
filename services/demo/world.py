"""The demo world: a small, realistic world from DESIGN.md (Oslo's framework
agreement for follow-up services, the Swedish regions' national network, glove,
workwear and laptop suppliers with factories abroad, inspection reports to publish).

`seed_demo` writes it once and `load_demo` finds it again, so seeding twice changes
nothing."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from domain.enums import Role
from services.demo.audit_report_specs import DEMO_REPORTS
from services.demo.audit_reports import add_reports
from services.demo.contracts import add_contracts
from services.demo.coordination import add_coordination
from services.demo.dates import utc_at
from services.demo.engagements import add_engagements
from services.demo.facilities import DEMO_FACILITIES, add_facilities, add_supply_edges
from services.demo.frameworks import add_frameworks
from services.demo.networks import (
    FOCUS_AREA_TITLE,
    FRAMEWORK_NAME,
    NATIONAL_NETWORK_NAME,
    add_focus_area,
    add_networks,
)
from services.demo.organizations import (
    DEMO_ORGS,
    DEMO_USERS,
    RANKED_CONSULTANCIES,
    add_organizations,
    add_users,
)
from services.demo.self_reports import add_self_reports
from storage.models import AuditReport, Facility, FocusArea, Network, Organization


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


def seed_demo(session: Session, *, today: dt.date | None = None) -> DemoWorld:
    """Create the demo world, or return the one already there: the framework
    agreement led by Oslo marks a seeded database.

    The reports the story publishes are left SUBMITTED: `publish_demo` publishes
    them through the publish path (it needs the async session, the object store
    and the audit key, which this transaction does not have)."""
    existing = load_demo(session)
    if existing is not None:
        return existing
    today = today or dt.date.today()
    now = utc_at(today, 9)

    organizations = add_organizations(session)
    signer_ids = add_users(session, organizations)
    organization_ids = {key: organization.id for key, organization in organizations.items()}
    facility_ids = add_facilities(session)
    framework_id, national_id = add_networks(session, organization_ids, signer_ids, today)
    add_supply_edges(session, organization_ids, facility_ids)
    add_contracts(session, organization_ids, {"framework": framework_id}, today)
    add_engagements(session, organization_ids, now)
    focus_area_id = add_focus_area(session, organization_ids, national_id)
    add_coordination(session, organization_ids, national_id, focus_area_id, today)
    add_frameworks(session, organization_ids, framework_id, today)
    network_ids = {"framework": framework_id, "national": national_id}
    add_reports(session, organization_ids, facility_ids, network_ids, focus_area_id, now)
    add_self_reports(session, organization_ids, facility_ids, now)
    session.flush()
    world = load_demo(session)
    assert world is not None
    return world


def load_demo(session: Session) -> DemoWorld | None:
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
    titles = {report.title: report.key for report in DEMO_REPORTS}
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
        ranked_supplier_ids=[org_ids[key] for key in RANKED_CONSULTANCIES],
        framework_agreement_id=framework_id,
        national_network_id=national_id,
        focus_area_id=focus_area_id,
    )
