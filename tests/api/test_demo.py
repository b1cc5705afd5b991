"""The demo world and the synthetic national-scale world, on the embedded SQLite."""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import Sequence
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session, sessionmaker
from typer.testing import CliRunner

from api.app import Services
from api.cli import app as cli
from authz.records import RENDITION_CLEARANCES
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
from domain.orgnumbers import normalize_org_number
from domain.personal_data import find_personal_data
from services.demo import (
    DEMO_USERS,
    DemoWorld,
    Publisher,
    ScaleStats,
    publish_demo,
    seed_demo,
    seed_scale,
)
from services.demo.audit_report_specs import DEMO_REPORTS
from settings import Settings
from storage import audit_log, db, tenants
from storage.models import (
    AuditLogEntry,
    AuditReport,
    AuditReportFacility,
    Base,
    Contract,
    CorrectiveAction,
    Document,
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
)

TODAY = dt.date(2026, 3, 2)


@pytest.fixture
def factory(engine: Engine) -> sessionmaker[Session]:
    return db.make_session_factory(engine)


PUBLISHED_KEYS = [spec.key for spec in DEMO_REPORTS if spec.status is AuditReportStatus.PUBLISHED]


def publish(settings: Settings, world: DemoWorld) -> list[str]:
    """`publish_demo` with the API's services, as `kjede demo` runs it."""

    async def main() -> list[str]:
        services = Services.from_settings(settings)
        try:
            publisher = Publisher(
                services.sessions,
                services.authorizer,
                services.objects,
                settings,
                services.url_secret,
            )
            return await publish_demo(publisher, world)
        finally:
            await services.close()

    return asyncio.run(main())


@pytest.fixture
def demo(factory: sessionmaker[Session], settings: Settings) -> DemoWorld:
    with db.transaction(factory) as session:
        world = seed_demo(session, today=TODAY)
    assert publish(settings, world) == PUBLISHED_KEYS
    return world


def tier_depths(edges: Sequence[SupplyEdge]) -> dict[str, int]:
    """How many tiers of disclosed suppliers lie below each target."""
    suppliers_of: dict[str, list[str]] = {}
    for edge in edges:
        suppliers_of.setdefault(edge.target_id, []).append(edge.source_id)
    depths: dict[str, int] = {}
    for root in suppliers_of:
        tiers, frontier, seen = 0, [root], {root}
        while frontier:
            frontier = [s for node in frontier for s in suppliers_of.get(node, []) if s not in seen]
            seen.update(frontier)
            tiers += bool(frontier)
        depths[root] = tiers
    return depths


def table_counts(session: Session) -> dict[str, int]:
    return {
        table.name: session.execute(select(func.count()).select_from(table)).scalar_one()
        for table in Base.metadata.sorted_tables
    }


def test_framework_agreement_has_five_ranked_suppliers_and_signed_participants(
    factory: sessionmaker[Session], demo: DemoWorld
) -> None:
    with factory() as session:
        network = session.get_one(Network, demo.framework_agreement_id)
        assert network.kind is NetworkKind.FRAMEWORK_AGREEMENT
        assert network.lead_id == demo.oslo_id
        ranked = session.execute(
            select(NetworkSupplier.rank, Organization.id, Organization.kind)
            .join(Organization, Organization.id == NetworkSupplier.supplier_id)
            .where(NetworkSupplier.network_id == network.id)
            .order_by(NetworkSupplier.rank)
        ).all()
        assert [rank for rank, _, _ in ranked] == [1, 2, 3, 4, 5]
        assert [org_id for _, org_id, _ in ranked] == demo.ranked_supplier_ids
        assert {kind for _, _, kind in ranked} == {OrganizationKind.SUPPLIER}

        participants = session.execute(
            select(NetworkParticipant, Organization.name)
            .join(Organization, Organization.id == NetworkParticipant.organization_id)
            .where(NetworkParticipant.network_id == network.id)
        ).all()
        assert len(participants) >= 5
        names = {name for _, name in participants}
        assert {"Bergen kommune", "Trondheim kommune", "Bærum kommune"} <= names
        for participant, _ in participants:
            assert participant.signed_at is not None
            assert participant.signed_by_user_id is not None


