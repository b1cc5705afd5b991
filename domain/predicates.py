"""Row rules as data: written once, evaluated here in Python and compiled to SQL
by `authz.sql`, so the row filter and the Python rule cannot drift apart.

A rule compares a row's columns (`Column`, by ORM attribute name) with
constants or with facts about the viewer (`Fact`, by `ViewerFacts` attribute
name). NULL never matches, in Python as in SQL: an absent viewer organisation
is nobody's party, and a report without an auditor has no auditor to match.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, TypeVar

T = TypeVar("T")


@dataclass(frozen=True)
class Column:
    name: str


@dataclass(frozen=True)
class Fact:
    name: str


@dataclass(frozen=True)
class Equals:
    column: Column
    value: Any  # a constant or a Fact


@dataclass(frozen=True)
class OneOf:
    column: Column
    values: Fact | frozenset[Any]


@dataclass(frozen=True)
class Present:
    column: Column


@dataclass(frozen=True)
class NotAfter:
    """The column's time has been reached: column <= value (a constant or a Fact,
    e.g. the request's clock `Fact("now")`). Times compare as UTC."""

    column: Column
    value: Any


@dataclass(frozen=True)
class FactOneOf:
    """A condition on the viewer alone (constant for one request)."""

    fact: Fact
    values: frozenset[Any]


@dataclass(frozen=True)
class AnyOf:
    parts: tuple[Predicate, ...]


@dataclass(frozen=True)
class AllOf:
    parts: tuple[Predicate, ...]


Predicate = Equals | OneOf | Present | NotAfter | FactOneOf | AnyOf | AllOf


def any_of(*parts: Predicate) -> AnyOf:
    return AnyOf(parts)


def all_of(*parts: Predicate) -> AllOf:
    return AllOf(parts)


def fact_value(facts: object, value: Any) -> Any:
    """A constant as is; a Fact read off the viewer's facts (None when anonymous)."""
    if isinstance(value, Fact):
        return getattr(facts, value.name, None) if facts is not None else None
    return value


def column_value(row: object, column: Column) -> Any:
    if isinstance(row, Mapping):
        return row.get(column.name)
    return getattr(row, column.name)


def holds(rule: Predicate, row: object, facts: object = None) -> bool:
    """Does `rule` hold for `row` (an ORM row, a dataclass or a mapping) and the viewer?"""
    match rule:
        case Equals(column, value):
            expected = fact_value(facts, value)
            actual = column_value(row, column)
            return expected is not None and actual is not None and bool(actual == expected)
        case OneOf(column, values):
            allowed: Collection[Any] = fact_value(facts, values) or ()
            actual = column_value(row, column)
            return actual is not None and actual in allowed
        case Present(column):
            return column_value(row, column) is not None
        case NotAfter(column, value):
            limit = fact_value(facts, value)
            actual = column_value(row, column)
            return limit is not None and actual is not None and _utc(actual) <= _utc(limit)
        case FactOneOf(fact, values):
            return fact_value(facts, fact) in values
        case AnyOf(parts):
            return any(holds(part, row, facts) for part in parts)
        case AllOf(parts):
            return all(holds(part, row, facts) for part in parts)
    raise TypeError(f"not a predicate: {rule!r}")  # pragma: no cover


def columns_of(rule: Predicate) -> frozenset[str]:
    """Every column a rule reads (what a row must carry to be judged)."""
    match rule:
        case Equals(column, _) | OneOf(column, _) | Present(column) | NotAfter(column, _):
            return frozenset({column.name})
        case FactOneOf():
            return frozenset()
        case AnyOf(parts) | AllOf(parts):
            return frozenset().union(*(columns_of(part) for part in parts))
    raise TypeError(f"not a predicate: {rule!r}")  # pragma: no cover


def facts_of(rule: Predicate) -> frozenset[str]:
    """Every fact about the viewer a rule reads (what its SQL depends on)."""
    match rule:
        case Equals(_, value) | NotAfter(_, value):
            return frozenset({value.name}) if isinstance(value, Fact) else frozenset()
        case OneOf(_, values):
            return frozenset({values.name}) if isinstance(values, Fact) else frozenset()
        case Present():
            return frozenset()
        case FactOneOf(fact, _):
            return frozenset({fact.name})
        case AnyOf(parts) | AllOf(parts):
            return frozenset().union(*(facts_of(part) for part in parts))
    raise TypeError(f"not a predicate: {rule!r}")  # pragma: no cover


