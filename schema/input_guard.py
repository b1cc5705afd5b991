"""Refuse, before any resolver runs, what the caller may not send.

- Text the database cannot store: PostgreSQL rejects a NUL character
  ("\\x00"), and neither database can encode a lone surrogate (half of a UTF-16
  pair, which JSON's "\\ud800" escape can carry); a string carrying one would
  reach the driver mid-request and end as INTERNAL_SERVER_ERROR. A single
  enormous string is no better: it bloats rows, logs and search.
- File names of uploads, which reach the same columns.
- Lists longer than `Settings.max_list_length`, in any list-typed argument or
  input field (`facilityIds`, `_entities(representations:)`, ...): a list
  becomes one SQL parameter per item, and the database's limit on those must
  never be what answers.
- Files other than by upload: an `Upload` argument takes a file of a multipart
  request, never a literal or a JSON value.
- `_entities` representations that are not `{__typename, <key fields>}` of an
  entity type: strawberry would fail on them with a server error.
- `_service { sdl }` from anyone but the federation gateway, when the API layer
  has not marked the request as the gateway's (`request.state.federation_gateway`).

Checking every value the caller sent -- variables and inline literals -- once,
after validation and before execution, turns each into a BAD_USER_INPUT (or
FORBIDDEN) that names where the value is, and guarantees nothing was executed
or written.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from graphql import (
    ArgumentNode,
    DirectiveNode,
    DocumentNode,
    ExecutionResult,
    FieldNode,
    GraphQLError,
    GraphQLInputObjectType,
    GraphQLInputType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLSchema,
    GraphQLUnionType,
    ListTypeNode,
    ListValueNode,
    NamedTypeNode,
    Node,
    NonNullTypeNode,
    NullValueNode,
    ObjectValueNode,
    StringValueNode,
    TypeInfo,
    TypeInfoVisitor,
    TypeNode,
    ValueNode,
    VariableDefinitionNode,
    VariableNode,
    Visitor,
    get_named_type,
    value_from_ast_untyped,
    visit,
)
from strawberry.extensions import SchemaExtension
from strawberry.types.graphql import OperationType

from settings import Settings

MAX_STRING_LENGTH = 100_000
"""Generous for any text field, small enough that no single string is a burden."""

DEFAULT_MAX_LIST_LENGTH: int = Settings.model_fields["max_list_length"].default

NUL = "\x00"

GATEWAY_FIELDS = frozenset({"_service"})
"""Root fields only the federation gateway may ask for: the subgraph's SDL."""

UPLOAD = "Upload"
ENTITIES = "_entities"


def problem_with(text: str) -> str | None:
    """Why `text` cannot be stored, phrased to follow its location; None if it can."""
    if NUL in text:
        return "contains a NUL character; remove it"
    if len(text) > MAX_STRING_LENGTH:
        return f"is {len(text)} characters long; shorten it to {MAX_STRING_LENGTH} at most"
    if not text.isascii():
        try:
            text.encode("utf-8")
        except UnicodeEncodeError:
            return "contains a lone surrogate (half of a UTF-16 pair); send valid Unicode"
    return None


def too_long(length: int, max_items: int) -> str | None:
    if length > max_items:
        return f"has {length} items; send {max_items} at most"
    return None


