"""Self-reports: a supplier answers the questionnaire once for all its buyers.

Each submission is a new version (older ones stay readable). It lists production
sites (deduplicated into facilities) and sub-suppliers (found by organisation
number or registered as suppliers); both become supply edges disclosed by the
supplier, replacing the edges of its previous version. Who reads a version and
what it discloses is `authz.records.SELF_REPORT` (`domain.self_reports`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import delete, func, select, tuple_

from authz.disclosure import Disclosed, disclose, row_filter, row_values
from authz.policies import Action, Resource
from authz.records import SELF_REPORT
from authz.sql import model_columns
from authz.viewer import ViewerFacts
from domain.enums import OrganizationKind
from domain.errors import Forbidden
from domain.facilities import Site, validate_site
from domain.limits import MAX_SELF_REPORT_CHANGES, check_at_most
from domain.limits import MAX_SITES_PER_SELF_REPORT as MAX_SITES
from domain.limits import MAX_SUB_SUPPLIERS_PER_SELF_REPORT as MAX_SUBS
from domain.questionnaire import CURRENT, validate_answers
from domain.self_reports import SubSupplier, SubSupplierDraft, validate_sub_suppliers
from graph.supply import FACILITY, ORGANIZATION
from services.facilities import FacilityView, facility_view
from services.facility_dedup import candidates, index_of
from services.pagination import Page, fetch_page
from services.scope import Scope
from storage import audit_log, models

SELF_REPORT_COLUMNS = model_columns(models.SelfReport)


@dataclass(frozen=True)
class SiteDraft:
    name: str
    country: str
    address: str | None = None
    os_id: str | None = None


@dataclass(frozen=True)
class NewSelfReport:
    answers: object
    sites: Sequence[SiteDraft] = ()
    sub_suppliers: Sequence[SubSupplierDraft] = ()


async def submit_self_report(
    scope: Scope, new: NewSelfReport, selected: frozenset[str]
) -> Disclosed:
    """The caller's supplier submits a new version; nothing is stored on a refusal."""
    principal = scope.require(Action.SUBMIT, Resource.SELF_REPORT)
    if principal.organization_kind is not OrganizationKind.SUPPLIER:
        raise Forbidden("only a supplier submits self-reports")
    supplier = await scope.session.get_one(models.Organization, principal.organization_id)
    check_at_most("productionSites", "production sites", len(new.sites), MAX_SITES)
    check_at_most("subSuppliers", "sub-suppliers", len(new.sub_suppliers), MAX_SUBS)
    answers = validate_answers(new.answers)
    sites = [
        validate_site(f"productionSites.{i}", s.name, s.country, s.address, s.os_id)
        for i, s in enumerate(new.sites)
    ]
    subs = validate_sub_suppliers(list(new.sub_suppliers), supplier.org_number)
    latest = await scope.session.scalar(
        select(func.max(models.SelfReport.version)).where(
            models.SelfReport.supplier_id == supplier.id
        )
    )
    facility_ids = await _facilities(scope, sites)
    organization_ids = await _sub_supplier_ids(scope, subs)
    row = models.SelfReport(
        supplier_id=supplier.id,
        version=(latest or 0) + 1,
        questionnaire_version=CURRENT.version,
        answers=answers,
        sub_suppliers=[
            {
                "organizationId": organization_ids[sub.org_number],
                "orgNumber": sub.org_number,
                "name": sub.name,
                "country": sub.country,
                "productCategory": sub.product_category,
                "tierParentOrgNumber": sub.parent,
                "tier": sub.tier,
            }
            for sub in subs
        ],
        submitted_by_user_id=principal.user_id,
        submitted_at=dt.datetime.now(dt.UTC),
    )
    scope.session.add(row)
    await scope.session.flush()
    for facility_id in dict.fromkeys(facility_ids):
        scope.session.add(models.SelfReportSite(self_report_id=row.id, facility_id=facility_id))
    await _replace_edges(scope, row, facility_ids, subs, organization_ids)
    await audit_log.append(
        scope.session,
        [
            audit_log.AuditEvent(
                action="self_report_submitted",
                subject_type=SELF_REPORT.record,
                subject_id=row.id,
                actor_user_id=principal.user_id,
                actor_org_id=principal.organization_id,
                detail={"version": row.version, "sites": len(set(facility_ids))},
            )
        ],
    )
    await scope.commit()
    disclosed = disclose_self_reports(scope, await scope.facts(), [row], selected)
    if not disclosed:  # the supplier reads its own: unreachable unless the policy changes
        raise LookupError(f"self-report {row.id} is not visible to its supplier")
    return disclosed[0]


