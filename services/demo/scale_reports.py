"""Audit reports of the synthetic national-scale world: one to three per supplier,
commissioned by one of its buyers, with superseded reports followed by the
published one replacing them, and one to four findings with corrective actions."""

from __future__ import annotations

import datetime as dt

from domain.enums import (
    AuditReportStatus,
    AuditReportType,
    CorrectiveActionStatus,
    Requirement,
    ShareScope,
)
from services.demo.dates import utc_at
from services.demo.scale_parties import ScaleParties
from services.demo.scale_rows import SCALE_EPOCH, ScaleRows
from services.demo.scale_tables import (
    ACTION_WEIGHTS,
    FINDING_TEXT,
    SCOPE_WEIGHTS,
    SEVERITY_WEIGHTS,
    STATUS_WEIGHTS,
)
from storage.models import AuditReport, AuditReportFacility, CorrectiveAction, Finding

_INSPECTIONS = (AuditReportType.INSPECTION_ABROAD, AuditReportType.INSPECTION_NORWAY)
_PUBLISHED = (AuditReportStatus.PUBLISHED, AuditReportStatus.SUPERSEDED)


def add_reports(
    rows: ScaleRows,
    parties: ScaleParties,
    sites: dict[str, list[str]],
    buyers: dict[str, list[str]],
    member_of: dict[str, str],
) -> None:
    """Add every supplier's reports; `sites` are the suppliers' own factories,
    `buyers` their buyers and `member_of` each body's network."""
    rng = rows.rng
    for supplier_id, name, category in parties.suppliers:
        statuses = [rows.weighted(STATUS_WEIGHTS) for _ in range(rng.choice((1, 2, 2, 3)))]
        previous: str | None = None
        previous_date = SCALE_EPOCH
        for index, status in enumerate(statuses):
            # A superseded report is always followed by the published one replacing it.
            if status is AuditReportStatus.SUPERSEDED and index == len(statuses) - 1:
                status = AuditReportStatus.PUBLISHED
            supersedes_id = None
            if index and statuses[index - 1] is AuditReportStatus.SUPERSEDED:
                status, supersedes_id = AuditReportStatus.PUBLISHED, previous
            statuses[index] = status
            body_id = rng.choice(buyers.get(supplier_id) or parties.body_ids)
            report_type = rng.choice(list(AuditReportType))
            scope = rows.weighted(SCOPE_WEIGHTS)
            network_id = member_of.get(body_id) if scope is ShareScope.NETWORK else None
            if scope is ShareScope.NETWORK and network_id is None:
                scope = ShareScope.ALL_PUBLIC_BODIES
            audit_date = (
                previous_date + dt.timedelta(days=rng.randint(30, 200))
                if supersedes_id
                else rows.date(500)
            )
            report_id = rows.add(
                AuditReport,
                title=f"{report_type.value.replace('_', ' ').title()}: {name}",
                report_type=report_type,
                status=status,
                share_scope=scope,
                network_id=network_id,
                commissioned_by_id=body_id,
                auditor_id=rng.choice(parties.auditor_ids),
                supplier_id=supplier_id,
                focus_area_id=None,
                supersedes_id=supersedes_id,
                audit_date=audit_date,
                published_at=(
                    utc_at(audit_date + dt.timedelta(days=rng.randint(7, 60)), 12)
                    if status in _PUBLISHED
                    else None
                ),
                summary=f"Follow-up of {category} from {name}; findings and actions below.",
                commercial_notes="Prices and volumes discussed; exempt from public access.",
                worker_interviews=(
                    f"{rng.randint(4, 30)} workers interviewed off-site."
                    if report_type in _INSPECTIONS
                    else None
                ),
                created_by_user_id=None,
                updated_at=rows.now,
            )
            previous, previous_date = report_id, audit_date
            if report_type is AuditReportType.INSPECTION_ABROAD:
                rows.add(
                    AuditReportFacility,
                    report_id=report_id,
                    facility_id=rng.choice(sites[supplier_id]),
                )
            _add_findings(rows, report_id, audit_date)


def _add_findings(rows: ScaleRows, report_id: str, audit_date: dt.date) -> None:
    rng = rows.rng
    requirements = list(Requirement)
    for position in range(rng.randint(1, 4)):
        requirement = rng.choice(requirements)
        finding_id = rows.add(
            Finding,
            report_id=report_id,
            position=position,
            requirement=requirement,
            severity=rows.weighted(SEVERITY_WEIGHTS),
            description=FINDING_TEXT[requirement],
            evidence="Documents and observations on site.",
        )
        action = rows.weighted(ACTION_WEIGHTS)
        due = audit_date + dt.timedelta(days=rng.choice((30, 60, 90, 180)))
        rows.add(
            CorrectiveAction,
            finding_id=finding_id,
            description="Remedy the finding and document it to the buyer.",
            due_date=due,
            status=action,
            verified_at=(utc_at(due, 12) if action is CorrectiveActionStatus.VERIFIED else None),
        )
