"""Compiled execution of hot read operations: a plan per document, built once.

graphql-core executes every field of every object through the same generic
machinery (resolve info, argument coercion, strawberry's resolver wrapper, value
completion, an awaitable check), about 2,700 times for a page of 100 audit
reports. For a query whose root field is in `roots` (the report list and the
report by id), `CompiledExecutor` instead builds a plan once per document (cached
with the parsed document) and runs it in two passes:

1. **resolve**: the root resolver runs exactly as in the generic executor (so the
   services disclose through `authz.disclosure.disclose()` and record their reads
   as always); then, level by level, every field with a resolver is called, all
   of one level in one `gather`, so DataLoaders batch as before. A field with a
   *batcher* (`batched`) is resolved for all its parents at once by one call.
2. **project**: one synchronous walk copies the values the plan selects from the
   resolved objects into the response, coercing leaves with the schema's own
   scalars and enums, and handling nulls and errors exactly as graphql-core does
   (the same messages, paths and null propagation, through the executor's own
   `handle_field_error`).

A field registered with `field_values` (a report's findings) is read without
building its objects when everything selected below it is a plain copy of values
(`reads_values` types): the projector then reads the disclosed values themselves,
the values the objects would have been built from.

A field the plan cannot express (an interface or union, an introspection field)
is handed back to graphql-core's `execute_field` for that field alone; a document
with directives in its selections, a mutation, a subscription or installed
resolver middleware runs entirely on the generic executor. Nothing here decides
what a viewer may read: every value comes from a resolver or a batcher that goes
through the same services as the generic path (tests/api/test_compiled_execution.py
compares the two answers; the confidentiality property runs on both).
"""

from __future__ import annotations

import asyncio
import threading
import weakref
from collections import OrderedDict, deque
from collections.abc import Awaitable, Callable, Iterable, MutableSequence, Sequence
from dataclasses import dataclass, field
from enum import Enum
from functools import cached_property
from typing import Any, TypeVar

from graphql import (
    FieldNode,
    FragmentSpreadNode,
    GraphQLError,
    GraphQLField,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLOutputType,
    GraphQLScalarType,
    GraphQLSchema,
    InlineFragmentNode,
    OperationType,
    SelectionSetNode,
    Undefined,
)
from graphql.execution.collect_fields import FieldDetails
from graphql.execution.values import get_argument_values
from graphql.pyutils import Path, inspect, is_iterable
from graphql.type import GraphQLEnumType, is_leaf_type
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext

__all__ = [
    "CompiledExecutor",
    "batched",
    "compiled_executor",
    "field_values",
    "reads_values",
    "served",
]

SourceT = TypeVar("SourceT")

Batcher = Callable[[Any, list[Any], frozenset[str]], Awaitable[Sequence[Any]]]
"""(context, parents, selected names below the field) -> one value per parent; a
value that is an Exception is that parent's field error."""

_BATCHERS: dict[tuple[str, str], Batcher] = {}
PLAN_CACHE_SIZE = 1024
STRAWBERRY_DEFINITION = "strawberry-definition"


def batched(
    owner: type[Any], field_name: str
) -> Callable[[Callable[[Any, list[SourceT], frozenset[str]], Awaitable[Sequence[Any]]]], Batcher]:
    """Register a batcher for `owner.field_name` (the GraphQL name): the compiled
    executor calls it once for all parents of one level instead of the field's
    resolver once per parent. It must answer exactly what the resolver answers."""
    type_name = owner.__strawberry_definition__.name

    def register(
        function: Callable[[Any, list[SourceT], frozenset[str]], Awaitable[Sequence[Any]]],
    ) -> Batcher:
        _BATCHERS[(type_name, field_name)] = function
        return function

    return register


_READS_VALUES: set[str] = set()
_FIELD_VALUES: dict[tuple[str, str], Callable[[Any], Any]] = {}


def reads_values(owner: type[Any]) -> None:
    """Objects of `owner` may reach the projector as the values they are built from
    (an `authz.disclosure.Disclosed`, or anything with a `values` mapping): each
    field is then the value of its Python name, None when absent. Only for a type
    whose every field its constructor copies so (`from_disclosed`), without
    resolvers; a selection that needs anything else is built as before."""
    _READS_VALUES.add(owner.__strawberry_definition__.name)