def unstorable_variable(
    variables: Mapping[str, Any], max_items: int = DEFAULT_MAX_LIST_LENGTH
) -> GraphQLError | None:
    """The first unstorable value among the variables, e.g. in `$input.title`.

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
            for key in value:
                if isinstance(key, str) and (problem := problem_with(key)) is not None:
                    return rejection(f"variable {where} has a key that {problem}")
            children = [(f"{where}.{key}", item) for key, item in value.items()]
        elif isinstance(value, list):
            if (problem := too_long(len(value), max_items)) is not None:
                return rejection(f"variable {where} {problem}")
            children = [(f"{where}[{index}]", item) for index, item in enumerate(value)]
        else:
            filename = getattr(value, "filename", None)  # an Upload
            if isinstance(filename, str) and (problem := problem_with(filename)) is not None:
                return rejection(f"the file name of variable {where} {problem}")
            continue
        pending += reversed(children)
    return None


def unstorable_literal(
    document: DocumentNode, max_items: int = DEFAULT_MAX_LIST_LENGTH
) -> tuple[str, Node] | None:
    """The first unstorable string or over-long list written in the document
    itself: what is wrong, and where."""
    finder = LiteralValues()
    visit(document, finder)
    for where, node in finder.found:
        if isinstance(node, StringValueNode):
            problem = problem_with(node.value)
        else:
            problem = too_long(len(node.values), max_items)
        if problem is not None:
            return f"{where} {problem}", node
    return None


class LiteralValues(Visitor):
    """Collects every string literal (block strings included) and list literal with
    where it is written.

    Values only occur in arguments of fields and directives and in variable
    defaults, so those three owners are all that need naming."""

    def __init__(self) -> None:
        super().__init__()
        self.found: list[tuple[str, StringValueNode | ListValueNode]] = []

    def enter_field(self, node: FieldNode, *_: object) -> None:
        self.add_arguments(node.arguments, f"field {node.name.value}")

    def enter_directive(self, node: DirectiveNode, *_: object) -> None:
        self.add_arguments(node.arguments, f"directive @{node.name.value}")

    def enter_variable_definition(self, node: VariableDefinitionNode, *_: object) -> None:
        if node.default_value is not None:
            path = f"${node.variable.name.value}"
            for where, value in values_in(node.default_value, path):
                self.found.append((f"default value of {where}", value))

    def add_arguments(self, arguments: tuple[ArgumentNode, ...] | None, owner: str) -> None:
        for argument in arguments or ():
            for where, value in values_in(argument.value, argument.name.value):
                self.found.append((f"argument {where} of {owner}", value))


def values_in(value: ValueNode, path: str) -> Iterator[tuple[str, StringValueNode | ListValueNode]]:
    """Every string and list literal inside `value`, with its path through objects
    and lists. Iterative: the token limit bounds nesting, but not to a small depth."""
    pending: list[tuple[str, ValueNode]] = [(path, value)]
    while pending:
        where, node = pending.pop()
        if isinstance(node, StringValueNode):
            yield where, node
        elif isinstance(node, ObjectValueNode):
            pending += reversed([(f"{where}.{f.name.value}", f.value) for f in node.fields])
        elif isinstance(node, ListValueNode):
            yield where, node
            pending += reversed([(f"{where}[{i}]", item) for i, item in enumerate(node.values)])


def gateway_only(facts: DocumentFacts, request: object) -> GraphQLError | None:
    """FORBIDDEN when the document asks for `_service` and the API layer has not
    marked the request as the federation gateway's."""
    if facts.gateway_field is None:
        return None
    state = getattr(request, "state", None)
    if getattr(state, "federation_gateway", False) is True:
        return None
    return GraphQLError(
        f"{facts.gateway_field.name.value} answers the federation gateway only",
        nodes=facts.gateway_field,
        extensions={"code": "FORBIDDEN"},
    )


def gateway_field(document: DocumentNode) -> FieldNode | None:
    finder = GatewayFields()
    visit(document, finder)
    return finder.found


class GatewayFields(Visitor):
    """The first field of GATEWAY_FIELDS in a document; only Query has them, and no
    type leads back to Query, so the name alone identifies them."""

    def __init__(self) -> None:
        super().__init__()
        self.found: FieldNode | None = None

    def enter_field(self, node: FieldNode, *_: object) -> object:
        if node.name.value in GATEWAY_FIELDS:
            self.found = node
            return self.BREAK
        return None


def is_upload(value: object) -> bool:
    """A file the multipart request carried (starlette's UploadFile), not a value."""
    return callable(getattr(value, "read", None)) and hasattr(value, "filename")


def misplaced_file(facts: DocumentFacts, variables: Mapping[str, Any]) -> GraphQLError | None:
    """A literal where an Upload goes, or an Upload variable holding no file."""
    for definition, depth in facts.upload_variables:
        name = definition.variable.name.value
        pending: list[tuple[str, object, int]] = [(f"${name}", variables.get(name), depth)]
        while pending:
            where, value, lists = pending.pop()
            if value is None:
                continue  # coercion answers a missing required file
            if lists and isinstance(value, list):
                pending += [(f"{where}[{i}]", item, lists - 1) for i, item in enumerate(value)]
            elif not is_upload(value):
                return rejection(f"variable {where} {NOT_A_FILE}", definition)
    if facts.upload_literal is not None:
        return rejection(
            f"a literal cannot be {NOT_A_FILE.removeprefix('must be ')}", facts.upload_literal
        )
    return None


def upload_variables(document: DocumentNode) -> tuple[tuple[VariableDefinitionNode, int], ...]:
    """The Upload-typed variables, each with how many lists wrap its Upload."""
    found = []
    for definition in variable_definitions(document):
        depth = upload_list_depth(definition.type)
        if depth is not None:
            found.append((definition, depth))
    return tuple(found)


def upload_literal(document: DocumentNode, schema: GraphQLSchema) -> ValueNode | None:
    finder = LiteralUploads(TypeInfo(schema))
    visit(document, TypeInfoVisitor(finder.type_info, finder))
    return finder.found


