"""Compile `domain.predicates` rules into SQLAlchemy WHERE clauses.

The viewer's facts are known before the query is built, so conditions on the
viewer alone become constants and drop out of the SQL.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import ColumnElement, and_, false, or_, true

from domain.predicates import (
    AllOf,
    AnyOf,
    Equals,
    FactOneOf,
    NotAfter,
    OneOf,
    Predicate,
    Present,
    fact_value,
)

ColumnOf = Callable[[str], Any]


def model_columns(model: type) -> ColumnOf:
    """Columns by ORM attribute name, e.g. `model_columns(AuditReport)("supplier_id")`."""

    def column(name: str) -> Any:
        return getattr(model, name)

    return column


def to_sql(rule: Predicate, column: ColumnOf, facts: object) -> ColumnElement[bool]:
    match rule:
        case Equals(name, value):
            expected = fact_value(facts, value)
            if expected is None:
                return false()
            clause: ColumnElement[bool] = column(name.name) == expected
            return clause
        case OneOf(name, values):
            allowed = fact_value(facts, values) or ()
            if not allowed:
                return false()
            in_clause: ColumnElement[bool] = column(name.name).in_(sorted(allowed))
            return in_clause
        case Present(name):
            present: ColumnElement[bool] = column(name.name).is_not(None)
            return present
        case NotAfter(name, value):
            limit = fact_value(facts, value)
            if limit is None:
                return false()
            reached: ColumnElement[bool] = column(name.name) <= limit
            return reached
        case FactOneOf(fact, values):
            return true() if fact_value(facts, fact) in values else false()
        case AnyOf(parts):
            return or_(false(), *(to_sql(part, column, facts) for part in parts))
        case AllOf(parts):
            return and_(true(), *(to_sql(part, column, facts) for part in parts))
    raise TypeError(f"not a predicate: {rule!r}")  # pragma: no cover
