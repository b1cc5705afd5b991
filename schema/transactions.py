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
    """`staged`: the service opens the write itself (`services.writes.mutation`),
    after work done outside the database, e.g. storing an upload's bytes."""

    def __init__(self, *, staged: bool = False) -> None:
        super().__init__()
        self.staged = staged

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
        if isinstance(claim, idempotency.Claim):

            async def reserve() -> None:
                await idempotency.reserve(scope, claim)

            scope.write_prelude = reserve
        if self.staged:
            return await next_(source, info, **kwargs)
        async with writes.mutation(scope):
            return await next_(source, info, **kwargs)


def transactional_mutation(description: str, *, staged: bool = False) -> Any:
    """`strawberry.mutation` as every kjede mutation is declared: transactional."""
    return strawberry.mutation(description=description, extensions=[Transactional(staged=staged)])
