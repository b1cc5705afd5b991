"""Mutations are all or nothing: a mutation that fails leaves no partial writes
behind for a later mutation of the same operation (or the endpoint) to commit."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import strawberry
from strawberry.extensions import FieldExtension
from strawberry.types import Info


class Transactional(FieldExtension):
    def resolve(
        self, next_: Callable[..., Any], source: Any, info: Info, **kwargs: Any
    ) -> Any:  # pragma: no cover - every mutation is async
        raise TypeError("Transactional mutations must be async")

    async def resolve_async(
        self, next_: Callable[..., Awaitable[Any]], source: Any, info: Info, **kwargs: Any
    ) -> Any:
        try:
            return await next_(source, info, **kwargs)
        except BaseException:
            await info.context.scope.rollback()
            raise


def transactional_mutation(description: str) -> Any:
    """`strawberry.mutation` as every kjede mutation is declared: transactional."""
    return strawberry.mutation(description=description, extensions=[Transactional()])