def field_values(
    owner: type[Any], field_name: str
) -> Callable[[Callable[[Any], Any]], Callable[[Any], Any]]:
    """Register how the compiled executor reads `owner.field_name` (the GraphQL name)
    as values: `read(source)` answers what the field's resolver answers, each object
    of a `reads_values` type given as its values. Used when everything the document
    selects below the field can be read so; then no object is built for it."""
    type_name = owner.__strawberry_definition__.name

    def register(read: Callable[[Any], Any]) -> Callable[[Any], Any]:
        _FIELD_VALUES[(type_name, field_name)] = read
        return read

    return register


def _value(source: Any, name: str) -> Any:
    """A field of an object given as its values (`reads_values`)."""
    return source.values.get(name)


@dataclass(frozen=True)
class _ReadValues:
    """The getter of a `field_values` field: (source, name) -> read(source)."""

    read: Callable[[Any], Any]

    def __call__(self, source: Any, _name: str) -> Any:
        return self.read(source)


class _NotValues(Exception):
    """A selection below a `field_values` field that values cannot answer."""


@dataclass
class Served:
    """How many root fields each executor served in this process (tests read it)."""

    compiled: int = 0
    generic: int = 0
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def count(self, *, compiled: bool) -> None:
        with self._lock:
            if compiled:
                self.compiled += 1
            else:
                self.generic += 1


served = Served()


# -- plans ------------------------------------------------------------------------------

LEAF, LIST, OBJECT = 0, 1, 2
TYPENAME, BASIC, RESOLVER, BATCHED, DELEGATE = range(5)


@dataclass(eq=False)
class Shape:
    """How to complete a value of one output type."""

    kind: int
    non_null: bool
    type: GraphQLOutputType  # the nullable type (for messages)
    output_type: GraphQLOutputType  # with its non-null wrapper (for handle_field_error)
    coerce: Callable[[Any], Any] | None = None  # LEAF
    item: Shape | None = None  # LIST
    plan: ObjectPlan | None = None  # OBJECT

    @cached_property
    def deferred(self) -> bool:
        """Whether a resolver or batcher runs somewhere below this value (a shape is
        complete when made: its item and its plan's walk come first)."""
        if self.kind == LIST:
            return self.item is not None and self.item.deferred
        return self.kind == OBJECT and self.plan is not None and bool(self.plan.walk)


@dataclass(eq=False)
class FieldPlan:
    key: str  # the response key (alias or name)
    name: str
    parent: str  # the parent type's name
    parent_type: GraphQLObjectType
    kind: int
    details: list[FieldDetails]
    nodes: list[FieldNode]
    field_def: GraphQLField | None
    shape: Shape | None  # None for TYPENAME and DELEGATE
    attr: str = ""  # BASIC: the Python attribute
    getter: Callable[[Any, str], Any] | None = None  # BASIC
    resolve: Callable[..., Any] | None = None  # RESOLVER
    batcher: Batcher | None = None  # BATCHED
    selected: frozenset[str] = frozenset()  # BATCHED: selected names, as selected_names(info)


@dataclass(eq=False)
class ObjectPlan:
    type: GraphQLObjectType
    fields: list[FieldPlan]
    walk: list[FieldPlan]  # the fields pass 1 visits: resolvers, batchers, delegates, and
    # basic fields with one of those below
    project: Projector | None = None  # pass 2's fast way (see `projector`)


WorkItem = tuple[ObjectPlan, Any, Path]
"""An object whose fields pass 1 resolves: its plan, its value and its path."""

Projector = Callable[[Any, dict[tuple[int, FieldPlan], Any], "_Run", Path], dict[str, Any]]
"""(source, resolved values, the run, the object's path) -> the object's response."""


class NotCompilable(Exception):
    """The document needs the generic executor (directives in its selections)."""


