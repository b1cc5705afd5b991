"""The audit log, for administrators: what their organisation's people did."""

from __future__ import annotations

from starlette.responses import Response
from starlette.routing import BaseRoute

from web.backend import Backend
from web.page import Page, page_route

PAGE_SIZE = 50


async def audit_log(page: Page) -> Response:
    after = page.request.query_params.get("after") or None
    outcome = await page.run("AuditLog", {"first": PAGE_SIZE, "after": after})
    if outcome.has("FORBIDDEN"):
        return await page.refused(page.t("Only administrators read the audit log."))
    connection = outcome.data.get("auditLog") or {}
    return await page.render(
        "audit_log.html",
        entries=[edge["node"] for edge in connection.get("edges", [])],
        total=connection.get("totalCount", 0),
        page_info=connection.get("pageInfo") or {"hasNextPage": False},
        errors=outcome.errors,
    )


def routes(backend: Backend) -> list[BaseRoute]:
    return [page_route(backend, "/audit-log", audit_log)]
