"""The supply-chain graph for people: the audit-priority list and a chain tier
by tier (a table per tier and a small SVG of the tiers), as far as the
signed-in organisation may see it (the API filters every edge)."""

from __future__ import annotations

from typing import Any

from starlette.responses import Response
from starlette.routing import BaseRoute

from web.backend import Backend
from web.page import Page, page_route

COLUMN_WIDTH = 170
ROW_HEIGHT = 34


async def overview(page: Page) -> Response:
    outcome = await page.run("SupplyOverview")
    me = outcome.data.get("me") or {}
    return await page.render(
        "supply/overview.html",
        organization=me.get("organization"),
        priorities=outcome.data.get("auditPriorities") or [],
        errors=outcome.errors,
    )


def layout(chain: dict[str, Any]) -> dict[str, Any]:
    """Tiers as columns for the SVG: each node's (x, y), the edges as lines."""
    tiers: dict[int, list[dict[str, Any]]] = {}
    for node in chain["nodes"]:
        tiers.setdefault(node["tier"], []).append(node)
    places: dict[str, tuple[int, int]] = {}
    for tier, nodes in tiers.items():
        for row, node in enumerate(nodes):
            places[node["id"]] = (20 + tier * COLUMN_WIDTH, 24 + row * ROW_HEIGHT)
    lines = [
        (*places[edge["source"]], *places[edge["target"]])
        for edge in chain["edges"]
        if edge["source"] in places and edge["target"] in places
    ]
    tallest = max((len(nodes) for nodes in tiers.values()), default=1)
    return {
        "tiers": sorted(tiers.items()),
        "places": places,
        "lines": lines,
        "width": 40 + (max(tiers, default=0) + 1) * COLUMN_WIDTH,
        "height": 24 + tallest * ROW_HEIGHT,
    }


async def chain_page(page: Page) -> Response:
    outcome = await page.run("SupplyChain", {"supplierId": page.request.path_params["id"]})
    chain = outcome.data.get("supplyChain")
    if chain is None:
        return await page.not_found()
    names = {node["id"]: node["name"] for node in chain["nodes"]}
    return await page.render(
        "supply/chain.html", chain=chain, names=names, picture=layout(chain), errors=outcome.errors
    )


def routes(backend: Backend) -> list[BaseRoute]:
    return [
        page_route(backend, "/supply-chain", overview),
        page_route(backend, "/supply-chain/{id}", chain_page),
    ]
