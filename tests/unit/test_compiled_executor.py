"""schema/compiled.py on a toy schema: the compiled executor answers exactly what
graphql-core's generic executor answers, errors and null propagation included
(nulls in non-null fields and list items, raising resolvers and batchers, unions
handed back to graphql-core, fragments, aliases, __typename)."""

from __future__ import annotations

import asyncio
import datetime as dt
import enum
from collections.abc import Sequence
from typing import Any

import strawberry
from graphql import parse

from schema.compiled import (
    _Run,
    batched,
    compiled_executor,
    field_values,
    has_directives,
    reads_values,
    selected_names,
)


@strawberry.enum
class ToyKind(enum.Enum):
    SMALL = "SMALL"
    LARGE = "LARGE"


@strawberry.type
class ToyLeaf:
    name: str
    note: str | None = None


@strawberry.type
class ToyCat:
    meows: int


@strawberry.type
class ToyDog:
    barks: int


@strawberry.type
class ToyItem:
    id: strawberry.ID
    label: str  # None in some data: a non-null violation
    kind: ToyKind
    when: dt.date | None
    tags: list[str]  # a None item in some data
    loose: list[str | None]
    number: int

    @strawberry.field
    async def child(self) -> ToyLeaf | None:
        if self.number == 2:
            raise ValueError("child of 2 fails")
        return ToyLeaf(name=f"child {self.number}")

    @strawberry.field
    def strict_child(self) -> ToyLeaf:
        if self.number == 3:
            raise ValueError("strict child of 3 fails")
        return ToyLeaf(name=f"strict {self.number}", note=None)

    @strawberry.field
    def pet(self) -> ToyCat | ToyDog:
        return ToyCat(meows=self.number) if self.number % 2 else ToyDog(barks=self.number)

    @strawberry.field
    async def batched_leaf(self) -> ToyLeaf | None:
        """What the batcher below answers for each item, one at a time."""
        if self.number == 4:
            raise ValueError("batch 4 fails")
        return ToyLeaf(name=f"batched {self.number}")


def item(number: int, **changes: Any) -> ToyItem:
    values: dict[str, Any] = {
        "id": strawberry.ID(f"i{number}"),
        "label": f"item {number}",
        "kind": ToyKind.LARGE if number % 2 else ToyKind.SMALL,
        "when": dt.date(2026, 1, number) if number % 3 else None,
        "tags": ["a", "b"],
        "loose": ["x", None],
        "number": number,
    }
    values.update(changes)
    return ToyItem(**values)


@strawberry.type
class ToySub:
    label: str


@strawberry.type
class ToyPart:
    name: str  # None in some data: a non-null violation
    size: int | None
    kind: ToyKind
    sub: ToySub | None

    @strawberry.field
    def shout(self) -> str:
        return self.name.upper()


class Values:
    """What a part is built from (as a `Disclosed` is): a mapping of values."""

    def __init__(self, **values: Any) -> None:
        self.values = values


BUILT: list[str] = []


def built(part: Values) -> ToyPart:
    """The one place parts are built from their values (as `from_disclosed`)."""
    BUILT.append("part")
    value = part.values.get
    sub = value("sub")
    return ToyPart(
        name=value("name"),
        size=value("size"),
        kind=value("kind"),
        sub=ToySub(label=sub.values.get("label")) if sub else None,
    )


@strawberry.type
class ToyBox:
    number: int
    raw: strawberry.Private[tuple[Values, ...]]

    @strawberry.field
    def parts(self) -> list[ToyPart | None]:  # a broken part is null, the others stay
        return [built(part) for part in self.raw]


reads_values(ToyPart)
reads_values(ToySub)
field_values(ToyBox, "parts")(lambda box: box.raw)


def box(number: int, broken: bool = False) -> ToyBox:
    parts = [
        Values(name=f"p{number}", size=number, kind=ToyKind.SMALL, sub=Values(label="s")),
        Values(name="q", size=None, kind=ToyKind.LARGE, sub=None),
        Values(name="r", kind=ToyKind.LARGE),  # size and sub absent: None, as withheld
    ]
    if broken:
        parts += [
            Values(name=None, size=1, kind=ToyKind.SMALL, sub=None),
            Values(name="t", size=2, kind=ToyKind.SMALL, sub=Values(label=None)),
            # A failed coercion in a nullable field: the part is completed field by
            # field, its other values still shown.
            Values(name="u", size="not a number", kind=ToyKind.SMALL, sub=None),
        ]
    return ToyBox(number=number, raw=tuple(parts))


@strawberry.type
class ToyQuery:
    @strawberry.field
    async def boxes(self, broken: bool = False) -> list[ToyBox]:
        return [box(1, broken), box(2)]

    @strawberry.field
    async def items(self, broken: bool = False) -> list[ToyItem | None]:
        data: list[ToyItem | None] = [item(1), item(2), item(3), item(4)]
        if broken:
            data += [item(5, label=None), item(6, tags=["ok", None]), None]
        return data

    @strawberry.field
    async def strict(self, fail: bool = False) -> list[ToyItem]:
        if fail:
            raise ValueError("no items")
        return [item(1), item(7, label=None)]

    @strawberry.field
    def one(self) -> ToyItem:
        return item(9)


BATCHES: list[int] = []


