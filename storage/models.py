"""SQLAlchemy models for the whole domain of DESIGN.md.

There are no ORM relationships: every relation is loaded explicitly by a
DataLoader in one batched query, so no lazy load can hide on the request path.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy import Enum as SAEnum
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from domain.enums import (
    AuditReportStatus,
    AuditReportType,
    CallOffRoute,
    Classification,
    CorrectiveActionStatus,
    CorrectiveActionStep,
    DocumentUploadStatus,
    MiniCompetitionStatus,
    NetworkKind,
    OrganizationKind,
    Requirement,
    Role,
    Severity,
    ShareScope,
)
from storage.ids import new_id

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def enum_column(enum: type, **kwargs: Any) -> Any:
    """Enums are stored as plain strings: portable between SQLite and PostgreSQL
    and extendable without an ALTER TYPE."""
    return mapped_column(
        SAEnum(enum, native_enum=False, length=32, validate_strings=True), **kwargs
    )


def id_column() -> Mapped[str]:
    return mapped_column(String(36), primary_key=True, default=new_id)


def fk(target: str, *, nullable: bool = False, index: bool = True) -> Mapped[Any]:
    return mapped_column(
        String(36), ForeignKey(target, ondelete="CASCADE"), nullable=nullable, index=index
    )


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map = {dt.datetime: DateTime(timezone=True), dict[str, Any]: JSON}


class Organization(Base):
    """A tenant: public body, supplier, auditor firm or national coordinator."""

    __tablename__ = "organizations"
    __table_args__ = (UniqueConstraint("country", "org_number"),)

    id: Mapped[str] = id_column()
    name: Mapped[str] = mapped_column(String(300))
    kind: Mapped[OrganizationKind] = enum_column(OrganizationKind, index=True)
    country: Mapped[str] = mapped_column(String(2))
    org_number: Mapped[str] = mapped_column(String(32), index=True)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class User(Base):
    __tablename__ = "users"

    id: Mapped[str] = id_column()
    email: Mapped[str] = mapped_column(String(320), unique=True)
    name: Mapped[str | None] = mapped_column(String(300))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class Membership(Base):
    """A role a user holds in an organisation; one row per (user, org, role).

    This table is the source of truth for roles: the API reads it on every
    request, so a revoked role stops working at once.
    """

    __tablename__ = "memberships"
    __table_args__ = (UniqueConstraint("user_id", "organization_id", "role"),)

    id: Mapped[str] = id_column()
    user_id: Mapped[str] = fk("users.id")
    organization_id: Mapped[str] = fk("organizations.id")
    role: Mapped[Role] = enum_column(Role)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class Network(Base):
    """A framework agreement (rammeavtale / samkjøpsavtale) or a national network."""

    __tablename__ = "networks"

    id: Mapped[str] = id_column()
    name: Mapped[str] = mapped_column(String(300))
    kind: Mapped[NetworkKind] = enum_column(NetworkKind)
    lead_id: Mapped[str] = fk("organizations.id")
    join_deadline: Mapped[dt.date | None] = mapped_column(Date)
    period_start: Mapped[dt.date | None] = mapped_column(Date)
    period_end: Mapped[dt.date | None] = mapped_column(Date)
    options: Mapped[str | None] = mapped_column(String(64))  # e.g. "1+1+1"
    areas: Mapped[list[str]] = mapped_column(JSON, default=list)
    call_off_threshold_hours: Mapped[int] = mapped_column(Integer, default=250)
    max_subcontractor_tiers: Mapped[int | None] = mapped_column(Integer)
    min_environmental_weight: Mapped[float | None] = mapped_column(Float)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class NetworkParticipant(Base):
    """A body on the network; for framework agreements, its signed accession
    declaration (tilslutningserklæring)."""

    __tablename__ = "network_participants"
    __table_args__ = (UniqueConstraint("network_id", "organization_id"),)

    id: Mapped[str] = id_column()
    network_id: Mapped[str] = fk("networks.id")
    organization_id: Mapped[str] = fk("organizations.id")
    signed_by_user_id: Mapped[str | None] = fk("users.id", nullable=True)
    signed_at: Mapped[dt.datetime | None] = mapped_column()
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class NetworkSupplier(Base):
    """A parallel supplier on a framework agreement; rank 1 is called off first."""

    __tablename__ = "network_suppliers"
    __table_args__ = (
        UniqueConstraint("network_id", "supplier_id"),
        UniqueConstraint("network_id", "rank", name="network_rank"),
    )

    id: Mapped[str] = id_column()
    network_id: Mapped[str] = fk("networks.id")
    supplier_id: Mapped[str] = fk("organizations.id")
    rank: Mapped[int] = mapped_column(Integer)


class Contract(Base):
    """A public body buys from a supplier."""

    __tablename__ = "contracts"

    id: Mapped[str] = id_column()
    buyer_id: Mapped[str] = fk("organizations.id")
    supplier_id: Mapped[str] = fk("organizations.id")
    network_id: Mapped[str | None] = fk("networks.id", nullable=True)
    title: Mapped[str] = mapped_column(String(300))
    product_category: Mapped[str] = mapped_column(String(120), index=True)
    start_date: Mapped[dt.date] = mapped_column(Date)
    end_date: Mapped[dt.date | None] = mapped_column(Date)
    value: Mapped[float | None] = mapped_column(Float)  # RESTRICTED
    social_conditions: Mapped[str | None] = mapped_column(Text)
    environmental_conditions: Mapped[str | None] = mapped_column(Text)
    follow_up_step: Mapped[str | None] = mapped_column(String(32))  # Difi/DFØ step
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class Facility(Base):
    """A production site; deduplicated on import (OS ID, else name+country+address)."""

    __tablename__ = "facilities"

    id: Mapped[str] = id_column()
    name: Mapped[str] = mapped_column(String(300))
    country: Mapped[str] = mapped_column(String(2), index=True)
    address: Mapped[str | None] = mapped_column(String(500))
    latitude: Mapped[float | None] = mapped_column(Float)
    longitude: Mapped[float | None] = mapped_column(Float)
    os_id: Mapped[str | None] = mapped_column(String(32), unique=True)
    dedup_key: Mapped[str] = mapped_column(String(700), unique=True)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class SupplyEdge(Base):
    """A disclosed supply relation: `source` supplies `target` (an organisation or
    facility id on either end); feeds the supply-chain graph."""

    __tablename__ = "supply_edges"
    # Two suppliers may disclose the same relation: each disclosure is its own row,
    # seen by whoever sees that supplier's self-reports.
    __table_args__ = (
        UniqueConstraint("source_id", "target_id", "product_category", "disclosed_by_id"),
    )

    id: Mapped[str] = id_column()
    source_id: Mapped[str] = mapped_column(String(36), index=True)
    source_kind: Mapped[str] = mapped_column(String(16))  # "organization" | "facility"
    target_id: Mapped[str] = mapped_column(String(36), index=True)
    target_kind: Mapped[str] = mapped_column(String(16))
    product_category: Mapped[str | None] = mapped_column(String(120))
    disclosed_by_id: Mapped[str] = fk("organizations.id")
    self_report_id: Mapped[str | None] = fk("self_reports.id", nullable=True)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class SelfReport(Base):
    """A supplier's self-report (egenrapportering); versioned per supplier. Every
    submission is a new row: older versions stay readable."""

    __tablename__ = "self_reports"
    __table_args__ = (UniqueConstraint("supplier_id", "version"),)

    id: Mapped[str] = id_column()
    supplier_id: Mapped[str] = fk("organizations.id")
    version: Mapped[int] = mapped_column(Integer)
    submitted_at: Mapped[dt.datetime] = mapped_column(default=utcnow, index=True)
    answers: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    questionnaire_version: Mapped[int] = mapped_column(Integer)  # domain/questionnaire.py
    # The sub-suppliers this version names, as submitted (their edges are in supply_edges).
    sub_suppliers: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    submitted_by_user_id: Mapped[str | None] = fk("users.id", nullable=True, index=False)


class SelfReportSite(Base):
    __tablename__ = "self_report_sites"
    __table_args__ = (UniqueConstraint("self_report_id", "facility_id"),)

    id: Mapped[str] = id_column()
    self_report_id: Mapped[str] = fk("self_reports.id")
    facility_id: Mapped[str] = fk("facilities.id")


class SelfReportGrant(Base):
    """An organisation a supplier lets read its self-reports beyond its buyers, for
    a recorded purpose. Revoking sets `revoked_at`; rows are kept as history, and
    at most one grant per pair is unrevoked (a new grant revokes the previous)."""

    __tablename__ = "self_report_grants"

    id: Mapped[str] = id_column()
    supplier_id: Mapped[str] = fk("organizations.id")
    organization_id: Mapped[str] = fk("organizations.id")
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    purpose: Mapped[str] = mapped_column(Text)
    granted_by_user_id: Mapped[str | None] = fk("users.id", nullable=True, index=False)
    revoked_at: Mapped[dt.datetime | None] = mapped_column()
    revoked_by_user_id: Mapped[str | None] = fk("users.id", nullable=True, index=False)


class FocusArea(Base):
    """A national coordinator's focus area (e.g. surgical gloves)."""

    __tablename__ = "focus_areas"

    id: Mapped[str] = id_column()
    network_id: Mapped[str] = fk("networks.id")
    title: Mapped[str] = mapped_column(String(300))
    product_category: Mapped[str] = mapped_column(String(120))
    description: Mapped[str | None] = mapped_column(Text)
    responsible_body_id: Mapped[str | None] = fk("organizations.id", nullable=True)
    period_start: Mapped[dt.date] = mapped_column(Date)
    period_end: Mapped[dt.date] = mapped_column(Date)
    created_by_id: Mapped[str] = fk("organizations.id")
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    planned_audits: Mapped[int] = mapped_column(Integer, default=0, server_default="0")


