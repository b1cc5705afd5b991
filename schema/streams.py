"""Subscriptions over a websocket (graphql-transport-ws at /graphql).

A websocket connection is a `Subscriber`. The API signs it in from the
connection_init payload and gives it `units`, which open units of work for the
signed-in caller (`services.scope.Units`). Every operation on the socket runs
with a `Subscriber` of its own (`StreamingSchema.stream`), so two subscriptions
on one socket never share a unit of work. Only subscriptions run over a
websocket; queries and mutations go to POST /graphql.

An event's fields are resolved in a unit of work of its own: `Subscriber.events`
opens it before they run, and `delivered` closes it -- the event's reads on the
audit log, the connection back in the pool -- once the event's result is ready,
before the transport sends it. A client that reads slowly holds no connection.

A refusal the schema's extensions raise before an operation runs (its depth, its
cost, which operation: `schema.cost.QueryLimits`) becomes the stream's only
result, which graphql-transport-ws sends as an `error` message.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator, AsyncIterator, Iterable
from contextlib import AsyncExitStack, aclosing
from typing import Any, TypeVar

from graphql import GraphQLError
from strawberry.schema.exceptions import InvalidOperationTypeError
from strawberry.schema.schema import DEFAULT_ALLOWED_OPERATION_TYPES, StreamResult
from strawberry.types.execution import ExecutionResult, PreExecutionError
from strawberry.types.graphql import OperationType

from schema.context import Context, Info
from schema.entities import FederationSchema
from services.scope import Units
from settings import Settings

T = TypeVar("T")


class Subscriber(Context):
    """One websocket connection, or one operation on it (`for_operation`)."""

    def __init__(self, units: Units, settings: Settings) -> None:
        super().__init__(request=None)
        self.units = units
        self._settings = settings
        # The connection_init payload; strawberry sets it before the API signs in.
        self.connection_params: dict[str, object] = {}
        self._event: AsyncExitStack | None = None

    @property
    def settings(self) -> Settings:
        return self._settings

    def for_operation(self) -> Subscriber:
        """A context for one operation, with the connection's units."""
        return Subscriber(self.units, self._settings)

    async def events(self, source: AsyncGenerator[T, None]) -> AsyncIterator[T]:
        """`source`'s items, each with a unit of work opened for its event."""
        async with aclosing(source):
            async for item in source:
                await self.end_event()
                stack = AsyncExitStack()
                self._scope = await stack.enter_async_context(self.units())
                self._event = stack
                yield item

    async def end_event(self, abandoned: BaseException | None = None) -> None:
        """Close the open event's unit of work, if any: cleanly once its result is
        ready (its reads go on the audit log), or with the exception that
        abandoned it (nothing was delivered, nothing is logged)."""
        stack, self._event, self._scope = self._event, None, None
        if stack is None:
            return
        if abandoned is None:
            await stack.aclose()
        else:
            await stack.__aexit__(type(abandoned), abandoned, abandoned.__traceback__)


def subscriber(info: Info) -> Subscriber:
    """The websocket operation a subscription resolver runs for."""
    context = info.context
    if not isinstance(context, Subscriber):  # StreamingSchema runs no other way
        raise TypeError("a subscription runs over a websocket only")
    return context


async def delivered(results: StreamResult, operation: Subscriber) -> StreamResult:
    """The operation's results, each sent only after its event's unit of work closed."""
    try:
        async with aclosing(results):
            async for result in results:
                await operation.end_event()
                yield result
    except GraphQLError as error:  # an extension's refusal, before anything ran
        await operation.end_event(error)
        yield PreExecutionError(data=None, errors=[error])
    except BaseException as exc:  # the client completed or left mid-event
        await operation.end_event(exc)
        raise


class OverWebsocketOnly(InvalidOperationTypeError):
    """A subscription sent to `execute` (POST /graphql): the view answers 400."""

    def __init__(self) -> None:
        super().__init__(OperationType.SUBSCRIPTION)

    def as_http_error_reason(self, method: str) -> str:
        return (
            f"subscriptions run over a websocket, not {method}: connect to /graphql with "
            "the graphql-transport-ws protocol"
        )


class StreamingSchema(FederationSchema):
    """The federation schema, with subscriptions over a websocket only."""

    async def execute(
        self,
        query: str | None,
        variable_values: dict[str, Any] | None = None,
        context_value: Any | None = None,
        root_value: Any | None = None,
        operation_name: str | None = None,
        allowed_operation_types: Iterable[OperationType] | None = None,
        operation_extensions: dict[str, Any] | None = None,
    ) -> ExecutionResult:
        """Queries and mutations: a subscription only streams (`stream`)."""
        allowed = set(allowed_operation_types or DEFAULT_ALLOWED_OPERATION_TYPES)
        try:
            return await super().execute(
                query,
                variable_values=variable_values,
                context_value=context_value,
                root_value=root_value,
                operation_name=operation_name,
                allowed_operation_types=allowed - {OperationType.SUBSCRIPTION},
                operation_extensions=operation_extensions,
            )
        except InvalidOperationTypeError as exc:
            if exc.operation_type is OperationType.SUBSCRIPTION:
                raise OverWebsocketOnly() from exc
            raise

    async def stream(
        self,
        query: str | None,
        variable_values: dict[str, Any] | None = None,
        context_value: Any | None = None,
        root_value: Any | None = None,
        operation_name: str | None = None,
        operation_extensions: dict[str, Any] | None = None,
        allowed_operation_types: Iterable[OperationType] | None = None,
    ) -> StreamResult:
        if not isinstance(context_value, Subscriber):
            return await super().stream(
                query,
                variable_values=variable_values,
                context_value=context_value,
                root_value=root_value,
                operation_name=operation_name,
                operation_extensions=operation_extensions,
                allowed_operation_types=allowed_operation_types,
            )
        operation = context_value.for_operation()
        results = await super().stream(
            query,
            variable_values=variable_values,
            context_value=operation,
            root_value=root_value,
            operation_name=operation_name,
            operation_extensions=operation_extensions,
            allowed_operation_types=(OperationType.SUBSCRIPTION,),
        )
        return delivered(results, operation)