NOT_A_FILE = "must be a file sent as a multipart upload (the GraphQL multipart request spec)"


def variable_definitions(document: DocumentNode) -> Iterator[VariableDefinitionNode]:
    for definition in document.definitions:
        yield from getattr(definition, "variable_definitions", None) or ()


def upload_list_depth(type_node: TypeNode) -> int | None:
    """How many lists wrap an Upload variable type ([Upload!]! -> 1); None: no Upload."""
    lists = 0
    while not isinstance(type_node, NamedTypeNode):
        if isinstance(type_node, ListTypeNode):
            lists += 1
            type_node = type_node.type
        elif isinstance(type_node, NonNullTypeNode):
            type_node = type_node.type
        else:  # pragma: no cover
            return None
    return lists if type_node.name.value == UPLOAD else None


class LiteralUploads(Visitor):
    """The first literal value written where the schema expects an Upload."""

    def __init__(self, type_info: TypeInfo) -> None:
        super().__init__()
        self.type_info = type_info
        self.found: ValueNode | None = None

    def enter(self, node: Node, *_: object) -> object:
        if isinstance(node, ValueNode) and not isinstance(
            node, VariableNode | ListValueNode | NullValueNode
        ):
            expected = self.type_info.get_input_type()
            if expected is not None and getattr(get_named_type(expected), "name", "") == UPLOAD:
                self.found = node
                return self.BREAK
        return None


def malformed_representation(
    facts: DocumentFacts, variables: Mapping[str, Any], schema: GraphQLSchema
) -> GraphQLError | None:
    """The first `_entities` representation that is not exactly `{__typename,
    <key fields>}` of an entity type, with a key value that is an ID."""
    if not facts.entities:
        return None
    keys = entity_keys(schema)
    for node in facts.entities:
        for argument in node.arguments or ():
            if argument.name.value != "representations":
                continue
            if isinstance(argument.value, VariableNode):
                where = f"variable ${argument.value.name.value}{{}}"
            else:
                where = "argument representations{} of field _entities"
            value = value_from_ast_untyped(argument.value, dict(variables))
            for index, representation in enumerate(value if isinstance(value, list) else ()):
                problem = representation_problem(representation, keys)
                if problem is not None:
                    return rejection(f"{where.format(f'[{index}]')} {problem}", argument)
    return None


def entities_fields(document: DocumentNode) -> tuple[FieldNode, ...]:
    finder = EntityFields()
    visit(document, finder)
    return tuple(finder.found)


def representation_problem(
    representation: object, keys: Mapping[str, frozenset[str]]
) -> str | None:
    if not isinstance(representation, dict):
        return "must be an object with __typename and the entity's key fields"
    typename = representation.get("__typename")
    if not isinstance(typename, str) or typename not in keys:
        return f"must name an entity type in __typename: {', '.join(sorted(keys))}"
    fields = set(representation) - {"__typename"}
    if fields != keys[typename]:
        return (
            f"must carry exactly the key fields of {typename}: {', '.join(sorted(keys[typename]))}"
        )
    for name in fields:
        key = representation[name]
        if isinstance(key, bool) or not isinstance(key, str | int):
            return f"must give {typename}.{name} as an ID (a string)"
    return None


def entity_keys(schema: GraphQLSchema) -> dict[str, frozenset[str]]:
    """Each entity type (a member of `_Entity`) with the fields of its @key."""
    union = schema.get_type("_Entity")
    if not isinstance(union, GraphQLUnionType):
        return {}
    keys: dict[str, frozenset[str]] = {}
    for member in union.types:
        definition = (member.extensions or {}).get("strawberry-definition")
        names: set[str] = set()
        for directive in getattr(definition, "directives", None) or ():
            fields = getattr(directive, "fields", None)
            if type(directive).__name__ == "Key" and isinstance(fields, str):
                names.update(fields.split())
        keys[member.name] = frozenset(names or {"id"})
    return keys


class EntityFields(Visitor):
    """Every `_entities` field of a document (only Query has one)."""

    def __init__(self) -> None:
        super().__init__()
        self.found: list[FieldNode] = []

    def enter_field(self, node: FieldNode, *_: object) -> None:
        if node.name.value == ENTITIES:
            self.found.append(node)


