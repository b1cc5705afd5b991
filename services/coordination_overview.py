"""The coordinator's overview of a network's focus areas: per focus area the
audits planned, under way and done, findings by requirement and severity, and
open and overdue corrective actions.

Every count is one grouped statement for a whole batch of focus areas, and
counts only rows the viewer may see: the report policy's row filter, and for
corrective actions the filter of rows whose clearance covers them
(`authz.disclosure.row_filter` / `cleared_filter`), sit in the aggregate's
WHERE clause. The result is a classified record of its own
(`authz.coordination.FOCUS_AREA_OVERVIEW`), disclosed like any other."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, cast

from sqlalchemy import case, func, select
from strawberry.dataloader import DataLoader

from authz.coordination import FOCUS_AREA_OVERVIEW
from authz.disclosure import Disclosed, cleared_filter, disclose, row_filter
from authz.records import AUDIT_REPORT, FINDING
from domain.coordination import AWAITING_SUPPLIER, OPEN_ACTION
from domain.enums import AuditReportStatus, CorrectiveActionStatus, Requirement, Severity
from services.audit_reports import REPORT_COLUMNS
from services.scope import Scope
from storage import models

UNDER_WAY = frozenset({AuditReportStatus.DRAFT})
DONE = frozenset(
    {AuditReportStatus.SUBMITTED, AuditReportStatus.PUBLISHED, AuditReportStatus.SUPERSEDED}
)
# Findings and actions count on the current reports (a superseding report carries them on).
CURRENT = frozenset({AuditReportStatus.SUBMITTED, AuditReportStatus.PUBLISHED})

_LOADER = "focus_area_overview"


@dataclass(frozen=True)
class FindingCount:
    requirement: Requirement
    severity: Severity
    count: int


async def overview(scope: Scope, focus_area_id: str) -> Disclosed | None:
    """The focus area's overview for this viewer, batched with every other focus
    area asked for in the same request; None for viewers outside its network."""
    loader = scope.loaders.batches.get(_LOADER)
    if loader is None:

        async def load(ids: list[str]) -> list[Disclosed | None]:
            return await overviews(scope, ids)

        loader = scope.loaders.batches[_LOADER] = DataLoader(load_fn=load)
    return cast("Disclosed | None", await loader.load(focus_area_id))


async def overviews(
    scope: Scope, focus_area_ids: Sequence[str], today: dt.date | None = None
) -> list[Disclosed | None]:
    """One overview per id (None for an unknown id or a viewer outside the
    network), computed by three grouped statements for the whole batch."""
    today = today or dt.date.today()
    facts = await scope.facts()
    areas = await scope.loaders.focus_area.load_many(list(focus_area_ids))
    known = [area for area in areas if area is not None]
    networks = await scope.loaders.network.load_many(sorted({a.network_id for a in known}))
    leads = {network.id: network.lead_id for network in networks if network is not None}
    ids = [area.id for area in known]
    report = models.AuditReport
    visible = row_filter(AUDIT_REPORT, facts, REPORT_COLUMNS)

    audits: dict[str, dict[AuditReportStatus, int]] = defaultdict(dict)
    if ids:
        rows = await scope.session.execute(
            select(report.focus_area_id, report.status, func.count())
            .where(report.focus_area_id.in_(ids), visible)
            .group_by(report.focus_area_id, report.status)
        )
        for area_id, status, count in rows:
            audits[str(area_id)][AuditReportStatus(status)] = int(count)

    findings: dict[str, list[FindingCount]] = defaultdict(list)
    finding = models.Finding
    findings_seen = cleared_filter(
        AUDIT_REPORT, facts, REPORT_COLUMNS, AUDIT_REPORT.fields["findings"]
    )
    if ids:
        finding_rows = await scope.session.execute(
            select(report.focus_area_id, finding.requirement, finding.severity, func.count())
            .join(report, report.id == finding.report_id)
            .where(report.focus_area_id.in_(ids), report.status.in_(CURRENT), findings_seen)
            .group_by(report.focus_area_id, finding.requirement, finding.severity)
            .order_by(report.focus_area_id, finding.requirement, finding.severity)
        )
        for area_id, requirement, severity, count in finding_rows:
            findings[str(area_id)].append(
                FindingCount(Requirement(requirement), Severity(severity), int(count))
            )

    actions: dict[str, tuple[int, int]] = {}
    action = models.CorrectiveAction
    actions_seen = cleared_filter(
        AUDIT_REPORT, facts, REPORT_COLUMNS, FINDING.fields["corrective_action"]
    )
    overdue = (action.status == CorrectiveActionStatus.OVERDUE) | (
        action.status.in_(sorted(AWAITING_SUPPLIER))
        & action.due_date.is_not(None)
        & (action.due_date < today)
    )
    if ids:
        action_rows = await scope.session.execute(
            select(
                report.focus_area_id,
                func.count(),
                func.sum(case((overdue, 1), else_=0)),
            )
            .join(finding, finding.id == action.finding_id)
            .join(report, report.id == finding.report_id)
            .where(
                report.focus_area_id.in_(ids),
                report.status.in_(CURRENT),
                action.status.in_(sorted(OPEN_ACTION)),
                actions_seen,
            )
            .group_by(report.focus_area_id)
        )
        for area_id, open_count, overdue_count in action_rows:
            actions[str(area_id)] = (int(open_count), int(overdue_count or 0))

    by_id: dict[str, Disclosed | None] = {}
    for area in known:
        counts = audits[area.id]
        values: dict[str, Any] = {
            "focus_area_id": area.id,
            "network_id": area.network_id,
            "coordinator_id": leads.get(area.network_id),
            "responsible_body_id": area.responsible_body_id,
            "audits_planned": area.planned_audits,
            "audits_under_way": sum(n for status, n in counts.items() if status in UNDER_WAY),
            "audits_done": sum(n for status, n in counts.items() if status in DONE),
            "findings": tuple(findings[area.id]),
            "open_corrective_actions": actions.get(area.id, (0, 0))[0],
            "overdue_corrective_actions": actions.get(area.id, (0, 0))[1],
        }
        cleared = FOCUS_AREA_OVERVIEW.clearance(values, facts)
        by_id[area.id] = (
            disclose(values, FOCUS_AREA_OVERVIEW, cleared) if cleared is not None else None
        )
    return [by_id.get(focus_area_id) for focus_area_id in focus_area_ids]