class _Plans:
    """Plans per schema, keyed by the root field node of a cached parsed document
    (the node is kept, so its id is not reused while the entry lives)."""

    def __init__(self) -> None:
        self._by_schema: weakref.WeakKeyDictionary[
            GraphQLSchema, OrderedDict[tuple[int, str], tuple[FieldNode, FieldPlan | None]]
        ] = weakref.WeakKeyDictionary()
        self._lock = threading.Lock()

    def get(
        self, schema: GraphQLSchema, node: FieldNode, parent: str
    ) -> tuple[bool, FieldPlan | None]:
        with self._lock:
            plans = self._by_schema.get(schema)
            entry = plans.get((id(node), parent)) if plans is not None else None
            if entry is None or entry[0] is not node:
                return False, None
            plans.move_to_end((id(node), parent))  # type: ignore[union-attr]
            return True, entry[1]

    def put(
        self, schema: GraphQLSchema, node: FieldNode, parent: str, plan: FieldPlan | None
    ) -> None:
        with self._lock:
            plans = self._by_schema.setdefault(schema, OrderedDict())
            plans[(id(node), parent)] = (node, plan)
            while len(plans) > PLAN_CACHE_SIZE:
                plans.popitem(last=False)


_plans = _Plans()


def _fast_string(coerce: Callable[[Any], Any]) -> Callable[[Any], Any]:
    def coerce_string(value: Any) -> Any:
        return value if type(value) is str else coerce(value)

    return coerce_string


def _memo(coerce: Callable[[Any], Any]) -> Callable[[Any], Any]:
    """Enum members coerce to the same name every time: remember each one (a
    projector looks them up in `coerce_member.names` before calling it)."""
    seen: dict[Any, Any] = {}

    def coerce_member(value: Any) -> Any:
        if isinstance(value, Enum):
            found = seen.get(value, Undefined)
            if found is Undefined:
                found = coerce(value)
                if isinstance(found, str):
                    seen[value] = found
            return found
        return coerce(value)

    coerce_member.names = seen  # type: ignore[attr-defined]
    return coerce_member


def _coercer(leaf: Any) -> Callable[[Any], Any]:
    coerce: Callable[[Any], Any] = leaf.coerce_output_value
    if isinstance(leaf, GraphQLEnumType):
        return _memo(coerce)
    if isinstance(leaf, GraphQLScalarType) and leaf.name in ("String", "ID"):
        return _fast_string(coerce)
    return coerce


def selected_names(nodes: Iterable[Any], fragments: dict[str, Any]) -> frozenset[str]:
    """What `schema.context.selected_names(info)` answers for a field with `nodes`:
    every field name below (the field's own included), fragment spreads by their
    name, inline fragments as ""."""
    names: set[str] = set()
    stack: list[Any] = list(nodes)
    while stack:
        node = stack.pop()
        if isinstance(node, FieldNode):
            names.add(node.name.value)
            selection_set = node.selection_set
        elif isinstance(node, FragmentSpreadNode):
            names.add(node.name.value)
            fragment = fragments.get(node.name.value)
            selection_set = fragment.selection_set if fragment is not None else None
        else:
            names.add("")
            selection_set = node.selection_set
        if selection_set is not None:
            stack.extend(selection_set.selections)
    return frozenset(names)


def has_directives(selection_set: SelectionSetNode | None, fragments: dict[str, Any]) -> bool:
    seen: set[str] = set()
    stack = [selection_set]
    while stack:
        current = stack.pop()
        if current is None:
            continue
        for selection in current.selections:
            if selection.directives:
                return True
            if isinstance(selection, FragmentSpreadNode):
                name = selection.name.value
                if name not in seen:
                    seen.add(name)
                    fragment = fragments.get(name)
                    if fragment is not None:
                        if fragment.directives:
                            return True
                        stack.append(fragment.selection_set)
            elif isinstance(selection, FieldNode | InlineFragmentNode):
                stack.append(selection.selection_set)
    return False


# -- the executor -----------------------------------------------------------------------


