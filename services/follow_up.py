"""Follow-up through the Difi/DFØ steps, and the corrective actions that are late.

- A contract's buyer plans its follow-up: each step (anchor, plan, execute,
  follow up, report) with a due date, and marks steps done; the contract's
  `follow_up_step` is the first planned step not yet done. Only the buyer reads
  the plan (`authz.coordination.FOLLOW_UP_STEP`).
- Overdue corrective actions surface to the body that commissioned the report
  and, for a report under a focus area, to the network's coordinator: each
  through the kernel (report row filter and the corrective action's cleared
  filter in the SQL; the reports disclosed and logged by `present`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import or_, select

from authz.coordination import FOLLOW_UP_STEP
from authz.disclosure import Disclosed, cleared_filter, disclose, row_filter, row_values
from authz.policies import Action, Resource
from authz.records import AUDIT_REPORT, CONTRACT, FINDING
from authz.sql import model_columns
from domain import coordination as rules
from domain.coordination import AWAITING_SUPPLIER, FollowUpStep
from domain.enums import AuditReportStatus, CorrectiveActionStatus
from domain.errors import Forbidden, InvalidInput, NotFound
from domain.text import optional_text
from services.audit_reports import REPORT_COLUMNS, present
from services.pagination import Page, fetch_page
from services.scope import Scope
from storage import models

CONTRACT_COLUMNS = model_columns(models.Contract)
CURRENT = (AuditReportStatus.SUBMITTED, AuditReportStatus.PUBLISHED)


# --- follow-up plans -----------------------------------------------------------------


async def follow_up_plan(
    scope: Scope, contract_id: str, today: dt.date | None = None
) -> list[Disclosed]:
    """The plan's steps in Difi order; NOT_FOUND unless the caller's organisation
    is a party to the contract, empty for its supplier (the plan is the buyer's)."""
    scope.require(Action.READ, Resource.CONTRACT)
    await _visible_contract(scope, contract_id)
    rows = await scope.session.scalars(
        select(models.FollowUpPlanStep).where(models.FollowUpPlanStep.contract_id == contract_id)
    )
    return await _disclose_steps(scope, list(rows), today)


async def plan_follow_up(
    scope: Scope,
    contract_id: str,
    steps: Mapping[FollowUpStep, dt.date],
    today: dt.date | None = None,
) -> list[Disclosed]:
    """The buyer sets (or moves) the due dates of the named steps; steps already
    done stay done."""
    contract = await _buyers_contract(scope, contract_id)
    rules.check_plan(steps)
    existing = await _steps(scope, contract.id)
    for step, due_date in steps.items():
        row = existing.get(step)
        if row is None:
            row = models.FollowUpPlanStep(
                contract_id=contract.id, buyer_id=contract.buyer_id, step=step.value
            )
            scope.session.add(row)
            existing[step] = row
        row.due_date = due_date
    rules.check_plan({step: row.due_date for step, row in existing.items()})
    _advance(contract, existing)
    await scope.commit()
    return await _disclose_steps(scope, list(existing.values()), today)


async def complete_step(
    scope: Scope,
    contract_id: str,
    step: FollowUpStep,
    note: str | None,
    today: dt.date | None = None,
) -> Disclosed:
    """The buyer marks a planned step done (with an optional note)."""
    contract = await _buyers_contract(scope, contract_id)
    existing = await _steps(scope, contract.id)
    row = existing.get(step)
    if row is None:
        raise InvalidInput("step", f"{step.value} is not in this contract's plan; plan it first")
    row.completed_at = row.completed_at or models.utcnow()
    row.note = optional_text("note", note, 2_000) or row.note
    _advance(contract, existing)
    await scope.commit()
    (disclosed,) = await _disclose_steps(scope, [row], today)
    return disclosed


def _advance(contract: models.Contract, steps: Mapping[FollowUpStep, Any]) -> None:
    current = rules.current_step(
        {step: row.completed_at is not None for step, row in steps.items()}
    )
    contract.follow_up_step = current.value if current else None


async def _steps(scope: Scope, contract_id: str) -> dict[FollowUpStep, models.FollowUpPlanStep]:
    rows = await scope.session.scalars(
        select(models.FollowUpPlanStep).where(models.FollowUpPlanStep.contract_id == contract_id)
    )
    return {FollowUpStep(row.step): row for row in rows}


async def _visible_contract(scope: Scope, contract_id: str) -> models.Contract:
    facts = await scope.facts()
    row = await scope.session.scalar(
        select(models.Contract).where(
            models.Contract.id == contract_id, row_filter(CONTRACT, facts, CONTRACT_COLUMNS)
        )
    )
    if row is None:
        raise NotFound(f"no contract with id {contract_id} that you may see")
    return row


async def _buyers_contract(scope: Scope, contract_id: str) -> models.Contract:
    principal = scope.viewer()
    contract = await _visible_contract(scope, contract_id)
    if contract.buyer_id != principal.organization_id:
        raise Forbidden("only the contract's buyer plans and records its follow-up")
    scope.require(Action.CREATE, Resource.CONTRACT, contract.buyer_id)
    return contract


async def _disclose_steps(
    scope: Scope, rows: Sequence[models.FollowUpPlanStep], today: dt.date | None
) -> list[Disclosed]:
    today = today or dt.date.today()
    facts = await scope.facts()
    disclosed: list[Disclosed] = []
    for row in sorted(rows, key=lambda row: FollowUpStep(row.step).order):
        cleared = FOLLOW_UP_STEP.clearance(row, facts)
        if cleared is None:
            continue
        values = row_values(row)
        values["step"] = FollowUpStep(row.step)
        values["overdue"] = rules.step_overdue(row.due_date, row.completed_at, today)
        disclosed.append(disclose(values, FOLLOW_UP_STEP, cleared))
    scope.reads.record_disclosed(disclosed, frozenset())
    return disclosed


# --- overdue corrective actions ------------------------------------------------------


@dataclass(frozen=True)
class OverdueAction:
    report: Disclosed
    finding: Disclosed
    days_overdue: int


async def overdue_actions(
    scope: Scope,
    *,
    first: int | None,
    after: str | None,
    selected: frozenset[str],
    today: dt.date | None = None,
) -> Page[OverdueAction]:
    """Corrective actions past their due date, still waiting on the supplier, on
    reports the caller's organisation commissioned or under focus areas of the
    networks it coordinates; oldest action first."""
    principal = scope.viewer()
    today = today or dt.date.today()
    facts = await scope.facts()
    report, finding, action = models.AuditReport, models.Finding, models.CorrectiveAction
    coordinated = (
        select(models.FocusArea.id)
        .join(models.Network, models.Network.id == models.FocusArea.network_id)
        .where(models.Network.lead_id == principal.organization_id)
    )
    stmt = (
        select(finding)
        .join(action, action.finding_id == finding.id)
        .join(report, report.id == finding.report_id)
        .where(
            row_filter(AUDIT_REPORT, facts, REPORT_COLUMNS),
            cleared_filter(
                AUDIT_REPORT, facts, REPORT_COLUMNS, FINDING.fields["corrective_action"]
            ),
            report.status.in_(CURRENT),
            or_(
                report.commissioned_by_id == principal.organization_id,
                report.focus_area_id.in_(coordinated),
            ),
            or_(
                action.status == CorrectiveActionStatus.OVERDUE,
                action.status.in_(sorted(AWAITING_SUPPLIER)) & (action.due_date < today),
            ),
        )
    )

    async def to_items(rows: list[models.Finding]) -> list[OverdueAction]:
        report_ids = sorted({row.report_id for row in rows})
        reports = {
            str(found["id"]): found
            for found in await present(scope, await _rows(scope, report_ids), selected)
        }
        items: list[OverdueAction] = []
        for row in rows:
            disclosed = reports.get(row.report_id)
            if disclosed is None:
                continue
            match = [f for f in disclosed["findings"] or () if f["id"] == row.id]
            if not match or match[0]["corrective_action"] is None:
                continue
            due = match[0]["corrective_action"]["due_date"]
            days = (today - due).days if due is not None else 0
            items.append(OverdueAction(disclosed, match[0], days))
        return items

    return await fetch_page(
        scope,
        stmt,
        finding.id,
        first=first,
        after=after,
        to_items=to_items,
        item_id=_finding_id,
    )


def _finding_id(item: OverdueAction) -> str:
    return str(item.finding["id"])


async def _rows(scope: Scope, report_ids: Sequence[str]) -> list[models.AuditReport]:
    facts = await scope.facts()
    result = await scope.session.scalars(
        select(models.AuditReport).where(
            models.AuditReport.id.in_(report_ids), row_filter(AUDIT_REPORT, facts, REPORT_COLUMNS)
        )
    )
    return list(result)