class AuditReport(Base):
    __tablename__ = "audit_reports"

    id: Mapped[str] = id_column()
    title: Mapped[str] = mapped_column(String(300))
    report_type: Mapped[AuditReportType] = enum_column(AuditReportType)
    status: Mapped[AuditReportStatus] = enum_column(
        AuditReportStatus, default=AuditReportStatus.DRAFT, index=True
    )
    share_scope: Mapped[ShareScope] = enum_column(ShareScope, default=ShareScope.PRIVATE)
    network_id: Mapped[str | None] = fk("networks.id", nullable=True)
    commissioned_by_id: Mapped[str] = fk("organizations.id")
    auditor_id: Mapped[str | None] = fk("organizations.id", nullable=True)
    supplier_id: Mapped[str] = fk("organizations.id")
    focus_area_id: Mapped[str | None] = fk("focus_areas.id", nullable=True)
    supersedes_id: Mapped[str | None] = fk("audit_reports.id", nullable=True)
    audit_date: Mapped[dt.date | None] = mapped_column(Date)
    published_at: Mapped[dt.datetime | None] = mapped_column()
    summary: Mapped[str | None] = mapped_column(Text)  # SHARED
    commercial_notes: Mapped[str | None] = mapped_column(Text)  # RESTRICTED
    worker_interviews: Mapped[str | None] = mapped_column(Text)  # PERSONAL
    created_by_user_id: Mapped[str | None] = fk("users.id", nullable=True)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class AuditReportFacility(Base):
    __tablename__ = "audit_report_facilities"
    __table_args__ = (UniqueConstraint("report_id", "facility_id"),)

    id: Mapped[str] = id_column()
    report_id: Mapped[str] = fk("audit_reports.id")
    facility_id: Mapped[str] = fk("facilities.id")


