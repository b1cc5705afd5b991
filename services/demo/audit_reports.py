"""Writes the demo world's audit reports (`audit_report_specs`) with their
facilities, findings and corrective actions. A report the story has PUBLISHED is
written SUBMITTED and PRIVATE: `publishing.publish_demo` publishes it through the
publish path, with its guard, renditions and audit entry."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from sqlalchemy.orm import Session

from domain.enums import AuditReportStatus, CorrectiveActionStatus, ShareScope
from services.demo.audit_report_specs import DEMO_REPORTS, DemoReport, FindingSpec
from services.demo.dates import utc_at
from storage.models import AuditReport, AuditReportFacility, CorrectiveAction, Finding


def add_reports(
    session: Session,
    organization_ids: dict[str, str],
    facility_ids: dict[str, str],
    network_ids: dict[str, str],
    focus_area_id: str,
    now: dt.datetime,
) -> None:
    """Add DEMO_REPORTS; `network_ids` maps "framework" and "national" to ids, and
    report dates count back from `now`."""
    for spec in DEMO_REPORTS:
        report = _report(spec, organization_ids, network_ids, focus_area_id, now)
        facilities = [facility_ids[key] for key in spec.facilities]
        _add_report(session, report, facilities, spec.findings, now.date())


def _report(
    spec: DemoReport,
    organization_ids: dict[str, str],
    network_ids: dict[str, str],
    focus_area_id: str,
    now: dt.datetime,
) -> AuditReport:
    to_publish = spec.status is AuditReportStatus.PUBLISHED
    return AuditReport(
        title=spec.title,
        report_type=spec.report_type,
        status=AuditReportStatus.SUBMITTED if to_publish else spec.status,
        share_scope=ShareScope.PRIVATE if to_publish else spec.share_scope,
        network_id=network_ids[spec.network] if spec.network and not to_publish else None,
        commissioned_by_id=organization_ids[spec.commissioned_by],
        auditor_id=organization_ids[spec.auditor],
        supplier_id=organization_ids[spec.supplier],
        focus_area_id=focus_area_id if spec.in_focus_area else None,
        audit_date=now.date() - dt.timedelta(days=spec.audited_days_ago),
        summary=spec.summary,
        commercial_notes=spec.commercial_notes,
        worker_interviews=spec.worker_interviews,
    )


def _add_report(
    session: Session,
    report: AuditReport,
    facility_ids: Sequence[str],
    findings: Sequence[FindingSpec],
    today: dt.date,
) -> None:
    session.add(report)
    session.flush()
    for facility_id in facility_ids:
        session.add(AuditReportFacility(report_id=report.id, facility_id=facility_id))
    for position, spec in enumerate(findings):
        finding = Finding(
            report_id=report.id,
            position=position,
            requirement=spec.requirement,
            severity=spec.severity,
            description=spec.description,
            evidence=spec.evidence,
        )
        session.add(finding)
        session.flush()
        session.add(
            CorrectiveAction(
                finding_id=finding.id,
                description=spec.corrective_action,
                due_date=today + dt.timedelta(days=spec.due_in_days),
                status=spec.action_status,
                verified_at=(
                    utc_at(today, 12)
                    if spec.action_status is CorrectiveActionStatus.VERIFIED
                    else None
                ),
            )
        )