class CompiledExecutor(StrawberryGraphQLCoreExecutionContext):
    """graphql-core's executor, with compiled plans for the root fields in `roots`."""

    roots: frozenset[str] = frozenset()

    def execute_field(
        self,
        parent_type: GraphQLObjectType,
        source: Any,
        field_details_list: list[FieldDetails],
        path: Path,
        position_context: Any,
    ) -> Any:
        if path.prev is None:
            plan = self._root_plan(parent_type, field_details_list)
            served.count(compiled=plan is not None)
            if plan is not None:
                return _Run(self).root(plan, source, path)
        return super().execute_field(
            parent_type, source, field_details_list, path, position_context
        )

    def _root_plan(
        self, parent_type: GraphQLObjectType, details: list[FieldDetails]
    ) -> FieldPlan | None:
        node = details[0].node
        if (
            node.name.value not in self.roots
            or self.operation.operation is not OperationType.QUERY
            or (
                self.middleware_manager is not None
                and self.middleware_manager._middleware_resolvers is not None
            )
        ):
            return None
        found, plan = _plans.get(self.schema, node, parent_type.name)
        if found:
            return plan
        fragments = self.fragment_definitions
        if any(d.node.directives for d in details) or any(
            has_directives(d.node.selection_set, fragments) for d in details
        ):
            plan = None
        else:
            try:
                plan = self._compile_field(parent_type, details)
            except NotCompilable:
                plan = None
        if plan is not None and plan.kind not in (RESOLVER, BATCHED):
            plan = None
        _plans.put(self.schema, node, parent_type.name, plan)
        return plan

    def _compile_field(
        self, parent_type: GraphQLObjectType, details: list[FieldDetails], values: bool = False
    ) -> FieldPlan:
        """The plan of one field; `values`: the parent object is given as its values
        (`reads_values`), so the field must be a plain copy (else `_NotValues`)."""
        node = details[0].node
        name = node.name.value
        key = node.alias.value if node.alias else name
        nodes = [d.node for d in details]
        if name == "__typename":
            return FieldPlan(
                key, name, parent_type.name, parent_type, TYPENAME, details, nodes, None, None
            )
        field_def = self.schema.get_field(parent_type, name)
        if field_def is None:
            raise NotCompilable(name)
        delegate = name.startswith("__") or any(
            d.fragment_variable_values is not None for d in details
        )
        shape = None if delegate else self._shape(field_def.type, details, values)
        if shape is None:
            if values:
                raise _NotValues(name)
            return FieldPlan(
                key, name, parent_type.name, parent_type, DELEGATE, details, nodes, field_def, None
            )
        plan = FieldPlan(
            key, name, parent_type.name, parent_type, RESOLVER, details, nodes, field_def, shape
        )
        definition = field_def.extensions.get(STRAWBERRY_DEFINITION)
        basic = (
            definition is not None
            and getattr(field_def.resolve, "_is_default", False)
            and definition.is_basic_field
        )
        if values:
            if definition is None or not basic or field_def.args:
                raise _NotValues(name)
            plan.kind, plan.attr, plan.getter = BASIC, definition.python_name, _value
            return plan
        batcher = _BATCHERS.get((parent_type.name, name))
        read = _FIELD_VALUES.get((parent_type.name, name))
        if read is not None and not field_def.args:
            try:
                shape = self._shape(field_def.type, details, values=True)
            except _NotValues:
                shape = None
            if shape is not None:
                plan.shape = shape
                plan.kind, plan.attr, plan.getter = BASIC, name, _ReadValues(read)
                return plan
        if batcher is not None and not field_def.args:
            plan.kind, plan.batcher = BATCHED, batcher
            plan.selected = selected_names(nodes, self.fragment_definitions)
        elif basic:
            assert definition is not None
            plan.kind, plan.attr, plan.getter = (
                BASIC,
                definition.python_name,
                definition.default_resolver,
            )
        else:
            plan.resolve = field_def.resolve or self.field_resolver
        return plan

    def _shape(
        self, output_type: GraphQLOutputType, details: list[FieldDetails], values: bool = False
    ) -> Shape | None:
        non_null = isinstance(output_type, GraphQLNonNull)
        inner: Any = output_type.of_type if isinstance(output_type, GraphQLNonNull) else output_type
        if isinstance(inner, GraphQLList):
            item = self._shape(inner.of_type, details, values)
            return None if item is None else Shape(LIST, non_null, inner, output_type, item=item)
        if is_leaf_type(inner):
            return Shape(LEAF, non_null, inner, output_type, coerce=_coercer(inner))
        if values and inner.name not in _READS_VALUES:
            raise _NotValues(inner.name)
        if isinstance(inner, GraphQLObjectType) and inner.is_type_of is None:
            grouped = self.collect_subfields(inner, details).grouped_field_set
            fields = [self._compile_field(inner, group, values) for group in grouped.values()]
            walk = [
                f
                for f in fields
                if f.kind in (RESOLVER, BATCHED, DELEGATE)
                or (f.kind == BASIC and f.shape is not None and f.shape.deferred)
            ]
            object_plan = ObjectPlan(inner, fields, walk)
            object_plan.project = projector(object_plan)
            return Shape(OBJECT, non_null, inner, output_type, plan=object_plan)
        return None  # interfaces, unions, objects with is_type_of: graphql-core's own way


