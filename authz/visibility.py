"""Sharing scopes compiled into SQL: rows a viewer may not see are never fetched.

Each clause mirrors a rule of `domain.audit_reports` (relation and clearance);
tests check the SQL and the Python rule agree on random worlds.
"""

from __future__ import annotations

from sqlalchemy import ColumnElement, and_, exists, false, or_, select

from domain.audit_reports import PUBLIC_SECTOR, READABLE_BY_OTHERS, ViewerFacts
from domain.enums import ShareScope
from storage.models import AuditReport, Contract, CorrectiveAction, Finding


def is_party(viewer: ViewerFacts) -> ColumnElement[bool]:
    org = viewer.organization_id
    if org is None:
        return false()
    return or_(AuditReport.commissioned_by_id == org, AuditReport.auditor_id == org)


def is_released() -> ColumnElement[bool]:
    return AuditReport.status.in_(READABLE_BY_OTHERS)


def is_supplier(viewer: ViewerFacts) -> ColumnElement[bool]:
    if viewer.organization_id is None:
        return false()
    return and_(is_released(), AuditReport.supplier_id == viewer.organization_id)


def is_scope_member(viewer: ViewerFacts) -> ColumnElement[bool]:
    clauses: list[ColumnElement[bool]] = []
    if viewer.network_ids:
        clauses.append(
            and_(
                AuditReport.share_scope == ShareScope.NETWORK,
                AuditReport.network_id.in_(sorted(viewer.network_ids)),
            )
        )
    if viewer.organization_kind in PUBLIC_SECTOR:
        clauses.append(
            AuditReport.share_scope.in_([ShareScope.ALL_PUBLIC_BODIES, ShareScope.PUBLIC])
        )
    if not clauses:
        return false()
    return and_(is_released(), or_(*clauses))


def is_public() -> ColumnElement[bool]:
    return and_(is_released(), AuditReport.share_scope == ShareScope.PUBLIC)


def visible_reports(viewer: ViewerFacts) -> ColumnElement[bool]:
    """Row filter: the report's relation to the viewer is not NONE."""
    return or_(is_party(viewer), is_supplier(viewer), is_scope_member(viewer), is_public())


def cleared_for_shared(viewer: ViewerFacts) -> ColumnElement[bool]:
    return or_(is_party(viewer), is_supplier(viewer), is_scope_member(viewer))


def cleared_for_restricted(viewer: ViewerFacts) -> ColumnElement[bool]:
    return is_party(viewer)


def cleared_for_personal(viewer: ViewerFacts) -> ColumnElement[bool]:
    if not viewer.reads_personal:
        return false()
    return is_party(viewer)


def text_matches(viewer: ViewerFacts, text: str) -> ColumnElement[bool]:
    """Full text over what the viewer may see: a field only counts where the
    viewer's clearance on that row covers it, so a match never leaks a value."""
    pattern = f"%{escape_like(text.strip())}%"

    def like(column: object) -> ColumnElement[bool]:
        return column.ilike(pattern, escape="\\")  # type: ignore[attr-defined]

    finding_shared = exists(
        select(Finding.id).where(Finding.report_id == AuditReport.id, like(Finding.description))
    )
    finding_evidence = exists(
        select(Finding.id).where(Finding.report_id == AuditReport.id, like(Finding.evidence))
    )
    action_text = exists(
        select(CorrectiveAction.id)
        .join(Finding, Finding.id == CorrectiveAction.finding_id)
        .where(Finding.report_id == AuditReport.id, like(CorrectiveAction.description))
    )
    return or_(
        like(AuditReport.title),
        and_(
            cleared_for_shared(viewer), or_(like(AuditReport.summary), finding_shared, action_text)
        ),
        and_(or_(is_party(viewer), is_supplier(viewer)), finding_evidence),
        and_(cleared_for_restricted(viewer), like(AuditReport.commercial_notes)),
        and_(cleared_for_personal(viewer), like(AuditReport.worker_interviews)),
    )


def escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def contract_party(organization_id: str) -> ColumnElement[bool]:
    """A contract is seen by its two parties only: the buyer and the supplier."""
    return or_(Contract.buyer_id == organization_id, Contract.supplier_id == organization_id)
