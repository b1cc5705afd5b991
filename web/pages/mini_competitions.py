"""Mini-competitions under framework agreements: the list the caller may see, and
one competition with its criteria and the bids the caller may read (its own as a
bidder; all of them as the buyer once the deadline is reached)."""

from __future__ import annotations

from starlette.responses import Response
from starlette.routing import BaseRoute

from web.backend import Backend
from web.page import Page, page_route

PAGE_SIZE = 50


async def competition_list(page: Page) -> Response:
    after = page.request.query_params.get("after") or None
    outcome = await page.run("MiniCompetitions", {"first": PAGE_SIZE, "after": after})
    connection = outcome.data.get("miniCompetitions") or {}
    return await page.render(
        "mini_competitions/list.html",
        competitions=[edge["node"] for edge in connection.get("edges", [])],
        total=connection.get("totalCount", 0),
        page_info=connection.get("pageInfo") or {"hasNextPage": False},
        errors=outcome.errors,
    )


async def competition_detail(page: Page) -> Response:
    wanted = page.request.path_params["id"]
    outcome = await page.run("MiniCompetitionDetail", {"id": wanted})
    competition = outcome.data.get("miniCompetition")
    if competition is None:
        return await page.not_found()
    organization = page.principal.organization_id if page.principal else None
    return await page.render(
        "mini_competitions/detail.html",
        competition=competition,
        is_buyer=competition["buyer"]["id"] == organization,
    )


def routes(backend: Backend) -> list[BaseRoute]:
    return [
        page_route(backend, "/mini-competitions", competition_list),
        page_route(backend, "/mini-competitions/{id}", competition_detail),
    ]
