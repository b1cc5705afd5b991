"""Audit reports: the list (filters, full-text search, pagination) and one report
(withheld fields marked with their classification, findings, corrective actions,
documents to download)."""

from __future__ import annotations

from typing import Any

from starlette.responses import Response
from starlette.routing import BaseRoute

from authz.policies import GRANTS, Action, Resource
from web.backend import Backend
from web.executor import Outcome
from web.labels import choices
from web.page import Page, page_route
from web.withheld import withheld_map

PAGE_SIZE = 20
FILTERS = ("text", "status", "severity", "requirement", "supplierId", "country")


def report_filter(params: Any) -> dict[str, str]:
    return {name: params[name].strip() for name in FILTERS if params.get(name, "").strip()}


async def report_list(page: Page) -> Response:
    params = page.request.query_params
    chosen = report_filter(params)
    after = params.get("after") or None
    number = int(params["page"]) if params.get("page", "").isdigit() else 1
    outcome = await page.run(
        "ReportList", {"filter": chosen or None, "first": PAGE_SIZE, "after": after}
    )
    connection = outcome.data.get("auditReports") or {
        "edges": [],
        "totalCount": 0,
        "pageInfo": {"hasNextPage": False},
    }
    context = {
        "reports": [edge["node"] for edge in connection["edges"]],
        "total": connection["totalCount"],
        "page_info": connection["pageInfo"],
        "page_number": number,
        "page_size": PAGE_SIZE,
        "chosen": chosen,
        "errors": outcome.errors,
    }
    if page.request.headers.get("hx-request") == "true":
        return await page.render("reports/_results.html", **context)
    options = await page.run("ReportFilterOptions")
    suppliers = [
        edge["node"] for edge in (options.data.get("organizations") or {}).get("edges", [])
    ]
    return await page.render(
        "reports/list.html",
        suppliers=suppliers,
        statuses=choices(page.language, "AuditReportStatus"),
        severities=choices(page.language, "Severity"),
        requirements=choices(page.language, "Requirement"),
        **context,
    )


async def report_detail(page: Page) -> Response:
    return await render_detail(page, page.request.path_params["id"])


SECTIONS = {
    "summary": "summary",
    "commercialNotes": "commercial-notes",
    "workerInterviews": "worker-interviews",
}


def detail_target(field: str, form: str | None) -> str:
    """The element of the detail page an error of FIELD points at."""
    if (field in SECTIONS and form is None) or (field in SECTIONS and form == "publish"):
        return "error-" + field
    head, _, rest = field.partition(".")
    if head in ("documents", "findings") and rest.split(".")[0].isdigit():
        return f"{head[:-1]}-{rest.split('.')[0]}"
    if form == "publish" and field == "networkId":
        return "publish-networkId"
    return "field-" + field


def may(page: Page, action: Action) -> bool:
    """Do the viewer's roles allow ACTION on reports (the API decides again)?"""
    return bool(page.roles & GRANTS.get((Resource.AUDIT_REPORT, action), frozenset()))


async def render_detail(
    page: Page,
    report_id: str,
    outcome: Outcome | None = None,
    *,
    form: str | None = None,
    values: dict[str, Any] | None = None,
    status_code: int = 200,
) -> Response:
    """The report as the viewer may see it, with the authoring forms its
    organisation and roles allow, and OUTCOME's errors at their fields."""
    detail = await page.run("ReportDetail", {"id": report_id})
    report = detail.data.get("auditReport")
    if report is None:
        return await page.not_found()
    organization = page.principal.organization_id if page.principal else None
    party = organization in {
        report["commissionedBy"]["id"],
        (report.get("auditor") or {}).get("id"),
    }
    status = report["status"]
    authoring = {
        "draft": party and status == "DRAFT" and may(page, Action.CREATE),
        "submit": party and status == "DRAFT" and may(page, Action.SUBMIT),
        "publish": organization == report["commissionedBy"]["id"]
        and status in ("SUBMITTED", "PUBLISHED")
        and may(page, Action.PUBLISH),
        "verify": organization == report["commissionedBy"]["id"]
        and bool(page.roles & GRANTS.get((Resource.FINDING, Action.VERIFY), frozenset())),
    }
    networks: list[dict[str, Any]] = []
    if authoring["publish"]:
        options = await page.run("PublishOptions")
        networks = [edge["node"] for edge in (options.data.get("networks") or {}).get("edges", [])]
    return await page.render(
        "reports/detail.html",
        status_code=status_code,
        report=report,
        withheld=withheld_map(report["redactedFields"]),
        errors=detail.errors,
        field_errors=outcome.by_field() if outcome else {},
        general_errors=outcome.general() if outcome else [],
        error_targets={
            field: detail_target(field, form) for field in (outcome.by_field() if outcome else {})
        },
        form=form,
        values=values or {},
        authoring=authoring,
        networks=networks,
        requirements=choices(page.language, "Requirement"),
        severities=choices(page.language, "Severity"),
        classifications=choices(page.language, "Classification"),
        share_scopes=choices(page.language, "ShareScope"),
    )


def routes(backend: Backend) -> list[BaseRoute]:
    return [
        page_route(backend, "/reports", report_list),
        page_route(backend, "/reports/{id}", report_detail),
    ]
