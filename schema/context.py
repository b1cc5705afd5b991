"""What every resolver gets: the request and the use-case scope of its caller."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import strawberry
from starlette.requests import Request

from services.scope import Scope


@dataclass
class Context:
    request: Request | None
    scope: Scope


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
