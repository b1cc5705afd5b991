"""The start page: a supplier sees the corrective actions its audited reports ask
of it; everyone else a way into the reports, networks and agreements."""

from __future__ import annotations

from typing import Any

from starlette.responses import Response
from starlette.routing import BaseRoute

from web.backend import Backend
from web.page import Page, page_route

OPEN_STATUSES = ("OPEN", "IN_PROGRESS", "OVERDUE")


async def home(page: Page) -> Response:
    if page.is_supplier and page.principal is not None:
        return await supplier_home(page, page.principal.organization_id)
    return await page.render("home.html")


async def supplier_home(page: Page, supplier_id: str) -> Response:
    after = page.request.query_params.get("after") or None
    outcome = await page.run(
        "SupplierActions", {"supplierId": supplier_id, "first": 20, "after": after}
    )
    connection = outcome.data.get("auditReports") or {}
    reports: list[dict[str, Any]] = [edge["node"] for edge in connection.get("edges", [])]
    actions = [
        {"report": report, "finding": finding, "action": finding["correctiveAction"]}
        for report in reports
        for finding in report["findings"]
        if finding.get("correctiveAction")
    ]
    actions.sort(
        key=lambda item: (
            item["action"]["status"] not in OPEN_STATUSES,
            item["action"].get("dueDate") or "9999",
        )
    )
    return await page.render(
        "supplier_home.html",
        actions=actions,
        reports=reports,
        page_info=connection.get("pageInfo") or {"hasNextPage": False},
        errors=outcome.errors,
        open_statuses=OPEN_STATUSES,
    )


def routes(backend: Backend) -> list[BaseRoute]:
    return [page_route(backend, "/", home)]