def compiled_executor(roots: Iterable[str]) -> type[CompiledExecutor]:
    """The executor class for a schema, compiling the named root query fields."""
    return type("CompiledExecutor", (CompiledExecutor,), {"roots": frozenset(roots)})


# -- running a plan ---------------------------------------------------------------------


class _Run:
    """One compiled root field: pass 1 resolves, pass 2 projects."""

    def __init__(self, executor: CompiledExecutor) -> None:
        self.executor = executor
        self.resolved: dict[tuple[int, FieldPlan], Any] = {}

    def root(self, plan: FieldPlan, source: Any, path: Path) -> Any:
        executor = self.executor
        try:
            if plan.kind == BATCHED:
                assert plan.batcher is not None
                result: Any = self._first(
                    plan.batcher(executor.context_value, [source], plan.selected)
                )
            else:
                result = self._call(plan, source, path)
        except Exception as raw_error:
            executor.handle_field_error(raw_error, plan.field_def.type, plan.details, path)  # type: ignore[union-attr]
            return None
        return self._finish(plan, result, path)

    @staticmethod
    async def _first(values: Awaitable[Sequence[Any]]) -> Any:
        return (await values)[0]

    async def _finish(self, plan: FieldPlan, result: Any, path: Path) -> Any:
        executor = self.executor
        assert plan.shape is not None
        try:
            value = await result if executor.is_awaitable(result) else result
            work: list[WorkItem] = []
            self._expand(plan.shape, value, path, work)
            while work:
                work = await self._resolve_level(work)
            return self._complete(plan.shape, value, plan, path)
        except Exception as raw_error:
            executor.handle_field_error(raw_error, plan.shape.output_type, plan.details, path)
            return None

    def _call(self, plan: FieldPlan, source: Any, path: Path) -> Any:
        executor = self.executor
        field_def = plan.field_def
        assert field_def is not None and plan.resolve is not None
        info = executor.build_resolve_info(field_def, plan.nodes, plan.parent_type, path)
        first = plan.details[0]
        args = (
            get_argument_values(
                field_def,
                first.node,
                executor.variable_values,
                first.fragment_variable_values,
                executor.hide_suggestions,
            )
            if field_def.args or first.node.arguments
            else {}
        )
        return plan.resolve(source, info, **args)

    # pass 1 ---------------------------------------------------------------------------

    def _expand(
        self, shape: Shape, value: Any, path: Path, work: MutableSequence[WorkItem]
    ) -> None:
        """Queue the objects below `value` that have fields to resolve."""
        if value is None or isinstance(value, Exception) or not shape.deferred:
            return
        if shape.kind == OBJECT:
            assert shape.plan is not None
            work.append((shape.plan, value, path))
        elif shape.kind == LIST and is_iterable(value):
            item = shape.item
            assert item is not None
            if item.kind == OBJECT:  # the usual list: objects, queued without a call each
                plan = item.plan
                assert plan is not None
                work.extend(
                    (plan, element, Path(path, index, None))
                    for index, element in enumerate(value)
                    if element is not None and not isinstance(element, Exception)
                )
                return
            for index, element in enumerate(value):
                self._expand(item, element, Path(path, index, None), work)

    async def _resolve_level(self, work: list[WorkItem]) -> list[WorkItem]:
        """Resolve every field of the queued objects, all awaited together; returns the
        objects of the next level."""
        executor = self.executor
        resolved = self.resolved
        calls: list[tuple[FieldPlan, Any, Path, Any]] = []
        groups: dict[FieldPlan, list[tuple[Any, Path]]] = {}
        following: list[WorkItem] = []
        queued = deque(work)  # BASIC fields queue their objects here, on this level
        while queued:
            object_plan, source, path = queued.popleft()
            type_name = object_plan.type.name
            for plan in object_plan.walk:
                field_path = Path(path, plan.key, type_name)
                kind = plan.kind
                if kind == BASIC:
                    assert plan.getter is not None and plan.shape is not None
                    try:
                        value = plan.getter(source, plan.attr)
                    except Exception:
                        continue
                    self._expand(plan.shape, value, field_path, queued)
                elif kind == BATCHED:
                    groups.setdefault(plan, []).append((source, field_path))
                else:
                    try:
                        if kind == DELEGATE:
                            result = executor.execute_field(
                                object_plan.type, source, plan.details, field_path, None
                            )
                        else:
                            result = self._call(plan, source, field_path)
                    except Exception as error:
                        resolved[(id(source), plan)] = error
                        continue
                    if executor.is_awaitable(result):
                        calls.append((plan, source, field_path, result))
                    else:
                        self._store(plan, source, field_path, result, following)
        batches = list(groups.items())
        outcomes = await asyncio.gather(
            *(call[3] for call in calls),
            *(
                plan.batcher(
                    executor.context_value, [source for source, _ in members], plan.selected
                )
                for plan, members in batches
                if plan.batcher is not None
            ),
            return_exceptions=True,
        )
        for (plan, source, field_path, _), outcome in zip(calls, outcomes, strict=False):
            self._store(plan, source, field_path, outcome, following)
        for (plan, members), outcome in zip(batches, outcomes[len(calls) :], strict=True):
            if isinstance(outcome, BaseException) or len(outcome) != len(members):
                failure = (
                    outcome
                    if isinstance(outcome, BaseException)
                    else RuntimeError(
                        f"batcher for {plan.parent}.{plan.name} answered "
                        f"{len(outcome)} values for {len(members)} parents"
                    )
                )
                for source, _ in members:
                    resolved[(id(source), plan)] = failure
                continue
            if plan.shape is not None and plan.shape.deferred:
                for (source, field_path), value in zip(members, outcome, strict=True):
                    self._store(plan, source, field_path, value, following)
            else:  # nothing below to resolve: only remembered
                for (source, _), value in zip(members, outcome, strict=True):
                    resolved[(id(source), plan)] = value
        return following

    def _store(
        self,
        plan: FieldPlan,
        source: Any,
        path: Path,
        value: Any,
        following: list[WorkItem],
    ) -> None:
        self.resolved[(id(source), plan)] = value
        if plan.kind != DELEGATE and plan.shape is not None:
            self._expand(plan.shape, value, path, following)

    # pass 2 ---------------------------------------------------------------------------

    def _object(self, object_plan: ObjectPlan, source: Any, path: Path) -> dict[str, Any]:
        if object_plan.project is not None:
            try:
                return object_plan.project(source, self.resolved, self, path)
            except _Unusual:  # raised before anything was recorded: redo it field by field
                pass
        return self._object_by_field(object_plan, source, path)

    def _object_by_field(self, object_plan: ObjectPlan, source: Any, path: Path) -> dict[str, Any]:
        executor = self.executor
        resolved = self.resolved
        type_name = object_plan.type.name
        out: dict[str, Any] = {}
        for plan in object_plan.fields:
            kind = plan.kind
            if kind == TYPENAME:
                out[plan.key] = type_name
                continue
            field_path: Path | None = None
            try:
                if kind == BASIC:
                    value = plan.getter(source, plan.attr)  # type: ignore[misc]
                else:
                    value = resolved[(id(source), plan)]
                    if kind == DELEGATE:
                        if isinstance(value, Exception):
                            raise value
                        out[plan.key] = value
                        continue
                shape = plan.shape
                assert shape is not None
                if shape.kind == LEAF and not isinstance(value, Exception):
                    if value is None:
                        if shape.non_null:
                            raise TypeError(
                                "Cannot return null for non-nullable field"
                                f" {type_name}.{plan.name}."
                            )
                        out[plan.key] = None
                    else:
                        out[plan.key] = self._leaf(shape, value)
                    continue
                field_path = Path(path, plan.key, type_name)
                out[plan.key] = self._complete(shape, value, plan, field_path)
            except Exception as raw_error:
                if field_path is None:
                    field_path = Path(path, plan.key, type_name)
                output_type = plan.field_def.type if plan.field_def is not None else None
                executor.handle_field_error(raw_error, output_type, plan.details, field_path)  # type: ignore[arg-type]
                out[plan.key] = None
        return out

    @staticmethod
    def _leaf(shape: Shape, value: Any) -> Any:
        assert shape.coerce is not None
        coerced = shape.coerce(value)
        if coerced is Undefined or coerced is None:
            raise TypeError(
                f"Expected `{inspect(shape.type)}.coerce_output_value("
                f"{inspect(value)})` to return non-nullable value, returned:"
                f" {inspect(coerced)}"
            )
        return coerced

    def _complete(self, shape: Shape, value: Any, plan: FieldPlan, path: Path) -> Any:
        if isinstance(value, Exception):
            raise value
        if value is None or value is Undefined:
            if shape.non_null:
                raise TypeError(
                    f"Cannot return null for non-nullable field {plan.parent}.{plan.name}."
                )
            return None
        kind = shape.kind
        if kind == LEAF:
            return self._leaf(shape, value)
        if kind == OBJECT:
            assert shape.plan is not None
            return self._object(shape.plan, value, path)
        if not is_iterable(value):
            raise GraphQLError(
                f"Expected Iterable, but did not find one for field '{plan.parent}.{plan.name}'."
            )
        item = shape.item
        assert item is not None
        items: list[Any] = []
        append = items.append
        executor = self.executor
        for index, element in enumerate(value):
            item_path = Path(path, index, None)
            try:
                append(self._complete(item, element, plan, item_path))
            except Exception as raw_error:
                executor.handle_field_error(raw_error, item.output_type, plan.details, item_path)
                append(None)
        return items


