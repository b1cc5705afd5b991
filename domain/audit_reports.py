"""Audit reports: lifecycle and who may see what, as plain functions.

A viewer's clearance follows from its relation to the report (DESIGN.md,
Confidentiality): the commissioning body and the authoring auditor see
RESTRICTED (PERSONAL only with a role that needs it); the audited supplier
sees its findings and corrective actions but never PERSONAL data; members of
the share scope see SHARED; everyone sees PUBLIC of a PUBLIC report.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from domain.enums import AuditReportStatus, Classification, OrganizationKind, ShareScope
from domain.errors import Conflict, InvalidInput

# Lifecycle ------------------------------------------------------------------

TRANSITIONS: dict[str, tuple[frozenset[AuditReportStatus], AuditReportStatus]] = {
    "submit": (frozenset({AuditReportStatus.DRAFT}), AuditReportStatus.SUBMITTED),
    "publish": (frozenset({AuditReportStatus.SUBMITTED}), AuditReportStatus.PUBLISHED),
    "reshare": (frozenset({AuditReportStatus.PUBLISHED}), AuditReportStatus.PUBLISHED),
    "supersede": (frozenset({AuditReportStatus.PUBLISHED}), AuditReportStatus.SUPERSEDED),
    "withdraw": (
        frozenset({AuditReportStatus.SUBMITTED, AuditReportStatus.PUBLISHED}),
        AuditReportStatus.WITHDRAWN,
    ),
}

EDITABLE = frozenset({AuditReportStatus.DRAFT})
READABLE_BY_OTHERS = frozenset({AuditReportStatus.PUBLISHED, AuditReportStatus.SUPERSEDED})


def transition(current: AuditReportStatus, action: str) -> AuditReportStatus:
    """The status after `action`, or CONFLICT naming what the report must be in."""
    allowed, target = TRANSITIONS[action]
    if current not in allowed:
        needed = " or ".join(sorted(status.value for status in allowed))
        raise Conflict(f"cannot {action} a {current.value} report; it must be {needed}")
    return target


def require_editable(current: AuditReportStatus) -> None:
    if current not in EDITABLE:
        raise Conflict(
            f"a {current.value} report can no longer be changed; "
            "create a new report that supersedes it"
        )


def check_share(scope: ShareScope, network_id: str | None) -> None:
    if scope is ShareScope.NETWORK and network_id is None:
        raise InvalidInput("networkId", "sharing with a NETWORK needs the network's id")
    if scope is not ShareScope.NETWORK and network_id is not None:
        raise InvalidInput(
            "networkId", f"only NETWORK sharing takes a networkId, not {scope.value}"
        )


# Clearance -------------------------------------------------------------------


class Relation(StrEnum):
    """How a viewer stands to a report, strongest first."""

    PARTY = "PARTY"  # commissioning body or authoring auditor
    SUPPLIER = "SUPPLIER"  # the audited supplier
    SCOPE_MEMBER = "SCOPE_MEMBER"  # inside the share scope
    PUBLIC = "PUBLIC"  # anyone, for a PUBLIC report
    NONE = "NONE"


PUBLIC_SECTOR = frozenset({OrganizationKind.PUBLIC_BODY, OrganizationKind.COORDINATOR})


@dataclass(frozen=True)
class ReportAccess:
    """What the row-level check needs to know about one report."""

    status: AuditReportStatus
    share_scope: ShareScope
    commissioned_by_id: str
    auditor_id: str | None
    supplier_id: str
    network_id: str | None


@dataclass(frozen=True)
class ViewerFacts:
    """What the row-level check needs to know about the viewer (None: anonymous)."""

    organization_id: str | None
    organization_kind: OrganizationKind | None
    reads_personal: bool  # its roles allow audit_report:read_personal (authz policies)
    network_ids: frozenset[str]


def relation(report: ReportAccess, viewer: ViewerFacts) -> Relation:
    org = viewer.organization_id
    if org is not None and org in (report.commissioned_by_id, report.auditor_id):
        return Relation.PARTY
    if report.status not in READABLE_BY_OTHERS:
        return Relation.NONE
    if org is not None and org == report.supplier_id:
        return Relation.SUPPLIER
    if in_share_scope(report, viewer):
        return Relation.SCOPE_MEMBER
    if report.share_scope is ShareScope.PUBLIC:
        return Relation.PUBLIC
    return Relation.NONE


def in_share_scope(report: ReportAccess, viewer: ViewerFacts) -> bool:
    scope = report.share_scope
    if scope is ShareScope.NETWORK:
        return report.network_id is not None and report.network_id in viewer.network_ids
    if scope in (ShareScope.ALL_PUBLIC_BODIES, ShareScope.PUBLIC):
        return viewer.organization_kind in PUBLIC_SECTOR
    return False


@dataclass(frozen=True)
class Clearance:
    """The highest classification a viewer may read, plus the supplier's right to
    its own findings' evidence and corrective actions."""

    level: Classification
    relation: Relation

    def allows(self, classification: Classification, *, supplier_visible: bool = False) -> bool:
        if self.relation is Relation.SUPPLIER and supplier_visible:
            return classification is not Classification.PERSONAL
        return classification.rank <= self.level.rank


def clearance(report: ReportAccess, viewer: ViewerFacts) -> Clearance | None:
    """None when the viewer may not see the report at all."""
    found = relation(report, viewer)
    if found is Relation.NONE:
        return None
    if found is Relation.PARTY:
        level = Classification.PERSONAL if viewer.reads_personal else Classification.RESTRICTED
    elif found in (Relation.SUPPLIER, Relation.SCOPE_MEMBER):
        level = Classification.SHARED
    else:
        level = Classification.PUBLIC
    return Clearance(level=level, relation=found)