class Finding(Base):
    __tablename__ = "findings"

    id: Mapped[str] = id_column()
    report_id: Mapped[str] = fk("audit_reports.id")
    position: Mapped[int] = mapped_column(Integer, default=0)
    requirement: Mapped[Requirement] = enum_column(Requirement, index=True)
    severity: Mapped[Severity] = enum_column(Severity, index=True)
    description: Mapped[str | None] = mapped_column(Text)  # SHARED
    evidence: Mapped[str | None] = mapped_column(Text)  # RESTRICTED
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class CorrectiveAction(Base):
    __tablename__ = "corrective_actions"

    id: Mapped[str] = id_column()
    finding_id: Mapped[str] = mapped_column(
        String(36), ForeignKey("findings.id", ondelete="CASCADE"), unique=True
    )
    description: Mapped[str] = mapped_column(Text)
    due_date: Mapped[dt.date | None] = mapped_column(Date)
    status: Mapped[CorrectiveActionStatus] = enum_column(
        CorrectiveActionStatus, default=CorrectiveActionStatus.OPEN
    )
    verified_at: Mapped[dt.datetime | None] = mapped_column()


class CorrectiveActionEvent(Base):
    """One step of a corrective action's follow-up, kept forever: the supplier's
    progress notes and completion (with the evidence documents it uploaded), the
    commissioning body's verification or reopening."""

    __tablename__ = "corrective_action_events"

    id: Mapped[str] = id_column()
    corrective_action_id: Mapped[str] = fk("corrective_actions.id")
    step: Mapped[CorrectiveActionStep] = enum_column(CorrectiveActionStep)
    status: Mapped[CorrectiveActionStatus] = enum_column(CorrectiveActionStatus)  # after the step
    note: Mapped[str | None] = mapped_column(Text)
    evidence_document_ids: Mapped[list[str]] = mapped_column(JSON, default=list)
    organization_id: Mapped[str] = fk("organizations.id", index=False)
    user_id: Mapped[str | None] = fk("users.id", nullable=True, index=False)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class Document(Base):
    """Metadata of a stored object; the bytes live in the object store under
    `<tenant>/<sha256>`."""

    __tablename__ = "documents"

    id: Mapped[str] = id_column()
    report_id: Mapped[str | None] = fk("audit_reports.id", nullable=True)
    owner_id: Mapped[str] = fk("organizations.id")
    filename: Mapped[str] = mapped_column(String(300))
    content_type: Mapped[str] = mapped_column(String(120))
    size: Mapped[int] = mapped_column(BigInteger)
    sha256: Mapped[str] = mapped_column(String(64))
    object_key: Mapped[str] = mapped_column(String(200))
    classification: Mapped[Classification] = enum_column(Classification)
    is_rendition: Mapped[bool] = mapped_column(Boolean, default=False)
    rendition_clearance: Mapped[Classification | None] = enum_column(Classification, nullable=True)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class DocumentUpload(Base):
    """A direct upload (domain/document_uploads.py): the bytes go to
    `quarantine_key` in the object store, readable by nobody until checked; the
    check stores them (cleaned where needed) under a key of their own and adds
    the `documents` row this names."""

    __tablename__ = "document_uploads"

    id: Mapped[str] = id_column()
    report_id: Mapped[str] = fk("audit_reports.id")
    uploader_id: Mapped[str] = fk("organizations.id")  # the organisation that began it
    user_id: Mapped[str] = fk("users.id", index=False)
    filename: Mapped[str] = mapped_column(String(300))
    size: Mapped[int] = mapped_column(BigInteger)  # declared; what arrives must match
    classification: Mapped[Classification] = enum_column(Classification)
    quarantine_key: Mapped[str] = mapped_column(String(200))
    status: Mapped[DocumentUploadStatus] = enum_column(DocumentUploadStatus)
    refusal: Mapped[str | None] = mapped_column(Text)
    document_id: Mapped[str | None] = fk("documents.id", nullable=True, index=False)
    expires_at: Mapped[dt.datetime] = mapped_column()  # the upload URL's
    claimed_at: Mapped[dt.datetime | None] = mapped_column(index=True)  # by a checker
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class MiniCompetition(Base):
    __tablename__ = "mini_competitions"

    id: Mapped[str] = id_column()
    network_id: Mapped[str] = fk("networks.id")
    buyer_id: Mapped[str] = fk("organizations.id")
    title: Mapped[str] = mapped_column(String(300))
    status: Mapped[MiniCompetitionStatus] = enum_column(
        MiniCompetitionStatus, default=MiniCompetitionStatus.DRAFT
    )
    estimated_hours: Mapped[int | None] = mapped_column(Integer)
    requirements: Mapped[str | None] = mapped_column(Text)
    criteria: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    deadline: Mapped[dt.datetime] = mapped_column()
    winner_id: Mapped[str | None] = fk("organizations.id", nullable=True)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    # Framework call-offs (0006): the lifecycle's times and reasons, and templates.
    published_at: Mapped[dt.datetime | None] = mapped_column()
    awarded_at: Mapped[dt.datetime | None] = mapped_column()
    award_reason: Mapped[str | None] = mapped_column(Text)
    cancelled_at: Mapped[dt.datetime | None] = mapped_column()
    cancel_reason: Mapped[str | None] = mapped_column(Text)
    # Set on award or cancel: shared with the agreement's participants as a template.
    template_at: Mapped[dt.datetime | None] = mapped_column()
    cloned_from_id: Mapped[str | None] = fk("mini_competitions.id", nullable=True)