async def _facilities(scope: Scope, sites: list[Site]) -> list[str]:
    """Each site's facility id: the stored one it matches, else a new facility."""
    if not sites:
        return []
    rows = await scope.session.execute(candidates(sites))
    index = index_of(rows, scope.settings.facility_match_threshold)
    ids: list[str] = []
    for site in sites:
        known = index.find(site)
        if known is None:
            created = index.new_row(site)
            scope.session.add(created)
            await scope.session.flush()
            known = index.created(created)
        elif site.os_id and not known.os_id:
            stored = await scope.session.get_one(models.Facility, known.id)
            known = index.enrich(known, site, stored)
        ids.append(known.id)
    return ids


async def _sub_supplier_ids(scope: Scope, subs: list[SubSupplier]) -> dict[str, str]:
    """Organisation id by org number: registered ones as they are, new ones as suppliers."""
    if not subs:
        return {}
    keys = [(sub.country, sub.org_number) for sub in subs]
    org = models.Organization
    found = {
        (country, number): organization_id
        for organization_id, country, number in await scope.session.execute(
            select(org.id, org.country, org.org_number).where(
                tuple_(org.country, org.org_number).in_(keys)
            )
        )
    }
    ids: dict[str, str] = {}
    for sub in subs:
        organization_id = found.get((sub.country, sub.org_number))
        if organization_id is None:
            created = models.Organization(
                name=sub.name,
                kind=OrganizationKind.SUPPLIER,
                country=sub.country,
                org_number=sub.org_number,
            )
            scope.session.add(created)
            await scope.session.flush()
            organization_id = created.id
        ids[sub.org_number] = organization_id
    return ids


async def _replace_edges(
    scope: Scope,
    report: models.SelfReport,
    facility_ids: list[str],
    subs: list[SubSupplier],
    organization_ids: dict[str, str],
) -> None:
    """The supplier's self-reported edges become this version's: site -> supplier,
    sub-supplier -> its tier parent (or the supplier)."""
    await scope.session.execute(
        delete(models.SupplyEdge).where(
            models.SupplyEdge.disclosed_by_id == report.supplier_id,
            models.SupplyEdge.self_report_id.is_not(None),
        )
    )
    edges: dict[tuple[str, str, str | None], tuple[str, str]] = {}
    for facility_id in facility_ids:
        edges[(facility_id, report.supplier_id, None)] = (FACILITY, ORGANIZATION)
    for sub in subs:
        target = organization_ids[sub.parent] if sub.parent else report.supplier_id
        edges[(organization_ids[sub.org_number], target, sub.product_category)] = (
            ORGANIZATION,
            ORGANIZATION,
        )
    for (source, target, category), (source_kind, target_kind) in edges.items():
        scope.session.add(
            models.SupplyEdge(
                source_id=source,
                source_kind=source_kind,
                target_id=target,
                target_kind=target_kind,
                product_category=category,
                disclosed_by_id=report.supplier_id,
                self_report_id=report.id,
            )
        )
    await scope.session.flush()


