"""Networks (framework agreements and national networks) and the caller's
contracts (agreements with suppliers)."""

from __future__ import annotations

from starlette.responses import Response
from starlette.routing import BaseRoute

from web.backend import Backend
from web.page import Page, page_route

PAGE_SIZE = 20
CONTRACTS_PAGE_SIZE = 50


async def network_list(page: Page) -> Response:
    after = page.request.query_params.get("after") or None
    outcome = await page.run("Networks", {"first": PAGE_SIZE, "after": after})
    connection = outcome.data.get("networks") or {}
    return await page.render(
        "networks/list.html",
        networks=[edge["node"] for edge in connection.get("edges", [])],
        page_info=connection.get("pageInfo") or {"hasNextPage": False},
        errors=outcome.errors,
    )


async def network_detail(page: Page) -> Response:
    outcome = await page.run("NetworkDetail", {"id": page.request.path_params["id"]})
    network = outcome.data.get("network")
    if network is None:
        return await page.not_found()
    organization = page.principal.organization_id if page.principal else None
    return await page.render(
        "networks/detail.html",
        network=network,
        invited=any(item["id"] == organization for item in network["invited"]),
        member=any(item["id"] == organization for item in network["participants"]),
        field_errors={},
        general_errors=[],
        error_targets={},
    )


async def join_network(page: Page) -> Response:
    network_id = page.request.path_params["id"]
    outcome = await page.run("JoinNetwork", {"networkId": network_id})
    if outcome.data.get("joinNetwork") is None:
        message = outcome.said()
        return await page.refused(message, 400)
    return page.redirect(f"/networks/{network_id}")


async def contract_list(page: Page) -> Response:
    after = page.request.query_params.get("after") or None
    outcome = await page.run("Contracts", {"first": CONTRACTS_PAGE_SIZE, "after": after})
    connection = outcome.data.get("contracts") or {}
    return await page.render(
        "contracts.html",
        contracts=[edge["node"] for edge in connection.get("edges", [])],
        page_info=connection.get("pageInfo") or {"hasNextPage": False},
        errors=outcome.errors,
    )


def routes(backend: Backend) -> list[BaseRoute]:
    return [
        page_route(backend, "/networks", network_list),
        page_route(backend, "/networks/{id}", network_detail),
        page_route(backend, "/networks/{id}/join", join_network, methods=["POST"]),
        page_route(backend, "/contracts", contract_list),
    ]
