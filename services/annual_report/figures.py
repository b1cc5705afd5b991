"""What the annual report counts, for one body and one calendar year, each
figure through the disclosure kernel: rows come through the record type's row
filter in SQL, and what is counted of them is read from their `disclose()`d
values, so nothing the body may not see is counted.

- contracts in DFØ's high-risk categories that the body bought under and that
  ran during the year (the CONTRACT policy);
- self-reports received: versions submitted in the year that the body may read
  (the SELF_REPORT policy);
- audits done: reports with an audit date in the year, SUBMITTED, PUBLISHED or
  SUPERSEDED, that the body commissioned or that were shared with it about a
  supplier it had a contract with (the AUDIT_REPORT policy);
- findings of those audits by requirement (ILO convention) and country of the
  audited facility (the supplier's country when none is named);
- corrective actions of those audits verified (closed) during the year.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass, field

from sqlalchemy import func, or_, select

from authz.disclosure import Disclosed, row_filter
from authz.records import CONTRACT, SELF_REPORT
from authz.sql import model_columns
from domain.coordination import HIGH_RISK_CATEGORIES
from domain.enums import AuditReportStatus, AuditReportType, CorrectiveActionStatus, Requirement
from domain.errors import NotFound
from services.audit_reports import present, visible_statement
from services.contracts import disclose_contracts
from services.scope import Scope
from storage import models

DONE = (AuditReportStatus.SUBMITTED, AuditReportStatus.PUBLISHED, AuditReportStatus.SUPERSEDED)


@dataclass(frozen=True)
class AnnualFigures:
    organization_name: str
    country: str
    year: int
    contracts_by_category: dict[str, int] = field(default_factory=dict)  # high-risk only
    self_reports_received: int = 0
    audits_commissioned: int = 0
    audits_shared: int = 0
    audits_by_type: dict[AuditReportType, int] = field(default_factory=dict)
    # Each finding once by requirement; by (requirement, country) once per country
    # of the audited facilities (a report may cover sites in several countries).
    requirements: dict[Requirement, int] = field(default_factory=dict)
    findings: dict[tuple[Requirement, str], int] = field(default_factory=dict)
    actions_closed: int = 0

    @property
    def contracts_high_risk(self) -> int:
        return sum(self.contracts_by_category.values())

    @property
    def audits_done(self) -> int:
        return self.audits_commissioned + self.audits_shared

    @property
    def findings_total(self) -> int:
        return sum(self.requirements.values())

    def findings_by_requirement(self) -> dict[Requirement, int]:
        return {r: self.requirements[r] for r in Requirement if self.requirements.get(r)}

    def findings_by_country(self) -> dict[str, int]:
        counts: Counter[str] = Counter()
        for (_, country), count in self.findings.items():
            counts[country] += count
        return dict(sorted(counts.items(), key=lambda item: (-item[1], item[0])))


async def collect_figures(scope: Scope, year: int) -> AnnualFigures:
    """The figures for the scope's organisation (the body) and `year`."""
    principal = scope.viewer()
    body = await scope.loaders.organization.load(principal.organization_id)
    if body is None:
        raise NotFound(f"no organisation with id {principal.organization_id}")
    first_day, last_day = dt.date(year, 1, 1), dt.date(year, 12, 31)
    facts = await scope.facts()

    contract = models.Contract
    running = (
        contract.buyer_id == body.id,
        contract.start_date <= last_day,
        or_(contract.end_date.is_(None), contract.end_date >= first_day),
        row_filter(CONTRACT, facts, model_columns(contract)),
    )
    rows = list(await scope.session.scalars(select(contract).where(*running)))
    disclosed = disclose_contracts(scope, facts, rows, frozenset())
    categories = Counter(
        str(item["product_category"])
        for item in disclosed
        if item["product_category"] in HIGH_RISK_CATEGORIES
    )
    suppliers = sorted({str(item["supplier_id"]) for item in disclosed})

    self_report = models.SelfReport
    received = await scope.session.scalar(
        select(func.count())
        .select_from(self_report)
        .where(
            row_filter(SELF_REPORT, facts, model_columns(self_report)),
            self_report.submitted_at >= dt.datetime(year, 1, 1, tzinfo=dt.UTC),
            self_report.submitted_at < dt.datetime(year + 1, 1, 1, tzinfo=dt.UTC),
        )
    )

    report = models.AuditReport
    stmt = (await visible_statement(scope, None)).where(
        report.status.in_(DONE),
        report.audit_date >= first_day,
        report.audit_date <= last_day,
        or_(report.commissioned_by_id == body.id, report.supplier_id.in_(suppliers)),
    )
    report_rows = list((await scope.session.execute(stmt.order_by(report.id))).scalars())
    reports = await present(scope, report_rows, frozenset())
    countries = await _countries(scope, reports)

    by_type: Counter[AuditReportType] = Counter()
    findings: Counter[tuple[Requirement, str]] = Counter()
    requirements: Counter[Requirement] = Counter()
    commissioned = closed = 0
    for item in reports:
        by_type[AuditReportType(item["report_type"])] += 1
        commissioned += item["commissioned_by_id"] == body.id
        for finding in item["findings"] or ():
            requirements[Requirement(finding["requirement"])] += 1
            for country in countries[str(item["id"])]:
                findings[(Requirement(finding["requirement"]), country)] += 1
            action = finding["corrective_action"]
            if isinstance(action, Disclosed) and _closed_in(action, first_day, last_day):
                closed += 1
    return AnnualFigures(
        organization_name=body.name,
        country=body.country,
        year=year,
        contracts_by_category=dict(sorted(categories.items())),
        self_reports_received=int(received or 0),
        audits_commissioned=commissioned,
        audits_shared=len(reports) - commissioned,
        audits_by_type={t: by_type[t] for t in AuditReportType if by_type[t]},
        requirements=dict(requirements),
        findings=dict(sorted(findings.items())),
        actions_closed=closed,
    )


def _closed_in(action: Disclosed, first_day: dt.date, last_day: dt.date) -> bool:
    verified_at = action["verified_at"]
    return (
        action["status"] == CorrectiveActionStatus.VERIFIED
        and isinstance(verified_at, dt.datetime)
        and first_day <= verified_at.date() <= last_day
    )


async def _countries(scope: Scope, reports: list[Disclosed]) -> dict[str, list[str]]:
    """Each report's facility countries (shared reference data), else its supplier's."""
    ids = [str(item["id"]) for item in reports]
    facilities = await scope.loaders.reports.facilities.load_many(ids)
    suppliers = await scope.loaders.organization.load_many(
        [str(item["supplier_id"]) for item in reports]
    )
    countries: dict[str, list[str]] = {}
    for report_id, sites, supplier in zip(ids, facilities, suppliers, strict=True):
        found = sorted({site.country for site in sites})
        countries[report_id] = found or ([supplier.country] if supplier else ["??"])
    return countries
