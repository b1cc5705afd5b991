"""The web UI's routes, for `api.app.create_app` to mount beside /graphql."""

from __future__ import annotations

from starlette.routing import BaseRoute, Mount
from starlette.staticfiles import StaticFiles

from web.backend import Backend, PrincipalLookup
from web.pages import (
    admin,
    auth,
    authoring,
    coordination,
    home,
    mini_competitions,
    networks,
    reports,
    self_reports,
    supply,
)

PAGES = (
    home,
    auth,
    authoring,
    reports,
    networks,
    admin,
    coordination,
    supply,
    mini_competitions,
    self_reports,
)
"""Page modules: each has `routes(backend)`. Add yours here (docs/web.md); a fixed
path (`/reports/new`) must come before a pattern that would match it (`/reports/{id}`)."""


def web_routes(backend: Backend) -> list[BaseRoute]:
    routes: list[BaseRoute] = [
        Mount("/static", StaticFiles(packages=[("web", "static")]), name="static")
    ]
    for module in PAGES:
        routes.extend(module.routes(backend))
    return routes


__all__ = ["Backend", "PrincipalLookup", "web_routes"]