def test_national_network_is_coordinated_with_the_swedish_regions(
    factory: sessionmaker[Session], demo: DemoWorld
) -> None:
    with factory() as session:
        network = session.get_one(Network, demo.national_network_id)
        assert network.kind is NetworkKind.NATIONAL_NETWORK
        lead = session.get_one(Organization, network.lead_id)
        assert lead.kind is OrganizationKind.COORDINATOR
        assert lead.country == "SE"
        regions = session.scalars(
            select(Organization)
            .join(NetworkParticipant, NetworkParticipant.organization_id == Organization.id)
            .where(
                NetworkParticipant.network_id == network.id,
                Organization.kind == OrganizationKind.PUBLIC_BODY,
            )
        ).all()
        assert len(regions) >= 4
        assert {region.country for region in regions} == {"SE"}
        focus = session.get_one(FocusArea, demo.focus_area_id)
        assert (focus.title, focus.product_category) == ("Surgical gloves 2026", "medical-gloves")
        assert focus.network_id == network.id
        assert focus.responsible_body_id == demo.region_stockholm_id


def test_supply_chains_reach_facilities_abroad_over_three_tiers(
    factory: sessionmaker[Session], demo: DemoWorld
) -> None:
    with factory() as session:
        countries = set(session.scalars(select(Facility.country)))
        assert {"MY", "TH", "CN", "PK", "VN", "TW"} <= countries
        malaysia = session.get_one(Facility, demo.facilities["my_gloves"])
        assert malaysia.os_id == "MY2024123ABCDEF"
        assert malaysia.latitude is not None and malaysia.longitude is not None
        edges = session.scalars(select(SupplyEdge)).all()

    for edge in edges:
        assert {edge.source_kind, edge.target_kind} <= {"organization", "facility"}
    depth = tier_depths(edges)

    assert depth[demo.glove_supplier_id] >= 3
    assert depth[demo.textile_supplier_id] >= 3
    assert depth[demo.ict_supplier_id] >= 3
    assert {edge.disclosed_by_id for edge in edges} >= {
        demo.glove_supplier_id,
        demo.textile_supplier_id,
        demo.ict_supplier_id,
    }


def test_users_hold_their_roles(factory: sessionmaker[Session], demo: DemoWorld) -> None:
    expected = {
        ("innkjop@oslo.kommune.no", Role.PROCUREMENT_OFFICER),
        ("innkjop@oslo.kommune.no", Role.ADMIN),
        ("kontrakt@bergen.kommune.no", Role.CONTRACT_MANAGER),
        ("revisor@etiskrevisjon.no", Role.AUDITOR),
        ("rapportering@nordiskmedisinsk.no", Role.SUPPLIER_REPORTER),
        ("samordnare@hallbarupphandling.se", Role.COORDINATOR),
    }
    assert expected <= {(user.email, user.role) for user in demo.users}
    assert any(user.role is Role.VIEWER for user in demo.users)
    with factory() as session:
        for user in demo.users:
            organization = session.get_one(Organization, user.org_id)
            assert (organization.org_number, organization.name) == (user.org_number, user.org_name)
            assert user.role in tenants.user_roles(session, user.email, user.org_id)
        coordinator = next(u for u in demo.users if u.role is Role.COORDINATOR)
        assert session.get_one(Organization, coordinator.org_id).kind is (
            OrganizationKind.COORDINATOR
        )


def test_inspection_abroad_is_published_to_the_framework_agreement(
    factory: sessionmaker[Session], demo: DemoWorld
) -> None:
    with factory() as session:
        report = session.get_one(AuditReport, demo.reports["inspection"])
        assert report.report_type is AuditReportType.INSPECTION_ABROAD
        assert report.status is AuditReportStatus.PUBLISHED
        assert report.share_scope is ShareScope.NETWORK
        assert report.network_id == demo.framework_agreement_id
        assert report.commissioned_by_id == demo.oslo_id
        assert report.supplier_id == demo.glove_supplier_id
        assert session.get_one(Organization, report.auditor_id).kind is OrganizationKind.AUDITOR
        assert report.commercial_notes and report.worker_interviews and report.published_at
        facility_ids = session.scalars(
            select(AuditReportFacility.facility_id).where(
                AuditReportFacility.report_id == report.id
            )
        ).all()
        assert facility_ids == [demo.facilities["my_gloves"]]
        findings = session.execute(
            select(Finding, CorrectiveAction)
            .join(CorrectiveAction, CorrectiveAction.finding_id == Finding.id)
            .where(Finding.report_id == report.id)
            .order_by(Finding.position)
        ).all()
    assert [(f.requirement, f.severity) for f, _ in findings] == [
        (Requirement.ILO_C29, Severity.CRITICAL),
        (Requirement.WORKING_HOURS, Severity.MAJOR),
        (Requirement.HEALTH_AND_SAFETY, Severity.MINOR),
    ]
    _, forced_labour_action = findings[0]
    assert forced_labour_action.status is CorrectiveActionStatus.OPEN
    assert forced_labour_action.due_date == TODAY + dt.timedelta(days=90)


