"""Which answers the API may serve again from its response cache
(api/response_cache.py): only a query that ran to the end without errors. A
mutation, a document refused before it ran, and an answer with errors never are."""

from __future__ import annotations

from collections.abc import Iterator

from strawberry.extensions import SchemaExtension
from strawberry.types.graphql import OperationType

from schema.context import Context


class NoteCleanQuery(SchemaExtension):
    """Sets `Context.clean_query` once a query has executed without errors."""

    def on_execute(self) -> Iterator[None]:
        yield
        execution = self.execution_context
        context = execution.context
        result = execution.result
        if (
            isinstance(context, Context)
            and result is not None
            and not result.errors
            and execution.operation_type is OperationType.QUERY
        ):
            context.clean_query = True
