"""Mutations are all or nothing: a mutation that fails leaves no partial writes
behind for a later mutation of the same operation (or the endpoint) to commit.

Each mutation runs as one write (`services.writes.mutation`): on SQLite its
transaction takes the write lock at BEGIN, so two read-check-writes cannot
interleave; a clash with a concurrent write is a CONFLICT. A request sent with
`Idempotency-Key` has its key written inside the same transaction."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import strawberry
from strawberry.extensions import FieldExtension
from strawberry.types import Info

from services import idempotency, writes


class Transactional(FieldExtension):
    def resolve(
        self, next_: Callable[..., Any], source: Any, info: Info, **kwargs: Any
    ) -> Any:  # pragma: no cover - every mutation is async
        raise TypeError("Transactional mutations must be async")

    async def resolve_async(
        self, next_: Callable[..., Awaitable[Any]], source: Any, info: Info, **kwargs: Any
    ) -> Any:
        scope = info.context.scope
        request = info.context.request
        claim = getattr(request.state, "idempotency", None) if request is not None else None
        async with writes.mutation(scope):
            if isinstance(claim, idempotency.Claim):
                await idempotency.reserve(scope, claim)
            return await next_(source, info, **kwargs)


def transactional_mutation(description: str) -> Any:
    """`strawberry.mutation` as every kjede mutation is declared: transactional."""
    return strawberry.mutation(description=description, extensions=[Transactional()])
