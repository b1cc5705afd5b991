"""Every error leaves with `extensions.code`; internal errors leave masked.

This is the one place errors are shaped: domain errors keep their message and
code, GraphQL syntax/validation errors get Apollo's codes, and anything else
becomes INTERNAL_SERVER_ERROR without its message or stack.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator

from graphql import GraphQLError
from strawberry.extensions import SchemaExtension

from domain.errors import DomainError

logger = logging.getLogger("kjede.graphql")

INTERNAL_MESSAGE = "Internal server error; it has been logged."


def shape_error(error: GraphQLError) -> GraphQLError:
    original = error.original_error
    if isinstance(original, DomainError):
        extensions: dict[str, object] = {"code": original.code}
        message = original.message
        if original.field:
            extensions["field"] = original.field
            if not message.startswith(original.field):
                message = f"{original.field}: {message}"
        return GraphQLError(message, nodes=error.nodes, path=error.path, extensions=extensions)
    if original is None or isinstance(original, GraphQLError):
        error.extensions = {"code": error_code_for(error.message), **(error.extensions or {})}
        return error
    logger.error("unhandled error at %s", error.path, exc_info=original)
    return GraphQLError(
        INTERNAL_MESSAGE,
        nodes=error.nodes,
        path=error.path,
        extensions={"code": "INTERNAL_SERVER_ERROR"},
    )


def error_code_for(message: str) -> str:
    if message.startswith("Syntax Error"):
        return "GRAPHQL_PARSE_FAILED"
    if message.startswith("Variable '$"):
        return "BAD_USER_INPUT"
    return "GRAPHQL_VALIDATION_FAILED"


class ErrorCodes(SchemaExtension):
    def on_operation(self) -> Iterator[None]:
        yield
        result = self.execution_context.result
        if result is not None and result.errors:
            result.errors = [shape_error(error) for error in result.errors]
