"""Follow-up plans through the Difi/DFØ steps, and overdue corrective actions."""

from __future__ import annotations

import datetime as dt
from typing import Any, Self

import strawberry

from authz.coordination import FOLLOW_UP_STEP
from authz.disclosure import Disclosed
from domain import coordination
from schema.audit_reports import AuditReport, Finding
from services.follow_up import OverdueAction

FollowUpStep = strawberry.enum(
    coordination.FollowUpStep,
    description="The Difi/DFØ steps: anchor, plan, execute, follow up, report.",
)


def _classified(name: str, description: str) -> Any:
    level = FOLLOW_UP_STEP.fields[name].level.value
    return strawberry.field(description=f"{level}: {description}")


@strawberry.type(description="One step of a contract's follow-up plan (the buyer's only).")
class FollowUpPlanStep:
    step: coordination.FollowUpStep = _classified("step", "the Difi/DFØ step.")
    due_date: dt.date = _classified("due_date", "when the step is due.")
    completed_at: dt.datetime | None = _classified("completed_at", "when it was marked done.")
    note: str | None = _classified("note", "the buyer's note on completing it.")
    overdue: bool = _classified("overdue", "past its due date and not done.")
    contract_id: strawberry.ID = _classified("contract_id", "the contract planned.")

    @classmethod
    def from_disclosed(cls, step: Disclosed) -> Self:
        return cls(
            step=step["step"],
            due_date=step["due_date"],
            completed_at=step["completed_at"],
            note=step["note"],
            overdue=bool(step["overdue"]),
            contract_id=strawberry.ID(str(step["contract_id"])),
        )


@strawberry.input
class FollowUpStepInput:
    step: coordination.FollowUpStep
    due_date: dt.date


@strawberry.type(
    description="A corrective action past its due date, still waiting on the supplier."
)
class OverdueCorrectiveAction:
    report: AuditReport
    finding: Finding
    days_overdue: int

    @classmethod
    def from_view(cls, view: OverdueAction) -> Self:
        return cls(
            report=AuditReport.from_disclosed(view.report),
            finding=Finding.from_disclosed(view.finding),
            days_overdue=view.days_overdue,
        )
