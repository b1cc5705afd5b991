"""The start page: a supplier sees the corrective actions its audited reports ask
of it; everyone else a way into the reports, networks and agreements."""

from __future__ import annotations

from typing import Any

from starlette.responses import Response
from starlette.routing import BaseRoute

from web.backend import Backend
from web.executor import Outcome
from web.forms import text
from web.page import Page, page_route

OPEN_STATUSES = ("OPEN", "IN_PROGRESS", "OVERDUE")

ACTIONS_PAGE_SIZE = 20
"""Reports per page on a supplier's home, each with its corrective actions."""


async def home(page: Page) -> Response:
    if page.is_supplier and page.principal is not None:
        answered = page.request.query_params.get("answered")
        return await supplier_home(page, page.principal.organization_id, answered)
    return await page.render("home.html")


async def supplier_home(
    page: Page,
    supplier_id: str,
    answered: str | None = None,
    failed: str | None = None,
    outcome: Outcome | None = None,
) -> Response:
    """Its reports' corrective actions, open first; ANSWERED was just answered,
    FAILED could not be (OUTCOME's errors shown at its form)."""
    after = page.request.query_params.get("after") or None
    actions_outcome = await page.run(
        "SupplierActions", {"supplierId": supplier_id, "first": ACTIONS_PAGE_SIZE, "after": after}
    )
    connection = actions_outcome.data.get("auditReports") or {}
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
        errors=actions_outcome.errors,
        open_statuses=OPEN_STATUSES,
        answered=answered,
        failed=failed,
        answer_errors=[error.message for error in outcome.errors] if outcome else [],
        status_code=200 if outcome is None else 400,
    )


async def respond(page: Page) -> Response:
    """The supplier answers a corrective action: a progress note, or done."""
    finding_id = page.request.path_params["finding_id"]
    outcome = await page.run(
        "RespondToCorrectiveAction",
        {
            "findingId": finding_id,
            "note": text(page.form, "note"),
            "done": text(page.form, "done") == "yes",
        },
    )
    if outcome.data.get("respondToCorrectiveAction") is None:
        if page.principal is None or not page.is_supplier:
            return await page.refused(outcome.said(), 400)
        return await supplier_home(
            page, page.principal.organization_id, failed=finding_id, outcome=outcome
        )
    return page.redirect(f"/?answered={finding_id}#action-{finding_id}")


def routes(backend: Backend) -> list[BaseRoute]:
    return [
        page_route(backend, "/", home),
        page_route(backend, "/corrective-actions/{finding_id}/respond", respond, methods=["POST"]),
    ]