def _utc(moment: Any) -> Any:
    """Aware UTC for a datetime (SQLite hands back naive UTC); other values as they are."""
    if isinstance(moment, datetime):
        return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
    return moment


Judge = Callable[[object, object], T]
"""(row, facts) -> the outcome of the first rule that holds (see `first_holding`)."""


def first_holding(rules: Sequence[tuple[T, Predicate]], otherwise: T) -> Judge[T]:
    """`rules` compiled into one Python function: the outcome paired with the first
    rule that `holds` for a row and the viewer, else `otherwise`.

    Same answers as calling `holds` rule by rule (tests/unit/test_row_rules.py
    compares them on generated rows), without interpreting the rule tree per row:
    each rule becomes one expression, columns are read when first reached (as
    `holds` reads them) and the viewer's facts once per call. A mapping row is read
    with `.get`, any other row by attribute."""
    by_attribute = _judge_source(rules, mapping=False)
    by_key = _judge_source(rules, mapping=True)
    outcomes = tuple(outcome for outcome, _ in rules)

    def judge(row: object, facts: object) -> T:
        found = (by_key if isinstance(row, Mapping) else by_attribute)(row, facts)
        return otherwise if found < 0 else outcomes[found]

    return judge


class _Source:
    """Python source for one judge: constants by name, one temporary per column read."""

    def __init__(self, mapping: bool) -> None:
        self.mapping = mapping
        self.constants: dict[str, Any] = {"_utc": _utc}
        self.facts: dict[str, str] = {}  # fact name -> local variable
        self._count = 0

    def name(self, prefix: str) -> str:
        self._count += 1
        return f"{prefix}{self._count}"

    def constant(self, value: Any) -> str:
        name = self.name("_k")
        self.constants[name] = value
        return name

    def fact(self, fact: Fact) -> str:
        return self.facts.setdefault(fact.name, f"_f_{_identifier(fact.name)}")

    def operand(self, value: Any) -> str:
        return self.fact(value) if isinstance(value, Fact) else self.constant(value)

    def read(self, column: Column) -> tuple[str, str]:
        """(temporary, the expression that assigns it) for a column."""
        temp = self.name("_c")
        access = f"row.get({column.name!r})" if self.mapping else f"row.{_identifier(column.name)}"
        return temp, f"({temp} := {access})"

    def expression(self, rule: Predicate) -> str:
        match rule:
            case Equals(column, value):
                expected = self.operand(value)
                temp, read = self.read(column)
                return (
                    f"({expected} is not None and {read} is not None"
                    f" and bool({temp} == {expected}))"
                )
            case OneOf(column, values):
                allowed = self.operand(values)
                temp, read = self.read(column)
                return f"({read} is not None and {temp} in ({allowed} or ()))"
            case Present(column):
                _, read = self.read(column)
                return f"({read} is not None)"
            case NotAfter(column, value):
                limit = self.operand(value)
                temp, read = self.read(column)
                return (
                    f"({limit} is not None and {read} is not None"
                    f" and _utc({temp}) <= _utc({limit}))"
                )
            case FactOneOf(fact, values):
                return f"({self.fact(fact)} in {self.constant(values)})"
            case AnyOf(parts):
                return "(" + " or ".join(map(self.expression, parts)) + ")" if parts else "False"
            case AllOf(parts):
                return "(" + " and ".join(map(self.expression, parts)) + ")" if parts else "True"
        raise TypeError(f"not a predicate: {rule!r}")  # pragma: no cover


def _identifier(name: str) -> str:
    """A column's or fact's name, safe to write into the generated source."""
    if not name.isidentifier():
        raise ValueError(f"not a column attribute or fact name: {name!r}")
    return name


def _judge_source(rules: Sequence[tuple[Any, Predicate]], mapping: bool) -> Callable[..., int]:
    """A function (row, facts) -> the index of the first rule that holds, or -1."""
    source = _Source(mapping)
    tests = [source.expression(rule) for _, rule in rules]
    lines = ["def judge(row, facts):"]
    lines += [
        f"    {local} = getattr(facts, {name!r}, None) if facts is not None else None"
        for name, local in source.facts.items()
    ]
    lines += [f"    if {test}:\n        return {index}" for index, test in enumerate(tests)]
    lines.append("    return -1")
    namespace = dict(source.constants)
    exec(compile("\n".join(lines), f"<rules {source.name('')}>", "exec"), namespace)
    judge: Callable[..., int] = namespace["judge"]
    return judge