# -- pass 2, generated ------------------------------------------------------------------


class _Unusual(Exception):
    """A leaf the generated projector does not complete itself (a null in a non-null
    field, an error value, a failed coercion, a getter that raised): `_Run._object`
    then completes the object field by field, with graphql-core's messages."""


_UNUSUAL = _Unusual()


def projector(object_plan: ObjectPlan) -> Projector | None:
    """One Python function per object plan that completes an object in one call,
    with the same answer as `_Run._object_by_field` when nothing unusual happens.

    Leaves come first (a plain attribute read, or a look-up in the values of an
    object given as its values, and for String and ID values that are already
    strings no coercion at all); any unusual leaf raises `_Unusual`
    before a nested field is completed, so nothing is recorded twice. Nested
    fields are completed as `_Run._complete` would (see `_completion`), with
    errors handled as there. The response keeps the selection's order."""
    type_name = object_plan.type.name
    namespace: dict[str, Any] = {"_resolved_error": _resolved_error, "Path": Path}
    leaves: list[str] = []
    nested: list[str] = []
    results: list[str] = []
    for index, plan in enumerate(object_plan.fields):
        result = f"r{index}"
        results.append(f"{plan.key!r}: {result}")
        namespace[f"P{index}"] = plan
        if plan.kind == TYPENAME:
            leaves.append(f"    {result} = {type_name!r}")
            continue
        if plan.kind == BASIC:
            if plan.getter is _value:  # an object given as its values (`reads_values`)
                read = f"source.values.get({plan.attr!r})"
            elif isinstance(plan.getter, _ReadValues):
                namespace[f"G{index}"] = plan.getter.read
                read = f"G{index}(source)"
            elif plan.getter is getattr and plan.attr.isidentifier():
                read = f"source.{plan.attr}"
            else:
                return None
        else:
            read = f"resolved[(id(source), P{index})]"
        shape = plan.shape
        if plan.kind == DELEGATE:
            leaves.append(f"    {result} = _resolved_error({read})")
        elif shape is not None and shape.kind == LEAF:
            namespace[f"L{index}"] = _leaf_or_unusual(shape)
            names = getattr(shape.coerce, "names", None)  # an enum's members coerced so far
            if shape.type.name in ("String", "ID"):  # type: ignore[union-attr]
                leaves += [
                    f"    v = {read}",
                    f"    {result} = v if type(v) is str else L{index}(v)",
                ]
            elif names is not None:
                namespace[f"N{index}"] = names
                leaves += [
                    f"    v = {read}",
                    f"    {result} = N{index}.get(v)",
                    f"    if {result} is None:",
                    f"      {result} = L{index}(v)",
                ]
            else:
                leaves.append(f"    {result} = L{index}({read})")
        else:
            assert shape is not None  # RESOLVER, BATCHED and BASIC fields have one
            namespace[f"S{index}"] = shape
            nested += [
                f"  field_path = Path(path, {plan.key!r}, {type_name!r})",
                "  try:",
                f"    v = {read}",
                *(f"    {line}" for line in _completion(shape, index, result, namespace)),
                "  except Exception as raw_error:",
                f"    handle(raw_error, P{index}.field_def.type, P{index}.details, field_path)",
                f"    {result} = None",
            ]
    lines = [
        "def project(source, resolved, run, path):",
        "  try:",
        "    pass",
        *leaves,
        "  except _Unusual:",
        "    raise",
        "  except Exception:",  # a getter that raised: the field-by-field way handles it
        "    raise _UNUSUAL",
        "  complete, handle = run._complete, run.executor.handle_field_error",
        "  obj = run._object",
        *nested,
        f"  return {{{', '.join(results)}}}",
    ]
    namespace.update(_Unusual=_Unusual, _UNUSUAL=_UNUSUAL, Undefined=Undefined)
    source_code = "\n".join(lines)
    exec(compile(source_code, f"<projector {type_name}>", "exec"), namespace)
    project: Projector = namespace["project"]
    return project