class Bid(Base):
    """Sealed until the deadline; never visible to other bidders."""

    __tablename__ = "bids"
    __table_args__ = (UniqueConstraint("mini_competition_id", "supplier_id"),)

    id: Mapped[str] = id_column()
    mini_competition_id: Mapped[str] = fk("mini_competitions.id")
    supplier_id: Mapped[str] = fk("organizations.id")
    price: Mapped[float] = mapped_column(Float)  # RESTRICTED
    proposal: Mapped[str] = mapped_column(Text)  # RESTRICTED
    score: Mapped[float | None] = mapped_column(Float)
    submitted_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    points: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)  # criterion → 0..10


class CallOff(Base):
    """A call-off under a framework agreement: hours, route and any exception."""

    __tablename__ = "call_offs"

    id: Mapped[str] = id_column()
    network_id: Mapped[str] = fk("networks.id")
    buyer_id: Mapped[str] = fk("organizations.id")
    estimated_hours: Mapped[int] = mapped_column(Integer)
    route: Mapped[CallOffRoute] = enum_column(CallOffRoute)
    supplier_id: Mapped[str | None] = fk("organizations.id", nullable=True)
    mini_competition_id: Mapped[str | None] = fk("mini_competitions.id", nullable=True)
    exception_justification: Mapped[str | None] = mapped_column(Text)
    reason: Mapped[str] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    # 0006: the agreement's lead sees every call-off and its exception.
    lead_id: Mapped[str | None] = fk("organizations.id", nullable=True)
    exception_ground: Mapped[str | None] = mapped_column(String(32))
    created_by_user_id: Mapped[str | None] = fk("users.id", nullable=True)


