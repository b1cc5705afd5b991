"""Batchers for the compiled executor (schema/compiled.py): a report relation for a
whole page in one call, answering exactly what the field's resolver answers for
each report (tests/api/test_compiled_execution.py compares them); and the findings
and their corrective actions read straight from the disclosed values, without
building their GraphQL objects, where the document selects only what those hold."""

from __future__ import annotations

from collections.abc import Sequence

from authz.disclosure import Disclosed
from schema.audit_reports.types import AuditReport, CorrectiveAction, Document, Finding
from schema.compiled import batched, field_values, reads_values
from schema.context import Context
from schema.facilities import Facility
from schema.organizations import Organization
from services import organizations, report_relations


async def _organizations(
    context: Context, ids: list[str | None]
) -> list[Organization | Exception | None]:
    """Through the request's organisation DataLoader, once per distinct id: the
    supplier, commissioning body and auditor batchers of one level share one
    statement, as the per-report resolvers do."""
    wanted = sorted({organization_id for organization_id in ids if organization_id})
    views = await organizations.load_organizations(context.scope, wanted)
    by_id = {view.id: view for view in views if view is not None}
    found: list[Organization | Exception | None] = []
    for organization_id in ids:
        if organization_id is None:
            found.append(None)
            continue
        view = by_id.get(organization_id)
        # services.organizations.load_organization raises on a vanished row: so here.
        found.append(
            Organization.from_view(view)
            if view is not None
            else LookupError(f"organisation {organization_id} vanished")
        )
    return found


@batched(AuditReport, "supplier")
async def suppliers(
    context: Context, reports: list[AuditReport], _selected: frozenset[str]
) -> Sequence[Organization | Exception | None]:
    return await _organizations(context, [r.disclosed["supplier_id"] for r in reports])


@batched(AuditReport, "commissionedBy")
async def commissioners(
    context: Context, reports: list[AuditReport], _selected: frozenset[str]
) -> Sequence[Organization | Exception | None]:
    return await _organizations(context, [r.disclosed["commissioned_by_id"] for r in reports])


@batched(AuditReport, "auditor")
async def auditors(
    context: Context, reports: list[AuditReport], _selected: frozenset[str]
) -> Sequence[Organization | Exception | None]:
    return await _organizations(context, [r.disclosed["auditor_id"] for r in reports])


@batched(AuditReport, "facilities")
async def facilities(
    context: Context, reports: list[AuditReport], _selected: frozenset[str]
) -> Sequence[list[Facility]]:
    groups = await report_relations.facilities_of_reports(
        context.scope, [str(report.id) for report in reports]
    )
    return [[Facility.from_view(view) for view in views] for views in groups]


@batched(AuditReport, "documents")
async def documents(
    context: Context, reports: list[AuditReport], selected: frozenset[str]
) -> Sequence[list[Document]]:
    groups = await report_relations.documents_of_reports(
        context.scope, [report.disclosed for report in reports], selected
    )
    return [[Document.from_view(view) for view in views] for views in groups]


# Finding.from_disclosed and CorrectiveAction.from_disclosed copy each field from
# the disclosed value of the same name (an action's history excepted: its events
# are objects with resolvers, so a document selecting it builds the objects).
reads_values(Finding)
reads_values(CorrectiveAction)


@field_values(AuditReport, "findings")
def findings(report: AuditReport) -> Sequence[Disclosed]:
    """What AuditReport.findings builds its Finding objects from."""
    found: Sequence[Disclosed] = report.disclosed["findings"] or ()
    return found
