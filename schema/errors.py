"""Every error leaves with `extensions.code`; internal errors leave masked.

This is the one place errors are shaped: domain errors keep their message and
code, GraphQL syntax/validation/input-coercion errors get Apollo's codes, and
anything else becomes INTERNAL_SERVER_ERROR without its message or stack.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator

from graphql import GraphQLError
from strawberry.exceptions import MissingQueryError
from strawberry.extensions import SchemaExtension
from strawberry.schema.exceptions import CannotGetOperationTypeError, InvalidOperationTypeError
from strawberry.types import ExecutionResult, StreamExecutionResult

from domain.errors import DomainError, PersonalDataDetected
from services.outages import UNAVAILABLE, dependency_of, outage_message

logger = logging.getLogger("kjede.graphql")


class EncodableLogLines(logging.Filter):
    """A log line may quote what a caller sent (strawberry logs a syntax error with
    the document's text), and a lone surrogate in it cannot be written as UTF-8:
    the handler would fail on it. Such characters are written as escapes."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        encodable = message.encode("utf-8", "backslashreplace").decode("utf-8")
        if encodable != message:
            record.msg, record.args = encodable, None
        return True


def log_encodably() -> None:
    """Install EncodableLogLines on the loggers that quote GraphQL documents (once)."""
    for name in ("strawberry.execution", logger.name):
        quoting = logging.getLogger(name)
        if not any(isinstance(f, EncodableLogLines) for f in quoting.filters):
            quoting.addFilter(EncodableLogLines())


INTERNAL_MESSAGE = "Internal server error; it has been logged."

BAD_VALUE = re.compile(
    r"^(Variable '\$\w+'|Argument '\w+') "
    r"(has invalid value|got invalid value|of required type|of non-null type)"
)
"""graphql-core's wording when a variable or argument value fails coercion
(3.3: "has invalid value", 3.2: "got invalid value", plus missing/null values).
Inline literals of the wrong type fail validation instead, as in Apollo."""

TOKEN_LIMIT = "Document contains more than"
"""The parser reports the token limit as a syntax error; it is a limit, not a typo."""


def shape_error(error: GraphQLError) -> GraphQLError:
    """The error as the client sees it: coded, and masked when the fault is ours.
    An error shaped already comes back as it is (and is not logged again)."""
    original = error.original_error
    if isinstance(original, DomainError):
        extensions: dict[str, object] = {"code": original.code}
        message = original.message
        if original.field:
            extensions["field"] = original.field
            if not message.startswith(original.field):
                message = f"{original.field}: {message}"
        if isinstance(original, PersonalDataDetected) and original.found:
            extensions["personalData"] = dict(original.found)  # kinds and counts, no data
        return GraphQLError(message, nodes=error.nodes, path=error.path, extensions=extensions)
    if isinstance(original, InvalidOperationTypeError):  # over HTTP the view answers 400
        reason = original.as_http_error_reason("a websocket (subscriptions only)")
        return GraphQLError(reason, nodes=error.nodes, extensions={"code": "BAD_REQUEST"})
    preset = (error.extensions or {}).get("code")
    if preset == "INTERNAL_SERVER_ERROR" and error.message == INTERNAL_MESSAGE:
        return error
    dependency = dependency_of(original)
    if dependency is not None:
        # Over HTTP the API answers 503 (api/unavailable.py finds the cause kept
        # here); a subscription's result carries the code itself.
        logger.warning("%s unavailable at %s: %s", dependency, error.path, original)
        return GraphQLError(
            outage_message(dependency),
            nodes=error.nodes,
            path=error.path,
            original_error=original,
            extensions={"code": UNAVAILABLE, "dependency": dependency},
        )
    code = preset if isinstance(preset, str) else error_code_for(error)
    if code != "INTERNAL_SERVER_ERROR":
        error.extensions = {**(error.extensions or {}), "code": code}
        return error
    logger.error("unhandled error at %s: %s", error.path, error.message, exc_info=original)
    return GraphQLError(
        INTERNAL_MESSAGE,
        nodes=error.nodes,
        path=error.path,
        # Kept (never sent): the API answers an outage (api/unavailable.py) with 503.
        original_error=original,
        extensions={"code": "INTERNAL_SERVER_ERROR"},
    )


def error_code_for(error: GraphQLError) -> str:
    """Apollo's code for an error that is not a DomainError, from where it arose."""
    original = error.original_error
    if original is not None and not isinstance(original, GraphQLError):
        return "INTERNAL_SERVER_ERROR"
    message = error.message
    if message.startswith("Syntax Error"):
        return "GRAPHQL_VALIDATION_FAILED" if TOKEN_LIMIT in message else "GRAPHQL_PARSE_FAILED"
    if BAD_VALUE.match(message):
        return "BAD_USER_INPUT"
    if error.path is not None:
        # Raised while executing but not by us, e.g. "Cannot return null for
        # non-nullable field": the response broke its own schema, a server bug.
        return "INTERNAL_SERVER_ERROR"
    return "GRAPHQL_VALIDATION_FAILED"


class ErrorCodes(SchemaExtension):
    """Shapes every error of the operation, including those raised by other hooks."""

    def on_operation(self) -> Iterator[None]:
        try:
            yield
        except (MissingQueryError, CannotGetOperationTypeError, InvalidOperationTypeError):
            raise  # strawberry turns these into HTTP 400 responses itself
        except GraphQLError as error:
            # ParserCache parses inside its hook, so a syntax error escapes as an
            # exception and strawberry would return it unshaped.
            raise shape_error(error) from None
        except Exception as error:
            raise shape_error(GraphQLError(str(error), original_error=error)) from None
        result = self.execution_context.result
        if result is not None and result.errors:
            result.errors = [shape_error(error) for error in result.errors]

    def on_stream_result(self, result: StreamExecutionResult) -> Iterator[None]:
        """A subscription's results leave one by one, before its operation ends."""
        if isinstance(result, ExecutionResult) and result.errors:
            result.errors = [shape_error(error) for error in result.errors]
        yield
