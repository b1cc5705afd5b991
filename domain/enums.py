"""Vocabulary of the domain, shared by storage, authorization and the GraphQL schema."""

from __future__ import annotations

from enum import StrEnum


class OrganizationKind(StrEnum):
    PUBLIC_BODY = "PUBLIC_BODY"
    SUPPLIER = "SUPPLIER"
    AUDITOR = "AUDITOR"
    COORDINATOR = "COORDINATOR"


# Organisations that act for the public: they read what is shared with all public
# bodies, commission audits and keep contracts with suppliers.
PUBLIC_SECTOR: frozenset[OrganizationKind] = frozenset(
    {OrganizationKind.PUBLIC_BODY, OrganizationKind.COORDINATOR}
)


class Role(StrEnum):
    ADMIN = "ADMIN"
    PROCUREMENT_OFFICER = "PROCUREMENT_OFFICER"
    CONTRACT_MANAGER = "CONTRACT_MANAGER"
    AUDITOR = "AUDITOR"
    SUPPLIER_REPORTER = "SUPPLIER_REPORTER"
    COORDINATOR = "COORDINATOR"
    VIEWER = "VIEWER"


class Classification(StrEnum):
    """Ordered: a clearance of RESTRICTED also covers SHARED and PUBLIC."""

    PUBLIC = "PUBLIC"
    SHARED = "SHARED"
    RESTRICTED = "RESTRICTED"
    PERSONAL = "PERSONAL"

    @property
    def rank(self) -> int:
        return _CLASSIFICATION_ORDER.index(self)


_CLASSIFICATION_ORDER = list(Classification)


class ShareScope(StrEnum):
    PRIVATE = "PRIVATE"
    NETWORK = "NETWORK"
    ALL_PUBLIC_BODIES = "ALL_PUBLIC_BODIES"
    PUBLIC = "PUBLIC"


class AuditReportType(StrEnum):
    SELF_REPORT_REVIEW = "SELF_REPORT_REVIEW"
    SUPPLIER_MEETING = "SUPPLIER_MEETING"
    SYSTEM_AUDIT = "SYSTEM_AUDIT"
    INSPECTION_NORWAY = "INSPECTION_NORWAY"
    INSPECTION_ABROAD = "INSPECTION_ABROAD"


class AuditReportStatus(StrEnum):
    DRAFT = "DRAFT"
    SUBMITTED = "SUBMITTED"
    PUBLISHED = "PUBLISHED"
    SUPERSEDED = "SUPERSEDED"
    WITHDRAWN = "WITHDRAWN"


class Requirement(StrEnum):
    ILO_C29 = "ILO_C29"
    ILO_C105 = "ILO_C105"
    ILO_C87 = "ILO_C87"
    ILO_C98 = "ILO_C98"
    ILO_C100 = "ILO_C100"
    ILO_C111 = "ILO_C111"
    ILO_C138 = "ILO_C138"
    ILO_C182 = "ILO_C182"
    ILO_C155 = "ILO_C155"
    ILO_C187 = "ILO_C187"
    WAGES = "WAGES"
    WORKING_HOURS = "WORKING_HOURS"
    HEALTH_AND_SAFETY = "HEALTH_AND_SAFETY"
    ENVIRONMENT = "ENVIRONMENT"
    ANTI_CORRUPTION = "ANTI_CORRUPTION"
    OTHER = "OTHER"


class Severity(StrEnum):
    CRITICAL = "CRITICAL"
    MAJOR = "MAJOR"
    MINOR = "MINOR"
    OBSERVATION = "OBSERVATION"


class CorrectiveActionStatus(StrEnum):
    OPEN = "OPEN"
    IN_PROGRESS = "IN_PROGRESS"
    DONE = "DONE"  # the supplier says it is done; the commissioning body verifies
    VERIFIED = "VERIFIED"
    OVERDUE = "OVERDUE"  # computed from the due date, never stored


class CorrectiveActionStep(StrEnum):
    """What one entry of a corrective action's history records."""

    EVIDENCE = "EVIDENCE"  # the supplier uploaded an evidence document (RESTRICTED)
    PROGRESS = "PROGRESS"  # the supplier's progress note
    DONE = "DONE"  # the supplier reports it done, with evidence
    VERIFIED = "VERIFIED"  # the commissioning body accepts
    REOPENED = "REOPENED"  # the commissioning body does not accept


class NetworkKind(StrEnum):
    FRAMEWORK_AGREEMENT = "FRAMEWORK_AGREEMENT"
    NATIONAL_NETWORK = "NATIONAL_NETWORK"


class CallOffRoute(StrEnum):
    DIRECT = "DIRECT"
    MINI_COMPETITION = "MINI_COMPETITION"


class MiniCompetitionStatus(StrEnum):
    DRAFT = "DRAFT"
    PUBLISHED = "PUBLISHED"
    CLOSED = "CLOSED"
    AWARDED = "AWARDED"
    CANCELLED = "CANCELLED"


class DocumentUploadStatus(StrEnum):
    """A direct upload (domain/document_uploads.py), from URL handed out to document."""

    AWAITING_BYTES = "AWAITING_BYTES"  # the client PUTs the file to its upload URL
    CHECKING = "CHECKING"  # the client said it is there: checked (and cleaned) in the background
    STORED = "STORED"  # checked and attached: the upload's `document`
    REFUSED = "REFUSED"  # not stored; `refusal` says why