class CallOffDecline(Base):
    """A supplier declined a call-off addressed to it, and why; the next in rank is asked."""

    __tablename__ = "call_off_declines"
    __table_args__ = (UniqueConstraint("call_off_id", "supplier_id"),)

    id: Mapped[str] = id_column()
    call_off_id: Mapped[str] = fk("call_offs.id")
    supplier_id: Mapped[str] = fk("organizations.id")
    reason: Mapped[str] = mapped_column(Text)
    declined_by_user_id: Mapped[str | None] = fk("users.id", nullable=True)
    declined_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class PriceList(Base):
    """A supplier's prices under a framework agreement: RESTRICTED, exempt from
    public access, read by the agreement's participants and the supplier."""

    __tablename__ = "price_lists"
    __table_args__ = (UniqueConstraint("network_id", "supplier_id"),)

    id: Mapped[str] = id_column()
    network_id: Mapped[str] = fk("networks.id")
    supplier_id: Mapped[str] = fk("organizations.id")
    currency: Mapped[str] = mapped_column(String(3))
    items: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class AuditLogEntry(Base):
    """Append-only, hash-chained: each entry's hash covers the previous hash."""

    __tablename__ = "audit_log"

    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    actor_user_id: Mapped[str | None] = mapped_column(String(36))
    actor_org_id: Mapped[str | None] = mapped_column(String(36))
    action: Mapped[str] = mapped_column(String(64))
    subject_type: Mapped[str] = mapped_column(String(64))
    subject_id: Mapped[str] = mapped_column(String(36))
    detail: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64), unique=True)


class CasbinRule(Base):
    """Casbin policies, read and written by the Casbin SQLAlchemy adapter;
    the table is created by our migrations, not by the adapter."""

    __tablename__ = "casbin_rule"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    ptype: Mapped[str] = mapped_column(String(255))
    v0: Mapped[str | None] = mapped_column(String(255))
    v1: Mapped[str | None] = mapped_column(String(255))
    v2: Mapped[str | None] = mapped_column(String(255))
    v3: Mapped[str | None] = mapped_column(String(255))
    v4: Mapped[str | None] = mapped_column(String(255))
    v5: Mapped[str | None] = mapped_column(String(255))


