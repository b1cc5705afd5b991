"""Row rules as data: written once, evaluated here in Python and compiled to SQL
by `authz.sql`, so the row filter and the Python rule cannot drift apart.

A rule compares a row's columns (`Column`, by ORM attribute name) with
constants or with facts about the viewer (`Fact`, by `ViewerFacts` attribute
name). NULL never matches, in Python as in SQL: an absent viewer organisation
is nobody's party, and a report without an auditor has no auditor to match.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any


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


def _utc(moment: Any) -> Any:
    """Aware UTC for a datetime (SQLite hands back naive UTC); other values as they are."""
    if isinstance(moment, datetime):
        return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
    return moment
