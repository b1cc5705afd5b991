"""Typed resolver decorators: `strawberry.field(description=...)`,
`strawberry.subscription(description=...)` and
`transactional_mutation(...)` return Any, which `mypy --strict` rejects as an
untyped decorator. These are the same decorators, typed."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar, cast

import strawberry

from schema.transactions import transactional_mutation

ResolverT = TypeVar("ResolverT", bound=Callable[..., Any])


def field(*, description: str) -> Callable[[ResolverT], ResolverT]:
    """`@strawberry.field(description=...)`."""
    return cast("Callable[[ResolverT], ResolverT]", strawberry.field(description=description))


def subscription(*, description: str) -> Callable[[ResolverT], ResolverT]:
    """`@strawberry.subscription(description=...)`."""
    return cast(
        "Callable[[ResolverT], ResolverT]", strawberry.subscription(description=description)
    )


def mutation(*, description: str, staged: bool = False) -> Callable[[ResolverT], ResolverT]:
    """`@transactional_mutation(description)`: all or nothing."""
    return cast(
        "Callable[[ResolverT], ResolverT]", transactional_mutation(description, staged=staged)
    )
