"""What every resolver gets: the request and the use-case scope of its caller."""

from __future__ import annotations

from typing import Any

import strawberry
from starlette.requests import Request

from services.scope import Scope
from settings import Settings


class Context:
    """The request (None over a websocket) and the scope of the unit of work the
    resolvers run in: the request's, or for a subscription each event's
    (`schema.streams.Subscriber`)."""

    def __init__(self, request: Request | None, scope: Scope | None = None) -> None:
        self.request = request
        self._scope = scope
        # Set once a query has executed without errors (schema/reuse.py): only
        # such an answer may be served again from the API's response cache.
        self.clean_query = False

    @property
    def scope(self) -> Scope:
        if self._scope is None:
            raise RuntimeError("no unit of work is open: a resolver ran outside one")
        return self._scope

    @property
    def settings(self) -> Settings:
        return self.scope.settings


Info = strawberry.Info[Context, None]


def selected_names(info: Info) -> frozenset[str]:
    """The names of every field the operation selects below this one."""
    names: set[str] = set()
    stack: list[Any] = list(info.selected_fields)
    while stack:
        field = stack.pop()
        names.add(getattr(field, "name", ""))
        stack.extend(getattr(field, "selections", ()) or ())
    return frozenset(names)
