"""The demo's self-reports: the Norwegian glove supplier answers the questionnaire
once (its contracted bodies read it), names its Malaysian factory as a production
site, and grants the Norwegian auditor firm access for a recorded purpose.

Its supply edges are the demo's own (`facilities.DEMO_EDGES`, disclosed by the
supplier), so the graph reads them whoever sees the supplier's self-reports."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy.orm import Session

from domain.questionnaire import CURRENT, validate_answers
from storage.models import SelfReport, SelfReportGrant, SelfReportSite

DEMO_SELF_REPORT_SUPPLIER = "glove_no"
DEMO_SELF_REPORT_SITES = ("my_gloves",)
DEMO_SELF_REPORT_GRANTEE = "auditor_no"
DEMO_ANSWERS: dict[str, Any] = {
    "humanRightsPolicy": True,
    "supplierCodeOfConduct": True,
    "dueDiligenceAccountUrl": "https://example.org/aapenhetsloven/redegjorelse-2026.pdf",
    "policyOwner": "Administrerende direktør",
    "forcedLabour": "PARTLY_COMPLIANT",
    "freedomOfAssociation": "PARTLY_COMPLIANT",
    "nonDiscrimination": "COMPLIANT",
    "childLabour": "COMPLIANT",
    "occupationalSafety": "COMPLIANT",
    "iloDeviations": "Recruitment fees paid by migrant workers at the Perak plant are "
    "being reimbursed (see the 2026 inspection's corrective action).",
    "grievanceMechanism": True,
    "grievanceChannels": ["HOTLINE", "THIRD_PARTY"],
    "grievanceCasesLastYear": 4,
    "usesSubcontractors": True,
    "subcontractingApproval": "ALWAYS",
    "knownTiers": 3,
    "certifications": ["AMFORI_BSCI", "ISO_14001"],
    "certificationDetails": "amfori BSCI audit 2025 (rating B), ISO 14001 valid to 2027.",
}


def add_self_reports(
    session: Session,
    organization_ids: dict[str, str],
    facility_ids: dict[str, str],
    now: dt.datetime,
) -> None:
    supplier_id = organization_ids[DEMO_SELF_REPORT_SUPPLIER]
    report = SelfReport(
        supplier_id=supplier_id,
        version=1,
        questionnaire_version=CURRENT.version,
        answers=validate_answers(DEMO_ANSWERS),
        sub_suppliers=[],
        submitted_at=now,
    )
    session.add(report)
    session.flush()
    for key in DEMO_SELF_REPORT_SITES:
        session.add(SelfReportSite(self_report_id=report.id, facility_id=facility_ids[key]))
    session.add(
        SelfReportGrant(
            supplier_id=supplier_id,
            organization_id=organization_ids[DEMO_SELF_REPORT_GRANTEE],
            purpose="Plan a follow-up audit of the Perak plant",
            created_at=now,
        )
    )
