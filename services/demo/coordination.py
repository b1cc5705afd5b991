"""The demo's national coordination beyond the first focus area: the coordinator's
plan of audits, two more focus areas on high-risk categories (one not yet
assigned), and follow-up plans through the Difi/DFØ steps on every demo contract
in a high-risk category, some steps done, one overdue."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.orm import Session

from domain.coordination import FollowUpStep, current_step, is_high_risk
from services.demo.dates import utc_at
from storage.models import Contract, FocusArea, FollowUpPlanStep

# (title, category, responsible body key or None, planned audits, description)
MORE_FOCUS_AREAS: tuple[tuple[str, str, str | None, int, str], ...] = (
    (
        "Workwear and textiles 2027",
        "workwear",
        "vgr",
        4,
        "Cotton and twill from Pakistan: wages, working hours and freedom of association "
        "at fabric mills and sewing units.",
    ),
    (
        "Surgical instruments 2027",
        "surgical-instruments",
        None,
        2,
        "Forged and polished instruments from Sialkot: child labour and health and safety.",
    ),
)
FIRST_AREA_PLANNED_AUDITS = 3

# Days from the contract's start to each step's due date; steps due before the
# day of seeding are done, except FOLLOW_UP, which the story leaves overdue.
_STEP_DAYS = {
    FollowUpStep.ANCHOR: 30,
    FollowUpStep.PLAN: 90,
    FollowUpStep.EXECUTE: 180,
    FollowUpStep.FOLLOW_UP: 300,
    FollowUpStep.REPORT: 400,
}


def add_coordination(
    session: Session,
    organization_ids: dict[str, str],
    national_id: str,
    first_area_id: str,
    today: dt.date,
) -> list[str]:
    """Add the focus areas and follow-up plans; returns the new focus areas' ids."""
    first = session.get_one(FocusArea, first_area_id)
    first.planned_audits = FIRST_AREA_PLANNED_AUDITS
    ids: list[str] = []
    for title, category, body, planned, description in MORE_FOCUS_AREAS:
        area = FocusArea(
            network_id=national_id,
            title=title,
            product_category=category,
            description=description,
            responsible_body_id=organization_ids[body] if body else None,
            period_start=dt.date(today.year + 1, 1, 1),
            period_end=dt.date(today.year + 1, 12, 31),
            planned_audits=planned,
            created_by_id=organization_ids["coordinator"],
        )
        session.add(area)
        session.flush()
        ids.append(area.id)
    for contract in session.scalars(select(Contract).order_by(Contract.id)):
        if is_high_risk(contract.product_category):
            _plan(session, contract, today)
    session.flush()
    return ids


def _plan(session: Session, contract: Contract, today: dt.date) -> None:
    done: dict[FollowUpStep, bool] = {}
    for step, days in _STEP_DAYS.items():
        due = contract.start_date + dt.timedelta(days=days)
        finished = due < today and step is not FollowUpStep.FOLLOW_UP
        done[step] = finished
        session.add(
            FollowUpPlanStep(
                contract_id=contract.id,
                buyer_id=contract.buyer_id,
                step=step.value,
                due_date=due,
                completed_at=utc_at(due, 12) if finished else None,
            )
        )
    step_now = current_step(done)
    contract.follow_up_step = step_now.value if step_now else None
