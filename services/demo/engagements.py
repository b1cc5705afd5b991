"""The demo world's auditor engagements: each body engages the auditor firm that
writes its reports (`audit_report_specs`) for all its contracts, so the firm may
add to those reports and write new ones on the body's suppliers
(`services.engagements`). Every demo report is on a supplier its body has a
contract with (`contracts`)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy.orm import Session

from services.demo.audit_report_specs import DEMO_REPORTS
from storage.models import AuditorEngagement


def add_engagements(session: Session, organization_ids: dict[str, str], now: dt.datetime) -> None:
    """One engagement for all its contracts per (body, auditor firm) of DEMO_REPORTS."""
    pairs = sorted({(spec.commissioned_by, spec.auditor) for spec in DEMO_REPORTS})
    for body, auditor in pairs:
        session.add(
            AuditorEngagement(
                body_id=organization_ids[body],
                auditor_id=organization_ids[auditor],
                created_at=now,
            )
        )
