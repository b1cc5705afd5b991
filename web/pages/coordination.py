"""The coordinator's board: every focus area the caller's networks follow up, with
the body assigned, audits planned, under way and done, findings by requirement
and severity, and open and overdue corrective actions (one GraphQL operation)."""

from __future__ import annotations

from typing import Any

from starlette.responses import Response
from starlette.routing import BaseRoute

from domain.coordination import HIGH_RISK_CATEGORIES
from web.backend import Backend
from web.page import Page, page_route

PAGE_SIZE = 50
_NAME_INDEX = {"nb": 0, "sv": 1, "en": 2}


def category_name(slug: str, language: str) -> str:
    names = HIGH_RISK_CATEGORIES.get(slug)
    return names[_NAME_INDEX.get(language, 2)] if names else slug


async def board(page: Page) -> Response:
    network = page.request.query_params.get("network") or None
    outcome = await page.run("CoordinatorBoard", {"networkId": network, "first": PAGE_SIZE})
    edges = (outcome.data.get("focusAreas") or {}).get("edges", [])
    areas: list[dict[str, Any]] = [
        {
            **edge["node"],
            "category": category_name(edge["node"]["productCategory"], page.language.code),
        }
        for edge in edges
    ]
    # Only the areas of networks the caller belongs to carry an overview.
    followed = [area for area in areas if area["overview"] is not None]
    return await page.render("coordination/board.html", areas=followed, errors=outcome.errors)


def routes(backend: Backend) -> list[BaseRoute]:
    return [page_route(backend, "/coordination", board)]