async def list_self_reports(
    scope: Scope,
    *,
    supplier_id: str | None,
    first: int | None,
    after: str | None,
    selected: frozenset[str],
) -> Page[Disclosed]:
    """Every version the viewer may read, oldest first."""
    scope.require(Action.READ, Resource.SELF_REPORT)
    facts = await scope.facts()
    stmt = select(models.SelfReport).where(row_filter(SELF_REPORT, facts, SELF_REPORT_COLUMNS))
    if supplier_id is not None:  # narrows the visible rows, never widens them
        stmt = stmt.where(models.SelfReport.supplier_id == supplier_id)

    async def to_items(rows: list[models.SelfReport]) -> list[Disclosed]:
        return disclose_self_reports(scope, facts, rows, selected)

    return await fetch_page(
        scope,
        stmt,
        models.SelfReport.id,
        first=first,
        after=after,
        to_items=to_items,
        item_id=lambda report: str(report["id"]),
    )


async def self_report_changes(
    scope: Scope, since: dt.datetime, selected: frozenset[str]
) -> list[Disclosed]:
    """Versions the viewer may read that arrived after `since`, oldest first; at
    most MAX_SELF_REPORT_CHANGES, cut before a shared timestamp, so polling again with
    the last `submittedAt` misses nothing."""
    scope.require(Action.READ, Resource.SELF_REPORT)
    facts = await scope.facts()
    if since.tzinfo is None:
        since = since.replace(tzinfo=dt.UTC)
    limit = MAX_SELF_REPORT_CHANGES
    rows = list(
        await scope.session.scalars(
            select(models.SelfReport)
            .where(
                row_filter(SELF_REPORT, facts, SELF_REPORT_COLUMNS),
                models.SelfReport.submitted_at > since,
            )
            .order_by(models.SelfReport.submitted_at, models.SelfReport.id)
            .limit(limit + 1)
        )
    )
    if len(rows) > limit:
        rows = rows[:limit]
        last = rows[-1].submitted_at
        cut = [row for row in rows if row.submitted_at != last]
        rows = cut or rows
    return disclose_self_reports(scope, facts, rows, selected)


async def self_reports_by_reference(
    scope: Scope, report_ids: Sequence[str], selected: frozenset[str]
) -> list[Disclosed]:
    """The visible ones among `report_ids` (`_entities` and the subscription)."""
    scope.require(Action.READ, Resource.SELF_REPORT)
    facts = await scope.facts()
    rows = await scope.session.scalars(
        select(models.SelfReport).where(
            models.SelfReport.id.in_(report_ids),
            row_filter(SELF_REPORT, facts, SELF_REPORT_COLUMNS),
        )
    )
    return disclose_self_reports(scope, facts, list(rows), selected)


def disclose_self_reports(
    scope: Scope, facts: ViewerFacts, rows: Sequence[models.SelfReport], selected: frozenset[str]
) -> list[Disclosed]:
    """What the viewer may read of each version; answers each by their own rule.
    Selecting `answers` reads every answer the viewer was given: a RESTRICTED or
    PERSONAL one among them is logged."""
    disclosed: list[Disclosed] = []
    for row in rows:
        cleared = SELF_REPORT.clearance(row, facts)
        if cleared is None:  # the SQL filter already excludes these; never trust one layer
            continue
        disclosed.append(disclose(row_values(row), SELF_REPORT, cleared))
    names = selected | _answer_names(disclosed) if "answers" in selected else selected
    scope.reads.record_disclosed(disclosed, names)
    return disclosed


def _answer_names(disclosed: Sequence[Disclosed]) -> frozenset[str]:
    names: set[str] = set()
    for report in disclosed:
        answers: Any = report["answers"]
        if isinstance(answers, Disclosed):
            names.update(answers.values)
    return frozenset(names)


async def production_sites(scope: Scope, report_id: str) -> list[FacilityView]:
    """The facilities a visible self-report names (batched per request)."""
    return [facility_view(row) for row in await scope.loaders.self_report_sites.load(report_id)]
