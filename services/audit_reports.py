"""Reading audit reports: each viewer gets exactly what its relation allows.

Rows are filtered in SQL by the kernel's row filter; every report leaves
through `present`, which discloses the report with its findings and corrective
actions under the viewer's clearance and logs the sensitive reads.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, Row, Select, and_, exists, or_, select
from sqlalchemy.orm import aliased

from authz.disclosure import (
    Disclosed,
    FieldRule,
    cleared_filter,
    column_names,
    disclose,
    row_filter,
    row_values,
)
from authz.records import AUDIT_REPORT, CORRECTIVE_ACTION, FINDING
from authz.sql import model_columns
from authz.viewer import ViewerFacts
from domain.enums import AuditReportStatus, Classification, Requirement, Severity
from domain.errors import InvalidInput, NotFound
from domain.orgnumbers import normalize_country
from services.corrective_action_values import with_history
from services.loaders import ORGANIZATION_COLUMNS, OrganizationRow
from services.pagination import Page, fetch_page
from services.scope import Scope
from storage import models
from storage.db import core_rows
from storage.kept import Kept
from storage.keys import KeysNamed, among

MAX_SEARCH_LENGTH = 200
REPORT_COLUMNS = model_columns(models.AuditReport)


@dataclass(frozen=True)
class ReportFilter:
    supplier_id: str | None = None
    facility_id: str | None = None
    country: str | None = None
    requirement: Requirement | None = None
    severity: Severity | None = None
    focus_area_id: str | None = None
    status: AuditReportStatus | None = None
    text: str | None = None

    @property
    def search(self) -> str | None:
        return self.text.strip() if self.text and self.text.strip() else None


REPORT_NAMES = column_names(models.AuditReport)
FINDING_NAMES = column_names(models.Finding)
ACTION_NAMES = column_names(models.CorrectiveAction)


def columns(model: type[models.Base], names: Sequence[str]) -> list[Any]:
    """Every mapped column of `model`, labelled with its attribute name: Core rows
    then read like the ORM rows (`row.supplier_id`), without hydrating objects."""
    return [getattr(model, name).label(name) for name in names]


REPORT_SELECT = columns(models.AuditReport, REPORT_NAMES)
FINDINGS_WITH_ACTIONS = select(
    *columns(models.Finding, FINDING_NAMES), *columns(models.CorrectiveAction, ACTION_NAMES)
).outerjoin(
    models.CorrectiveAction, models.CorrectiveAction.finding_id == models.Finding.id
)  # finding_id is unique: at most one action per finding
ACTION_ID = len(FINDING_NAMES) + ACTION_NAMES.index("id")
FINDINGS_OF_REPORTS = FINDINGS_WITH_ACTIONS.where(
    among(models.Finding.report_id, KeysNamed("report_ids"))
).order_by(models.Finding.report_id, models.Finding.position, models.Finding.id)


# A page's suppliers, read with the page when the document selects them: the
# organisation loader is primed with them, so the level below reads none.
SUPPLIER = aliased(models.Organization, name="supplier")
SUPPLIER_SELECT = [
    getattr(SUPPLIER, str(column.key)).label(f"supplier__{column.key}")
    for column in ORGANIZATION_COLUMNS
]
REPORT_WIDTH = len(REPORT_NAMES)


def record_values(row: Any) -> dict[str, Any]:
    """A report's own values from an ORM row or a Core row of `REPORT_SELECT`
    (followed by the supplier's `SUPPLIER_SELECT`, or not)."""
    if isinstance(row, Row):
        return dict(zip(REPORT_NAMES, row[:REPORT_WIDTH], strict=True))
    return row_values(row)


def prime_suppliers(scope: Scope, rows: Sequence[Row[Any]]) -> None:
    """The organisation loader learns the suppliers of rows read with `SUPPLIER_SELECT`."""
    scope.loaders.organization_columns.prime_many(
        {row.supplier_id: OrganizationRow(*row[REPORT_WIDTH:]) for row in rows}
    )


async def findings_of(
    scope: Scope, report_ids: Sequence[str], *, history: bool = True
) -> dict[str, list[dict[str, Any]]]:
    """Every finding of the reports, with its corrective action nested, by report and
    in report order (position, then id): one statement, no ORM objects."""
    if not report_ids:
        return {}
    split = len(FINDING_NAMES)
    grouped: dict[str, list[dict[str, Any]]] = {}
    wanted = {"report_ids": list(report_ids)}
    for row in await core_rows(scope.session, FINDINGS_OF_REPORTS, wanted):
        values = dict(zip(FINDING_NAMES, row[:split], strict=True))
        values["corrective_action"] = (
            dict(zip(ACTION_NAMES, row[split:], strict=True))
            if row[ACTION_ID] is not None
            else None
        )
        grouped.setdefault(values["report_id"], []).append(values)
    await with_history(
        scope.session,
        [f["corrective_action"] for fs in grouped.values() for f in fs],
        history=history,
    )
    return grouped


def report_values(row: Any, findings: list[dict[str, Any]]) -> dict[str, Any]:
    """The full report as plain values (ORM names), findings and actions nested:
    only ever handed to `disclose`."""
    return {**record_values(row), "findings": findings}


async def load_values(
    scope: Scope, rows: Sequence[Any], *, history: bool = True
) -> list[dict[str, Any]]:
    """`report_values` for a batch of ORM or Core rows: one statement for the
    findings and their corrective actions (and one for the actions' history)."""
    findings = await findings_of(scope, [row.id for row in rows], history=history)
    return [report_values(row, findings.get(row.id, [])) for row in rows]


HISTORY = "history"  # CorrectiveAction.history: the field that needs the events


async def present(
    scope: Scope,
    rows: Sequence[Any],
    selected: frozenset[str],
    *,
    search: str | None = None,
) -> list[Disclosed]:
    """Disclose a batch of visible rows and log what was read (and searched).
    The corrective actions' history is read when `selected` names it, or when
    nothing is selected (a caller outside GraphQL, which reads everything)."""
    facts = await scope.facts()
    reports: list[Disclosed] = []
    values_of = await load_values(scope, rows, history=HISTORY in selected or not selected)
    for row, values in zip(rows, values_of, strict=True):
        cleared = AUDIT_REPORT.clearance(row, facts)
        if cleared is None:  # the SQL filter already excludes these; never trust one layer
            continue
        reports.append(disclose(values, AUDIT_REPORT, cleared))
    scope.reads.record_disclosed(reports, selected)
    if search is not None:
        record_searched(scope, reports)
    return reports


def record_searched(scope: Scope, reports: Sequence[Disclosed]) -> None:
    """Searching over a field the viewer may read at RESTRICTED or PERSONAL is a
    read of that field: a match can spell it out letter by letter."""
    sensitive = [
        rule
        for _, _, rule in searched_fields()
        if rule.level.rank >= Classification.RESTRICTED.rank
    ]
    for report in reports:
        levels = [rule.level for rule in sensitive if report.clearance.allows(rule)]
        if levels:
            level = max(levels, key=lambda found: found.rank)
            scope.reads.record_read(level, AUDIT_REPORT.record, str(report["id"]))


def searched_fields() -> list[tuple[str, Any, FieldRule]]:
    """(name, column, rule) of every free-text field the search reads."""
    report, finding, action = models.AuditReport, models.Finding, models.CorrectiveAction
    return [
        ("title", report.title, AUDIT_REPORT.fields["title"]),
        ("summary", report.summary, AUDIT_REPORT.fields["summary"]),
        ("commercial_notes", report.commercial_notes, AUDIT_REPORT.fields["commercial_notes"]),
        ("worker_interviews", report.worker_interviews, AUDIT_REPORT.fields["worker_interviews"]),
        ("description", finding.description, FINDING.fields["description"]),
        ("evidence", finding.evidence, FINDING.fields["evidence"]),
        ("action", action.description, CORRECTIVE_ACTION.fields["description"]),
    ]


def text_matches(facts: ViewerFacts, text: str) -> ColumnElement[bool]:
    """Full text over what the viewer may read: a field counts only on rows where
    the viewer's clearance covers it, so a match never leaks a value."""
    pattern = f"%{escape_like(text)}%"
    report, finding, action = models.AuditReport, models.Finding, models.CorrectiveAction
    clauses: list[ColumnElement[bool]] = []
    for name, column, rule in searched_fields():
        match: ColumnElement[bool] = column.ilike(pattern, escape="\\")
        if name in ("description", "evidence"):
            match = exists(select(finding.id).where(finding.report_id == report.id, match))
        elif name == "action":
            match = exists(
                select(action.id)
                .join(finding, finding.id == action.finding_id)
                .where(finding.report_id == report.id, match)
            )
        if rule.level is Classification.PUBLIC:  # the row filter already covers it
            clauses.append(match)
        else:
            clauses.append(and_(cleared_filter(AUDIT_REPORT, facts, REPORT_COLUMNS, rule), match))
    return or_(*clauses)


def escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


async def visible_statement(scope: Scope, filter: ReportFilter | None) -> Select[Any]:
    """The visible reports matching `filter`, as one SQL statement."""
    facts = await scope.facts()
    report = models.AuditReport
    stmt = select(report).where(row_filter(AUDIT_REPORT, facts, REPORT_COLUMNS))
    if filter is None:
        return stmt
    if filter.supplier_id is not None:
        stmt = stmt.where(report.supplier_id == filter.supplier_id)
    if filter.status is not None:
        stmt = stmt.where(report.status == filter.status)
    if filter.focus_area_id is not None:
        stmt = stmt.where(report.focus_area_id == filter.focus_area_id)
    if filter.facility_id is not None or filter.country is not None:
        link, facility = models.AuditReportFacility, models.Facility
        conditions = [link.report_id == report.id]
        if filter.facility_id is not None:
            conditions.append(link.facility_id == filter.facility_id)
        if filter.country is not None:
            conditions += [
                facility.id == link.facility_id,
                facility.country == normalize_country(filter.country),
            ]
        stmt = stmt.where(exists(select(link.id).where(and_(*conditions))))
    if filter.requirement is not None or filter.severity is not None:
        finding = models.Finding
        conditions = [finding.report_id == report.id]
        if filter.requirement is not None:
            conditions.append(finding.requirement == filter.requirement)
        if filter.severity is not None:
            conditions.append(finding.severity == filter.severity)
        stmt = stmt.where(exists(select(finding.id).where(and_(*conditions))))
    if filter.text is not None and len(filter.text) > MAX_SEARCH_LENGTH:
        raise InvalidInput("filter.text", f"must be at most {MAX_SEARCH_LENGTH} characters")
    if filter.search is not None:
        stmt = stmt.where(text_matches(facts, filter.search))
    return stmt


def listing(visible: Select[Any], with_suppliers: bool) -> Select[Any]:
    """The columns a page reads of the reports of `visible` (and of their suppliers)."""
    stmt = visible.with_only_columns(*REPORT_SELECT)
    if with_suppliers:
        stmt = stmt.add_columns(*SUPPLIER_SELECT).join_from(
            models.AuditReport, SUPPLIER, SUPPLIER.id == models.AuditReport.supplier_id
        )
    return stmt


_LISTINGS: Kept[Select[Any]] = Kept(256)


def unfiltered_listing(visible: ColumnElement[bool], with_suppliers: bool) -> Select[Any]:
    """`listing` of every report the row filter `visible` lets through, kept per
    filter (`row_filter` keeps those per viewer facts): pagination then finds its
    page statement ready (`services.pagination.paged`)."""
    key = (id(visible), with_suppliers)
    found = _LISTINGS.get(key, visible)
    if found is not None:
        return found
    stmt = listing(select(models.AuditReport).where(visible), with_suppliers)
    return _LISTINGS.put(key, visible, stmt)


async def list_reports(
    scope: Scope,
    filter: ReportFilter | None,
    *,
    first: int | None,
    after: str | None,
    selected: frozenset[str],
) -> Page[Disclosed]:
    # Core rows, not ORM objects: a page is read, disclosed and dropped.
    with_suppliers = "supplier" in selected
    if filter is None:  # the same statement for every viewer with the same row filter
        visible = row_filter(AUDIT_REPORT, await scope.facts(), REPORT_COLUMNS)
        stmt = unfiltered_listing(visible, with_suppliers)
    else:
        stmt = listing(await visible_statement(scope, filter), with_suppliers)
    search = filter.search if filter else None

    async def to_items(rows: list[Row[Any]]) -> list[Disclosed]:
        if with_suppliers:
            prime_suppliers(scope, rows)
        return await present(scope, rows, selected, search=search)

    return await fetch_page(
        scope,
        stmt,
        models.AuditReport.id,
        first=first,
        after=after,
        to_items=to_items,
        item_id=lambda report: str(report["id"]),
        scalars=False,
    )


async def visible_rows(scope: Scope, report_ids: Sequence[str]) -> list[models.AuditReport]:
    facts = await scope.facts()
    stmt = select(models.AuditReport).where(
        models.AuditReport.id.in_(report_ids), row_filter(AUDIT_REPORT, facts, REPORT_COLUMNS)
    )
    return list((await scope.session.execute(stmt)).scalars())


async def get_reports(
    scope: Scope, report_ids: Sequence[str], selected: frozenset[str]
) -> list[Disclosed]:
    """The visible ones among `report_ids` (roots and `_entities` alike)."""
    return await present(scope, await visible_rows(scope, report_ids), selected)


async def get_report(scope: Scope, report_id: str, selected: frozenset[str]) -> Disclosed:
    reports = await get_reports(scope, [report_id], selected)
    if not reports:
        raise NotFound(f"no audit report with id {report_id} that you may see")
    return reports[0]
