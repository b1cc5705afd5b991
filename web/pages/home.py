"""The start page: where a signed-in person begins."""

from __future__ import annotations

from starlette.responses import Response
from starlette.routing import BaseRoute

from web.backend import Backend
from web.page import Page, page_route


async def home(page: Page) -> Response:
    return await page.render("home.html")


def routes(backend: Backend) -> list[BaseRoute]:
    return [page_route(backend, "/", home)]
