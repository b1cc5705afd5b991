"""Corrective actions answered once: the audited supplier reports progress and
completion (with evidence), the commissioning body verifies or reopens. Rules
without I/O; the history is kept (`storage.models.CorrectiveActionEvent`).

    OPEN ──progress──▶ IN_PROGRESS ──done (with evidence)──▶ DONE ──verify──▶ VERIFIED
      ▲                     │                                 │                 │
      └──────────────── reopen (with a note) ◀────────────────┴─────────────────┘

OVERDUE is never stored: an action still waiting on the supplier past its due
date reads as OVERDUE (`shown_status`, `domain.coordination.action_overdue`).
"""

from __future__ import annotations

import datetime as dt

from domain.coordination import action_overdue
from domain.enums import CorrectiveActionStatus as Status
from domain.enums import CorrectiveActionStep as Step
from domain.errors import Conflict, InvalidInput

NOTE_LIMIT = 5000


def respond(status: Status, *, done: bool, has_new_evidence: bool) -> tuple[Step, Status]:
    """The supplier's answer: a progress note, or done with evidence uploaded
    since the action was last opened."""
    if status is Status.VERIFIED:
        raise Conflict("the commissioning body has verified this corrective action already")
    if status is Status.DONE:
        raise Conflict(
            "this corrective action awaits the commissioning body's verification; "
            "it can be answered again if it is reopened"
        )
    if done:
        if not has_new_evidence:
            raise InvalidInput(
                "done",
                "upload the evidence first (uploadCorrectiveActionEvidence), then report it done",
            )
        return Step.DONE, Status.DONE
    return Step.PROGRESS, Status.IN_PROGRESS


def verify(status: Status, *, accepted: bool, note: str | None) -> tuple[Step, Status]:
    """The commissioning body's verdict on a DONE action (reopening also a
    VERIFIED one, with a note saying what is missing)."""
    if accepted:
        if status is not Status.DONE:
            raise Conflict(
                f"only an action the supplier reported done can be verified; it is {status.value}"
            )
        return Step.VERIFIED, Status.VERIFIED
    if status not in (Status.DONE, Status.VERIFIED):
        raise Conflict(
            f"only a DONE or VERIFIED action can be reopened; it is {status.value} already open"
        )
    if not note:
        raise InvalidInput("note", "say what is missing when you reopen a corrective action")
    return Step.REOPENED, Status.OPEN


def shown_status(status: Status, due_date: dt.date | None, today: dt.date) -> Status:
    """The status a reader sees: OVERDUE when still waiting on the supplier past
    the due date."""
    return Status.OVERDUE if action_overdue(status, due_date, today) else status


def evidence_since_opened(steps: list[tuple[Step, list[str]]]) -> list[str]:
    """Evidence documents uploaded since the action was created or last reopened,
    and not yet handed in with a DONE (oldest first)."""
    pending: list[str] = []
    for step, documents in steps:
        if step in (Step.REOPENED, Step.DONE):
            pending = []
        elif step is Step.EVIDENCE:
            pending.extend(documents)
    return pending