@batched(ToyItem, "batchedLeaf")
async def leaves(
    _context: Any, items: list[ToyItem], _selected: frozenset[str]
) -> Sequence[ToyLeaf | Exception | None]:
    BATCHES.append(len(items))
    return [
        ValueError(f"batch {i.number} fails")
        if i.number == 4
        else ToyLeaf(name=f"batched {i.number}")
        for i in items
    ]


GENERIC = strawberry.Schema(query=ToyQuery)
COMPILED = strawberry.Schema(
    query=ToyQuery,
    execution_context_class=compiled_executor(["items", "strict", "one", "boxes"]),
)

QUERIES = [
    "{ items { id label kind when tags loose number __typename } }",
    "{ items(broken: true) { id label tags } }",
    "{ items { id child { name note } strictChild { name } } }",
    "{ items { pet { __typename ... on ToyCat { meows } ... on ToyDog { barks } } } }",
    "{ items { id batchedLeaf { name } } }",
    "{ strict { id label } }",
    "{ strict(fail: true) { id } }",
    "{ one { ...F x: label } } fragment F on ToyItem { id y: kind strictChild { name } }",
    "{ a: items { id } b: one { id } c: strict { id } }",
    "{ boxes { number parts { __typename name size kind sub { label } } } }",
    "{ boxes(broken: true) { parts { name s: sub { label } } } }",
    "{ boxes { parts { ...P shout } } } fragment P on ToyPart { n: name kind }",
]


def run(schema: strawberry.Schema, query: str) -> tuple[Any, list[tuple[str, Any, Any]]]:
    result = asyncio.run(schema.execute(query))
    errors = sorted((error.message, error.path, error.locations) for error in result.errors or [])
    return result.data, errors


def test_compiled_answers_equal_generic_answers() -> None:
    for query in QUERIES:
        assert run(COMPILED, query) == run(GENERIC, query), query


def test_the_errors_are_there_to_compare() -> None:
    """The queries above do exercise failures, so equality is not vacuous."""
    data, errors = run(COMPILED, "{ items(broken: true) { id label tags } }")
    assert data is not None and data["items"][4] is None and data["items"][5] is None
    assert data["items"][6] is None  # a null item of a nullable list, no error
    assert [e[1] for e in errors] == [["items", 4, "label"], ["items", 5, "tags", 1]]
    data, errors = run(COMPILED, "{ strict { id label } }")
    assert data is None and errors[0][0].startswith("Cannot return null")
    BATCHES.clear()
    data, errors = run(COMPILED, "{ items { id batchedLeaf { name } } }")
    assert data["items"][3]["batchedLeaf"] is None and errors[0][0] == "batch 4 fails"
    assert BATCHES == [4], "one call for the whole level"


def test_selected_names_and_directives() -> None:
    document = parse(
        "query { a { b ...F ... on T { c } } } fragment F on X { d @include(if: true) }"
    )
    operation, fragment = document.definitions
    fragments = {fragment.name.value: fragment}  # type: ignore[attr-defined]
    field = operation.selection_set.selections[0]  # type: ignore[attr-defined]
    assert selected_names([field], fragments) == frozenset({"a", "b", "F", "", "c", "d"})
    assert has_directives(field.selection_set, fragments)
    plain = parse("{ a { b } }").definitions[0].selection_set  # type: ignore[attr-defined]
    assert not has_directives(plain, {})


def test_generated_projectors_complete_objects_and_hand_unusual_ones_back(
    monkeypatch: Any,
) -> None:
    """Objects are completed by their plan's generated projector; an object with an
    unusual leaf (a null in a non-null field) is completed field by field instead,
    and the answer is the generic executor's either way."""
    by_field: list[str] = []
    original = _Run._object_by_field

    def counted(run_: _Run, object_plan: Any, source: Any, path: Any) -> dict[str, Any]:
        by_field.append(object_plan.type.name)
        return original(run_, object_plan, source, path)

    monkeypatch.setattr(_Run, "_object_by_field", counted)
    query = "{ items { id label kind when tags loose number child { name } } }"
    assert run(COMPILED, query) == run(GENERIC, query)
    assert by_field == []
    query = "{ items(broken: true) { id label tags } }"
    assert run(COMPILED, query) == run(GENERIC, query)
    assert by_field == ["ToyItem"]  # item 5's null label; item 6's null tag is in a list


def test_objects_given_as_their_values_are_never_built_unless_needed() -> None:
    """A `field_values` field whose selection a `reads_values` type can answer is
    read from the values (no object built), nulls and errors as the generic
    executor's; a selection with a resolver below (`shout`) builds the objects."""
    query = "{ boxes(broken: true) { parts { name size kind sub { label } } } }"
    BUILT.clear()
    data, errors = run(COMPILED, query)
    assert BUILT == []
    assert (data, errors) == run(GENERIC, query)
    assert [e[1] for e in errors] == [
        ["boxes", 0, "parts", 3, "name"],
        ["boxes", 0, "parts", 4, "sub", "label"],
        ["boxes", 0, "parts", 5, "size"],
    ]
    assert data["boxes"][0]["parts"][5]["name"] == "u"
    assert data["boxes"][0]["parts"][2] == {"name": "r", "size": None, "kind": "LARGE", "sub": None}
    BUILT.clear()
    query = "{ boxes { parts { name shout } } }"
    assert run(COMPILED, query) == run(GENERIC, query)
    assert len(BUILT) == 2 * 2 * 3  # both executors built every part
