"""`FocusArea.overview`: the coordinator's numbers for one focus area, counted
over what the viewer may see and disclosed by `FOCUS_AREA_OVERVIEW`."""

from __future__ import annotations

from typing import Any, Self

import strawberry

from authz.coordination import FOCUS_AREA_OVERVIEW
from authz.disclosure import Disclosed
from domain.enums import Requirement, Severity
from services.coordination_overview import FindingCount as FindingCountView


def _classified(name: str, description: str) -> Any:
    level = FOCUS_AREA_OVERVIEW.fields[name].level.value
    return strawberry.field(description=f"{level}: {description}")


@strawberry.type(description="Findings of one requirement and severity.")
class FindingCount:
    requirement: Requirement
    severity: Severity
    count: int

    @classmethod
    def from_view(cls, view: FindingCountView) -> Self:
        return cls(requirement=view.requirement, severity=view.severity, count=view.count)


@strawberry.type(
    description="A focus area's audits, findings and corrective actions, counted over the "
    "reports the caller may see (two viewers may read different numbers)."
)
class FocusAreaOverview:
    audits_planned: int = _classified("audits_planned", "audits the coordinator planned.")
    audits_under_way: int = _classified("audits_under_way", "visible DRAFT reports.")
    audits_done: int = _classified(
        "audits_done", "visible SUBMITTED, PUBLISHED or SUPERSEDED reports."
    )
    findings: list[FindingCount] = _classified(
        "findings", "findings of the current reports by requirement and severity."
    )
    open_corrective_actions: int = _classified(
        "open_corrective_actions", "corrective actions not yet verified."
    )
    overdue_corrective_actions: int = _classified(
        "overdue_corrective_actions", "open corrective actions past their due date."
    )

    @classmethod
    def from_disclosed(cls, overview: Disclosed) -> Self:
        return cls(
            audits_planned=overview["audits_planned"] or 0,
            audits_under_way=overview["audits_under_way"] or 0,
            audits_done=overview["audits_done"] or 0,
            findings=[FindingCount.from_view(view) for view in overview["findings"] or ()],
            open_corrective_actions=overview["open_corrective_actions"] or 0,
            overdue_corrective_actions=overview["overdue_corrective_actions"] or 0,
        )
