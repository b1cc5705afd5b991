"""schema/streams.py without I/O: an event's fields resolve inside a unit of work
of its own, and that unit is closed -- its reads logged -- before the event's
result leaves; an event that never leaves logs nothing."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncGenerator, AsyncIterator
from typing import Any

import pytest
from graphql import GraphQLError
from strawberry.types.execution import ExecutionResult, PreExecutionError

from schema.streams import Subscriber, delivered
from settings import Settings


class Units:
    """Stands in for `services.scope.Units`: counts what is open and what was logged."""

    def __init__(self) -> None:
        self.open = 0
        self.logged: list[object] = []
        self.abandoned: list[object] = []

    @contextlib.asynccontextmanager
    async def __call__(self) -> AsyncIterator[Any]:
        scope = object()
        self.open += 1
        try:
            yield scope
        except BaseException:
            self.abandoned.append(scope)
            raise
        else:
            self.logged.append(scope)  # a clean exit puts the unit's reads on the log
        finally:
            self.open -= 1


async def numbers(count: int) -> AsyncGenerator[int, None]:
    for number in range(count):
        yield number


async def executed(
    operation: Subscriber, source: AsyncGenerator[int, None], units: Units
) -> AsyncGenerator[ExecutionResult, None]:
    """What strawberry makes of each event: its fields resolve on the operation's
    scope, then the result is handed on."""
    async for number in operation.events(source):
        assert units.open == 1 and operation.scope is not None
        yield ExecutionResult(data={"n": number}, errors=None)


def operation_with(units: Units) -> Subscriber:
    return Subscriber(units, Settings()).for_operation()


def test_each_event_has_a_unit_closed_and_logged_before_its_result_leaves() -> None:
    units = Units()
    operation = operation_with(units)

    async def run() -> list[tuple[Any, int]]:
        return [
            (result.data, units.open)
            async for result in delivered(executed(operation, numbers(3), units), operation)
        ]

    assert asyncio.run(run()) == [({"n": 0}, 0), ({"n": 1}, 0), ({"n": 2}, 0)]
    assert len(units.logged) == 3 and units.abandoned == []
    with pytest.raises(RuntimeError, match="no unit of work"):
        _ = operation.scope


def test_an_event_abandoned_mid_way_is_closed_unlogged() -> None:
    units = Units()
    operation = operation_with(units)

    async def failing() -> AsyncGenerator[ExecutionResult, None]:
        async for _ in operation.events(numbers(1)):
            raise ConnectionResetError("the client left")
        yield ExecutionResult(data=None, errors=None)  # pragma: no cover

    async def run() -> None:
        async for _ in delivered(failing(), operation):
            pass  # pragma: no cover

    with pytest.raises(ConnectionResetError):
        asyncio.run(run())
    assert (units.open, units.logged, len(units.abandoned)) == (0, [], 1)


def test_a_refusal_raised_before_anything_ran_is_the_only_result() -> None:
    units = Units()
    operation = operation_with(units)
    refusal = GraphQLError("too deep", extensions={"code": "GRAPHQL_VALIDATION_FAILED"})

    async def refused() -> AsyncGenerator[ExecutionResult, None]:
        raise refusal
        yield ExecutionResult(data=None, errors=None)  # pragma: no cover

    async def run() -> list[ExecutionResult]:
        return [result async for result in delivered(refused(), operation)]

    (result,) = asyncio.run(run())
    assert isinstance(result, PreExecutionError) and result.errors == [refusal]
    assert units.open == 0
