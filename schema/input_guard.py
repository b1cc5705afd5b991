"""Refuse text the database cannot store before any resolver runs.

PostgreSQL rejects a NUL character ("\\x00") in text; a string carrying one
would reach the driver mid-request and end as INTERNAL_SERVER_ERROR. A single
enormous string is no better: it bloats rows, logs and search. Checking every
string the caller sent -- variables and inline literals -- once, after
validation and before execution, turns both into a BAD_USER_INPUT that names
where the string is, and guarantees nothing was executed or written.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from graphql import (
    ArgumentNode,
    DirectiveNode,
    DocumentNode,
    ExecutionResult,
    FieldNode,
    GraphQLError,
    ListValueNode,
    Node,
    ObjectValueNode,
    StringValueNode,
    ValueNode,
    VariableDefinitionNode,
    Visitor,
    visit,
)
from strawberry.extensions import SchemaExtension

MAX_STRING_LENGTH = 100_000
"""Generous for any text field, small enough that no single string is a burden."""

NUL = "\x00"


def problem_with(text: str) -> str | None:
    """Why `text` cannot be stored, phrased to follow its location; None if it can."""
    if NUL in text:
        return "contains a NUL character; remove it"
    if len(text) > MAX_STRING_LENGTH:
        return f"is {len(text)} characters long; shorten it to {MAX_STRING_LENGTH} at most"
    return None


def unstorable_variable(variables: Mapping[str, Any]) -> GraphQLError | None:
    """The first unstorable string among the variables, e.g. in `$input.title`.

    Iterative, so deeply nested JSON cannot exhaust the stack here."""
    pending: list[tuple[str, object]] = [(f"${name}", value) for name, value in variables.items()]
    pending.reverse()
    while pending:
        where, value = pending.pop()
        if isinstance(value, str):
            if (problem := problem_with(value)) is not None:
                return rejection(f"variable {where} {problem}")
            continue
        if isinstance(value, Mapping):
            children = [(f"{where}.{key}", item) for key, item in value.items()]
        elif isinstance(value, list):
            children = [(f"{where}[{index}]", item) for index, item in enumerate(value)]
        else:
            continue
        pending += reversed(children)
    return None


def unstorable_literal(document: DocumentNode) -> GraphQLError | None:
    """The first unstorable string literal written in the document itself."""
    finder = LiteralStrings()
    visit(document, finder)
    for where, node in finder.found:
        if (problem := problem_with(node.value)) is not None:
            return rejection(f"{where} {problem}", node)
    return None


class LiteralStrings(Visitor):
    """Collects every string literal (block strings included) with where it is written.

    Values only occur in arguments of fields and directives and in variable
    defaults, so those three owners are all that need naming."""

    def __init__(self) -> None:
        super().__init__()
        self.found: list[tuple[str, StringValueNode]] = []

    def enter_field(self, node: FieldNode, *_: object) -> None:
        self.add_arguments(node.arguments, f"field {node.name.value}")

    def enter_directive(self, node: DirectiveNode, *_: object) -> None:
        self.add_arguments(node.arguments, f"directive @{node.name.value}")

    def enter_variable_definition(self, node: VariableDefinitionNode, *_: object) -> None:
        if node.default_value is not None:
            path = f"${node.variable.name.value}"
            for where, string in strings_in(node.default_value, path):
                self.found.append((f"default value of {where}", string))

    def add_arguments(self, arguments: tuple[ArgumentNode, ...] | None, owner: str) -> None:
        for argument in arguments or ():
            for where, string in strings_in(argument.value, argument.name.value):
                self.found.append((f"argument {where} of {owner}", string))


def strings_in(value: ValueNode, path: str) -> Iterator[tuple[str, StringValueNode]]:
    """Every string literal inside `value`, with its path through objects and lists."""
    if isinstance(value, StringValueNode):
        yield path, value
    elif isinstance(value, ObjectValueNode):
        for field in value.fields:
            yield from strings_in(field.value, f"{path}.{field.name.value}")
    elif isinstance(value, ListValueNode):
        for index, item in enumerate(value.values):
            yield from strings_in(item, f"{path}[{index}]")


def rejection(message: str, node: Node | None = None) -> GraphQLError:
    """Coded here, so `ErrorCodes` passes it through as the caller's fault."""
    return GraphQLError(message, nodes=node, extensions={"code": "BAD_USER_INPUT"})


class RejectUnstorableText(SchemaExtension):
    """Ends the operation with BAD_USER_INPUT before execution when any string
    sent with it is unstorable.

    Setting the result in `on_execute` makes strawberry skip graphql-core's
    execution and return that result, so the error still passes through
    `ErrorCodes` like any other."""

    def on_execute(self) -> Iterator[None]:
        context = self.execution_context
        error = unstorable_variable(context.variables or {})
        if error is None and context.graphql_document is not None:
            error = unstorable_literal(context.graphql_document)
        if error is not None:
            context.result = ExecutionResult(data=None, errors=[error])
        yield