def test_other_reports_and_shared_text_without_personal_data(
    factory: sessionmaker[Session], demo: DemoWorld
) -> None:
    with factory() as session:
        system_audit = session.get_one(AuditReport, demo.reports["system_audit"])
        assert system_audit.report_type is AuditReportType.SYSTEM_AUDIT
        assert system_audit.status is AuditReportStatus.DRAFT
        assert system_audit.supplier_id == demo.textile_supplier_id
        meeting = session.get_one(AuditReport, demo.reports["supplier_meeting"])
        assert meeting.report_type is AuditReportType.SUPPLIER_MEETING
        assert meeting.status is AuditReportStatus.PUBLISHED
        assert meeting.share_scope is ShareScope.ALL_PUBLIC_BODIES
        assert meeting.supplier_id == demo.ict_supplier_id

        for report in session.scalars(select(AuditReport)):
            # Only NETWORK sharing names a network.
            assert (report.network_id is not None) == (report.share_scope is ShareScope.NETWORK)
            assert find_personal_data(report.summary or "") == [], report.title
            finding_count = session.scalar(
                select(func.count()).where(Finding.report_id == report.id)
            )
            assert finding_count
        # Every text the audited supplier reads, whatever the share scope (the guard's rule).
        for description, evidence in session.execute(select(Finding.description, Finding.evidence)):
            assert find_personal_data(description or "") == []
            assert find_personal_data(evidence or "") == []
        for action in session.scalars(select(CorrectiveAction.description)):
            assert find_personal_data(action or "") == []

        contracts = session.scalars(select(Contract)).all()
        assert {"medical-gloves", "workwear", "ict-hardware"} <= {
            c.product_category for c in contracts
        }
        buyer_kinds = set(
            session.scalars(
                select(Organization.kind).where(
                    Organization.id.in_([c.buyer_id for c in contracts])
                )
            )
        )
        assert buyer_kinds == {OrganizationKind.PUBLIC_BODY}


def test_demo_organisation_numbers_are_valid(
    factory: sessionmaker[Session], demo: DemoWorld
) -> None:
    with factory() as session:
        organizations = session.scalars(select(Organization)).all()
    assert len(organizations) == len(demo.organizations)
    for organization in organizations:
        assert normalize_org_number(organization.country, organization.org_number) == (
            organization.org_number
        )
    oslo = next(o for o in organizations if o.id == demo.oslo_id)
    assert (oslo.name, oslo.org_number) == ("Oslo kommune", "958935420")


def test_seeding_the_demo_twice_changes_nothing(
    factory: sessionmaker[Session], demo: DemoWorld, settings: Settings
) -> None:
    with factory() as session:
        before = table_counts(session)
    with db.transaction(factory) as session:
        again = seed_demo(session, today=TODAY + dt.timedelta(days=5))
    assert publish(settings, again) == []
    with factory() as session:
        assert table_counts(session) == before
    assert again == demo


