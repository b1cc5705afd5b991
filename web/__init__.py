"""The web UI: server-rendered pages (Starlette + Jinja2 + htmx) for people, not
GraphQL clients. Every page gets its data by running a named GraphQL operation
(`web/operations/*.graphql`) in-process, against the API's own schema, as the
signed-in user: the UI never shows more than the API would. See docs/web.md."""

from web.app import Backend, PrincipalLookup, web_routes

__all__ = ["Backend", "PrincipalLookup", "web_routes"]
