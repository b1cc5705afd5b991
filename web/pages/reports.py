"""Audit reports: the list (filters, full-text search, pagination) and one report
(withheld fields marked with their classification, findings, corrective actions,
documents to download)."""

from __future__ import annotations

from typing import Any

from starlette.responses import Response
from starlette.routing import BaseRoute

from web.backend import Backend
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
    outcome = await page.run("ReportDetail", {"id": page.request.path_params["id"]})
    report = outcome.data.get("auditReport")
    if report is None:
        return await page.not_found()
    return await page.render(
        "reports/detail.html",
        report=report,
        withheld=withheld_map(report["redactedFields"]),
        errors=outcome.errors,
    )


def routes(backend: Backend) -> list[BaseRoute]:
    return [
        page_route(backend, "/reports", report_list),
        page_route(backend, "/reports/{id}", report_detail),
    ]