def test_published_reports_went_through_the_publish_path(
    factory: sessionmaker[Session], demo: DemoWorld
) -> None:
    """Each report the story publishes has its renditions and its share change on
    the audit log, by the commissioning body's officer; the draft has neither."""
    officers = {email for email, _, role in DEMO_USERS if role is Role.PROCUREMENT_OFFICER}
    with factory() as session:
        entries = session.scalars(select(AuditLogEntry).order_by(AuditLogEntry.seq)).all()
        assert audit_log.verify(session).ok
        for spec in DEMO_REPORTS:
            report = session.get_one(AuditReport, demo.reports[spec.key])
            renditions = session.scalars(
                select(Document).where(
                    Document.report_id == report.id, Document.is_rendition.is_(True)
                )
            ).all()
            changes = [e for e in entries if e.subject_id == report.id]
            if spec.status is not AuditReportStatus.PUBLISHED:
                assert (report.status, renditions, changes) == (spec.status, [], [])
                continue
            assert (report.status, report.share_scope) == (
                AuditReportStatus.PUBLISHED,
                spec.share_scope,
            )
            assert report.published_at is not None
            assert {(d.rendition_clearance, d.content_type) for d in renditions} == {
                (level, kind)
                for level in RENDITION_CLEARANCES
                for kind in ("application/json", "application/pdf")
            }
            [change] = changes
            assert (change.action, change.actor_org_id) == (
                "share_changed",
                report.commissioned_by_id,
            )
            assert change.detail["from"] == {"scope": "PRIVATE", "networkId": None}
            assert change.detail["to"] == {
                "scope": spec.share_scope.value,
                "networkId": report.network_id,
            }
            actor = session.get_one(User, change.actor_user_id)
            assert actor.email in officers
    assert [e.subject_id for e in entries] == [demo.reports[key] for key in PUBLISHED_KEYS]


def test_seed_demo_alone_leaves_the_reports_to_publish_submitted_and_private(
    factory: sessionmaker[Session],
) -> None:
    with db.transaction(factory) as session:
        world = seed_demo(session, today=TODAY)
    with factory() as session:
        for key in PUBLISHED_KEYS:
            report = session.get_one(AuditReport, world.reports[key])
            assert (report.status, report.share_scope, report.network_id, report.published_at) == (
                AuditReportStatus.SUBMITTED,
                ShareScope.PRIVATE,
                None,
                None,
            )
        assert session.scalar(select(func.count()).select_from(AuditLogEntry)) == 0