def _completion(shape: Shape, index: int, result: str, namespace: dict[str, Any]) -> list[str]:
    """Lines that complete the value `v` of field `index` into `result`: an object,
    or a list of objects, straight through `_Run._object` (its projector, or field
    by field when unusual), without `_Run._complete`'s dispatch per item; any other
    shape, and a value that is null, an error or not a list, through `complete`."""
    usual = "v is not None and v is not Undefined and not isinstance(v, Exception)"
    target = shape.item if shape.kind == LIST else shape
    if (
        target is None
        or target.kind != OBJECT
        or target.plan is None
        or target.plan.project is None
    ):
        return [f"{result} = complete(S{index}, v, P{index}, field_path)"]
    namespace[f"O{index}"] = target.plan
    if shape.kind == OBJECT:
        return [
            f"if {usual}:",
            f"  {result} = obj(O{index}, v, field_path)",
            "else:",
            f"  {result} = complete(S{index}, v, P{index}, field_path)",
        ]
    namespace[f"I{index}"] = target
    return [
        "if type(v) is list or type(v) is tuple:",
        f"  {result} = items = []",
        "  for item_index, element in enumerate(v):",
        "    item_path = Path(field_path, item_index, None)",
        "    try:",
        "      if element is None or element is Undefined or isinstance(element, Exception):",
        f"        items.append(complete(I{index}, element, P{index}, item_path))",
        "      else:",
        f"        items.append(obj(O{index}, element, item_path))",
        "    except Exception as raw_error:",
        f"      handle(raw_error, I{index}.output_type, P{index}.details, item_path)",
        "      items.append(None)",
        "else:",
        f"  {result} = complete(S{index}, v, P{index}, field_path)",
    ]


def _resolved_error(value: Any) -> Any:
    if isinstance(value, Exception):
        raise _UNUSUAL
    return value


def _leaf_or_unusual(shape: Shape) -> Callable[[Any], Any]:
    coerce, non_null = shape.coerce, shape.non_null
    assert coerce is not None

    def leaf(value: Any) -> Any:
        if value is None:
            if non_null:
                raise _UNUSUAL
            return None
        if isinstance(value, Exception):
            raise _UNUSUAL
        coerced = coerce(value)
        if coerced is None or coerced is Undefined:
            raise _UNUSUAL
        return coerced

    return leaf