class PolicyVersion(Base):
    """One row (id 1) whose version every change to casbin_rule advances, by a
    trigger (migration 0009); API processes reload their policy snapshot when it moves."""

    __tablename__ = "policy_version"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    version: Mapped[int] = mapped_column(BigInteger)


class DataVersion(Base):
    """One row (id 1) whose version every committed change to the data advances:
    triggers on every table but `audit_log` (migration 0010). A response is
    reused only while this version, read at the start of each request, is the
    one it was computed at (api/response_cache.py)."""

    __tablename__ = "data_version"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    version: Mapped[int] = mapped_column(BigInteger)


Index("ix_audit_reports_scope", AuditReport.status, AuditReport.share_scope)
Index("ix_memberships_user_org", Membership.user_id, Membership.organization_id)


class AuditorEngagement(Base):
    """A public body engages an auditor firm: for one report (`report_id`), for
    one contract's supplier (`contract_id`), or, with neither, for every supplier
    the body has a contract with. Ended engagements are kept (`ended_at`)."""

    __tablename__ = "auditor_engagements"

    id: Mapped[str] = id_column()
    body_id: Mapped[str] = fk("organizations.id", index=False)  # ix_auditor_engagements_pair
    auditor_id: Mapped[str] = fk("organizations.id")
    report_id: Mapped[str | None] = fk("audit_reports.id", nullable=True)
    contract_id: Mapped[str | None] = fk("contracts.id", nullable=True)
    created_by_user_id: Mapped[str | None] = fk("users.id", nullable=True)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    ended_at: Mapped[dt.datetime | None] = mapped_column()


Index("ix_auditor_engagements_pair", AuditorEngagement.body_id, AuditorEngagement.auditor_id)


# A report's findings are numbered 0, 1, 2 … once each: `add_finding` takes the
# next number inside the write transaction, and this index catches any clash.
Index("ux_findings_report_position", Finding.report_id, Finding.position, unique=True)


class IdempotencyKey(Base):
    """A mutation request sent with `Idempotency-Key`: the key (per user), a hash of
    the request, and the response once it is known. The row is written in the same
    transaction as the mutation's effects; the response is stored right after."""

    __tablename__ = "idempotency_keys"

    user_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    key: Mapped[str] = mapped_column(String(255), primary_key=True)
    request_hash: Mapped[str] = mapped_column(String(64))
    status_code: Mapped[int | None] = mapped_column(Integer)
    response_body: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow, index=True)


class FollowUpPlanStep(Base):
    """One Difi/DFØ step (anchor, plan, execute, follow up, report) of a contract's
    follow-up plan, with its due date; `buyer_id` is the contract's buyer, the
    only party that reads the plan (`authz.coordination.FOLLOW_UP_STEP`)."""

    __tablename__ = "follow_up_steps"
    __table_args__ = (UniqueConstraint("contract_id", "step"),)

    id: Mapped[str] = id_column()
    contract_id: Mapped[str] = fk("contracts.id", index=False)  # the unique pair indexes it
    buyer_id: Mapped[str] = fk("organizations.id")
    step: Mapped[str] = mapped_column(String(16))
    due_date: Mapped[dt.date] = mapped_column(Date)
    completed_at: Mapped[dt.datetime | None] = mapped_column()
    note: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class WebSession(Base):
    """A signed-in browser (web/): the cookie carries a random token, the row only its
    SHA-256, so a copy of the table signs nobody in. Signing out deletes the row."""

    __tablename__ = "web_sessions"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)  # sha256 of the token
    user_id: Mapped[str] = fk("users.id")
    organization_id: Mapped[str] = fk("organizations.id", index=False)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[dt.datetime] = mapped_column(index=True)


class ReferenceFile(Base):
    """One file of the risk reference data loaded by a coordinator
    (`kjede reference load DIR`); absent: the packaged edition applies."""

    __tablename__ = "reference_files"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    content: Mapped[str] = mapped_column(Text)
    loaded_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
