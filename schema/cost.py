"""What an operation may ask for, decided before it runs: which operation,
how deep, how many aliases, and how much it may cost.

`QueryLimits` (a SchemaExtension) refuses, before any resolver runs:
- a document with several operations and no `operationName`, or an
  `operationName` the document does not hold (BAD_USER_INPUT);
- an operation whose fields nest deeper than KJEDE_MAX_QUERY_DEPTH
  (GRAPHQL_VALIDATION_FAILED);
- an operation whose cost exceeds KJEDE_MAX_QUERY_COST (QUERY_TOO_COSTLY, with
  `extensions.cost` and `extensions.limit`, the cost in the message).
`alias_rule` caps the aliases written in a document (KJEDE_MAX_ALIASES). Both
are built once per schema (`build_schema`), so the parser and validation
caches keep hitting.

Depth
-----
The number of fields on the longest path from the operation's root:
`{ me { roles } }` is 2. Fragments add nothing of their own; introspection
(`__schema`, `__type`) is not counted.

Cost
----
The most objects the response could hold, plus the weight of fields that run
a statement of their own:
- every object (a value of an object, interface or union type) costs 1, plus
  its type's weight (`TYPE_WEIGHTS`: what is built with it whether selected or
  not, e.g. a report's findings); scalars and enums cost nothing beyond their
  object;
- a list multiplies what each item costs by its size: a connection's `edges`
  by its page (`first`, a literal or a variable's value, clamped to
  KJEDE_MAX_PAGE_SIZE; the argument's default, 50, when omitted or null),
  `_entities` by the number of representations (at most KJEDE_MAX_ENTITIES),
  and any other list by its documented maximum (`LIST_SIZES`, else
  KJEDE_MAX_PAGE_SIZE), which `describe_list_sizes` writes into the field's
  description;
- `FIELD_WEIGHTS` adds what a field costs beyond its objects (`totalCount` is
  a count statement over every matching row, per connection);
- fields are counted once per response key, as graphql-core executes them:
  each alias is a field of its own, while a field selected again under the
  same key (directly, through an inline fragment or a named fragment, or the
  same fragment spread twice) is merged with it;
- a fragment is counted where it is spread and applies (its type condition);
  a selection set reached again is priced once (memoised), so a document that
  doubles a fragment at every level is priced in linear time; a fragment
  spread inside itself counts nothing (validation refuses the cycle anyway);
- on an abstract type (`_entities: [_Entity]`) the dearest possible type counts;
- `@skip` / `@include` are honoured when their condition is known;
- introspection (`__schema`, `__type`) costs INTROSPECTION_COST and is not
  descended into (production refuses it); `__typename` is free.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from graphql import (
    BooleanValueNode,
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLCompositeType,
    GraphQLError,
    GraphQLField,
    GraphQLObjectType,
    GraphQLSchema,
    InlineFragmentNode,
    IntValueNode,
    ListValueNode,
    NamedTypeNode,
    NullValueNode,
    OperationDefinitionNode,
    SelectionNode,
    SelectionSetNode,
    Undefined,
    ValidationContext,
    ValidationRule,
    ValueNode,
    VariableNode,
    get_named_type,
    get_nullable_type,
    is_abstract_type,
    is_composite_type,
    is_list_type,
)
from strawberry.extensions import SchemaExtension

from domain import limits
from domain.coordination import FollowUpStep
from domain.enums import Requirement, Severity
from schema.pagination import DEFAULT_PAGE_SIZE
from settings import Settings

LIST_SIZES: Mapping[str, int] = {
    # Lists the contract fixes as plain lists, at the maximums written data keeps to.
    "Network.participants": limits.MAX_NETWORK_PARTICIPANTS,
    "Network.invited": limits.MAX_NETWORK_PARTICIPANTS,
    "Network.suppliers": limits.MAX_RANKED_SUPPLIERS,
    "AuditReport.findings": limits.MAX_FINDINGS_PER_REPORT,
    "AuditReport.facilities": limits.MAX_FACILITIES_PER_REPORT,
    "AuditReport.documents": limits.MAX_DOCUMENTS_PER_REPORT,
    "CorrectiveAction.history": limits.MAX_CORRECTIVE_ACTION_STEPS,
    "SelfReport.productionSites": limits.MAX_SITES_PER_SELF_REPORT,
    "SelfReport.subSuppliers": limits.MAX_SUB_SUPPLIERS_PER_SELF_REPORT,
    "Query.selfReportChanges": limits.MAX_SELF_REPORT_CHANGES,
    # Framework agreements: one bid and one price list per ranked supplier.
    "MiniCompetition.bids": limits.MAX_RANKED_SUPPLIERS,
    "MiniCompetition.criteria": limits.MAX_AWARD_CRITERIA,
    "Bid.points": limits.MAX_AWARD_CRITERIA,
    "Network.priceLists": limits.MAX_RANKED_SUPPLIERS,
    "CallOffDecision.declines": limits.MAX_RANKED_SUPPLIERS,
    "PriceList.items": limits.MAX_PRICE_ITEMS,
    # Ours: the engagements a body made or an auditor firm was named in.
    "Query.auditorEngagements": 500,
    # One count per requirement and severity.
    "FocusAreaOverview.findings": len(Requirement) * len(Severity),
    # A follow-up plan holds each Difi/DFØ step once.
    "Query.followUpPlan": len(FollowUpStep),
    "Mutation.planFollowUp": len(FollowUpStep),
    # The supply-chain graph (answers above these are refused).
    "SupplyChain.nodes": limits.MAX_CHAIN_NODES,
    "SupplyChain.edges": limits.MAX_CHAIN_EDGES,
    "Exposure.suppliers": limits.MAX_EXPOSURE_ORGANIZATIONS,
    "Exposure.bodies": limits.MAX_EXPOSURE_ORGANIZATIONS,
    "Query.auditPriorities": limits.MAX_AUDIT_PRIORITIES,
    "Query.tierLimitViolations": limits.MAX_TIER_VIOLATIONS,
}
"""The documented maximum of each list that is not a page (scalar lists cost
nothing and need none); a list missing here counts as KJEDE_MAX_PAGE_SIZE items."""

FIELD_WEIGHTS: Mapping[str, int] = {
    "*.totalCount": 10,  # a count over every matching row, once per connection
}
"""What a field costs beyond the objects it returns, by `Type.field` (`*` for any type)."""

TYPE_WEIGHTS: Mapping[str, int] = {
    # A report is disclosed and built with all its findings and their corrective
    # actions, whether the operation selects them or not.
    "AuditReport": 2 * LIST_SIZES["AuditReport.findings"],
}
"""What an object of the type costs beyond 1, whatever the operation selects of it."""

INTROSPECTION_COST = 100
"""`__schema` / `__type`: answered from memory; production refuses them anyway."""

MAX_STEPS = 100_000
"""Pricing work (selections visited) after which an operation counts as too costly."""

QUERY_TOO_COSTLY = "QUERY_TOO_COSTLY"


@dataclass(frozen=True)
class Limits:
    max_cost: int
    max_depth: int
    max_page_size: int
    max_entities: int

    @classmethod
    def from_settings(cls, settings: Settings) -> Limits:
        return cls(
            max_cost=settings.max_query_cost,
            max_depth=settings.max_query_depth,
            max_page_size=settings.max_page_size,
            max_entities=settings.max_entities,
        )


@dataclass(frozen=True)
class Analysis:
    cost: int
    depth: int


class TooDeep(Exception):
    """Fields nest at least `depth` levels deep, more than the limit."""

    def __init__(self, depth: int) -> None:
        super().__init__(depth)
        self.depth = depth


class TooComplex(Exception):
    """Pricing took more than MAX_STEPS steps."""


# --- which operation ----------------------------------------------------------------


def operation_to_run(document: DocumentNode, operation_name: str | None) -> OperationDefinitionNode:
    """The operation the request names, or the document's only one; BAD_USER_INPUT
    when the document holds several and the request names none (the GraphQL spec
    says to refuse rather than guess), or names one the document does not hold."""
    operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
    names = ", ".join(op.name.value if op.name else "(anonymous)" for op in operations)
    if operation_name is None:
        if len(operations) == 1:
            return operations[0]
        if not operations:
            raise bad_request("The document holds no operation (query or mutation) to run.")
        raise bad_request(
            f"The document holds {len(operations)} operations ({names}) and the request "
            "names none: send operationName with the name of the one to run."
        )
    for operation in operations:
        if operation.name is not None and operation.name.value == operation_name:
            return operation
    raise bad_request(
        f"The document holds no operation named {operation_name!r} (it holds {names}): "
        "send the name of one of them as operationName."
    )


def bad_request(message: str) -> GraphQLError:
    return GraphQLError(message, extensions={"code": "BAD_USER_INPUT", "field": "operationName"})


# --- pricing ------------------------------------------------------------------------

_ABSENT: Any = object()
"""A variable the request did not send and the operation gives no default."""

_UNKNOWN: Any = object()
"""A value that is not a literal this pricing reads (a string, an object, ...)."""

MemoKey = tuple[str, tuple[int, ...], int | None]


def price(
    schema: GraphQLSchema,
    document: DocumentNode,
    operation: OperationDefinitionNode,
    variables: Mapping[str, Any] | None,
    limits: Limits,
) -> Analysis:
    """The operation's cost and depth (see the module's docstring); TooDeep as
    soon as a field lies deeper than `limits.max_depth`, TooComplex after
    MAX_STEPS steps."""
    return _Pricing(schema, document, operation, variables or {}, limits).operation(operation)


class _Pricing:
    def __init__(
        self,
        schema: GraphQLSchema,
        document: DocumentNode,
        operation: OperationDefinitionNode,
        variables: Mapping[str, Any],
        limits: Limits,
    ) -> None:
        self.schema = schema
        self.limits = limits
        self.variables = variables
        self.defaults = {
            definition.variable.name.value: definition.default_value
            for definition in operation.variable_definitions or ()
            if definition.default_value is not None
        }
        self.fragments = {
            definition.name.value: definition
            for definition in document.definitions
            if isinstance(definition, FragmentDefinitionNode)
        }
        self.memo: dict[MemoKey, tuple[int, int]] = {}
        self.active: set[MemoKey] = set()
        self.steps = 0

    def operation(self, operation: OperationDefinitionNode) -> Analysis:
        root = self.schema.get_root_type(operation.operation)
        if root is None:  # validation refuses an operation type the schema lacks
            return Analysis(cost=0, depth=0)
        cost, depth = self.selection(root, (operation.selection_set,), None, 0)
        return Analysis(cost=cost - 1, depth=depth)  # the root object is free

    def selection(
        self,
        parent: GraphQLCompositeType,
        sets: tuple[SelectionSetNode, ...],
        page: int | None,
        level: int,
    ) -> tuple[int, int]:
        """(cost, depth) of one `parent` object (1, its TYPE_WEIGHTS, and what `sets`
        select on it) below `level` fields; `page` is the size of the parent's
        lists when it is a connection."""
        key: MemoKey = (parent.name, tuple(id(s) for s in sets), page)
        known = self.memo.get(key)
        if known is not None:
            if level + known[1] > self.limits.max_depth:
                raise TooDeep(level + known[1])
            return known
        if key in self.active:  # a fragment spread inside itself: validation refuses it
            return 0, 0
        self.active.add(key)
        try:
            if is_abstract_type(parent):
                prices = [
                    self.object_selection(possible, sets, page, level)
                    for possible in self.schema.get_possible_types(parent)
                ]
                result = (
                    max((cost for cost, _ in prices), default=0),
                    max((depth for _, depth in prices), default=0),
                )
            else:
                assert isinstance(parent, GraphQLObjectType)
                result = self.object_selection(parent, sets, page, level)
        finally:
            self.active.discard(key)
        self.memo[key] = result
        return result

    def object_selection(
        self,
        parent: GraphQLObjectType,
        sets: tuple[SelectionSetNode, ...],
        page: int | None,
        level: int,
    ) -> tuple[int, int]:
        cost, depth = 1 + TYPE_WEIGHTS.get(parent.name, 0), 0
        for nodes in self.collect(parent, sets).values():
            field_cost, field_depth = self.field(parent, nodes, page, level + 1)
            cost += field_cost
            depth = max(depth, field_depth)
        return cost, depth

    def collect(
        self, parent: GraphQLObjectType, sets: Sequence[SelectionSetNode]
    ) -> dict[str, list[FieldNode]]:
        """The fields `sets` select on a `parent` object, by response key, as
        graphql-core collects them: fragments that apply expanded, each named
        fragment once. Iterative, so no nesting of fragments overflows the stack."""
        fields: dict[str, list[FieldNode]] = {}
        spread: set[str] = set()
        stack: list[SelectionNode] = [
            selection
            for selection_set in reversed(sets)
            for selection in reversed(selection_set.selections)
        ]
        while stack:
            self.step()
            selection = stack.pop()
            if not self.included(selection):
                continue
            if isinstance(selection, FieldNode):
                key = selection.alias.value if selection.alias else selection.name.value
                fields.setdefault(key, []).append(selection)
            elif isinstance(selection, InlineFragmentNode):
                if self.applies(parent, selection.type_condition):
                    stack.extend(reversed(selection.selection_set.selections))
            elif isinstance(selection, FragmentSpreadNode):
                name = selection.name.value
                if name in spread:
                    continue
                spread.add(name)
                fragment = self.fragments.get(name)
                if fragment is not None and self.applies(parent, fragment.type_condition):
                    stack.extend(reversed(fragment.selection_set.selections))
        return fields

    def field(
        self, parent: GraphQLObjectType, nodes: list[FieldNode], page: int | None, level: int
    ) -> tuple[int, int]:
        """(cost, depth) of one response key at `level` (the root's fields are at 1)."""
        self.step()
        node = nodes[0]
        name = node.name.value
        if name in ("__schema", "__type"):
            return INTROSPECTION_COST, 0
        if level > self.limits.max_depth:
            raise TooDeep(level)
        definition = parent.fields.get(name)
        if definition is None:  # __typename, or a field validation refuses
            return 0, 1
        weight = FIELD_WEIGHTS.get(f"{parent.name}.{name}", FIELD_WEIGHTS.get(f"*.{name}", 0))
        item_type = get_named_type(definition.type)
        if not is_composite_type(item_type):
            return weight, 1
        size = 1
        wrapped = get_nullable_type(definition.type)
        while is_list_type(wrapped):
            size *= self.list_size(parent, definition, node, page)
            wrapped = get_nullable_type(wrapped.of_type)
        child_page = self.page_size(definition, node) if "first" in definition.args else None
        sets = tuple(each.selection_set for each in nodes if each.selection_set is not None)
        child_cost, child_depth = self.selection(
            item_type,
            sets,
            child_page,
            level,
        )
        return weight + size * child_cost, 1 + child_depth

    def list_size(
        self, parent: GraphQLObjectType, definition: GraphQLField, node: FieldNode, page: int | None
    ) -> int:
        if parent is self.schema.query_type and node.name.value == "_entities":
            return self.representations(node)
        if page is not None:  # a list of a connection is as long as its page
            return page
        return LIST_SIZES.get(f"{parent.name}.{node.name.value}", self.limits.max_page_size)

    def page_size(self, definition: GraphQLField, node: FieldNode) -> int:
        """`first` as the resolver will get it: the literal, the variable's value,
        the operation's default for it, or the argument's default; null is the
        default page (as `fetch_page` reads it); clamped to the largest page."""
        value = self.argument(node, "first")
        if value is _ABSENT:
            default = definition.args["first"].default_value
            value = None if default is Undefined else default
        if value is None:
            value = DEFAULT_PAGE_SIZE
        if not isinstance(value, int) or isinstance(value, bool):
            return self.limits.max_page_size  # execution refuses it; price the worst
        return min(max(value, 0), self.limits.max_page_size)

    def representations(self, node: FieldNode) -> int:
        value = self.argument(node, "representations")
        count = len(value) if isinstance(value, list) else self.limits.max_entities
        return min(count, self.limits.max_entities)

    def argument(self, node: FieldNode, name: str) -> Any:
        for argument in node.arguments or ():
            if argument.name.value == name:
                return self.value(argument.value)
        return _ABSENT

    def value(self, node: ValueNode) -> Any:
        if isinstance(node, VariableNode):
            name = node.name.value
            if name in self.variables:
                return self.variables[name]
            default = self.defaults.get(name)
            return _ABSENT if default is None else self.value(default)
        if isinstance(node, IntValueNode):
            return int(node.value)
        if isinstance(node, NullValueNode):
            return None
        if isinstance(node, BooleanValueNode):
            return node.value
        if isinstance(node, ListValueNode):
            return [self.value(item) for item in node.values]
        return _UNKNOWN

    def included(self, selection: SelectionNode) -> bool:
        """False only when @skip or @include says so for certain."""
        for directive in selection.directives or ():
            name = directive.name.value
            if name not in ("skip", "include"):
                continue
            condition = next(
                (
                    self.value(arg.value)
                    for arg in directive.arguments or ()
                    if arg.name.value == "if"
                ),
                _UNKNOWN,
            )
            if isinstance(condition, bool) and condition is (name == "skip"):
                return False
        return True

    def applies(self, parent: GraphQLObjectType, condition: NamedTypeNode | None) -> bool:
        if condition is None:
            return True
        named = self.schema.get_type(condition.name.value)
        if named is parent:
            return True
        return is_abstract_type(named) and self.schema.is_sub_type(named, parent)

    def step(self) -> None:
        self.steps += 1
        if self.steps > MAX_STEPS:
            raise TooComplex()


# --- refusals -----------------------------------------------------------------------


def refusal(
    schema: GraphQLSchema,
    document: DocumentNode,
    operation: OperationDefinitionNode,
    variables: Mapping[str, Any] | None,
    limits: Limits,
) -> GraphQLError | None:
    """Why the operation may not run, or None when it may."""
    name = operation.name.value if operation.name else "anonymous"
    try:
        analysis = price(schema, document, operation, variables, limits)
    except TooDeep:
        return GraphQLError(
            f"'{name}' exceeds maximum operation depth of {limits.max_depth}: its fields "
            f"nest deeper than {limits.max_depth} levels. Ask for less nested data.",
            nodes=[operation],
            extensions={"code": "GRAPHQL_VALIDATION_FAILED", "limit": limits.max_depth},
        )
    except TooComplex:
        return GraphQLError(
            f"'{name}' is too complex to price (over {MAX_STEPS} steps), so it may cost "
            f"more than the limit of {limits.max_cost}. Send a simpler operation.",
            nodes=[operation],
            extensions={"code": QUERY_TOO_COSTLY, "limit": limits.max_cost},
        )
    if analysis.cost > limits.max_cost:
        return GraphQLError(
            f"'{name}' may cost {analysis.cost}, more than the limit of {limits.max_cost}: "
            "each object in the response costs 1 and a list counts as its page (first) "
            "or its documented maximum. Ask for smaller pages, fewer nested lists or "
            "fewer aliases.",
            nodes=[operation],
            extensions={"code": QUERY_TOO_COSTLY, "cost": analysis.cost, "limit": limits.max_cost},
        )
    return None


class QueryLimits(SchemaExtension):
    """Refuses, before execution, an ambiguous operation choice, and an operation
    too deep or too costly (see the module's docstring)."""

    def __init__(self, limits: Limits) -> None:
        self.limits = limits

    def _requested_name(self) -> str | None:
        # What the request sent: strawberry's `operation_name` falls back on the
        # document's first operation, which would run one of several unasked.
        name: str | None = self.execution_context._provided_operation_name
        return name

    def on_parse(self) -> Iterator[None]:
        yield
        document = self.execution_context.graphql_document
        if document is not None:
            operation_to_run(document, self._requested_name())

    def on_validate(self) -> Iterator[None]:
        yield
        context = self.execution_context
        document = context.graphql_document
        if context.pre_execution_errors or document is None:
            return
        operation = operation_to_run(document, self._requested_name())
        error = refusal(context.schema._schema, document, operation, context.variables, self.limits)
        if error is not None:
            raise error


# --- aliases ------------------------------------------------------------------------


def alias_rule(max_aliases: int) -> type[ValidationRule]:
    """A validation rule refusing a document that writes more than `max_aliases`
    aliases (each written alias once, wherever it sits: linear in the document,
    where expanding fragments is not). Build it once per schema: a new class per
    request would miss the validation cache."""

    class MaxAliases(ValidationRule):
        def __init__(self, context: ValidationContext) -> None:
            super().__init__(context)
            self.aliases = 0

        def enter_field(self, node: FieldNode, *_: object) -> None:
            if node.alias is not None:
                self.aliases += 1

        def leave_document(self, *_: object) -> None:
            if self.aliases > max_aliases:
                self.report_error(
                    GraphQLError(
                        f"{self.aliases} aliases found. Allowed: {max_aliases}. Ask for "
                        "fewer copies of a field in one operation."
                    )
                )

    return MaxAliases


# --- descriptions -------------------------------------------------------------------


def describe_list_sizes(schema: GraphQLSchema, limits: Limits) -> None:
    """Append to the description of every list of objects that is not a page the
    maximum the query cost counts for it (`LIST_SIZES`), so clients read it in
    the SDL and in introspection."""
    for named in schema.type_map.values():
        if not isinstance(named, GraphQLObjectType) or named.name.startswith("__"):
            continue
        if named.name.endswith("Connection") or named.name.startswith("_"):
            continue
        for field_name, definition in named.fields.items():
            nullable = get_nullable_type(definition.type)
            if not is_list_type(nullable) or not is_composite_type(get_named_type(nullable)):
                continue
            if named is schema.query_type and field_name == "_entities":
                continue
            size = LIST_SIZES.get(f"{named.name}.{field_name}", limits.max_page_size)
            note = f"Not paginated: the query cost counts it as {size} items, its maximum."
            if note not in (definition.description or ""):
                definition.description = (
                    f"{definition.description} {note}" if definition.description else note
                )
