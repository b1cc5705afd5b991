"""Auditor engagements: an auditor firm writes audit reports only for the public
bodies that engaged it.

A body engages a firm in one of three scopes:

- REPORT: for one audit report (the report must name the firm as its auditor);
- CONTRACT: for one of the body's contracts, i.e. for that contract's supplier;
- GENERAL: for all the body's contracts, i.e. for any supplier the body has a
  contract with.

Plain functions over plain values: the service loads the facts, these decide.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass
from enum import StrEnum

from domain.enums import PUBLIC_SECTOR, OrganizationKind
from domain.errors import Forbidden, InvalidInput, NotFound

ASK = "ask the body to engage you (engageAuditor)"


class EngagementScope(StrEnum):
    REPORT = "REPORT"
    CONTRACT = "CONTRACT"
    GENERAL = "GENERAL"


@dataclass(frozen=True)
class Engagement:
    """An active engagement as the rule sees it; `contract_supplier_id` is the
    supplier of `contract_id` (None when the engagement names no contract)."""

    id: str
    body_id: str
    auditor_id: str
    report_id: str | None = None
    contract_id: str | None = None
    contract_supplier_id: str | None = None

    @property
    def scope(self) -> EngagementScope:
        if self.report_id is not None:
            return EngagementScope.REPORT
        if self.contract_id is not None:
            return EngagementScope.CONTRACT
        return EngagementScope.GENERAL


@dataclass(frozen=True)
class AuditorWrite:
    """An auditor firm writing for a body about a supplier: a new report
    (`report_id` None) or an existing one (add findings, submit, upload)."""

    body_id: str
    auditor_id: str
    supplier_id: str
    report_id: str | None


def covers(engagement: Engagement, write: AuditorWrite, body_supplier_ids: Collection[str]) -> bool:
    """Does this engagement let the firm make this write? `body_supplier_ids`
    holds the suppliers the body has contracts with (only GENERAL asks)."""
    if engagement.body_id != write.body_id or engagement.auditor_id != write.auditor_id:
        return False
    match engagement.scope:
        case EngagementScope.REPORT:
            return write.report_id is not None and engagement.report_id == write.report_id
        case EngagementScope.CONTRACT:
            return engagement.contract_supplier_id == write.supplier_id
        case EngagementScope.GENERAL:
            return write.supplier_id in body_supplier_ids


def require_engaged(
    engagements: Iterable[Engagement], write: AuditorWrite, body_supplier_ids: Collection[str]
) -> None:
    """Nothing if one active engagement covers the write; else FORBIDDEN saying
    what to ask the body for."""
    if any(covers(engagement, write, body_supplier_ids) for engagement in engagements):
        return
    if write.report_id is None:
        raise Forbidden(
            "the commissioning body has not engaged your firm for audits of this supplier; "
            f"{ASK} for its contract with the supplier or for all its contracts, "
            "or ask it to create the report naming your firm as auditor",
            field="commissionedById",
        )
    raise Forbidden(f"the commissioning body has not engaged your firm for this report; {ASK}")


@dataclass(frozen=True)
class ReportFacts:
    """The report an engagement names: who commissioned it, which firm audits it."""

    commissioned_by_id: str
    auditor_id: str | None


def check_engagement(
    *,
    body_id: str,
    body_kind: OrganizationKind,
    auditor_id: str,
    auditor_kind: OrganizationKind | None,
    report_id: str | None = None,
    report: ReportFacts | None = None,
    contract_id: str | None = None,
    contract_buyer_id: str | None = None,
) -> None:
    """May the body engage this firm in this scope? `auditor_kind`, `report` and
    `contract_buyer_id` are None when no such record exists; a record of another
    body is refused with the same message, so its existence does not leak."""
    if body_kind not in PUBLIC_SECTOR:
        raise Forbidden("only public bodies and coordinators engage auditor firms")
    if auditor_kind is None:
        raise InvalidInput("auditorId", "no organisation with that id")
    if auditor_kind is not OrganizationKind.AUDITOR:
        raise InvalidInput(
            "auditorId", f"must be an organisation of kind AUDITOR, not {auditor_kind.value}"
        )
    if report_id is not None and contract_id is not None:
        raise InvalidInput("contractId", "engage for one report or one contract, not both")
    if report_id is not None:
        if report is None or report.commissioned_by_id != body_id:
            raise InvalidInput("reportId", "must be an audit report your organisation commissioned")
        if report.auditor_id != auditor_id:
            raise InvalidInput(
                "reportId",
                "the report names another auditor firm (or none); "
                "engage a firm for a report that names it as auditor",
            )
    if contract_id is not None and contract_buyer_id != body_id:
        raise InvalidInput("contractId", "must be a contract your organisation is the buyer of")


def identical(
    engagements: Iterable[Engagement],
    *,
    body_id: str,
    auditor_id: str,
    report_id: str | None,
    contract_id: str | None,
) -> Engagement | None:
    """The active engagement engaging asks for again, if there is one (engaging is
    idempotent)."""
    for engagement in engagements:
        if (
            engagement.body_id == body_id
            and engagement.auditor_id == auditor_id
            and engagement.report_id == report_id
            and engagement.contract_id == contract_id
        ):
            return engagement
    return None


def check_can_end(organization_id: str, *, body_id: str, auditor_id: str) -> None:
    """Only the engaging body ends an engagement; the firm sees it but cannot end
    it; anyone else is told there is no such engagement."""
    if organization_id == body_id:
        return
    if organization_id == auditor_id:
        raise Forbidden(
            "only the body that engaged your firm can end the engagement; "
            "ask it (endAuditorEngagement)"
        )
    raise NotFound("no auditor engagement with that id")