def describe_list_arguments(schema: GraphQLSchema, max_items: int) -> None:
    """Append "At most N items." to the description of every list-typed argument
    and input field, so clients read the limit the guard applies in the SDL."""
    note = f"At most {max_items} items."

    def described(description: str | None) -> str:
        if description and note in description:
            return description
        return f"{description} {note}" if description else note

    for named in schema.type_map.values():
        if named.name.startswith("__"):
            continue
        if isinstance(named, GraphQLObjectType):
            for field in named.fields.values():
                for argument in field.args.values():
                    if is_list(argument.type):
                        argument.description = described(argument.description)
        elif isinstance(named, GraphQLInputObjectType):
            for input_field in named.fields.values():
                if is_list(input_field.type):
                    input_field.description = described(input_field.description)


def is_list(type_: GraphQLInputType) -> bool:
    nullable = type_.of_type if isinstance(type_, GraphQLNonNull) else type_
    return isinstance(nullable, GraphQLList)


def rejection(message: str, node: Node | None = None) -> GraphQLError:
    """Coded here, so `ErrorCodes` passes it through as the caller's fault."""
    return GraphQLError(message, nodes=node, extensions={"code": "BAD_USER_INPUT"})


def max_list_length(context: object) -> int:
    """The request's setting (from its context), else the default."""
    settings = getattr(context, "settings", None)
    if isinstance(settings, Settings):
        return settings.max_list_length
    return DEFAULT_MAX_LIST_LENGTH


@dataclass(frozen=True)
class DocumentFacts:
    """What the guard needs to know of a document alone, found in one pass per
    parsed document (strawberry's parse cache hands the same DocumentNode back for
    the same text), so a repeated request walks only its variables."""

    gateway_field: FieldNode | None
    unstorable_literal: tuple[str, Node] | None
    upload_variables: tuple[tuple[VariableDefinitionNode, int], ...]
    upload_literal: ValueNode | None
    entities: tuple[FieldNode, ...]

    @classmethod
    def of(cls, document: DocumentNode, schema: GraphQLSchema, max_items: int) -> DocumentFacts:
        return cls(
            gateway_field=gateway_field(document),
            unstorable_literal=unstorable_literal(document, max_items),
            upload_variables=upload_variables(document),
            upload_literal=upload_literal(document, schema),
            entities=entities_fields(document),
        )


class DocumentFactsCache:
    """DocumentFacts per parsed document, least recently used out first. Keyed by
    the node's identity (hashing a DocumentNode walks all of it); an entry keeps
    its document alive, so an id is not reused while it is cached."""

    def __init__(self, size: int) -> None:
        self.size = size
        self.entries: OrderedDict[tuple[int, int, int], tuple[DocumentNode, DocumentFacts]] = (
            OrderedDict()
        )

    def facts(self, document: DocumentNode, schema: GraphQLSchema, max_items: int) -> DocumentFacts:
        key = (id(document), id(schema), max_items)
        entry = self.entries.get(key)
        if entry is not None and entry[0] is document:
            self.entries.move_to_end(key)
            return entry[1]
        found = DocumentFacts.of(document, schema, max_items)
        self.entries[key] = (document, found)
        if len(self.entries) > self.size:
            self.entries.popitem(last=False)
        return found


DOCUMENT_FACTS = DocumentFactsCache(size=1024)
"""As many as strawberry's parse cache keeps (schema/app_schema.DOCUMENT_CACHE_SIZE)."""


class InputGuard(SchemaExtension):
    """Ends the operation before execution when the caller sent what it may not:
    BAD_USER_INPUT for unstorable text, an over-long list, a value where a file
    goes or a malformed representation; FORBIDDEN for a gateway-only field.

    Setting the result in `on_execute` makes strawberry skip graphql-core's
    execution and return that result, so the error still passes through
    `ErrorCodes` like any other; a subscription's is raised instead (strawberry
    turns it into the stream's only result)."""

    def on_execute(self) -> Iterator[None]:
        context = self.execution_context
        document = context.graphql_document
        variables = context.variables or {}
        limit = max_list_length(context.context)
        if document is None:
            error = unstorable_variable(variables, limit)
        else:
            schema = context.schema._schema
            facts = DOCUMENT_FACTS.facts(document, schema, limit)
            literal = facts.unstorable_literal
            error = (
                gateway_only(facts, getattr(context.context, "request", None))
                or unstorable_variable(variables, limit)
                or (rejection(*literal) if literal is not None else None)
                or misplaced_file(facts, variables)
                or malformed_representation(facts, variables, schema)
            )
        if error is not None:
            if context.operation_type is OperationType.SUBSCRIPTION:
                # A subscription runs whatever the result says; raised here, the
                # error is the stream's only result and no resolver runs.
                raise error
            context.result = ExecutionResult(data=None, errors=[error])
        yield


RejectUnstorableText = InputGuard  # the name schema/app_schema.py registers