def test_kjede_demo_publishes_and_the_audit_log_verifies(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("KJEDE_DATA_DIR", str(tmp_path / "cli-data"))
    monkeypatch.delenv("KJEDE_DATABASE_URL", raising=False)
    monkeypatch.delenv("KJEDE_AUDIT_KEY", raising=False)
    monkeypatch.delenv("KJEDE_AUDIT_KEY_PATH", raising=False)
    monkeypatch.setenv("KJEDE_ENVIRONMENT", "dev")
    runner = CliRunner()
    first = runner.invoke(cli, ["demo", "--no-serve"])
    assert first.exit_code == 0, first.output
    assert "published through the publish path: " + ", ".join(PUBLISHED_KEYS) in " ".join(
        first.output.split()
    )
    again = runner.invoke(cli, ["demo", "--no-serve"])
    assert again.exit_code == 0, again.output
    assert "published through the publish path" not in again.output

    settings = Settings()
    engine = db.make_engine(settings.resolved_database_url)
    try:
        with db.make_session_factory(engine)() as session:
            published = session.scalars(
                select(AuditReport.id).where(AuditReport.status == AuditReportStatus.PUBLISHED)
            ).all()
            assert len(published) == len(PUBLISHED_KEYS)
            renditions = session.scalars(
                select(Document.report_id).where(Document.is_rendition.is_(True))
            ).all()
            shared = session.scalars(
                select(AuditLogEntry.subject_id).where(AuditLogEntry.action == "share_changed")
            ).all()
        assert set(renditions) == set(published) == set(shared)
        assert len(shared) == len(published), "the second run published nothing again"
        assert any(path.is_file() for path in settings.object_dir.rglob("*"))
    finally:
        engine.dispose()
    verified = runner.invoke(cli, ["audit", "verify"])
    assert verified.exit_code == 0, verified.output
    assert f"audit log intact: {len(PUBLISHED_KEYS)} entries" in verified.output


# -- the scale world ------------------------------------------------------------------

SCALE_MODELS: tuple[type[Base], ...] = (
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


def test_scale_world_counts_match_the_database(factory: sessionmaker[Session]) -> None:
    calls: list[tuple[int, int]] = []
    stats = seed_scale(
        factory, 3, suppliers_per_body=10, progress=lambda done, total: calls.append((done, total))
    )
    assert isinstance(stats, ScaleStats)
    with factory() as session:
        counts = table_counts(session)
        assert stats.counts() == {
            model.__tablename__: counts[model.__tablename__] for model in SCALE_MODELS
        }
        assert stats.contracts == 3 * 10
        assert stats.organizations >= 3 + 10 + 10  # bodies, auditors, supplier pool
        assert stats.findings == stats.corrective_actions >= stats.audit_reports > 0
        kinds = dict(
            session.execute(
                select(Organization.kind, func.count()).group_by(Organization.kind)
            ).all()
        )
        assert kinds[OrganizationKind.PUBLIC_BODY] == 3
        assert kinds[OrganizationKind.AUDITOR] == 10
        assert kinds[OrganizationKind.COORDINATOR] == 1
        for organization in session.scalars(select(Organization)):
            assert normalize_org_number(organization.country, organization.org_number) == (
                organization.org_number
            )
        # Suppliers are shared: some supplier sells to more than one body.
        shared = session.scalar(
            select(func.count()).select_from(
                select(Contract.supplier_id)
                .group_by(Contract.supplier_id)
                .having(func.count(func.distinct(Contract.buyer_id)) > 1)
                .subquery()
            )
        )
        assert shared
        reports = session.scalars(select(AuditReport)).all()
        assert len({r.status for r in reports}) >= 2
        assert len({r.share_scope for r in reports}) >= 2
        for report in reports:
            assert (report.network_id is not None) == (report.share_scope is ShareScope.NETWORK)
        successors = {r.supersedes_id for r in reports}
        for report in reports:
            if report.status is AuditReportStatus.SUPERSEDED:
                assert report.id in successors
        supplier_ids = session.scalars(select(Contract.supplier_id).distinct()).all()
        depth = tier_depths(session.scalars(select(SupplyEdge)).all())
        assert max(depth[supplier_id] for supplier_id in supplier_ids) >= 3
    dones = [done for done, _ in calls]
    assert dones == sorted(set(dones))
    assert {total for _, total in calls} == {stats.total_rows}
    assert dones[-1] == stats.total_rows


def test_scale_world_is_deterministic_for_a_seed(
    factory: sessionmaker[Session], tmp_path: Path
) -> None:
    def numbers(session_factory: sessionmaker[Session]) -> list[tuple[str, str, str]]:
        with session_factory() as session:
            rows = session.execute(
                select(Organization.country, Organization.org_number, Organization.name)
            )
            return sorted((country, number, name) for country, number, name in rows)

    first = seed_scale(factory, 3, suppliers_per_body=10, seed=7)
    other_engine = db.make_engine(f"sqlite:///{tmp_path / 'other.db'}")
    try:
        db.upgrade(other_engine)
        other = db.make_session_factory(other_engine)
        second = seed_scale(other, 3, suppliers_per_body=10, seed=7)
        assert numbers(factory) == numbers(other)
        assert first.counts() == second.counts()
    finally:
        other_engine.dispose()


def test_scale_world_avoids_what_is_already_there(
    factory: sessionmaker[Session], demo: DemoWorld
) -> None:
    first = seed_scale(factory, 2, suppliers_per_body=5)
    second = seed_scale(factory, 2, suppliers_per_body=5)
    with factory() as session:
        assert session.scalar(select(func.count()).select_from(Organization)) == (
            len(demo.organizations) + first.organizations + second.organizations
        )


def test_scale_world_of_twenty_bodies_is_fast(factory: sessionmaker[Session]) -> None:
    stats = seed_scale(factory, 20)
    assert stats.contracts == 1000
    assert stats.audit_reports + stats.findings > 2000
    assert stats.seconds < 20


def test_the_glove_supplier_reports_once_to_its_buyers_and_its_grantee(
    engine: Engine, settings: Settings, demo: DemoWorld, factory: sessionmaker[Session]
) -> None:
    from authz.records import SELF_REPORT
    from storage.models import SelfReport
    from tests.api.test_self_report_visibility import facts_of

    orgs = demo.organizations
    with db.transaction(factory) as session:
        (report,) = session.scalars(select(SelfReport)).all()
        assert report.supplier_id == orgs["glove_no"] and report.version == 1
        readers = {
            key
            for key in ("oslo", "bergen", "kristiansand", "trondheim", "auditor_no", "glove_se")
            if SELF_REPORT.clearance(
                report,
                facts_of(
                    engine,
                    settings,
                    orgs[key],
                    session.get_one(Organization, orgs[key]).kind,
                    TODAY,
                ),
            )
            is not None
        }
    assert readers == {"oslo", "bergen", "kristiansand", "auditor_no"}
